// The GitHub Action: settings from inputs, the pipeline, then outputs, summary and the verdict.
import * as core from '@actions/core';
import type { Logger } from './logger.js';
import { runPipeline } from './pipeline.js';
import { reportFields, type Report } from './report.js';
import { renderSummary } from './results/summary.js';
import { systemRuntime, type Runtime } from './runtime.js';
import { InputError, readSettings } from './settings.js';

const coreLogger: Logger = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  debug: (message) => core.debug(message),
};

export async function run(runtime: Runtime = systemRuntime): Promise<void> {
  try {
    const settings = readSettings();
    const report = await runPipeline(settings, { ...runtime, logger: coreLogger });
    setOutputs(report);
    await writeSummary(report);
    if (report.failure) core.setFailed(report.failure.message);
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

function setOutputs(report: Report): void {
  // setOutput writes arrays and numbers as JSON, strings as they are.
  for (const [name, value] of Object.entries(reportFields(report))) core.setOutput(name, value);
}

/** The summary is for people: one that cannot be written (no file, a full disk) fails nothing. */
async function writeSummary(report: Report): Promise<void> {
  // Outside a runner (the demo, a local run) there is no summary file to write to.
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(renderSummary(report), true).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${(error as Error).message}`);
  }
}
