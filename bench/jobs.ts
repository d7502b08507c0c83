// Several matrix jobs that share one Kie.ai account, in virtual time: each job has its own request
// budget and poll loops (the real code), and every request goes through one sliding-window limit
// that answers 429 with Retry-After beyond it, as Kie.ai does. No job knows of the others.
import type { TaskRecord } from '../src/kie/schema.js';
import { silentLogger } from '../src/logger.js';
import type * as Client from '../src/kie/client.js';
import type * as Budget from '../src/wait/budget.js';
import type * as Wait from '../src/wait/wait.js';
import { VirtualClock } from '../test/support/virtual-clock.js';
import { seededRandom } from '../test/support/seeded-random.js';
import { peakInWindow } from '../test/support/request-rate.js';
import { CREATED_AT, simulatedRecord } from './simulated-task.js';
import { DEFAULT_REQUESTS_PER_SECOND } from '../src/settings/settings.js';

export const ACCOUNT_LIMIT = 20;
export const ACCOUNT_WINDOW_MS = 10_000;

/** The modules under test: this tree's, or an older one's for a before/after. */
export interface Code {
  client: typeof Client;
  budget: typeof Budget;
  wait: typeof Wait;
}

export interface JobsScenario {
  jobs: number;
  tasksPerJob: number;
  minDurationMs: number;
  maxDurationMs: number;
  /** Jobs start within this much of each other. */
  startSpreadMs: number;
  rate: number;
  pollIntervalMs: number;
  seed: number;
}

export async function simulateJobs(code: Code, scenario: JobsScenario) {
  const clock = new VirtualClock(CREATED_AT);
  const random = seededRandom(scenario.seed);
  const accepted: number[] = [];
  const sent: number[] = [];
  let rejected = 0;
  const delays: number[] = [];
  // The account: at most ACCOUNT_LIMIT accepted requests in any ACCOUNT_WINDOW_MS; a refused
  // request does not count, and Retry-After says when the oldest one leaves the window.
  const account = {
    async getTaskRecord(taskId: string, doneAt: number): Promise<TaskRecord> {
      const now = clock.now();
      sent.push(now);
      const inWindow = accepted.filter((t) => t > now - ACCOUNT_WINDOW_MS);
      if (inWindow.length >= ACCOUNT_LIMIT) {
        rejected++;
        const retryAfterMs = Math.ceil((inWindow[0]! + ACCOUNT_WINDOW_MS - now) / 1_000) * 1_000;
        throw new code.client.KieApiError(
          'transient',
          'Kie.ai rate limit reached.',
          429,
          retryAfterMs,
        );
      }
      accepted.push(now);
      const done = now >= doneAt;
      if (done) delays.push(now - doneAt);
      return simulatedRecord(taskId, done);
    },
  };
  const job = async (index: number) => {
    await clock.sleep(Math.round(random() * scenario.startSpreadMs));
    const budget = new code.budget.RequestBudget(scenario.rate, clock, {
      random,
      slowStart: scenario.rate === DEFAULT_REQUESTS_PER_SECOND,
    });
    const tasks = Array.from({ length: scenario.tasksPerJob }, (_, i) => {
      const span = scenario.maxDurationMs - scenario.minDurationMs;
      return {
        id: `job${index}-task${i}`,
        doneAt: clock.now() + scenario.minDurationMs + random() * span,
      };
    });
    const doneAt = new Map(tasks.map((task) => [task.id, task.doneAt]));
    const source = code.budget.budgetedSource(
      { getTaskRecord: (taskId) => account.getTaskRecord(taskId, doneAt.get(taskId)!) },
      budget,
    );
    return Promise.all(
      tasks.map(({ id }) =>
        code.wait.waitForTask(
          {
            taskId: id,
            timeoutMs: 30 * 60_000,
            pollIntervalMs: scenario.pollIntervalMs,
            maxPollIntervalMs: 30_000,
          },
          { source, now: clock.now, sleep: clock.sleep, random, logger: silentLogger },
        ),
      ),
    );
  };
  const outcomes = (
    await clock.run(Promise.all(Array.from({ length: scenario.jobs }, (_, i) => job(i))))
  ).flat();
  return {
    allFinished: outcomes.every((outcome) => outcome.ending === 'finished'),
    requests: sent.length,
    rejected,
    peakAccepted: peakInWindow(accepted, ACCOUNT_WINDOW_MS),
    meanDelayMs: delays.reduce((sum, d) => sum + d, 0) / delays.length,
    worstDelayMs: Math.max(...delays),
  };
}
