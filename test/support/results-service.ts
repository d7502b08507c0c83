// A stand-in for the GitHub Actions results service and the Azure blob storage behind it, so
// the real @actions/artifact client can upload in tests. Hand-written rather than Azurite
// (Microsoft's emulator) because the client needs only two Twirp calls and three blob
// operations, and this starts in milliseconds with no extra dependency.
//
// What the client does (@actions/artifact 6.2.1, lib/internal/upload/upload-artifact.js):
// 1. POST {origin}/twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact, JSON
//    with proto field names, bearer ACTIONS_RUNTIME_TOKEN; the backend ids come from the
//    token's `scp` claim. Reply: { ok, signed_upload_url }.
// 2. BlockBlobClient.uploadStream to that URL: PUT ?comp=block&blockid=… per 8 MB chunk, then
//    PUT ?comp=blocklist with an XML list of block ids. Both expect 201.
// 3. POST …/FinalizeArtifact { name, size, hash: "sha256:<hex>" }. Reply: { ok, artifact_id }.
// Deleting (upload-artifact's `overwrite`, lib/internal/delete/delete-artifact.js): ListArtifacts
// { name_filter } for the artifact's ids, then DeleteArtifact { name }. Names are unique in a run
// across its attempts: CreateArtifact of a name that exists answers 409, as the service does.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';

const TWIRP_METHODS = [
  'CreateArtifact',
  'FinalizeArtifact',
  'ListArtifacts',
  'DeleteArtifact',
] as const;
export type TwirpMethod = (typeof TWIRP_METHODS)[number];

export interface TwirpReply {
  status: number;
  body: unknown;
}

export interface StoredArtifact {
  id: number;
  name: string;
  version: number;
  mimeType?: string;
  workflowRunBackendId: string;
  workflowJobRunBackendId: string;
  /** RFC 3339, present when the client asked for a retention period. */
  expiresAt?: string;
  /** The committed blob: the zip the client built, or the file itself when it skipped the archive
   * (then `name` is the file's and `mimeType` its type, not application/zip). */
  zip?: Buffer;
  /** How many staged blocks made it up (0 when it came in one Put Blob). */
  blockCount?: number;
  /** What FinalizeArtifact reported. */
  size?: number;
  hash?: string;
  finalized: boolean;
}

export interface ResultsService {
  url: string;
  /** The variables a runner gives a JavaScript action; the client reads them from process.env. */
  env: { ACTIONS_RUNTIME_TOKEN: string; ACTIONS_RESULTS_URL: string };
  artifacts: StoredArtifact[];
  /** Every Twirp call received, failed ones included, so tests can count the client's retries. */
  twirpCalls: TwirpMethod[];
  /** Answers every later call of `method` with `reply` ('hang': never; undefined: as usual). */
  override(method: TwirpMethod, reply: TwirpReply | 'hang' | undefined): void;
  close(): Promise<void>;
}

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';
// Path-style blob URL, as the Azure SDK expects for an IP host: /<account>/<container>/<blob>.
const BLOB_PREFIX = '/devstoreaccount1/actions-results/';
const SIGNATURE = 'stand-in-signature';
const WORKFLOW_RUN_BACKEND_ID = '6f9fbd4c-0000-4000-8000-00000000a001';
const WORKFLOW_JOB_RUN_BACKEND_ID = '6f9fbd4c-0000-4000-8000-00000000b002';
const FIRST_ARTIFACT_ID = 1001;

interface Blob {
  staged: Map<string, Buffer>;
  committed?: Buffer;
  blockCount?: number;
}

export async function startResultsService(): Promise<ResultsService> {
  const token = unsignedJwt({
    scp: `Actions.GenericRead:${WORKFLOW_RUN_BACKEND_ID} Actions.Results:${WORKFLOW_RUN_BACKEND_ID}:${WORKFLOW_JOB_RUN_BACKEND_ID}`,
  });
  const artifacts: StoredArtifact[] = [];
  let nextId = FIRST_ARTIFACT_ID;
  const blobs = new Map<string, Blob>();
  const twirpCalls: TwirpMethod[] = [];
  const overrides = new Map<TwirpMethod, TwirpReply | 'hang'>();
  let origin = '';

  function handleTwirp(method: TwirpMethod, request: Record<string, unknown>): TwirpReply {
    const override = overrides.get(method);
    if (override && override !== 'hang') return override;
    if (
      request.workflow_run_backend_id !== WORKFLOW_RUN_BACKEND_ID ||
      request.workflow_job_run_backend_id !== WORKFLOW_JOB_RUN_BACKEND_ID
    ) {
      return twirpError(400, 'invalid_argument', 'backend ids do not match the runtime token');
    }
    if (method === 'ListArtifacts') {
      // A wrapper type (StringValue) is its bare value in proto JSON.
      const listed = artifacts.filter(
        (artifact) => artifact.finalized && artifact.name === request.name_filter,
      );
      return {
        status: 200,
        body: {
          artifacts: listed.map((artifact) => ({
            workflow_run_backend_id: artifact.workflowRunBackendId,
            workflow_job_run_backend_id: artifact.workflowJobRunBackendId,
            database_id: String(artifact.id),
            name: artifact.name,
            size: String(artifact.size ?? 0),
          })),
        },
      };
    }
    const name = typeof request.name === 'string' ? request.name : '';
    const existing = artifacts.find((artifact) => artifact.name === name);
    if (method === 'DeleteArtifact') {
      if (!existing) return twirpError(404, 'not_found', `no artifact named ${name}`);
      artifacts.splice(artifacts.indexOf(existing), 1);
      return { status: 200, body: { ok: true, artifact_id: String(existing.id) } };
    }
    if (method === 'CreateArtifact') {
      if (existing) {
        return twirpError(409, 'already_exists', `an artifact named ${name} already exists`);
      }
      const artifact: StoredArtifact = {
        id: nextId++,
        name,
        version: Number(request.version),
        mimeType: request.mime_type as string | undefined,
        workflowRunBackendId: WORKFLOW_RUN_BACKEND_ID,
        workflowJobRunBackendId: WORKFLOW_JOB_RUN_BACKEND_ID,
        expiresAt: request.expires_at as string | undefined,
        finalized: false,
      };
      artifacts.push(artifact);
      const blobPath = `${BLOB_PREFIX}${artifact.id}/${encodeURIComponent(name)}.zip`;
      blobs.set(blobPath, { staged: new Map() });
      const signedUploadUrl = `${origin}${blobPath}?sv=2025-01-05&sr=b&sp=cw&sig=${SIGNATURE}`;
      return { status: 200, body: { ok: true, signed_upload_url: signedUploadUrl } };
    }
    if (!existing) return twirpError(404, 'not_found', `no artifact named ${name}`);
    const blob = blobs.get(`${BLOB_PREFIX}${existing.id}/${encodeURIComponent(name)}.zip`);
    if (!blob?.committed) {
      return twirpError(400, 'failed_precondition', `artifact ${name} has no uploaded content`);
    }
    existing.zip = blob.committed;
    existing.blockCount = blob.blockCount;
    existing.size = Number(request.size);
    existing.hash = request.hash as string | undefined;
    existing.finalized = true;
    // int64 travels as a string in proto JSON.
    return { status: 200, body: { ok: true, artifact_id: String(existing.id) } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const body = await readBody(req);

    if (req.method === 'POST' && url.pathname.startsWith(TWIRP_PREFIX)) {
      const method = url.pathname.slice(TWIRP_PREFIX.length) as TwirpMethod;
      if (!TWIRP_METHODS.includes(method)) {
        return sendJson(res, twirpError(404, 'bad_route', `no handler for ${method}`));
      }
      twirpCalls.push(method);
      if (req.headers.authorization !== `Bearer ${token}`) {
        return sendJson(res, twirpError(401, 'unauthenticated', 'invalid runtime token'));
      }
      if (overrides.get(method) === 'hang') return; // close() ends the connection
      return sendJson(res, handleTwirp(method, JSON.parse(body.toString('utf8'))));
    }

    const blob = blobs.get(url.pathname);
    if (req.method !== 'PUT' || !blob) {
      return sendBlobError(res, 404, 'ResourceNotFound', 'The specified resource does not exist.');
    }
    if (url.searchParams.get('sig') !== SIGNATURE) {
      return sendBlobError(res, 403, 'AuthenticationFailed', 'Signature did not match.');
    }
    if (req.headers['x-ms-structured-body']) {
      // The client sends plain bodies; CRC64 structured messages would need decoding here.
      return sendBlobError(res, 400, 'UnsupportedHeader', 'Structured bodies are not emulated.');
    }
    switch (url.searchParams.get('comp')) {
      case 'block': {
        const blockId = url.searchParams.get('blockid');
        if (!blockId) return sendBlobError(res, 400, 'InvalidQueryParameterValue', 'blockid');
        blob.staged.set(blockId, body);
        return sendBlobCreated(req, res);
      }
      case 'blocklist': {
        // Block ids are base64, so they need no XML unescaping.
        const ids = [...body.toString('utf8').matchAll(/<Latest>([^<]*)<\/Latest>/g)];
        const blocks = ids.map(([, id]) => blob.staged.get(id!));
        if (blocks.some((block) => block === undefined)) {
          return sendBlobError(res, 400, 'InvalidBlockList', 'The block list is invalid.');
        }
        blob.committed = Buffer.concat(blocks as Buffer[]);
        blob.blockCount = blocks.length;
        blob.staged.clear();
        return sendBlobCreated(req, res);
      }
      case null: // Put Blob: the whole content in one request (uploadData, small blobs).
        if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
          return sendBlobError(res, 400, 'InvalidHeaderValue', 'x-ms-blob-type');
        }
        blob.committed = body;
        blob.blockCount = 0;
        return sendBlobCreated(req, res);
      default:
        return sendBlobError(res, 400, 'InvalidQueryParameterValue', 'comp');
    }
  }

  const server = await serveLocally(handle);
  origin = server.origin;

  return {
    url: `${origin}/`,
    // The real ACTIONS_RESULTS_URL ends with a slash; the client keeps only the origin.
    env: { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: `${origin}/` },
    artifacts,
    twirpCalls,
    override(method, reply) {
      if (reply) overrides.set(method, reply);
      else overrides.delete(method);
    },
    close: server.close,
  };
}

/** An HTTP server on 127.0.0.1 for `handle`; a handler that throws answers 500. */
export async function serveLocally(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The Azure SDK keeps sockets alive, which would hold close() open.
        server.closeAllConnections();
      }),
  };
}

/** The entries of a zip, by name, read from its central directory (archiver streams entries,
 * so local headers carry no sizes). Handles stored and deflated entries, no zip64. */
export function readZipEntries(zip: Buffer): Map<string, Buffer> {
  return new Map([...zipDirectory(zip)].map(([name, entry]) => [name, entry.content]));
}

/** How each entry was put in the zip: `stored` as it is, or `deflated`. */
export function zipMethods(zip: Buffer): Map<string, 'stored' | 'deflated'> {
  return new Map([...zipDirectory(zip)].map(([name, entry]) => [name, entry.method]));
}

function zipDirectory(
  zip: Buffer,
): Map<string, { content: Buffer; method: 'stored' | 'deflated' }> {
  const endOfDirectory = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endOfDirectory < 0) throw new Error('not a zip: no end of central directory record');
  const count = zip.readUInt16LE(endOfDirectory + 10);
  let offset = zip.readUInt32LE(endOfDirectory + 16);
  const entries = new Map<string, { content: Buffer; method: 'stored' | 'deflated' }>();
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const dataStart =
      localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    if (method !== 0 && method !== 8) throw new Error(`${name}: compression method ${method}`);
    entries.set(
      name,
      method === 8
        ? { content: inflateRawSync(data), method: 'deflated' }
        : { content: Buffer.from(data), method: 'stored' },
    );
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

export function unsignedJwt(claims: Record<string, unknown>): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  // The client only decodes the claims; it never checks the signature.
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...claims, iat: now, exp: now + 3600 })}.`;
}

export function twirpError(status: number, code: string, msg: string): TwirpReply {
  return { status, body: { code, msg } };
}

export function sendJson(res: ServerResponse, { status, body }: TwirpReply): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function sendBlobCreated(req: IncomingMessage, res: ServerResponse): void {
  const clientRequestId = req.headers['x-ms-client-request-id'];
  res.writeHead(201, {
    etag: `"0x${Date.now().toString(16)}"`,
    'last-modified': new Date().toUTCString(),
    'x-ms-request-id': randomUUID(),
    'x-ms-version': String(req.headers['x-ms-version'] ?? '2025-01-05'),
    'x-ms-request-server-encrypted': 'true',
    ...(typeof clientRequestId === 'string' && { 'x-ms-client-request-id': clientRequestId }),
  });
  res.end();
}

export function sendBlobError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
): void {
  const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code });
  res.end(xml);
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
