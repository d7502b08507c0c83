import type { Logger } from '../logger.js';
import { formatSize } from '../settings/units.js';

export interface UploadedArtifact {
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
  logger: Logger;
  /**
   * Where to look for the runner's variables; defaults to process.env. Only this module reads
   * it (to detect a runner and build the URL): @actions/artifact itself always reads
   * process.env, at call time, so a runner's variables must be there for a real upload.
   */
  env?: NodeJS.ProcessEnv;
}

const RUNNER_VARIABLES = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'] as const;

/**
 * Uploads the files as one zipped artifact of the current workflow run. Returns undefined,
 * after one warning, outside a GitHub runner (no ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL).
 */
export async function uploadArtifact(
  options: UploadArtifactOptions,
): Promise<UploadedArtifact | undefined> {
  const { name, files, rootDirectory, retentionDays, logger, env = process.env } = options;
  const missing = RUNNER_VARIABLES.filter((variable) => !env[variable]);
  if (missing.length > 0) {
    logger.warning(
      `Not uploading artifact "${name}": ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set, so this does not look like a GitHub Actions runner.`,
    );
    return undefined;
  }

  logger.debug(`Uploading ${files.length} file(s) from ${rootDirectory} as artifact "${name}"`);
  // Loaded on demand: importing the client (Azure SDK, protobuf, archiver) costs hundreds of
  // milliseconds at start-up, and most runs never upload an artifact.
  const { ArtifactNotFoundError, DefaultArtifactClient } = await import('@actions/artifact');
  const client = new DefaultArtifactClient();
  // Names are unique in a run across its attempts: a re-run replaces what an earlier attempt
  // uploaded, as upload-artifact's `overwrite: true` does (delete, then upload).
  if (Number(env.GITHUB_RUN_ATTEMPT) > 1) {
    try {
      await client.deleteArtifact(name);
      logger.info(`Replacing artifact "${name}" that an earlier attempt uploaded.`);
    } catch (error) {
      if (!(error instanceof ArtifactNotFoundError)) {
        logger.debug(`Could not delete an earlier artifact "${name}": ${(error as Error).message}`);
      }
    }
  }
  let response;
  try {
    response = await client.uploadArtifact(name, files, rootDirectory, { retentionDays });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Artifact upload failed for "${name}": ${reason}`, { cause: error });
  }
  if (response.id === undefined) {
    throw new Error(`Artifact upload failed for "${name}": the service returned no artifact id`);
  }

  const artifact: UploadedArtifact = {
    id: response.id,
    size: response.size ?? 0,
    digest: response.digest,
    url: artifactUrl(env, response.id),
  };
  logger.info(
    `Uploaded artifact "${name}" (${formatSize(artifact.size)}, id ${artifact.id})${artifact.url ? `: ${artifact.url}` : ''}`,
  );
  return artifact;
}

function artifactUrl(env: NodeJS.ProcessEnv, id: number): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  if (!server || !repository || !runId) return undefined;
  return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}/artifacts/${id}`;
}
