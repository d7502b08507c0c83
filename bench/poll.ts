// The poll schedule's frontier: requests and detection delay (task finished -> noticed) for tasks
// of several lengths, ours (through the action's own poll loop, in virtual time, jitter included)
// beside fixed 3, 5 and 15 s pollers, BuildersGate (3 s x1.25 per poll, up to 10 s) and this
// action's v1.0 schedule. A schedule is dominated at a length when another needs no more requests
// and notices no later on average; ours must be dominated by none of the peers.
//
//   npm run bench:poll [-- --runs 2000] [-- --late]
import type { TaskRecord } from '../src/kie/schema.js';
import { CREATED_AT, simulatedRecord } from './simulated-task.js';
import { silentLogger } from '../src/logger.js';
import { waitForTask } from '../src/wait/wait.js';
import { seededRandom } from '../test/support/seeded-random.js';
import { instantClock } from '../test/support/virtual-clock.js';

const LENGTHS_S = [5, 15, 30, 60, 120, 300, 600, 1800];
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1000;
// The step starts as the task is created (create-then-wait); `--late` starts it 0-3 s after.
const MAX_START_OFFSET_MS = process.argv.includes('--late') ? 3_000 : 0;

interface Sample {
  requests: number;
  delayMs: number;
}
type Schedule = (lengthMs: number, startMs: number, random: () => number) => Promise<Sample>;

/** Our defaults, through the real poll loop. */
const ours: Schedule = async (lengthMs, startMs, random) => {
  const clock = instantClock(CREATED_AT + startMs);
  const age = () => clock.now() - CREATED_AT;
  let requests = 0;
  let noticedAt = 0;
  const source = {
    async getTaskRecord(taskId: string): Promise<TaskRecord> {
      requests++;
      const done = age() >= lengthMs;
      if (done) noticedAt = age();
      return simulatedRecord(taskId, done);
    },
  };
  await waitForTask(
    { taskId: 'bench', timeoutMs: 4 * 3_600_000, pollIntervalMs: 2_000, maxPollIntervalMs: 30_000 },
    { source, now: clock.now, sleep: clock.sleep, random, logger: silentLogger },
  );
  return { requests, delayMs: noticedAt - lengthMs };
};

/** A peer given as "the wait after the n-th request, at time t". */
const peer =
  (waitAfter: (n: number, t: number, random: () => number) => number): Schedule =>
  async (lengthMs, startMs, random) => {
    let now = startMs;
    for (let requests = 1; ; requests++) {
      if (now >= lengthMs) return { requests, delayMs: now - lengthMs };
      now += waitAfter(requests, now, random);
    }
  };

const SCHEDULES: [string, Schedule][] = [
  ['fixed 3 s', peer(() => 3_000)],
  ['fixed 5 s', peer(() => 5_000)],
  ['fixed 15 s', peer(() => 15_000)],
  ['BuildersGate 3 s x1.25 to 10 s', peer((n) => Math.min(3_000 * 1.25 ** (n - 1), 10_000))],
  [
    // v1.0: 16% of the age, 3 to 30 s, +/-20% jitter clamped at both ends.
    'kie-task-action 1.0',
    peer((_, t, random) => {
      const base = Math.min(Math.max(3_000, 0.16 * t), 30_000);
      return Math.min(Math.max(base * (1 + 0.2 * (2 * random() - 1)), 3_000), 30_000);
    }),
  ],
  ['**kie-task-action**', ours],
];
const OURS = SCHEDULES.length - 1;
const PEERS = 4; // the first four: the ones ours must not be dominated by

interface Row {
  requests: number;
  delayMs: number;
  requestRange: [number, number];
  delayRange: [number, number];
}

async function measure(lengthS: number, schedule: Schedule): Promise<Row> {
  // The same tasks for every schedule: one seed per length.
  const draw = seededRandom(lengthS);
  const random = seededRandom(lengthS + 1);
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Lengths spread +/-10%, so no schedule is flattered by a task ending exactly on its grid.
    const lengthMs = lengthS * 1_000 * (0.9 + 0.2 * draw());
    samples.push(await schedule(lengthMs, draw() * MAX_START_OFFSET_MS, random));
  }
  const mean = (of: (s: Sample) => number) => samples.reduce((t, s) => t + of(s), 0) / RUNS;
  const range = (of: (s: Sample) => number): [number, number] => {
    const sorted = samples.map(of).sort((a, b) => a - b);
    return [sorted[0]!, sorted.at(-1)!];
  };
  return {
    requests: mean((s) => s.requests),
    delayMs: mean((s) => s.delayMs),
    requestRange: range((s) => s.requests),
    delayRange: range((s) => s.delayMs),
  };
}

const dominates = (a: Row, b: Row) => a.requests <= b.requests && a.delayMs <= b.delayMs;
const s = (ms: number) => (ms / 1_000).toFixed(1);
const lines = [
  `Poll schedules, ${RUNS} tasks a length (+/-10%), the step starting ${MAX_START_OFFSET_MS ? `0-${MAX_START_OFFSET_MS / 1_000} s after` : 'when'} the task is created. requests and mean delay (range over the tasks); "dominated by" names the schedules that need no more requests and notice no later.`,
  '',
  '| task | schedule | requests | mean delay (s) | dominated by |',
  '|---:|---|---:|---:|---|',
];
let oursDominated = 0;
for (const lengthS of LENGTHS_S) {
  const rows = await Promise.all(SCHEDULES.map(([, schedule]) => measure(lengthS, schedule)));
  rows.forEach((row, i) => {
    const by = SCHEDULES.filter((_, j) => j !== i && dominates(rows[j]!, row)).map(([n]) => n);
    if (i === OURS && by.some((name) => SCHEDULES.findIndex(([n]) => n === name) < PEERS))
      oursDominated++;
    const { requestRange: r, delayRange: d } = row;
    lines.push(
      `| ${lengthS} s | ${SCHEDULES[i]![0]} | ${row.requests.toFixed(1)} (${r[0]}-${r[1]}) | ${s(row.delayMs)} (${s(d[0])}-${s(d[1])}) | ${by.join(', ') || '-'} |`,
    );
  });
}
lines.push(
  '',
  oursDominated === 0
    ? 'kie-task-action is dominated by no peer at any length.'
    : `kie-task-action is dominated by a peer at ${oursDominated} of ${LENGTHS_S.length} lengths.`,
);
console.log(lines.join('\n'));
process.exitCode = oursDominated === 0 ? 0 : 1;
