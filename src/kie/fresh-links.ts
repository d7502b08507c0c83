// Expired result links: Kie.ai hands out a fresh link (valid 20 minutes) to a file it generated,
// so a download that answers 403, 404 or 410 can be tried once more instead of losing the result.
import type { Logger } from '../logger.js';
import type { RequestBudget } from '../wait/budget.js';
import { KieClient } from './client.js';
import { KieApiError } from './faults.js';

// Where Kie.ai's results live, as seen in its docs and live replies (shared/kie-families.md §9):
// tempfile.aiquickdraw.com (live), file.aiquickdraw.com (docs), musicfile.kie.ai (Suno). Other
// hosts are not asked about: Kie.ai answers 422 for files it did not generate, and uploads
// (tempfile.redpandaai.co) are the user's own inputs, not results.
const KIE_DOMAINS = ['aiquickdraw.com', 'kie.ai'];

export function isKieHosted(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return KIE_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

export interface FreshLinkOptions {
  client: KieClient;
  /** The step's request budget: the ask is one more request to Kie.ai. */
  budget: RequestBudget;
  taskId: string;
  logger: Logger;
}

/**
 * The `refreshUrl` hook for downloadAll: a fresh link for a Kie-hosted URL, or undefined (no
 * fresh link: the download fails as before). The key goes only to base-url, as every request of
 * the client; the fresh link itself is downloaded without it. When `signal` aborts (the download's
 * timeout, or cancellation), the wait for a slot and the request stop, rejecting with its reason.
 */
export function freshLinkFor(
  options: FreshLinkOptions,
): (url: string, signal?: AbortSignal) => Promise<string | undefined> {
  const { client, budget, taskId, logger } = options;
  return async (url, signal) => {
    if (!isKieHosted(url)) return undefined;
    if (!(await budget.acquire(Infinity, signal))) {
      signal?.throwIfAborted();
      // The budget was cancelled: this run sends Kie.ai nothing more.
      logger.warning(`Task ${taskId}: no fresh link asked for ${url}: no more requests to Kie.ai.`);
      return undefined;
    }
    try {
      return await client.freshDownloadUrl(taskId, url, signal);
    } catch (error) {
      if (!(error instanceof KieApiError)) throw error;
      if (error.code === 429) budget.rateLimited(error.retryAfterMs);
      logger.warning(`Task ${taskId}: Kie.ai gave no fresh link for ${url}: ${error.message}`);
      return undefined;
    }
  };
}
