// The action's work, free of any runner: wait -> results -> artifact, returning a Report. The
// GitHub Action (main.ts) and the CLI (cli.ts) both run this and only differ in how they report.
import { KieClient } from './kie/client.js';
import { parseResult, type TaskResult } from './kie/schema.js';
import type { Logger } from './logger.js';
import { artifactNameFor, uploadArtifact, type UploadedArtifact } from './results/artifact.js';
import { transcriptOf, writeResults, type TaskFiles, type WrittenFile } from './results/results.js';
import { Outputs, type Settings } from './settings.js';
import { formatDuration } from './units.js';
import { waitForTask, type WaitOutcome } from './wait/wait.js';

export type FailureKind = 'task-failed' | 'timeout' | 'api' | 'results';

export interface Report {
  taskId: string;
  outcome: WaitOutcome;
  result: TaskResult;
  files: WrittenFile[];
  /** Set when results were written. */
  downloadDir?: string;
  transcript?: TaskFiles['transcript'];
  artifact?: UploadedArtifact & { name: string };
  /** Why the run failed, if it did. */
  failure?: { kind: FailureKind; message: string };
}

export interface PipelineDeps {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

export async function runPipeline(settings: Settings, deps: PipelineDeps): Promise<Report> {
  const { logger } = deps;
  const outcome = await waitFor(settings, deps);
  const result = parseResult(outcome.record?.resultJson ?? '');
  for (const warning of result.warnings) logger.warning(warning);
  const report: Report = { taskId: settings.taskId, outcome, result, files: [] };

  const failure = waitFailure(settings, outcome, logger);
  if (failure) return { ...report, failure };
  if (outcome.record?.state !== 'success') return report;

  const transcript = transcriptOf(outcome.record, result);
  if (transcript) report.transcript = { text: transcript.text, language: transcript.language };
  if (!settings.download) return report;

  try {
    const written = await writeResults({
      record: outcome.record,
      result,
      dir: settings.downloadDir,
      maxDownloadBytes: settings.maxDownloadBytes,
      logger,
    });
    report.files = written.files;
    report.downloadDir = settings.downloadDir;
  } catch (error) {
    return { ...report, failure: { kind: 'results', message: (error as Error).message } };
  }

  if (settings.uploadArtifact) {
    if (report.files.length === 0) {
      logger.info('No files to upload: the task produced none.');
      return report;
    }
    const name = artifactNameFor(settings.artifactName);
    try {
      const uploaded = await uploadArtifact({
        name,
        files: report.files.map((file) => file.path),
        rootDirectory: settings.downloadDir,
        retentionDays: settings.artifactRetentionDays,
        logger,
        env: deps.env,
      });
      if (uploaded) report.artifact = { ...uploaded, name };
    } catch (error) {
      return { ...report, failure: { kind: 'results', message: (error as Error).message } };
    }
  }
  return report;
}

/**
 * The report as the action's outputs, by output name: what the action sets and the CLI's --json
 * prints. Missing values are '' (as an unset output reads); arrays stay arrays.
 */
export function reportFields(
  report: Report,
): Record<(typeof Outputs)[keyof typeof Outputs], unknown> {
  const { outcome, result } = report;
  const record = outcome.record;
  return {
    [Outputs.TaskId]: report.taskId,
    [Outputs.State]: record?.state ?? '',
    [Outputs.Model]: record?.model ?? '',
    [Outputs.ResultUrls]: result.resultUrls,
    [Outputs.ResultJson]: result.value === undefined ? result.raw : JSON.stringify(result.value),
    [Outputs.FailCode]: record?.failCode ?? '',
    [Outputs.FailMsg]: record?.failMsg ?? '',
    [Outputs.CreateTime]: record?.createTime ?? '',
    [Outputs.CompleteTime]: record?.completeTime ?? '',
    [Outputs.PollCount]: outcome.polls,
    [Outputs.ElapsedMs]: outcome.elapsedMs,
    [Outputs.Files]: report.files.map((file) => file.path),
    [Outputs.DownloadDir]: report.downloadDir ?? '',
    [Outputs.ArtifactId]: report.artifact?.id ?? '',
    [Outputs.ArtifactUrl]: report.artifact?.url ?? '',
    [Outputs.ArtifactDigest]: report.artifact?.digest ?? '',
    [Outputs.Transcript]: report.transcript?.text ?? '',
    [Outputs.Language]: report.transcript?.language ?? '',
  };
}

async function waitFor(settings: Settings, deps: PipelineDeps): Promise<WaitOutcome> {
  const { logger } = deps;
  const client = new KieClient({
    baseUrl: settings.baseUrl,
    apiKey: settings.apiKey,
    logger,
    now: deps.now,
  });
  logger.info(
    `Waiting for Kie.ai task ${settings.taskId} (timeout ${formatDuration(settings.timeoutMs)}).`,
  );
  try {
    return await waitForTask(settings, { ...deps, source: client });
  } finally {
    client.dispose();
  }
}

function waitFailure(settings: Settings, outcome: WaitOutcome, logger: Logger): Report['failure'] {
  const { taskId } = settings;
  switch (outcome.ending) {
    case 'error':
      return { kind: 'api', message: outcome.error.message };
    case 'timeout':
      return {
        kind: 'timeout',
        message:
          `Timed out after ${formatDuration(outcome.elapsedMs)} waiting for task ${taskId} ` +
          `(last state: ${outcome.record?.state ?? 'none seen'}). ` +
          `Raise the 'timeout' input if the model needs longer.`,
      };
    case 'finished': {
      if (outcome.record.state === 'success') {
        logger.info(`Task ${taskId} succeeded after ${formatDuration(outcome.elapsedMs)}.`);
        return undefined;
      }
      const { failCode, failMsg } = outcome.record;
      const message = `Task ${taskId} failed${failCode ? ` (${failCode})` : ''}: ${failMsg || 'no reason given'}`;
      if (settings.failOnTaskFailure) return { kind: 'task-failed', message };
      logger.warning(`${message}. Not failing: fail-on-task-failure is false.`);
      return undefined;
    }
  }
}
