// A stand-in for the Actions cache service (v2) and the blob storage behind it, so the real
// @actions/cache client can save and restore in tests, as results-service.ts does for artifacts.
//
// What the client does (@actions/cache 6.3.0, lib/cache.js, with ACTIONS_CACHE_SERVICE_V2 set;
// ACTIONS_RESULTS_URL is the service, ACTIONS_RUNTIME_TOKEN its bearer token):
// - save: tar the paths, POST {origin}/twirp/github.actions.results.api.v1.CacheService/
//   CreateCacheEntry { key, version } -> { ok, signed_upload_url }; Put Blob of the archive to that
//   URL (Azure SDK uploadFile, one request under 128 MiB); FinalizeCacheEntryUpload { key,
//   version, size_bytes } -> { ok, entry_id }.
// - restore: GetCacheEntryDownloadURL { key, restore_keys, version } -> { ok, signed_download_url,
//   matched_key }; a plain GET of the archive (the host is not *.blob.core.windows.net); untar.
// Matching as the service documents it: the key exactly, else the newest entry the key is a
// prefix of, else each restore key in turn as a prefix, newest first; only entries of the same
// version (paths and compression). A key, once created, cannot be created again.
//
// The cache and artifact services share ACTIONS_RESULTS_URL (and the runtime token): given a
// results service, this one answers for both, passing the artifact calls on to it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  readBody,
  sendBlobCreated,
  sendBlobError,
  sendJson,
  serveLocally,
  twirpError,
  unsignedJwt,
  type ResultsService,
  type TwirpReply,
} from './results-service.js';

const METHODS = [
  'GetCacheEntryDownloadURL',
  'CreateCacheEntry',
  'FinalizeCacheEntryUpload',
] as const;
export type CacheMethod = (typeof METHODS)[number];

export interface CacheEntry {
  id: number;
  key: string;
  version: string;
  /** The archive the client uploaded (a tar, gzip- or zstd-compressed). */
  archive?: Buffer;
  finalized: boolean;
}

export interface CacheService {
  /** The variables a runner gives a JavaScript action for the cache. */
  env: {
    ACTIONS_RUNTIME_TOKEN: string;
    ACTIONS_RESULTS_URL: string;
    ACTIONS_CACHE_SERVICE_V2: string;
  };
  entries: CacheEntry[];
  /** Every Twirp call received, with the key it named. */
  calls: { method: CacheMethod; key: string; restoreKeys?: string[] }[];
  /** Answers every later call of `method` with `reply` ('hang': never; undefined: as usual). */
  override(method: CacheMethod, reply: TwirpReply | 'hang' | undefined): void;
  close(): Promise<void>;
}

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';
const BLOB_PREFIX = '/devstoreaccount1/actions-cache/';
const SIGNATURE = 'stand-in-cache-signature';

export async function startCacheService(
  results?: Pick<ResultsService, 'env'>,
): Promise<CacheService> {
  const token = results?.env.ACTIONS_RUNTIME_TOKEN ?? unsignedJwt({ scp: 'Actions.Results:r:j' });
  const entries: CacheEntry[] = [];
  const calls: CacheService['calls'] = [];
  const overrides = new Map<CacheMethod, TwirpReply | 'hang'>();
  let origin = '';
  const blobUrl = (entry: CacheEntry) => `${origin}${BLOB_PREFIX}${entry.id}?sig=${SIGNATURE}`;

  function handleTwirp(method: CacheMethod, request: Record<string, unknown>): TwirpReply {
    const override = overrides.get(method);
    if (override && override !== 'hang') return override;
    const key = typeof request.key === 'string' ? request.key : '';
    const version = typeof request.version === 'string' ? request.version : '';
    const same = (entry: CacheEntry) => entry.version === version && entry.key === key;
    switch (method) {
      case 'CreateCacheEntry': {
        if (entries.some(same)) {
          return twirpError(409, 'already_exists', `cache entry ${key} already exists`);
        }
        const entry: CacheEntry = { id: entries.length + 1, key, version, finalized: false };
        entries.push(entry);
        return { status: 200, body: { ok: true, signed_upload_url: blobUrl(entry) } };
      }
      case 'FinalizeCacheEntryUpload': {
        const entry = entries.find(same);
        if (!entry?.archive) {
          return { status: 200, body: { ok: false, message: `nothing uploaded for ${key}` } };
        }
        entry.finalized = true;
        return { status: 200, body: { ok: true, entry_id: String(entry.id) } };
      }
      case 'GetCacheEntryDownloadURL': {
        // Newest first.
        const usable = entries.filter((e) => e.finalized && e.version === version).reverse();
        const restoreKeys = (request.restore_keys as string[] | undefined) ?? [];
        const match =
          usable.find((entry) => entry.key === key) ??
          [key, ...restoreKeys]
            .map((prefix) => usable.find((entry) => entry.key.startsWith(prefix)))
            .find(Boolean);
        if (!match) return { status: 200, body: { ok: false } };
        return {
          status: 200,
          body: { ok: true, signed_download_url: blobUrl(match), matched_key: match.key },
        };
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const body = await readBody(req);
    if (req.method === 'POST' && url.pathname.startsWith(TWIRP_PREFIX)) {
      const method = url.pathname.slice(TWIRP_PREFIX.length) as CacheMethod;
      if (!METHODS.includes(method)) {
        return sendJson(res, twirpError(404, 'bad_route', `no handler for ${method}`));
      }
      const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      calls.push({
        method,
        key: String(request.key),
        ...(request.restore_keys ? { restoreKeys: request.restore_keys as string[] } : {}),
      });
      if (req.headers.authorization !== `Bearer ${token}`) {
        return sendJson(res, twirpError(401, 'unauthenticated', 'invalid runtime token'));
      }
      if (overrides.get(method) === 'hang') return; // close() ends the connection
      return sendJson(res, handleTwirp(method, request));
    }
    if (results && url.pathname.startsWith('/twirp/')) {
      const reply = await fetch(new URL(url.pathname, results.env.ACTIONS_RESULTS_URL), {
        method: 'POST',
        headers: {
          authorization: req.headers.authorization ?? '',
          'content-type': 'application/json',
        },
        body,
      });
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      return void res.end(Buffer.from(await reply.arrayBuffer()));
    }
    const entry = entries.find((e) => url.pathname === `${BLOB_PREFIX}${e.id}`);
    if (!entry)
      return sendBlobError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
    if (url.searchParams.get('sig') !== SIGNATURE) {
      return sendBlobError(res, 403, 'AuthenticationFailed', 'Signature did not match.');
    }
    if (req.method === 'GET' && entry.finalized) {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': entry.archive!.length,
      });
      return void res.end(entry.archive);
    }
    // Put Blob: the client uploads a small archive in one request.
    if (req.method === 'PUT' && !entry.finalized && req.headers['x-ms-blob-type'] === 'BlockBlob') {
      entry.archive = body;
      return sendBlobCreated(req, res);
    }
    return sendBlobError(res, 400, 'UnsupportedOperation', `${req.method} is not emulated here.`);
  }

  const server = await serveLocally(handle);
  origin = server.origin;

  return {
    env: {
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_RESULTS_URL: `${origin}/`,
      ACTIONS_CACHE_SERVICE_V2: 'True',
    },
    entries,
    calls,
    override(method, reply) {
      if (reply) overrides.set(method, reply);
      else overrides.delete(method);
    },
    close: server.close,
  };
}
