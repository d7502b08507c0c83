import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { formatSize } from '../settings/units.js';

export interface UploadedArtifact {
  /** As uploaded: an unzipped file's artifact is named after the file. */
  name: string;
  id: number;
  size: number;
  /** Hex sha256 of the uploaded zip, as the client computed it. */
  digest?: string;
  /** The artifact's page in the run, when the GITHUB_* variables say where that is. */
  url?: string;
}

// The characters the results service rejects in a name, plus the other control characters,
// which it accepts but nobody can read in the UI.
const REJECTED = String.raw`":<>|*?\\/\u0000-\u001f\u007f`;
const REJECTED_RUN = new RegExp(`[${REJECTED}]+`, 'g');
const REJECTED_OR_BLANK_EDGES = new RegExp(`^[\\s${REJECTED}]+|[\\s${REJECTED}]+$`, 'g');
const MAX_NAME_LENGTH = 200;
const FALLBACK_NAME = 'kie-artifact';

/** A valid artifact name: rejected characters go, and each inner run of them becomes one "-". */
export function artifactNameFor(name: string): string {
  const cleaned = name.replace(REJECTED_OR_BLANK_EDGES, '').replace(REJECTED_RUN, '-');
  // Cut by code points so an emoji at the boundary is not split into a lone surrogate.
  const bounded = Array.from(cleaned).slice(0, MAX_NAME_LENGTH).join('').trimEnd();
  return bounded || FALLBACK_NAME;
}

export interface UploadArtifactOptions {
  name: string;
  files: string[];
  rootDirectory: string;
  retentionDays?: number;
  /** The zip's deflate level, 0-9; undefined: chosen by what the files are (compressionFor). */
  compressionLevel?: number;
  /** false: a single file goes up as it is, not zipped, named by the file (upload-artifact's
   * `archive: false`); several files are zipped all the same, with a warning. */
  archive?: boolean;
  logger: Logger;
  /**
   * Where to look for the runner's variables; defaults to process.env. Only this module reads
   * it (to detect a runner and build the URL): @actions/artifact itself always reads
   * process.env, at call time, so a runner's variables must be there for a real upload.
   */
  env?: NodeJS.ProcessEnv;
}

const RUNNER_VARIABLES = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'] as const;

// Formats that are compressed already: deflating them again costs CPU time and saves next to
// nothing. JSON, text and the rest still are.
const COMPRESSED_MEDIA = new Set(
  ['png', 'jpg', 'jpeg', 'webp', 'gif', 'mp4', 'm4v', 'webm', 'mov', 'mp3', 'm4a', 'aac']
    .concat(['ogg', 'oga', 'opus', 'flac'])
    .map((extension) => `.${extension}`),
);
/** zlib's default, and @actions/artifact's and upload-artifact's. */
export const DEFAULT_COMPRESSION_LEVEL = 6;

/**
 * One zip has one level, so the files' bytes decide: mostly (over half) compressed media, stored
 * as they are (0); otherwise the default (6). A 200 MB video with its small result.json is not
 * deflated, a transcript is.
 */
export async function compressionFor(files: string[]): Promise<number> {
  let media = 0;
  let total = 0;
  for (const file of files) {
    const { size } = await stat(file);
    total += size;
    if (COMPRESSED_MEDIA.has(path.extname(file).toLowerCase())) media += size;
  }
  return media * 2 > total ? 0 : DEFAULT_COMPRESSION_LEVEL;
}

/**
 * Uploads the files as one zipped artifact of the current workflow run. Returns undefined,
 * after one warning, outside a GitHub runner (no ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL).
 */
export async function uploadArtifact(
  options: UploadArtifactOptions,
): Promise<UploadedArtifact | undefined> {
  const { name, files, rootDirectory, retentionDays, logger, env = process.env } = options;
  const { compressionLevel, archive = true } = options;
  const missing = RUNNER_VARIABLES.filter((variable) => !env[variable]);
  if (missing.length > 0) {
    logger.warning(
      `Not uploading artifact "${name}": ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set, so this does not look like a GitHub Actions runner.`,
    );
    return undefined;
  }

  const skipArchive = !archive && files.length === 1;
  if (!archive && !skipArchive) {
    logger.warning(
      `Zipping the ${files.length} files into artifact "${name}": only a single file can be uploaded unzipped (archive: false).`,
    );
  }
  const level = skipArchive ? undefined : (compressionLevel ?? (await compressionFor(files)));
  const how = skipArchive ? 'unzipped' : `zip level ${level}`;
  logger.debug(`Uploading ${files.length} file(s) from ${rootDirectory} as "${name}", ${how}`);
  // Loaded on demand: importing the client (Azure SDK, protobuf, archiver) costs hundreds of
  // milliseconds at start-up, and most runs never upload an artifact.
  const { ArtifactNotFoundError, DefaultArtifactClient } = await import('@actions/artifact');
  const client = new DefaultArtifactClient();
  // Names are unique in a run across its attempts: a re-run replaces what an earlier attempt
  // uploaded, as upload-artifact's `overwrite: true` does (delete, then upload).
  if (Number(env.GITHUB_RUN_ATTEMPT) > 1) {
    // Unzipped, the service names the artifact after its file, as upload-artifact does.
    const uploadedAs = skipArchive ? path.basename(files[0]!) : name;
    try {
      await client.deleteArtifact(uploadedAs);
      logger.info(`Replacing artifact "${uploadedAs}" that an earlier attempt uploaded.`);
    } catch (error) {
      if (!(error instanceof ArtifactNotFoundError)) {
        logger.debug(
          `Could not delete an earlier artifact "${uploadedAs}": ${(error as Error).message}`,
        );
      }
    }
  }
  let response;
  try {
    response = await client.uploadArtifact(name, files, rootDirectory, {
      retentionDays,
      ...(skipArchive ? { skipArchive } : { compressionLevel: level }),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Artifact upload failed for "${name}": ${reason}`, { cause: error });
  }
  if (response.id === undefined) {
    throw new Error(`Artifact upload failed for "${name}": the service returned no artifact id`);
  }

  const artifact: UploadedArtifact = {
    name: skipArchive ? path.basename(files[0]!) : name,
    id: response.id,
    size: response.size ?? 0,
    digest: response.digest,
    url: artifactUrl(env, response.id),
  };
  logger.info(
    `Uploaded artifact "${artifact.name}" (${formatSize(artifact.size)}, ${how}, id ${artifact.id})${artifact.url ? `: ${artifact.url}` : ''}`,
  );
  return artifact;
}

function artifactUrl(env: NodeJS.ProcessEnv, id: number): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  if (!server || !repository || !runId) return undefined;
  return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}/artifacts/${id}`;
}
