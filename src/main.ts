// run(): settings -> wait -> results -> report. The only place that decides the step's verdict.
import * as core from '@actions/core';
import { KieClient } from './kie/client.js';
import { parseResult, type TaskResult } from './kie/schema.js';
import type { Logger } from './logger.js';
import { renderSummary } from './results/summary.js';
import { InputError, Outputs, readSettings, type Settings } from './settings.js';
import { formatDuration } from './units.js';
import { waitForTask, type WaitOutcome } from './wait/wait.js';

export interface RunDeps {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const systemDeps: RunDeps = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

const coreLogger: Logger = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  debug: (message) => core.debug(message),
};

export async function run(deps: RunDeps = systemDeps): Promise<void> {
  try {
    const settings = readSettings();
    const outcome = await waitFor(settings, deps);
    const result = parseResult(outcome.record?.resultJson ?? '');
    for (const warning of result.warnings) core.warning(warning);
    setOutputs(settings.taskId, outcome, result);
    const failure = verdict(settings, outcome);
    await writeSummary(renderSummary({ taskId: settings.taskId, outcome, result, failure }));
    if (failure) core.setFailed(failure);
  } catch (error) {
    if (error instanceof InputError) {
      core.setFailed(error.message);
    } else {
      // A bug of ours, not the user's: the stack goes to the debug log, the step gets one line.
      core.debug((error as Error).stack ?? String(error));
      core.setFailed(`kie-task-action failed unexpectedly: ${(error as Error).message ?? error}`);
    }
  }
}

async function waitFor(settings: Settings, deps: RunDeps): Promise<WaitOutcome> {
  const client = new KieClient({
    baseUrl: settings.baseUrl,
    apiKey: settings.apiKey,
    logger: coreLogger,
    now: deps.now,
  });
  core.info(
    `Waiting for Kie.ai task ${settings.taskId} (timeout ${formatDuration(settings.timeoutMs)}).`,
  );
  try {
    return await waitForTask(settings, { ...deps, source: client, logger: coreLogger });
  } finally {
    client.dispose();
  }
}

function setOutputs(taskId: string, outcome: WaitOutcome, result: TaskResult): void {
  const record = outcome.record;
  const resultJson = result.value === undefined ? result.raw : JSON.stringify(result.value);
  core.setOutput(Outputs.TaskId, taskId);
  core.setOutput(Outputs.State, record?.state ?? '');
  core.setOutput(Outputs.Model, record?.model ?? '');
  core.setOutput(Outputs.ResultUrls, JSON.stringify(result.resultUrls));
  core.setOutput(Outputs.ResultJson, resultJson);
  core.setOutput(Outputs.FailCode, record?.failCode ?? '');
  core.setOutput(Outputs.FailMsg, record?.failMsg ?? '');
  core.setOutput(Outputs.CreateTime, record?.createTime ?? '');
  core.setOutput(Outputs.CompleteTime, record?.completeTime ?? '');
  core.setOutput(Outputs.PollCount, outcome.polls);
  core.setOutput(Outputs.ElapsedMs, outcome.elapsedMs);
}

/** The message that fails the step, or undefined when it passes. */
function verdict(settings: Settings, outcome: WaitOutcome): string | undefined {
  const { taskId } = settings;
  switch (outcome.ending) {
    case 'error':
      return outcome.error.message;
    case 'timeout':
      return (
        `Timed out after ${formatDuration(outcome.elapsedMs)} waiting for task ${taskId} ` +
        `(last state: ${outcome.record?.state ?? 'none seen'}). ` +
        `Raise the 'timeout' input if the model needs longer.`
      );
    case 'finished': {
      if (outcome.record.state === 'success') {
        core.info(`Task ${taskId} succeeded after ${formatDuration(outcome.elapsedMs)}.`);
        return undefined;
      }
      const { failCode, failMsg } = outcome.record;
      const message = `Task ${taskId} failed${failCode ? ` (${failCode})` : ''}: ${failMsg || 'no reason given'}`;
      if (settings.failOnTaskFailure) return message;
      core.warning(`${message}. Not failing the step: fail-on-task-failure is false.`);
      return undefined;
    }
  }
}

async function writeSummary(markdown: string): Promise<void> {
  // Outside a runner (the demo, a local run) there is no summary file to write to.
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}
