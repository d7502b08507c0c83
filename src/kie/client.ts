// The Kie.ai API client: one HTTP call per method, every failure classified so the poll loop only
// has to ask "wait and try again, or stop?".
//
// @actions/http-client rather than fetch: it honours the runner's proxy settings (https_proxy,
// no_proxy), which self-hosted runners behind a proxy depend on. Its own retries are off: the
// poll loop owns retrying, with the task's timeout in view.
import { HttpClient, type HttpClientResponse } from '@actions/http-client';
import { ACTION_NAMES, Inputs, type InputNames } from '../settings/constants.js';
import type { Logger } from '../logger.js';
import { USER_AGENT } from '../version.js';
import { apiFamily, DEFAULT_API, type ApiFamily, type CreateRequest } from './apis/index.js';
import { exchange, type Exchange, type Limits } from './exchange.js';
import { BaseUrlWatch } from './base-url-watch.js';
import { describeCode, KieApiError, noRecord, refusalMeaning, type Subject } from './faults.js';
import { capText, redact } from '../net/server-text.js';
import {
  describeShape,
  excerpt,
  parseEnvelope,
  parseRetryAfter,
  sanitisedRecord,
} from './replies.js';
import { creditsSchema, type Envelope, type TaskRecord } from './schema.js';

export { KieApiError, type FaultKind } from './faults.js';
export { REFUSAL_TRIES, UNANSWERED_LIMIT_MS } from './base-url-watch.js';

export interface KieClientOptions {
  baseUrl: string;
  apiKey: string;
  /** The API family every task of this client belongs to; default Market. */
  api?: ApiFamily;
  /** Per request, headers and body together. */
  requestTimeoutMs?: number;
  logger: Logger;
  /** For Retry-After given as an HTTP date. */
  now?: () => number;
  /** How messages name inputs; the action's names by default. */
  names?: InputNames;
}

/** How long a poll may run past the step's deadline (or past being sent, if later): the last poll
 * is sent at the deadline and deserves a reply, but `timeout` must hold, not the request timeout. */
export const POLL_GRACE_MS = 1_000;

export class KieClient {
  readonly api: ApiFamily;
  private readonly http: HttpClient;
  private readonly baseUrl: string;
  private readonly requestTimeoutMs: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly names: InputNames;
  /** Redacted from every reply: a server may echo the key back in a message or a URL. */
  private readonly secrets: string[];
  /** Whether base-url is given up on: silent too long, or refusing this client. */
  private readonly watch: BaseUrlWatch;

  constructor(options: KieClientOptions) {
    this.api = options.api ?? apiFamily(DEFAULT_API)!;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.names = options.names ?? ACTION_NAMES;
    this.secrets = [options.apiKey].filter(Boolean);
    this.watch = new BaseUrlWatch(this.baseUrl, this.names, this.now);
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

  /** GET the family's status endpoint: the task's current record. Throws KieApiError. With the
   * step's `deadline` (epoch ms), the request is cut off POLL_GRACE_MS after it. */
  async getTaskRecord(taskId: string, deadline?: number): Promise<TaskRecord> {
    const url = `${this.baseUrl}${this.api.statusPath}?taskId=${encodeURIComponent(taskId)}`;
    const hint = this.api.unknownTaskHint(this.names);
    const limits = { cutOffAt: this.graced(deadline) };
    const envelope = await this.call('GET', url, { taskId, hint }, undefined, limits);
    if (envelope.data == null) throw noRecord(taskId, envelope.data, hint);
    const record = this.api.read(envelope.data);
    if ('unreadable' in record) {
      throw new KieApiError(
        'transient',
        `Kie.ai answered code 200 without a readable ${this.api.label} task record for ${taskId} (${describeShape(envelope.data)}: ${record.unreadable}).`,
        200,
      );
    }
    return sanitisedRecord(record, this.secrets);
  }

  /** POST to the family's create endpoint: the new task's id. Throws KieApiError; never retries.
   * With the step's `deadline`, cut off as a poll is (a cut-off create may still have created). */
  async createTask(request: CreateRequest, deadline?: number): Promise<string> {
    const url = `${this.baseUrl}${this.api.create.path}`;
    const creating = request.model
      ? `the task for model ${request.model}`
      : `the ${this.api.label} task`;
    const body = JSON.stringify(this.api.create.body(request));
    const limits = { cutOffAt: this.graced(deadline) };
    const envelope = await this.call('POST', url, { creating }, body, limits);
    const given = (envelope.data as { taskId?: unknown } | null | undefined)?.taskId;
    // A number too, as status replies may carry one: the task is paid for, so it is waited for.
    const taskId =
      typeof given === 'string'
        ? given.trim()
        : Number.isSafeInteger(given) && (given as number) >= 0
          ? String(given)
          : '';
    if (taskId === '') {
      throw new KieApiError(
        'fatal',
        `Kie.ai accepted ${creating} but returned no taskId (${describeShape(envelope.data)}).`,
        envelope.code,
      );
    }
    return taskId;
  }

  /**
   * A fresh link to a file Kie.ai generated for `taskId` (valid 20 minutes), from the family's
   * download-url endpoint. Throws KieApiError (422 when Kie.ai does not host that URL).
   */
  async freshDownloadUrl(taskId: string, fileUrl: string, signal?: AbortSignal): Promise<string> {
    const { path, body } = this.api.freshLink(taskId, fileUrl);
    const url = `${this.baseUrl}${path}`;
    const sent = JSON.stringify(body);
    const envelope = await this.call('POST', url, { endpoint: `POST ${path}` }, sent, { signal });
    const link = typeof envelope.data === 'string' ? envelope.data : undefined;
    if (!link || !URL.canParse(link)) {
      throw new KieApiError(
        'fatal',
        `Kie.ai gave no download link (${describeShape(envelope.data)}).`,
        envelope.code,
      );
    }
    return link;
  }

  /** GET /api/v1/chat/credit: the account's balance in credits, the request cut off at `cutOffAt`
   * (epoch ms) if given. Throws KieApiError. */
  async getCredits(cutOffAt?: number): Promise<number> {
    const path = '/api/v1/chat/credit';
    const url = `${this.baseUrl}${path}`;
    const envelope = await this.call('GET', url, { endpoint: `GET ${path}` }, undefined, {
      cutOffAt,
    });
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

  private graced(deadline: number | undefined): number | undefined {
    return deadline === undefined ? undefined : Math.max(deadline, this.now()) + POLL_GRACE_MS;
  }

  private async call(
    method: 'GET' | 'POST',
    url: string,
    subject: Subject,
    body?: string,
    limits: Limits = {},
  ): Promise<Envelope> {
    const { signal } = limits;
    this.watch.throwIfGivenUp();
    signal?.throwIfAborted();
    this.logger.debug(`${method} ${url}`);
    const started = this.now();
    let reply: Exchange;
    try {
      const request = { method, url, body };
      reply = await exchange(this.http, request, this.requestTimeoutMs, limits, this.now);
    } catch (error) {
      // Given up on by the caller, or cut off by its time limit: says nothing about base-url.
      if (signal?.aborted) throw signal.reason;
      if (error instanceof KieApiError) throw error;
      throw this.watch.connectionFault(error as NodeJS.ErrnoException, started);
    }
    this.watch.answered();
    const text = redact(reply.body, this.secrets);
    this.logger.debug(`HTTP ${reply.status} in ${this.now() - started}ms: ${excerpt(text)}`);
    return this.classify(reply.status, reply.headers, text, subject);
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
        `${this.names.of(Inputs.BaseUrl)} answered HTTP ${status} redirecting to ${capText(redact(headers.location ?? '(nowhere)', this.secrets))}; set it to the API's own address.`,
        status,
      );
    }
    const envelope = parseEnvelope(body, this.secrets);
    const refusal = envelope ? undefined : refusalMeaning(status, body);
    if (refusal) throw this.watch.refused(status, excerpt(body), refusal);
    this.watch.accepted();
    if (!envelope) {
      // Proxies and CDNs answer with HTML or text: infrastructure, not the task, so worth another
      // try. Only auth, credits, a wrong address and a refusal (above) are not.
      if (status === 401 || status === 402) throw describeCode(status, '', subject, this.names);
      if (status === 404) {
        throw new KieApiError(
          'fatal',
          `The API answered HTTP 404 with a non-Kie page (check ${this.names.of(Inputs.BaseUrl)}): ${excerpt(body)}.`,
          404,
        );
      }
      throw new KieApiError(
        'transient',
        `Kie.ai answered HTTP ${status} with a body that is not a Kie.ai reply: ${excerpt(body)}.`,
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
        capText(envelope.msg ?? envelope.message ?? ''),
        subject,
        this.names,
        retryAfterMs,
      );
    }
    return envelope;
  }
}
