// Time from `node dist/index.js` to the action's first request, as a runner would start it.
//
//   npm run bench:cold-start [-- --runs 20]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../test/support/action.js';
import { startKieServer } from '../test/support/kie-server.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;

const kie = await startKieServer();
kie.script('cold', [{ state: 'success' }]);
const firstRequestMs: number[] = [];
const totalMs: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const before = kie.requests.length;
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/index.js')], {
      env: {
        PATH: process.env.PATH,
        'INPUT_TASK-ID': 'cold',
        'INPUT_API-KEY': kie.apiKey,
        'INPUT_BASE-URL': kie.url,
      },
      stdio: 'ignore',
    });
    await new Promise((resolve) => child.on('close', resolve));
    totalMs.push(Date.now() - started);
    firstRequestMs.push(kie.requests[before]!.at - started);
  }
} finally {
  await kie.close();
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`Cold start of dist/index.js on Node ${process.versions.node}, ${RUNS} runs\n`);
console.log('| measure | median | min | max |');
console.log('|---|---:|---:|---:|');
for (const [name, values] of [
  ['spawn to first request', firstRequestMs],
  ['spawn to exit (task already done)', totalMs],
] as const) {
  console.log(
    `| ${name} | ${median(values)} ms | ${Math.min(...values)} ms | ${Math.max(...values)} ms |`,
  );
}
