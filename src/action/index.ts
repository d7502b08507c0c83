import { run } from './main.js';
import { cacheCallsRunning } from './rerun-cache.js';
import { cancelOnSignals, systemRuntime } from '../runtime.js';

// A cache call given up on (a service that hangs or keeps retrying) would hold the process, and
// the step, open: the step is done, so it ends here, as actions/cache's own restore does.
void run(systemRuntime, cancelOnSignals(1)).then(() => {
  if (cacheCallsRunning()) process.exit();
});
