import { run } from './main.js';
import { cancelOnSignals, systemRuntime } from '../runtime.js';

void run(systemRuntime, cancelOnSignals(1));
