// A Kie.ai-compatible API on 127.0.0.1, scripted per task: used by the tests and by `npm run demo`.
// Each status call for a task answers with the task's next scripted reply; the last one repeats.
// Every API family's status and create endpoints are served (kie-routes.ts), each family's tasks
// apart: a Veo id asked of the Market endpoint is unknown there, as on Kie.ai.
import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { FRESH_LINK_ROUTES, ROUTES, type Api } from './kie-routes.js';

export interface RecordFields {
  taskId: string;
  model: string;
  state: string;
  param: string;
  resultJson: string;
  failCode: string | null;
  failMsg: string | null;
  costTime: number | null;
  completeTime: number | null;
  createTime: number;
  updateTime: number;
  [extra: string]: unknown;
}

/** One answer to one poll. */
export type KieReply =
  /** A normal answer: HTTP 200, code 200, the task's record with this state (and any overrides). */
  | { state: string; record?: Partial<RecordFields>; delayMs?: number }
  /** Another family's record (`data` as that family documents it: see kie-families.ts). */
  | { data: object; delayMs?: number }
  /** Anything else, as raw as needed: error codes, HTML pages, broken JSON, slow replies. */
  | { status?: number; body: string | object; headers?: Record<string, string>; delayMs?: number };

export interface RecordedRequest {
  method: string;
  path: string;
  taskId: string | null;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body of a POST. */
  body?: unknown;
  at: number;
}

/** A reply given as is: any status, body and headers, possibly late. */
export type RawReply = Extract<KieReply, { body: unknown }>;

export const CREDIT_PATH = '/api/v1/chat/credit';
export const INITIAL_BALANCE = 60.62;
const DEFAULT_TASK_COST = 1;

/** One answer to a createTask call: a new task (scripted like `script`), or any raw reply. */
export type CreateReply =
  | { taskId: string; replies: KieReply[] }
  | { status?: number; body: string | object; headers?: Record<string, string>; delayMs?: number };

export interface KieServer {
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  /** Scripts a task. `record` sets fields common to every reply (model, resultJson, createTime...). */
  script(taskId: string, replies: KieReply[], record?: Partial<RecordFields>, api?: Api): void;
  /** Scripts a family's create endpoint: each call answers with the next reply; the last repeats. */
  scriptCreate(replies: CreateReply[], api?: Api): void;
  /**
   * Fresh links for Kie-hosted URLs, for the download-url endpoints (the common one, and 4o's,
   * which also needs the task id). A URL not listed gets the documented 422. Each answer comes
   * `delayMs` late, if given.
   */
  scriptFreshLinks(links: Record<string, string>, delayMs?: number): void;
  /**
   * The account balance GET /api/v1/chat/credit serves (60.62 at the start, as seen live). Each
   * task's first `success` reply takes its cost off: its record's creditsConsumed, else 1.
   */
  balance: number;
  /** Scripts the balance endpoint: each call answers with the next reply; then the balance. */
  scriptCredits(replies: RawReply[]): void;
  /** The requests for task records and creation, leaving out the balance reads. */
  taskRequests(): RecordedRequest[];
  close(): Promise<void>;
}

export const TEST_API_KEY = 'test-key-0123456789abcdef';

export async function startKieServer(apiKey = TEST_API_KEY): Promise<KieServer> {
  const tasks = new Map<string, { replies: KieReply[]; served: number; base: RecordFields }>();
  const requests: RecordedRequest[] = [];
  const creations = new Map<Api, { replies: CreateReply[]; served: number }>();
  let freshLinks: Record<string, string> = {};
  let freshLinkDelayMs: number | undefined;
  let creditReplies: RawReply[] = [];
  const charged = new Set<string>();
  const account = { balance: INITIAL_BALANCE };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const taskId = url.searchParams.get('taskId');
    const at = Date.now();
    let text = '';
    for await (const chunk of req) text += chunk;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      taskId,
      headers: req.headers,
      body,
      at,
    });

    const route = `${req.method} ${url.pathname}`;
    const status = req.method === 'GET' ? ROUTES.find((r) => r.status === url.pathname) : undefined;
    const create =
      req.method === 'POST' ? ROUTES.find((r) => r.create === url.pathname) : undefined;
    const freshLink = req.method === 'POST' ? FRESH_LINK_ROUTES[url.pathname] : undefined;
    if (!status && !create && !freshLink && route !== `GET ${CREDIT_PATH}`) {
      return send(res, { status: 404, body: '<html><body>Not Found</body></html>' });
    }
    // Like Kie.ai: a bad key is HTTP 200 with code 401 in the body.
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return send(res, { body: { code: 401, msg: 'You do not have access permissions' } });
    }
    if (route === `GET ${CREDIT_PATH}`) {
      const scripted = creditReplies.shift();
      if (scripted) return send(res, scripted);
      return send(res, { body: { code: 200, msg: 'success', data: account.balance } });
    }
    if (freshLink) {
      return send(res, { body: answerFreshLink(freshLink, body), delayMs: freshLinkDelayMs });
    }
    if (create) {
      const scripted = creations.get(create.api);
      const reply = scripted?.replies[Math.min(scripted.served++, scripted.replies.length - 1)];
      if (!reply) return send(res, { body: { code: 500, msg: 'create is not scripted' } });
      if (!('taskId' in reply)) return send(res, reply);
      const model = (body as { model?: string }).model;
      scriptTask(reply.taskId, reply.replies, model ? { model } : {}, create.api);
      return send(res, { body: { code: 200, msg: 'success', data: { taskId: reply.taskId } } });
    }
    const task = taskId === null ? undefined : tasks.get(key(status!.api, taskId));
    // Documented for Market as "recordInfo is null", for 4o as "record is null".
    if (!task) return send(res, { body: { code: 422, msg: status!.unknown, data: null } });

    const reply = task.replies[Math.min(task.served, task.replies.length - 1)]!;
    task.served++;
    if ('data' in reply) {
      const data = { taskId, ...reply.data };
      return send(res, { body: { code: 200, msg: 'success', data }, delayMs: reply.delayMs });
    }
    if ('state' in reply) {
      const record = {
        ...task.base,
        updateTime: Date.now(),
        ...recordFor(reply.state),
        ...reply.record,
        state: reply.state,
      };
      if (record.state === 'success' && !charged.has(record.taskId)) {
        charged.add(record.taskId);
        const { creditsConsumed } = record as RecordFields;
        const cost = typeof creditsConsumed === 'number' ? creditsConsumed : DEFAULT_TASK_COST;
        account.balance = Math.round((account.balance - cost) * 100) / 100;
      }
      return send(res, {
        body: { code: 200, msg: 'success', data: record },
        delayMs: reply.delayMs,
      });
    }
    return send(res, reply);
  };
  // A handler that throws ends the request (and fails the test), not the process.
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.destroy(error as Error));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  function answerFreshLink(route: { needsTaskId: boolean }, body: unknown) {
    const { url, taskId } = (body ?? {}) as { url?: string; taskId?: string };
    if (route.needsTaskId && !taskId) return { code: 422, msg: 'taskId cannot be empty' };
    const fresh = url === undefined ? undefined : freshLinks[url];
    if (fresh === undefined) {
      return { code: 422, msg: 'Only supports files generated by kie.ai services.' };
    }
    return { code: 200, msg: 'success', data: fresh };
  }

  function scriptTask(
    taskId: string,
    replies: KieReply[],
    record: Partial<RecordFields> = {},
    api: Api = 'market',
  ) {
    const now = Date.now();
    const base: RecordFields = {
      model: 'test/model',
      state: 'waiting',
      param: JSON.stringify({ model: record.model ?? 'test/model', input: {} }),
      resultJson: '',
      failCode: null,
      failMsg: null,
      costTime: null,
      completeTime: null,
      createTime: now,
      updateTime: now,
      ...record,
      taskId,
    };
    tasks.set(key(api, taskId), { replies, served: 0, base });
  }

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    script: scriptTask,
    scriptCreate(replies, api = 'market') {
      creations.set(api, { replies, served: 0 });
    },
    scriptFreshLinks(links, delayMs) {
      freshLinks = links;
      freshLinkDelayMs = delayMs;
    },
    get balance() {
      return account.balance;
    },
    set balance(credits: number) {
      account.balance = credits;
    },
    scriptCredits(replies) {
      creditReplies = [...replies];
    },
    taskRequests: () => requests.filter((request) => request.path !== CREDIT_PATH),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const key = (api: Api, taskId: string) => `${api} ${taskId}`;

/** What Kie.ai leaves empty while a task runs, and fills on the way out. */
function recordFor(state: string): Partial<RecordFields> {
  if (state === 'success' || state === 'fail') {
    return {
      completeTime: Date.now(),
      failCode: state === 'success' ? '' : '500',
      failMsg: state === 'success' ? '' : 'Generation failed',
    };
  }
  return { resultJson: '' };
}

function send(
  res: ServerResponse,
  reply: {
    status?: number;
    body: string | object;
    headers?: Record<string, string>;
    delayMs?: number;
  },
): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const type = typeof reply.body === 'string' ? 'text/html' : 'application/json';
  const respond = () => {
    if (res.destroyed) return;
    res.writeHead(reply.status ?? 200, { 'content-type': type, ...reply.headers });
    res.end(text);
  };
  if (reply.delayMs) setTimeout(respond, reply.delayMs);
  else respond();
}
