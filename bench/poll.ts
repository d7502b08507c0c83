// How many requests a schedule costs and how late it notices a finished task, for tasks of several
// durations. Our schedule runs through the action's own poll loop (waitForTask) in virtual time,
// jitter included; the existing Kie.ai clients' schedules are simulated beside it.
//
//   npm run bench:poll [-- --runs 2000]
import type { TaskRecord } from '../src/kie/schema.js';
import { CREATED_AT, simulatedRecord } from './simulated-task.js';
import { silentLogger } from '../src/logger.js';
import { waitForTask } from '../src/wait/wait.js';

const DURATIONS_S = [5, 30, 120, 600, 1800];
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1000;
// The step starts as the task is created (create-then-wait); `--late` starts it 0-2 s after, which
// no schedule with a 3 s floor can fully make up for on a 5 s task.
const MAX_START_OFFSET_MS = process.argv.includes('--late') ? 2_000 : 0;

interface Sample {
  requests: number;
  delayMs: number;
}

/** Our defaults (poll-interval 3s, max-poll-interval 30s), through the real poll loop. */
async function ours(durationMs: number, startOffsetMs: number): Promise<Sample> {
  let now = startOffsetMs;
  let requests = 0;
  let noticedAt = 0;
  const source = {
    async getTaskRecord(taskId: string): Promise<TaskRecord> {
      requests++;
      const done = now >= durationMs;
      if (done) noticedAt = now;
      return simulatedRecord(taskId, done);
    },
  };
  await waitForTask(
    { taskId: 'bench', timeoutMs: 4 * 3_600_000, pollIntervalMs: 3_000, maxPollIntervalMs: 30_000 },
    {
      source,
      now: () => CREATED_AT + now,
      sleep: async (ms) => {
        now += ms;
      },
      random: Math.random,
      logger: silentLogger,
    },
  );
  return { requests, delayMs: noticedAt - durationMs };
}

/** A schedule given as "the wait after the n-th request". */
function simulate(
  durationMs: number,
  startOffsetMs: number,
  waitAfter: (n: number) => number,
): Sample {
  let now = startOffsetMs;
  let requests = 0;
  for (;;) {
    requests++;
    if (now >= durationMs) return { requests, delayMs: now - durationMs };
    now += waitAfter(requests);
  }
}

const fixed3s = (d: number, s: number) => simulate(d, s, () => 3_000);
const growing = (d: number, s: number) =>
  simulate(d, s, (n) => Math.min(3_000 * 1.25 ** (n - 1), 10_000));

interface Row {
  requests: number;
  meanDelayMs: number;
  worstDelayMs: number;
}

async function measure(
  durationS: number,
  schedule: (d: number, s: number) => Sample | Promise<Sample>,
): Promise<Row> {
  let requests = 0;
  let delaySum = 0;
  let worst = 0;
  for (let i = 0; i < RUNS; i++) {
    // Durations spread +/-10% so no schedule is flattered by finishing exactly on its grid.
    const durationMs = durationS * 1_000 * (0.9 + 0.2 * Math.random());
    const sample = await schedule(durationMs, Math.random() * MAX_START_OFFSET_MS);
    requests += sample.requests;
    delaySum += sample.delayMs;
    worst = Math.max(worst, sample.delayMs);
  }
  return { requests: requests / RUNS, meanDelayMs: delaySum / RUNS, worstDelayMs: worst };
}

const s = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;
const lines = [
  `Poll schedules, ${RUNS} runs a duration, the step starting ${MAX_START_OFFSET_MS ? `0-${MAX_START_OFFSET_MS / 1_000} s after` : 'when'} the task is created; durations +/-10%`,
  '',
  '| task | schedule | requests | mean delay | worst delay | target: mean delay | target: requests |',
  '|---:|---|---:|---:|---:|---:|---:|',
];
let allMet = true;
for (const durationS of DURATIONS_S) {
  const fixed = await measure(durationS, fixed3s);
  const grow = await measure(durationS, growing);
  const our = await measure(durationS, ours);
  const delayTarget = Math.max(1_500, durationS * 100);
  const requestShare = durationS >= 600 ? 0.25 : durationS >= 120 ? 0.5 : 1;
  const requestTarget = fixed.requests * requestShare;
  const met = our.meanDelayMs <= delayTarget && our.requests <= requestTarget;
  allMet &&= met;
  const row = (name: string, r: Row, targets = ['', '']) =>
    `| ${durationS} s | ${name} | ${r.requests.toFixed(1)} | ${s(r.meanDelayMs)} | ${s(r.worstDelayMs)} | ${targets[0]} | ${targets[1]} |`;
  lines.push(
    row('fixed 3 s (n8n node)', fixed),
    row('3 s x1.25, 10 s cap', grow),
    row('**kie-task-action**', our, [
      `<= ${s(delayTarget)} ${met ? '✓' : '✗'}`,
      `<= ${requestTarget.toFixed(1)}`,
    ]),
  );
}
lines.push('', allMet ? 'All targets met.' : 'TARGETS MISSED.');
console.log(lines.join('\n'));
process.exitCode = allMet ? 0 : 1;
