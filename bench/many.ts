// Waiting for many tasks in one step: every task has its own poll loop (the real waitForTask, with
// the action's defaults), and all of them share one RequestBudget, in virtual time. Shows that the
// request rate never passes max-requests-per-second, how late finished tasks are noticed, and how
// the step slows down and recovers when Kie.ai answers 429.
//
//   npm run bench:many
import { KieApiError } from '../src/kie/client.js';
import type { TaskRecord } from '../src/kie/schema.js';
import { CREATED_AT, simulatedRecord } from './simulated-task.js';
import { silentLogger } from '../src/logger.js';
import { budgetedSource, RequestBudget } from '../src/wait/budget.js';
import { waitForTask } from '../src/wait/wait.js';
import { VirtualClock } from '../test/support/virtual-clock.js';
import { peakInWindow } from '../test/support/request-rate.js';
import { seededRandom } from '../test/support/seeded-random.js';
import * as client from '../src/kie/client.js';
import * as budget from '../src/wait/budget.js';
import * as wait from '../src/wait/wait.js';
import { ACCOUNT_LIMIT, ACCOUNT_WINDOW_MS, simulateJobs, type Code } from './jobs.js';

const RATE = 1.5;
const SEED = 20_240_601;
const MIN_DURATION_MS = 5_000;
const MAX_DURATION_MS = 600_000;
const WALL_TIME_TARGET = 1.1;
const WAIT_OPTIONS = { timeoutMs: 30 * 60_000, pollIntervalMs: 2_000, maxPollIntervalMs: 30_000 };

interface Storm {
  fromMs: number;
  toMs: number;
  retryAfterMs: number;
}

interface Scenario {
  tasks: number;
  storm?: Storm;
}

async function simulate({ tasks, storm }: Scenario) {
  const clock = new VirtualClock(CREATED_AT);
  const random = seededRandom(SEED);
  const durations = new Map<string, number>();
  for (let i = 0; i < tasks; i++) {
    const durationMs = MIN_DURATION_MS + random() * (MAX_DURATION_MS - MIN_DURATION_MS);
    durations.set(`task-${i}`, Math.round(durationMs));
  }
  const sentAt: number[] = [];
  const delays: number[] = [];
  let rateLimitedReplies = 0;
  const source = {
    async getTaskRecord(taskId: string): Promise<TaskRecord> {
      const t = clock.now() - CREATED_AT;
      sentAt.push(t);
      if (storm && t >= storm.fromMs && t < storm.toMs) {
        rateLimitedReplies++;
        throw new KieApiError('transient', 'Kie.ai rate limit reached.', 429, storm.retryAfterMs);
      }
      const done = t >= durations.get(taskId)!;
      if (done) delays.push(t - durations.get(taskId)!);
      return simulatedRecord(taskId, done);
    },
  };
  const shared = budgetedSource(
    source,
    new RequestBudget(RATE, clock, { random, slowStart: true }),
  );
  const outcomes = await clock.run(
    Promise.all(
      [...durations.keys()].map((taskId) =>
        waitForTask(
          { taskId, ...WAIT_OPTIONS },
          { source: shared, now: clock.now, sleep: clock.sleep, random, logger: silentLogger },
        ),
      ),
    ),
  );
  const afterStorm = storm ? sentAt.filter((t) => t >= storm.toMs) : [];
  return {
    allFinished: outcomes.every((outcome) => outcome.ending === 'finished'),
    requests: sentAt.length,
    rateLimitedReplies,
    peak1s: peakInWindow(sentAt, 1_000),
    peak10s: peakInWindow(sentAt, 10_000),
    // The first request after the storm that opens a 10 s window at the full rate again.
    fullRateAgainMs: afterStorm.find(
      (t) => sentAt.filter((s) => s >= t && s < t + 10_000).length >= allowed(10_000),
    ),
    meanDelayMs: delays.reduce((sum, d) => sum + d, 0) / delays.length,
    worstDelayMs: Math.max(...delays),
    wallMs: clock.now() - CREATED_AT,
    longestMs: Math.max(...durations.values()),
  };
}

/** Strict spacing at RATE: a window of W holds at most ceil(W * rate) requests. */
const allowed = (windowMs: number) => Math.ceil((windowMs / 1_000) * RATE);

const s = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;
const scenarios: Scenario[] = [
  { tasks: 200 },
  { tasks: 20 },
  { tasks: 200, storm: { fromMs: 60_000, toMs: 80_000, retryAfterMs: 5_000 } },
];
const header = [
  'tasks',
  '429 storm',
  'rate limit',
  'requests',
  '429s',
  'peak in 1 s (allowed)',
  'peak in 10 s (allowed)',
  'mean delay',
  'worst delay',
  'wall time',
  'longest task',
  'wall / longest (target <= 110%)',
  'full rate again at',
];
const lines = [
  `Durations uniform ${s(MIN_DURATION_MS)}-${s(MAX_DURATION_MS)} (seed ${SEED}), all tasks created as the step starts; poll-interval 2 s, max-poll-interval 30 s, timeout 30 min; delay = a task finishing to its loop noticing`,
  '',
  `| ${header.join(' | ')} |`,
  `|${header.map((_, i) => (i === 1 ? '---' : '---:')).join('|')}|`,
];
const mark = (ok: boolean) => (ok ? '✓' : '✗');
let allMet = true;
for (const scenario of scenarios) {
  const r = await simulate(scenario);
  const peak1sOk = r.peak1s <= allowed(1_000);
  const peak10sOk = r.peak10s <= allowed(10_000);
  const wallShare = r.wallMs / r.longestMs;
  const wallOk = wallShare <= WALL_TIME_TARGET;
  allMet &&= r.allFinished && peak1sOk && peak10sOk && wallOk;
  const { storm } = scenario;
  const cells = [
    scenario.tasks,
    storm ? `${s(storm.fromMs)}-${s(storm.toMs)}, Retry-After ${s(storm.retryAfterMs)}` : 'none',
    `${RATE}/s`,
    r.requests,
    r.rateLimitedReplies,
    `${r.peak1s} (${allowed(1_000)}) ${mark(peak1sOk)}`,
    `${r.peak10s} (${allowed(10_000)}) ${mark(peak10sOk)}`,
    s(r.meanDelayMs),
    s(r.worstDelayMs),
    s(r.wallMs),
    s(r.longestMs),
    `${(wallShare * 100).toFixed(1)}% ${mark(wallOk)}`,
    r.fullRateAgainMs === undefined ? '-' : s(r.fullRateAgainMs),
  ];
  lines.push(`| ${cells.join(' | ')} |`);
  if (!r.allFinished) lines.push(`(${scenario.tasks} tasks: some loops did not finish.)`);
}

// Several jobs, one account: today's defaults (given --before, an older tree's src/), the adaptive
// default, and the manual split (max-requests-per-second: 1.5 / N), each over several seeds.
const beforeArg = process.argv.indexOf('--before');
const before: Code | undefined =
  beforeArg > 0
    ? {
        client: await import(`${process.argv[beforeArg + 1]}/src/kie/client.ts`),
        budget: await import(`${process.argv[beforeArg + 1]}/src/wait/budget.ts`),
        wait: await import(`${process.argv[beforeArg + 1]}/src/wait/wait.ts`),
      }
    : undefined;
const JOBS = 10;
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const jobsBase = {
  jobs: JOBS,
  tasksPerJob: 3,
  minDurationMs: 20_000,
  maxDurationMs: 300_000,
  startSpreadMs: 3_000,
};
const variants: [string, Code | undefined, number, number][] = [
  ['before: defaults (1.5/s each, poll-interval 3 s)', before, 1.5, 3_000],
  ['before: manual split (0.15/s each)', before, 1.5 / JOBS, 3_000],
  ['**defaults** (1.5/s each, adaptive)', { client, budget, wait }, 1.5, 2_000],
  ['**manual split** (0.15/s each)', { client, budget, wait }, 1.5 / JOBS, 2_000],
];
lines.push(
  '',
  `${JOBS} jobs started within ${s(jobsBase.startSpreadMs)} of each other, ${jobsBase.tasksPerJob} tasks each (${s(jobsBase.minDurationMs)}-${s(jobsBase.maxDurationMs)}), one account allowing ${ACCOUNT_LIMIT} requests per ${s(ACCOUNT_WINDOW_MS)} (429 with Retry-After beyond; refused requests do not count). Seeds ${SEEDS[0]}-${SEEDS.at(-1)}: median (range).`,
  '',
  '| jobs run with | requests | answered 429 | busiest 10 s (limit 20) | mean delay | worst delay |',
  '|---|---:|---:|---:|---:|---:|',
);
const spread = (values: number[], show: (v: number) => string) => {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${show(median)} (${show(sorted[0]!)}-${show(sorted.at(-1)!)})`;
};
const worstBySplit: number[] = [];
for (const [name, code, rate, pollIntervalMs] of variants) {
  if (!code) continue;
  const runs = [];
  for (const seed of SEEDS)
    runs.push(await simulateJobs(code, { ...jobsBase, rate, pollIntervalMs, seed }));
  const share = runs.map((r) => (100 * r.rejected) / r.requests);
  if (name.startsWith('**manual')) worstBySplit.push(...runs.map((r) => r.worstDelayMs));
  if (name.startsWith('**defaults')) {
    allMet &&= share.every((p) => p <= 5) && runs.every((r) => r.allFinished);
    worstBySplit.push(...runs.map((r) => -r.worstDelayMs));
  }
  lines.push(
    `| ${name} | ${spread(
      runs.map((r) => r.requests),
      String,
    )} | ${spread(share, (p) => `${p.toFixed(1)}%`)} | ${spread(
      runs.map((r) => r.peakAccepted),
      String,
    )} | ${spread(
      runs.map((r) => r.meanDelayMs),
      s,
    )} | ${spread(
      runs.map((r) => r.worstDelayMs),
      s,
    )} |`,
  );
}
// Per seed: the adaptive default's worst delay against the manual split's (target <= 1.5x).
const ratios = SEEDS.map((_, i) => -worstBySplit[i]! / worstBySplit[SEEDS.length + i]!);
allMet &&= ratios.every((ratio) => ratio <= 1.5);
lines.push(
  '',
  `Worst delay, adaptive default / manual split, per seed: ${ratios.map((r) => r.toFixed(2)).join(', ')} (target <= 1.5; 429s target <= 5%).`,
);
lines.push('', allMet ? 'All targets met.' : 'TARGETS MISSED.');
console.log(lines.join('\n'));
process.exitCode = allMet ? 0 : 1;
