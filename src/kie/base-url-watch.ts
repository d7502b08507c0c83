// When to give up on base-url for the whole step: it never answered for too long, or it keeps
// refusing this client (Cloudflare's "error code: 1010"). Waiting for the timeout would only
// repeat the same fault for half an hour; one line saying what to check helps.
import { Inputs, type InputNames } from '../settings/constants.js';
import { formatDuration } from '../settings/units.js';
import { USER_AGENT } from '../version.js';
import { describeRefusal, KieApiError } from './faults.js';

// Connection errors that happen before a byte of the request leaves this machine.
const NEVER_SENT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** A base-url that has never answered is given up on this long after the first try, so the step
 * fails within 2 minutes (a last try may take requestTimeoutMs more) instead of the whole timeout. */
export const UNANSWERED_LIMIT_MS = 90_000;

/** A refusal (Cloudflare's "error code: 1010", a proxy's 403) is tried this many times, within
 * REFUSAL_WINDOW_MS of the first, before the step gives up on base-url: one may be a blip. */
export const REFUSAL_TRIES = 3;
export const REFUSAL_WINDOW_MS = 30_000;

export class BaseUrlWatch {
  /** Whether any HTTP reply came in this step: until then, a connection fault may be base-url's. */
  private hasAnswered = false;
  private unansweredSince?: number;
  /** Refusals in a row, and when the first of them came. */
  private refusals = 0;
  private refusedSince?: number;
  /** The verdict: every request of the step fails with this from now on. */
  private givenUp?: KieApiError;

  constructor(
    private readonly baseUrl: string,
    private readonly names: InputNames,
    private readonly now: () => number,
  ) {}

  throwIfGivenUp(): void {
    if (this.givenUp) throw this.givenUp;
  }

  /** An HTTP reply came. */
  answered(): void {
    this.hasAnswered = true;
  }

  /** A reply that is not a refusal: the refusals so far were a blip. */
  accepted(): void {
    this.refusals = 0;
    this.refusedSince = undefined;
  }

  /** No HTTP reply. Retried, except from a base-url that has not answered once for too long. */
  connectionFault(error: NodeJS.ErrnoException, started: number): KieApiError {
    const neverSent = NEVER_SENT_ERRORS.has(error.code ?? '');
    const reason = `Request to Kie.ai failed: ${error.message}`;
    if (this.hasAnswered) {
      return new KieApiError('transient', `${reason}.`, undefined, undefined, { neverSent });
    }
    if (this.givenUp) return this.givenUp; // one verdict, whichever request ends last
    this.unansweredSince ??= started;
    const giveUpAt = this.unansweredSince + UNANSWERED_LIMIT_MS;
    const silentMs = this.now() - this.unansweredSince;
    if (silentMs < UNANSWERED_LIMIT_MS) {
      return new KieApiError(
        'transient',
        `${reason} (no answer from ${this.names.of(Inputs.BaseUrl)} yet).`,
        undefined,
        undefined,
        { neverSent, retryBy: giveUpAt },
      );
    }
    this.givenUp = new KieApiError(
      'fatal',
      `No answer from ${this.baseUrl} in ${formatDuration(silentMs)} (${error.message}). ` +
        `Check ${this.names.of(Inputs.BaseUrl)}, and the runner's network or proxy settings.`,
      undefined,
      undefined,
      { neverSent, unreachable: true },
    );
    return this.givenUp;
  }

  /** A refusal (faults.ts's refusalMeaning): tried a few times, then base-url is given up on. */
  refused(status: number, said: string, meaning: string): KieApiError {
    if (this.givenUp) return this.givenUp;
    this.refusals++;
    this.refusedSince ??= this.now();
    const line = describeRefusal(status, said, meaning, this.baseUrl, USER_AGENT, this.names);
    const late = this.now() - this.refusedSince >= REFUSAL_WINDOW_MS;
    // Refused at the edge, the request never reached Kie.ai: safe to repeat, even a create.
    if (this.refusals < REFUSAL_TRIES && !late) {
      return new KieApiError('transient', line, status, undefined, {
        neverSent: true,
        retryBy: this.refusedSince + REFUSAL_WINDOW_MS,
      });
    }
    this.givenUp = new KieApiError('fatal', line, status, undefined, {
      neverSent: true,
      unreachable: true,
    });
    return this.givenUp;
  }
}
