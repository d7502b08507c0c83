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

const RATE = 1.5;
const SEED = 20_240_601;
const MIN_DURATION_MS = 5_000;
const MAX_DURATION_MS = 600_000;
const WALL_TIME_TARGET = 1.1;
const WAIT_OPTIONS = { timeoutMs: 30 * 60_000, pollIntervalMs: 3_000, maxPollIntervalMs: 30_000 };

interface Storm {
  fromMs: number;
  toMs: number;
  retryAfterMs: number;
}

interface Scenario {
  tasks: number;
  storm?: Storm;
}

/** mulberry32: a small seeded PRNG, so every run draws the same durations and jitter. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
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
  const shared = budgetedSource(source, new RequestBudget(RATE, clock));
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
  `Durations uniform ${s(MIN_DURATION_MS)}-${s(MAX_DURATION_MS)} (seed ${SEED}), all tasks created as the step starts; poll-interval 3 s, max-poll-interval 30 s, timeout 30 min; delay = a task finishing to its loop noticing`,
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
lines.push('', allMet ? 'All targets met.' : 'TARGETS MISSED.');
console.log(lines.join('\n'));
process.exitCode = allMet ? 0 : 1;
