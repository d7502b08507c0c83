// What recording a created task for re-runs costs, side by side with not recording it: the time
// from createTask's reply to the first poll (saving must not delay it) and to the step's exit, and
// what a re-run that waits for the recorded task takes, all on the bundle against the stand-ins.
//
//   npm run bench:rerun [-- --runs 10]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../test/support/action.js';
import { startCacheService } from '../test/support/cache-service.js';
import { startKieServer } from '../test/support/kie-server.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;

const kie = await startKieServer();
const cache = await startCacheService();
const runnerTemp = await mkdtemp(path.join(tmpdir(), 'kie-bench-rerun-'));
const rows = new Map<string, { firstPoll: number[]; exit: number[] }>();

/** One step run: creating (or, on attempt 2, finding) task `taskId`. */
async function step(label: string, taskId: string, env: Record<string, string>) {
  kie.scriptCreate([{ taskId, replies: [{ state: 'success' }] }]);
  const before = kie.requests.length;
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/index.js')], {
    env: {
      PATH: process.env.PATH,
      'INPUT_API-KEY': kie.apiKey,
      'INPUT_BASE-URL': kie.url,
      INPUT_MODEL: 'nano-banana-pro',
      INPUT_INPUT: `{"prompt":"${taskId}"}`,
      'INPUT_POLL-INTERVAL': '10ms',
      'INPUT_MAX-REQUESTS-PER-SECOND': '100',
      GITHUB_RUN_ID: '1',
      GITHUB_JOB: 'bench',
      GITHUB_ACTION: '__self',
      RUNNER_TEMP: runnerTemp,
      ...env,
    },
    stdio: 'ignore',
  });
  await new Promise((resolve) => child.on('close', resolve));
  const exit = Date.now() - started;
  const sent = kie.requests.slice(before);
  const created = sent.find((request) => request.method === 'POST');
  const firstPoll = sent.find((request) => request.taskId === taskId && request.method === 'GET')!;
  const row = rows.get(label) ?? { firstPoll: [], exit: [] };
  // On a re-run nothing is created: from the step's start instead.
  row.firstPoll.push(firstPoll.at - (created?.at ?? started));
  row.exit.push(exit);
  rows.set(label, row);
}

try {
  for (let i = 0; i < RUNS; i++) {
    await step('no cache service (nothing recorded)', `plain-${i}`, { GITHUB_RUN_ATTEMPT: '1' });
    const recorded = `rec-${i}`;
    await step('recorded in the cache stand-in', recorded, {
      ...cache.env,
      GITHUB_RUN_ATTEMPT: '1',
    });
    await step('re-run: found and waited for (from start)', recorded, {
      ...cache.env,
      GITHUB_RUN_ATTEMPT: '2',
    });
  }
} finally {
  await Promise.all([kie.close(), cache.close()]);
  await rm(runnerTemp, { recursive: true, force: true });
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const range = (values: number[]) =>
  `${median(values)} ms (${Math.min(...values)}-${Math.max(...values)})`;
console.log(`Re-run record on dist/index.js, Node ${process.versions.node}, ${RUNS} runs each\n`);
console.log('| step | createTask reply to first poll | spawn to exit |');
console.log('|---|---:|---:|');
for (const [label, { firstPoll, exit }] of rows) {
  console.log(`| ${label} | ${range(firstPoll)} | ${range(exit)} |`);
}
