// The Kie.ai API client: one HTTP call per method, every failure classified so the poll loop only
// has to ask "wait and try again, or stop?".
//
// @actions/http-client rather than fetch: it honours the runner's proxy settings (https_proxy,
// no_proxy), which self-hosted runners behind a proxy depend on. Its own retries are off: the
// poll loop owns retrying, with the task's timeout in view.
import { HttpClient, type HttpClientResponse } from '@actions/http-client';
import { ACTION_NAMES, Inputs, type InputNames } from '../constants.js';
import type { Logger } from '../logger.js';
import { USER_AGENT } from '../version.js';
import {
  creditsSchema,
  envelopeSchema,
  taskRecordSchema,
  type Envelope,
  type TaskRecord,
} from './schema.js';

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
    /** The request surely never reached Kie.ai (refused, no DNS): safe to repeat even a POST. */
    readonly neverSent = false,
  ) {
    super(message);
  }
}

// Connection errors that happen before a byte of the request leaves this machine.
const NEVER_SENT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** What a request is about, for its messages: a task's record, creating one, or another endpoint. */
type Subject = { taskId: string } | { model: string } | { endpoint: string };

export interface CreateTaskRequest {
  model: string;
  input: Record<string, unknown>;
  callBackUrl?: string;
}

export interface KieClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Per request, headers and body together. */
  requestTimeoutMs?: number;
  logger: Logger;
  /** For Retry-After given as an HTTP date. */
  now?: () => number;
  /** How messages name inputs; the action's names by default. */
  names?: InputNames;
}

// Kie.ai's 455 means maintenance: minutes, not seconds. Polling it every 3 s only adds load.
const MAINTENANCE_BACKOFF_MS = 30_000;
const BODY_EXCERPT_CHARS = 120;

export class KieClient {
  private readonly http: HttpClient;
  private readonly baseUrl: string;
  private readonly requestTimeoutMs: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly names: InputNames;

  constructor(options: KieClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.names = options.names ?? ACTION_NAMES;
    // No redirects: the key must reach no host but base-url, and an API that redirects is
    // misconfigured anyway (the error says where it pointed).
    this.http = new HttpClient(USER_AGENT, [], {
      allowRedirects: false,
      allowRetries: false,
      socketTimeout: this.requestTimeoutMs,
      keepAlive: true,
      headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
    });
  }

  /** GET /api/v1/jobs/recordInfo: the task's current record. Throws KieApiError. */
  async getTaskRecord(taskId: string): Promise<TaskRecord> {
    const url = `${this.baseUrl}/api/v1/jobs/recordInfo?taskId=${encodeURIComponent(taskId)}`;
    const envelope = await this.call('GET', url, { taskId });
    const record = taskRecordSchema.safeParse(envelope.data);
    if (!record.success) {
      throw new KieApiError(
        'transient',
        `Kie.ai answered code 200 without a readable task record for ${taskId} (${describeShape(envelope.data)}).`,
        200,
      );
    }
    return record.data;
  }

  /** POST /api/v1/jobs/createTask: the new task's id. Throws KieApiError; never retries itself. */
  async createTask(request: CreateTaskRequest): Promise<string> {
    const url = `${this.baseUrl}/api/v1/jobs/createTask`;
    const envelope = await this.call(
      'POST',
      url,
      { model: request.model },
      JSON.stringify(request),
    );
    const taskId = (envelope.data as { taskId?: unknown } | null | undefined)?.taskId;
    if (typeof taskId !== 'string' || taskId === '') {
      throw new KieApiError(
        'fatal',
        `Kie.ai accepted the task for model ${request.model} but returned no taskId (${describeShape(envelope.data)}).`,
        envelope.code,
      );
    }
    return taskId;
  }

  /** GET /api/v1/chat/credit: the account's balance in credits. Throws KieApiError. */
  async getCredits(): Promise<number> {
    const path = '/api/v1/chat/credit';
    const envelope = await this.call('GET', `${this.baseUrl}${path}`, { endpoint: `GET ${path}` });
    const credits = creditsSchema.safeParse(envelope.data);
    if (!credits.success) {
      throw new KieApiError(
        'transient',
        `Kie.ai answered code 200 without a readable credit balance (${describeShape(envelope.data)}).`,
        200,
      );
    }
    return credits.data;
  }

  /** Frees the keep-alive sockets so the process can exit. */
  dispose(): void {
    this.http.dispose();
  }

  private async call(
    method: 'GET' | 'POST',
    url: string,
    subject: Subject,
    body?: string,
  ): Promise<Envelope> {
    this.logger.debug(`${method} ${url}`);
    const started = this.now();
    let status: number;
    let headers: HttpClientResponse['message']['headers'];
    let reply: string;
    try {
      ({ status, headers, body: reply } = await this.send(method, url, body));
    } catch (error) {
      const neverSent = NEVER_SENT_ERRORS.has((error as NodeJS.ErrnoException).code ?? '');
      throw new KieApiError(
        'transient',
        `Request to Kie.ai failed: ${(error as Error).message}.`,
        undefined,
        undefined,
        neverSent,
      );
    }
    this.logger.debug(`HTTP ${status} in ${this.now() - started}ms: ${excerpt(reply)}`);
    return this.classify(status, headers, reply, subject);
  }

  private async send(method: 'GET' | 'POST', url: string, body?: string) {
    let response: HttpClientResponse | undefined;
    let timer: NodeJS.Timeout | undefined;
    // http-client's socketTimeout ends idle sockets; this deadline also bounds a body that trickles.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        response?.message.destroy();
        reject(new Error(`no complete reply within ${this.requestTimeoutMs}ms`));
      }, this.requestTimeoutMs);
    });
    try {
      const exchange = (async () => {
        const headers = body === undefined ? {} : { 'content-type': 'application/json' };
        response = await this.http.request(method, url, body ?? null, headers);
        const text = await response.readBody();
        return {
          status: response.message.statusCode ?? 0,
          headers: response.message.headers,
          body: text,
        };
      })();
      return await Promise.race([exchange, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private classify(
    status: number,
    headers: HttpClientResponse['message']['headers'],
    body: string,
    subject: Subject,
  ): Envelope {
    if (status === 429) {
      throw new KieApiError(
        'transient',
        'Kie.ai rate limit reached (HTTP 429).',
        429,
        parseRetryAfter(headers['retry-after'], this.now()),
      );
    }
    if (status >= 300 && status < 400) {
      throw new KieApiError(
        'fatal',
        `${this.names.of(Inputs.BaseUrl)} answered HTTP ${status} redirecting to ${headers.location ?? '(nowhere)'}; set it to the API's own address.`,
        status,
      );
    }
    const envelope = parseEnvelope(body);
    if (!envelope) {
      // Proxies and Cloudflare answer with HTML or text ("error code: 1010"): infrastructure, not
      // the task, so worth another try. Only auth, credits and a wrong address are not.
      if (status === 401 || status === 402) throw describeCode(status, '', subject, this.names);
      if (status === 404) {
        throw new KieApiError(
          'fatal',
          `The API answered HTTP 404 with a non-Kie page (check ${this.names.of(Inputs.BaseUrl)}): ${excerpt(body)}`,
          404,
        );
      }
      throw new KieApiError(
        'transient',
        `Kie.ai answered HTTP ${status} with a body that is not a Kie.ai reply: ${excerpt(body)}`,
        status,
      );
    }
    const code = envelope.code === 200 && status >= 400 ? status : envelope.code;
    if (status >= 500 && code === 200) {
      throw new KieApiError('transient', `Kie.ai answered HTTP ${status}.`, status);
    }
    if (code !== 200) {
      const retryAfterMs = parseRetryAfter(headers['retry-after'], this.now());
      throw describeCode(
        code,
        envelope.msg ?? envelope.message ?? '',
        subject,
        this.names,
        retryAfterMs,
      );
    }
    return envelope;
  }
}

/** What a code means for a poller, following the table in Kie.ai's documentation. */
function describeCode(
  code: number,
  serverMessage: string,
  subject: Subject,
  names: InputNames,
  retryAfterMs?: number,
): KieApiError {
  const said = serverMessage ? `: "${serverMessage}"` : '';
  const taskId = 'taskId' in subject ? subject.taskId : undefined;
  const task =
    taskId !== undefined
      ? `task ${taskId}`
      : 'model' in subject
        ? `the task for model ${subject.model}`
        : (subject as { endpoint: string }).endpoint;
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
          : `Kie.ai has no task ${taskId} (404${said}). Check ${names.of(Inputs.TaskId)}.`,
        code,
      );
    case 408:
      return new KieApiError(
        'fatal',
        `Kie.ai gave up on ${task}: no result for over 10 minutes (408${said}).`,
        code,
      );
    case 422:
      // Only the documented "recordInfo is null" means the id is not visible yet.
      if (taskId !== undefined && /recordInfo is null/i.test(serverMessage)) {
        return new KieApiError(
          'not-ready',
          `Kie.ai does not know task ${taskId} yet (422${said}).`,
          code,
        );
      }
      return new KieApiError('fatal', `Kie.ai rejected the request (422${said}).`, code);
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
        `Kie.ai is under maintenance (455${said}).`,
        code,
        Math.max(retryAfterMs ?? 0, MAINTENANCE_BACKOFF_MS),
      );
    case 501:
      return new KieApiError('fatal', `Generation failed for ${task} (501${said}).`, code);
    case 505:
      return new KieApiError('fatal', `The feature is disabled on Kie.ai (505${said}).`, code);
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

function parseEnvelope(body: string): Envelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const envelope = envelopeSchema.safeParse(json);
  return envelope.success ? envelope.data : undefined;
}

// A Retry-After of hours would hold every task past its timeout: a minute is the most we honour.
const MAX_RETRY_AFTER_MS = 60_000;

/** Retry-After as delta-seconds or an HTTP date, at most a minute; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number,
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const ms = /^\d+$/.test(text.trim()) ? Number(text.trim()) * 1_000 : Date.parse(text) - now;
  return Number.isNaN(ms) ? undefined : Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > BODY_EXCERPT_CHARS ? `${flat.slice(0, BODY_EXCERPT_CHARS)}…` : flat;
}

function describeShape(value: unknown): string {
  if (value === null || value === undefined) return 'data is empty';
  if (Array.isArray(value)) return 'data is an array';
  if (typeof value !== 'object') return `data is a ${typeof value}`;
  return `data has fields ${Object.keys(value).slice(0, 8).join(', ') || 'none'}`;
}
