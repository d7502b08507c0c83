// The account's credit balance, where it means something: before a step creates a task and after
// its last task ends (what the run cost), when `min-credits` guards the step, or when
// `report-credits` asks for it. A wait for tasks that exist already reads nothing by default. The
// balance is the account's, so whatever else spends on it meanwhile is counted in `used` too.
//
// Without a minimum the balance is a nicety: a balance that cannot be read costs one warning and a
// few seconds at most, never the step's result. With one it is a precondition: fail closed.
import { CancelledError } from './cancel.js';
import { ACTION_NAMES, Inputs, type InputNames } from '../settings/constants.js';
import { KieApiError, KieClient } from '../kie/client.js';
import type { Logger } from '../logger.js';
import { creditsUsed, type CreditReport } from '../report/credits.js';
import type { Failure } from '../report/report.js';
import type { Runtime } from '../runtime.js';
import type { Settings } from '../settings/settings.js';
import type { RequestBudget } from '../wait/budget.js';

// The balance is one small reply: a slow one is not worth the 30 s a task poll may take.
export const CREDIT_REQUEST_TIMEOUT_MS = 10_000;
// Tries for a balance that fails transiently (5xx, an HTML page, a reset), and the time they may take.
const MAX_ATTEMPTS = 3;
const PATIENCE_MS = 20_000;
// `timeout` covers the step, so the read before may take a quarter of it (at least 1 s, so that
// `timeout: 0` with min-credits can still check); the read after, once the tasks are done, 5 s.
const BEFORE_SHARE = 1 / 4;
const BEFORE_FLOOR_MS = 1_000;
const AFTER_MS = 5_000;
const NO_SLOT = 'No request slot came free for it in time.';
const PAUSED = "Kie.ai's rate limit (HTTP 429) pauses requests for longer than it may take.";

export interface BalanceDeps extends Runtime {
  logger: Logger;
  names?: InputNames;
  /** Aborted when the run is cancelled: a read in flight or queued rejects with CancelledError. */
  signal?: AbortSignal;
}

/** The KieClient for balance reads: the step's key and address, a shorter request timeout. */
export function balanceClient(
  settings: Pick<Settings, 'baseUrl' | 'apiKey'>,
  deps: BalanceDeps,
  requestTimeoutMs = CREDIT_REQUEST_TIMEOUT_MS,
): KieClient {
  const { baseUrl, apiKey } = settings;
  return new KieClient({
    baseUrl,
    apiKey,
    logger: deps.logger,
    now: deps.now,
    names: deps.names,
    requestTimeoutMs,
  });
}

/**
 * The balance, through the step's request budget; transient faults are tried again a few times,
 * waiting `retryDelayMs` and doubling, all of it done by `until` (epoch ms). Throws the last
 * KieApiError.
 */
export async function readBalance(
  client: KieClient,
  budget: RequestBudget,
  deps: BalanceDeps,
  retryDelayMs: number,
  until = Infinity,
): Promise<number> {
  const startedAt = deps.now();
  const endAt = Math.min(startedAt + PATIENCE_MS, until);
  for (let attempt = 1; ; attempt++) {
    // Waiting in line for a pause that ends past `until` would only spend the time it may take.
    if (budget.pausedPast(until)) {
      throw new KieApiError('transient', PAUSED, undefined, undefined, { queued: true });
    }
    // The budget refuses early only once the run is cancelled (or base-url given up on).
    const granted = await budget.acquire(until, deps.signal);
    if (deps.signal?.aborted || (!granted && deps.now() < until)) throw new CancelledError();
    if (!granted)
      throw new KieApiError('transient', NO_SLOT, undefined, undefined, { queued: true });
    try {
      return await untilAborted(client.getCredits(until), deps.signal);
    } catch (error) {
      if (!(error instanceof KieApiError)) throw error;
      if (error.code === 429) budget.rateLimited(error.retryAfterMs);
      const delay = Math.max(retryDelayMs * 2 ** (attempt - 1), error.retryAfterMs ?? 0);
      const late = deps.now() + delay >= endAt;
      if (error.kind === 'fatal' || attempt === MAX_ATTEMPTS || late) throw error;
      deps.logger.info(`Reading the Kie.ai credit balance: ${error.message} Trying again.`);
      await deps.sleep(delay, deps.signal);
    }
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(new CancelledError());
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** The one line that refuses to start below the minimum, or undefined when the balance suffices. */
export function belowMinimum(
  credits: number,
  minCredits: number | undefined,
  names: InputNames,
): string | undefined {
  if (minCredits === undefined || credits >= minCredits) return undefined;
  return `The Kie.ai balance is ${credits} credits, below ${names.of(Inputs.MinCredits)} (${minCredits}).`;
}

/** Whether a step reads the balance at all: what a created task costs, the guard, or asked to. */
export function readsBalance(
  settings: Pick<Settings, 'create' | 'minCredits' | 'reportCredits'>,
): boolean {
  return (
    settings.create !== undefined || settings.minCredits !== undefined || settings.reportCredits
  );
}

/** Both reads of one step, and what they found. */
export class StepBalance {
  readonly credits: CreditReport = {};
  private readonly client: KieClient;
  private readonly names: InputNames;
  /** Aborted when the tasks have ended and the first read has had its time after them. */
  private readonly givenUp = new AbortController();
  private readonly readDeps: BalanceDeps;
  private first?: Promise<Failure | undefined>;

  constructor(
    private readonly settings: Settings,
    private readonly budget: RequestBudget,
    private readonly deps: BalanceDeps,
  ) {
    this.client = balanceClient(settings, deps);
    this.names = deps.names ?? ACTION_NAMES;
    const signals = [this.givenUp.signal, ...(deps.signal ? [deps.signal] : [])];
    this.readDeps = { ...deps, signal: AbortSignal.any(signals) };
  }

  /** The first read, within a share of the time to the step's `deadline`; a Failure when the step
   * must not go on (below min-credits, or unreadable with it set). A wait runs it beside its
   * polls, so it may still be going when the tasks end: after() bounds it then. */
  before(deadline: number): Promise<Failure | undefined> {
    this.first = this.readFirst(deadline);
    return this.first;
  }

  private async readFirst(deadline: number): Promise<Failure | undefined> {
    const { minCredits, create } = this.settings;
    // A wait is stopped by a refusal, wherever it got to: there is nothing to add.
    const notStarted = create ? ' Nothing was created.' : '';
    // A timeout shorter than two request slots (timeout 0: one poll) would spend its slot on this.
    const slotMs = 1_000 / this.settings.maxRequestsPerSecond;
    if (minCredits === undefined && this.settings.timeoutMs < 2 * slotMs) {
      this.deps.logger.info(
        'Not reading the credit balance: the timeout leaves no request for it.',
      );
      this.credits.skipped = true;
      return undefined;
    }
    const now = this.deps.now();
    const share = Math.max(BEFORE_SHARE * (deadline - now), BEFORE_FLOOR_MS);
    try {
      this.credits.before = await this.read(now + share);
    } catch (error) {
      const gaveUp = this.givenUp.signal.aborted && !this.deps.signal?.aborted;
      if (error instanceof CancelledError && !gaveUp) {
        return { kind: 'cancelled', message: `${error.message}${notStarted}` };
      }
      const reason = gaveUp
        ? `No answer within ${AFTER_MS / 1_000} s of the last task's end.`
        : (error as Error).message;
      if (minCredits === undefined) {
        const message = `Could not read the Kie.ai credit balance: ${reason} Going on without the credit outputs.`;
        // A base-url that refuses every connection is the polls' error to report, once.
        const baseUrlDown = error instanceof KieApiError && error.neverSent && error.more.retryBy;
        // So is a key Kie.ai rejects (every request after this one fails with it): a debug line.
        if (error instanceof KieApiError && error.code === 401) this.deps.logger.debug(message);
        else if (baseUrlDown) this.deps.logger.info(message);
        else this.deps.logger.warning(message);
        return undefined;
      }
      return {
        kind: 'api',
        message: `Could not read the Kie.ai credit balance, which ${this.names.of(Inputs.MinCredits)} (${minCredits}) needs checked first: ${reason}${notStarted}`,
      };
    }
    this.deps.logger.info(`Kie.ai credit balance: ${this.credits.before}.`);
    const below = belowMinimum(this.credits.before, minCredits, this.names);
    return below ? { kind: 'balance', message: `${below}${notStarted}` } : undefined;
  }

  /**
   * The second read, after the last task; skipped when the first failed or refused (nothing to
   * compare). Both together take AFTER_MS at most from here: a first read still going is given up
   * then. Resolves to the first read's Failure, if it had one.
   */
  async after(): Promise<Failure | undefined> {
    const until = this.deps.now() + AFTER_MS;
    const refused = this.first && (await this.firstBy(this.first, until));
    // A cancelled run has seconds to report before it is killed: none for the balance.
    if (refused || this.credits.before === undefined || this.deps.signal?.aborted) return refused;
    try {
      this.credits.after = await this.read(until);
    } catch (error) {
      if (error instanceof CancelledError) return undefined;
      this.deps.logger.warning(
        `Could not read the Kie.ai credit balance after the tasks: ${(error as Error).message} creditsAfter and creditsUsed stay empty.`,
      );
      return undefined;
    }
    this.deps.logger.info(
      `Kie.ai credit balance: ${this.credits.after} (${creditsUsed(this.credits)} used on the account since the step started).`,
    );
    return undefined;
  }

  /** The first read's verdict, giving it up at `until` (epoch ms) if it has not ended by then. */
  private async firstBy(
    first: Promise<Failure | undefined>,
    until: number,
  ): Promise<Failure | undefined> {
    const timer = new AbortController();
    const late = this.deps.sleep(until - this.deps.now(), timer.signal).then(() => {
      if (!timer.signal.aborted) this.givenUp.abort();
      return first;
    });
    try {
      return await Promise.race([first, late]);
    } finally {
      timer.abort();
    }
  }

  dispose(): void {
    this.client.dispose();
  }

  private read(until: number): Promise<number> {
    const { pollIntervalMs } = this.settings;
    return readBalance(this.client, this.budget, this.readDeps, pollIntervalMs, until);
  }
}
