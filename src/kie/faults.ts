// What can go wrong talking to Kie.ai, sorted by what a poller should do about it: the error
// type, and the meaning of each of the API's codes.
import { Inputs, type InputNames } from '../settings/constants.js';

/**
 * - `transient`: try again later (network, 5xx, 429, 455, proxy pages).
 * - `not-ready`: the task is not visible yet (422 "recordInfo is null" right after creation).
 * - `fatal`: trying again cannot help (bad key, no credits, unknown task, failed upstream).
 */
export type FaultKind = 'transient' | 'not-ready' | 'fatal';

export class KieApiError extends Error {
  override readonly name = 'KieApiError';
  constructor(
    readonly kind: FaultKind,
    message: string,
    /** The body's `code`, or the HTTP status when the body had none. */
    readonly code?: number,
    /** How long the server asked us to wait (Retry-After), or a floor for slow-recovering faults. */
    readonly retryAfterMs?: number,
    readonly more: {
      /** The request surely never reached Kie.ai (refused, no DNS): safe to repeat even a POST. */
      neverSent?: boolean;
      /** Epoch ms: try again by then at the latest, when base-url is given up on if still silent. */
      retryBy?: number;
      /** base-url is given up on (it never answered, or it refuses this client): every request of
       * the step fails with this error from now on. */
      unreachable?: boolean;
      /** No request was sent: the budget had no slot before the deadline, or gave up on base-url. */
      queued?: boolean;
      /** For an id that stays unknown: what the user can check (its API family's hint). */
      hint?: string;
    } = {},
  ) {
    super(message);
  }

  get neverSent(): boolean {
    return this.more.neverSent === true;
  }
}

/** What a request is about, for its messages: a task (with its family's hint for an unknown id),
 * creating one (`creating`: "the task for model X"), or another endpoint (credits). */
export type Subject =
  { taskId: string; hint?: string } | { creating: string } | { endpoint: string };

// Kie.ai's 455 means maintenance: minutes, not seconds. Polling it every 3 s only adds load.
export const MAINTENANCE_BACKOFF_MS = 30_000;
// A 500 can announce maintenance too ("System maintenance in progress"): the same long backoff.
const MAINTENANCE = /maint[ae]nance/i;
// What a status endpoint says of an id it has no record of: "recordInfo is null" (Market's docs),
// "record is null" (4o Image's), "The record does not exist" (real replies, HTTP 200, code 422).
const NO_RECORD = /record(Info)? is null|record does not exist/i;
/** What a code means for a poller, following the table in Kie.ai's documentation. */
export function describeCode(
  code: number,
  serverMessage: string,
  subject: Subject,
  names: InputNames,
  retryAfterMs?: number,
): KieApiError {
  const said = serverMessage ? `: "${serverMessage}"` : '';
  const taskId = 'taskId' in subject ? subject.taskId : undefined;
  const hint = 'taskId' in subject ? subject.hint : undefined;
  const task =
    'taskId' in subject
      ? `task ${subject.taskId}`
      : 'creating' in subject
        ? subject.creating
        : subject.endpoint;
  if (code === 404 && 'endpoint' in subject) {
    return new KieApiError(
      'fatal',
      `Kie.ai does not serve ${subject.endpoint} (404${said}). Check ${names.of(Inputs.BaseUrl)}.`,
      code,
    );
  }
  switch (code) {
    case 401:
      return new KieApiError(
        'fatal',
        `Kie.ai rejected the API key (401${said}). Check ${names.of(Inputs.ApiKey)}.`,
        code,
      );
    case 402:
      return new KieApiError(
        'fatal',
        `The Kie.ai account is out of credits (402${said}). Top up at kie.ai, then run again.`,
        code,
      );
    case 404:
      return new KieApiError(
        'fatal',
        taskId === undefined
          ? `Kie.ai does not know that model or endpoint (404${said}). Check ${names.of(Inputs.Model)} and ${names.of(Inputs.BaseUrl)}.`
          : `Kie.ai has no task ${taskId} (404${said}). ${hint ?? `Check ${names.of(Inputs.TaskId)}.`}`,
        code,
      );
    case 408:
      return new KieApiError(
        'fatal',
        `Kie.ai gave up on ${task}: no result for over 10 minutes (408${said}).`,
        code,
      );
    case 422:
      // Only a reply that the record is missing means the id is not visible yet (NO_RECORD).
      if (taskId !== undefined && NO_RECORD.test(serverMessage)) {
        return new KieApiError(
          'not-ready',
          `Kie.ai does not know task ${taskId} yet (422${said}).`,
          code,
          undefined,
          { hint },
        );
      }
      // Another 422 about a task ("records within 14 days" on Veo and 4o): its family's hint.
      return new KieApiError(
        'fatal',
        `Kie.ai rejected the request (422${said}).${hint ? ` ${hint}` : ''}`,
        code,
      );
    case 429:
      return new KieApiError(
        'transient',
        `Kie.ai rate limit reached (429${said}).`,
        code,
        retryAfterMs,
      );
    case 433:
      return new KieApiError(
        'fatal',
        `The API key's usage cap is exhausted (433${said}). Raise the cap in Kie.ai's console.`,
        code,
      );
    case 455:
      return new KieApiError(
        'transient',
        `Kie.ai is under maintenance (455${said}); trying again no more than every ${MAINTENANCE_BACKOFF_MS / 1_000}s.`,
        code,
        Math.max(retryAfterMs ?? 0, MAINTENANCE_BACKOFF_MS),
      );
    case 501:
      return new KieApiError('fatal', `Generation failed for ${task} (501${said}).`, code);
    case 505:
      return new KieApiError('fatal', `The feature is disabled on Kie.ai (505${said}).`, code);
  }
  if (code >= 500 && MAINTENANCE.test(serverMessage)) {
    return new KieApiError(
      'transient',
      `Kie.ai is under maintenance (${code}${said}); trying again no more than every ${MAINTENANCE_BACKOFF_MS / 1_000}s.`,
      code,
      Math.max(retryAfterMs ?? 0, MAINTENANCE_BACKOFF_MS),
    );
  }
  if (code >= 500) {
    return new KieApiError(
      'transient',
      `Kie.ai server error (${code}${said}).`,
      code,
      retryAfterMs,
    );
  }
  return new KieApiError('fatal', `Kie.ai refused the request (${code}${said}).`, code);
}

/** Code 200 with no record (`data` null or missing), seen for an unknown id instead of the
 * documented 422: not visible (yet), so the same grace. */
export function noRecord(taskId: string, data: null | undefined, hint?: string): KieApiError {
  const given = data === null ? 'null' : 'missing';
  const message = `Kie.ai has no record of task ${taskId} (code 200, data ${given}).`;
  return new KieApiError('not-ready', message, 200, undefined, { hint });
}

// Cloudflare, in front of Kie.ai, answers a client it will not serve with a plain-text
// "error code: NNNN" (HTTP 403). Waiting does not change its mind: only the client can.
const CLOUDFLARE_REFUSALS: Record<string, string> = {
  '1006': "the runner's network address is banned",
  '1007': "the runner's network address is banned",
  '1008': "the runner's network address is banned",
  '1009': "the runner's country or region is blocked",
  '1010': "the client's signature is banned (its User-Agent, or a proxy's fingerprint)",
  '1012': 'access is denied',
  '1020': 'a firewall rule blocks the request',
};

/**
 * What a reply that is not a Kie.ai envelope means when it refuses the caller (HTTP 403 from
 * Cloudflare or a proxy, 407 from a proxy that wants credentials), or undefined when it does not.
 */
export function refusalMeaning(status: number, body: string): string | undefined {
  if (status === 407) return 'a proxy between the runner and Kie.ai wants credentials';
  if (status !== 403) return undefined;
  const cloudflare = /error code:?\s*(\d{4})/i.exec(body)?.[1];
  return (
    (cloudflare && CLOUDFLARE_REFUSALS[cloudflare]) ||
    'something in front of Kie.ai (a proxy, firewall or CDN) refuses this client'
  );
}

/** The one line for a refusal: what it means and what to check, naming base-url. */
export function describeRefusal(
  status: number,
  said: string,
  meaning: string,
  baseUrl: string,
  userAgent: string,
  names: InputNames,
): string {
  return (
    `${baseUrl} refused this client (HTTP ${status}: ${said}): ${meaning}. Waiting will not help: ` +
    `check the runner's proxy settings (https_proxy, no_proxy), that nothing rewrites the ` +
    `User-Agent (${userAgent}), the runner's network, and ${names.of(Inputs.BaseUrl)}.`
  );
}
