// The GitHub Action: settings from inputs, the pipeline, then outputs, summary and the verdict.
import * as core from '@actions/core';
import path from 'node:path';
import type { OutputName } from '../settings/constants.js';
import { boundOutputs, boundSummary } from './limits.js';
import { actionsCacheStore } from './rerun-cache.js';
import type { Logger } from '../logger.js';
import { escapeControls } from '../net/server-text.js';
import { runPipeline } from '../run/pipeline.js';
import { reportFields, type Report } from '../report/report.js';
import { writeTextFiles } from '../results/files.js';
import { baseDir } from '../results/locations.js';
import { renderSummary } from '../report/summary.js';
import { systemRuntime, type Runtime } from '../runtime.js';
import { InputError, readSettings, type Settings } from '../settings/settings.js';

const coreLogger: Logger = {
  // Our messages are one line each; a line break inside comes from API text (a state, a message)
  // and would start a line the runner reads as a workflow command (`::warning::…`). The toolkit
  // escapes warnings and debug lines, not info. Control characters from the server (ESC, BEL)
  // are written out, as the CLI does, so the log viewer shows them rather than acting on them.
  info: (message) => core.info(escapeControls(message).replace(/\n/g, '\\n')),
  warning: (message) => core.warning(escapeControls(message)),
  debug: (message) => core.debug(escapeControls(message)),
  startGroup: (title) => core.startGroup(escapeControls(title).replace(/\n/g, '\\n')),
  endGroup: () => core.endGroup(),
};

export async function run(
  runtime: Runtime = systemRuntime,
  /** index.ts aborts it on SIGINT or SIGTERM. */
  signal?: AbortSignal,
): Promise<void> {
  try {
    const settings = readSettings();
    const report = await runPipeline(settings, {
      ...runtime,
      logger: coreLogger,
      signal,
      rerunStore: actionsCacheStore(process.env, coreLogger),
    });
    // Outputs that cannot be written (a full disk) fail the step, but the summary still tells
    // what the task produced.
    const outputsError = await setOutputs(report, settings).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    await writeSummary(report);
    if (outputsError) core.setFailed(`Could not write the step's outputs: ${outputsError.message}`);
    if (report.failure) core.setFailed(escapeControls(report.failure.message));
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

/**
 * Every output, within GitHub's limits: a value that does not fit is cut (the output says so) and
 * its whole text goes to a file under the results folder, so nothing is lost.
 */
async function setOutputs(report: Report, settings: Settings): Promise<void> {
  const folder = path.join(baseDir(settings), 'outputs');
  const fileName = (name: OutputName) => `${name}${name === 'transcript' ? '.txt' : '.json'}`;
  // Written as result files are (never through a link or over a file not ours), so a name may
  // come out as `resultJson-2.json`: bound again with the names the files really got.
  const kept = new Map<OutputName, string>();
  let keepFailed = false;
  // Once the files cannot be written, a cut output names none rather than one that is not there.
  const fileFor = (name: OutputName) =>
    kept.get(name) ?? (keepFailed ? undefined : path.join(folder, fileName(name)));
  const fields = reportFields(report);
  let bounded = boundOutputs(fields, fileFor);
  for (let missing = bounded.cut; missing.length > 0;) {
    try {
      const written = await writeTextFiles(
        folder,
        Object.fromEntries(missing.map(({ name, whole }) => [fileName(name), whole])),
        baseDir(settings),
      );
      missing.forEach(({ name }, i) => kept.set(name, written[i]!.path));
    } catch (error) {
      core.warning(`Could not keep the whole of the cut outputs: ${(error as Error).message}`);
      keepFailed = true;
    }
    bounded = boundOutputs(fields, fileFor);
    missing = keepFailed ? [] : bounded.cut.filter(({ name }) => !kept.has(name));
  }
  for (const [name, value] of Object.entries(bounded.outputs)) core.setOutput(name, value);
  if (bounded.cut.length === 0) return;
  const list = bounded.cut
    .map(({ name, file }) => (file ? `${name} (whole in ${file})` : name))
    .join(', ');
  core.warning(`Cut to fit GitHub's limit on a job's outputs (1 MB): ${list}.`);
}

/** The summary is for people: one that cannot be written (no file, a full disk) fails nothing. */
async function writeSummary(report: Report): Promise<void> {
  // Outside a runner (the demo, a local run) there is no summary file to write to.
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(boundSummary(renderSummary(report)), true).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${(error as Error).message}`);
  }
}
