// The job summary: what a person opening the run wants to see first. Pure: returns Markdown,
// action/main.ts writes it. One task gets a card; several get a table, a row each.
import path from 'node:path';
import { creditsUsed } from './credits.js';
import { overallState, succeededCount, type Report, type TaskReport } from './report.js';
import { formatDuration, formatSize, plural } from '../settings/units.js';

const MAX_INLINE_IMAGES = 4;
const TRANSCRIPT_PREVIEW_LINES = 5;
const TRANSCRIPT_PREVIEW_CHARS = 600;
const IMAGE = /\.(png|jpe?g|webp|gif|avif|bmp)$/i;
const PLAYABLE = /\.(mp4|webm|mov|mkv|mp3|wav|m4a|ogg|flac|aac)$/i;

export function renderSummary(report: Report): string {
  const lines =
    report.tasks.length === 0
      ? [`## ❌ ${notStarted(report.notWaitedFor ?? [])}`, '']
      : report.tasks.length === 1
        ? taskCard(report.tasks[0]!, report)
        : taskTable(report);
  if (report.failure) lines.push('> [!CAUTION]', ...quote(report.failure.message), '');
  if (report.rerun) lines.push(escapeHtml(report.rerun), '');
  if (report.artifact) {
    const { name, url, size } = report.artifact;
    const label = url ? `<a href="${escapeHtml(url)}">${escapeHtml(name)}</a>` : escapeHtml(name);
    lines.push(`Artifact: ${label} (${formatSize(size)})`, '');
  }
  const credits = creditsLine(report);
  if (credits) lines.push(escapeHtml(credits), '');
  return lines.join('\n');
}

function notStarted(ids: string[]): string {
  if (ids.length === 0) return 'No Kie.ai task was created';
  return ids.length === 1
    ? `Kie.ai task ${code(ids[0]!)} was not waited for`
    : `${ids.length} Kie.ai tasks were not waited for`;
}

function taskCard(task: TaskReport, report: Report): string[] {
  const { outcome, result } = task;
  const state = stateOf(task);
  const lines = [`## ${icon(task, report)} Kie.ai task ${code(task.taskId)}: ${cell(state)}`, ''];
  lines.push('| | |', '|---|---|');
  if (outcome.record?.model) lines.push(`| Model | ${code(outcome.record.model)} |`);
  lines.push(`| Final state | ${cell(state)} |`);
  const apiState = outcome.record?.apiState;
  // The API's own value where it says more than the state (Veo's 1, Suno's CALLBACK_EXCEPTION).
  if (apiState && apiState !== outcome.record?.state) {
    lines.push(`| State as Kie.ai gave it | ${code(apiState)} |`);
  }
  lines.push(
    `| Waited | ${formatDuration(outcome.elapsedMs)} (${plural(outcome.polls, 'poll')}) |`,
  );
  const { createTime, completeTime } = outcome.record ?? {};
  if (createTime && completeTime) {
    lines.push(`| Generation time | ${formatDuration(completeTime - createTime)} |`);
  }
  lines.push('');
  if (outcome.record?.state === 'fail' && !report.failure) {
    lines.push('> [!WARNING]', ...quote(outcome.record.failMsg || 'The task failed.'), '');
  }

  const urls = result.resultUrls;
  lines.push(...gallery([task]));
  if (urls.length > 0) {
    lines.push('### Results', '');
    for (const url of urls) lines.push(`- ${kindOf(url, task)}: ${link(url)}`);
    lines.push('');
  }
  if (task.transcript) {
    // The first sentences, and no more than a paragraph of an unpunctuated transcript.
    const preview = task.transcript.text
      .slice(0, TRANSCRIPT_PREVIEW_CHARS)
      .split(/(?<=[.!?])\s+/)
      .slice(0, TRANSCRIPT_PREVIEW_LINES);
    const language = task.transcript.language ? ` (${escapeHtml(task.transcript.language)})` : '';
    lines.push(`### Transcript${language}`, '', ...preview.flatMap(quote), '');
  }
  if (task.files.length > 0) {
    lines.push('### Files', '');
    for (const file of task.files) {
      lines.push(`- ${code(path.basename(file.path))} (${formatSize(file.bytes)})`);
    }
    lines.push('');
  }
  return lines;
}

function taskTable(report: Report): string[] {
  const state = overallState(report.tasks);
  const succeeded = succeededCount(report.tasks);
  // A column for what each task cost, when any record says.
  const costs = report.tasks.some((task) => task.outcome.record?.creditsConsumed != null);
  const lines = [
    `## ${report.failure ? '❌' : state === 'success' ? '✅' : '⚠️'} ${report.tasks.length} Kie.ai tasks: ${succeeded} succeeded`,
    '',
    `| Task | Model | State | Took |${costs ? ' Credits |' : ''} Results | Reason |`,
    `|---|---|---|---:|${costs ? '---:|' : ''}---|---|`,
  ];
  for (const task of report.tasks) {
    const { record } = task.outcome;
    const took =
      record?.createTime && record.completeTime
        ? formatDuration(record.completeTime - record.createTime)
        : formatDuration(task.outcome.elapsedMs);
    const results = task.result.resultUrls
      .map((url, i) => link(url, `${kindOf(url, task)} ${i + 1}`))
      .join(' ');
    const reason =
      record?.failMsg ||
      (task.problem && task.problem.kind !== 'task-failed' ? task.problem.message : '');
    lines.push(
      `| ${code(task.taskId)} | ${cell(record?.model ?? '')} | ${cell(stateOf(task))} | ${took} |${costs ? ` ${record?.creditsConsumed ?? ''} |` : ''} ${results} | ${cell(reason)} |`,
    );
  }
  lines.push('', ...gallery(report.tasks));
  return lines;
}

/** The first few images of the tasks' results, inline. */
function gallery(tasks: TaskReport[]): string[] {
  const images = tasks
    .flatMap((task) => task.result.resultUrls.filter((url) => isImage(url, task)))
    .slice(0, MAX_INLINE_IMAGES);
  if (images.length === 0) return [];
  const tags = images.map(
    (url) => `<a href="${escapeHtml(url)}"><img src="${escapeHtml(url)}" height="240"></a>`,
  );
  return [tags.join(' '), ''];
}

/** What is known of a task's state: its last state, or why none was seen. */
function stateOf(task: TaskReport): string {
  const { outcome } = task;
  let state: string | undefined = outcome.record?.state;
  if (state === undefined) {
    const fault = outcome.ending === 'error' ? outcome.error : outcome.lastFault;
    // A task whose every try was queued past its deadline was never asked about.
    if (!fault) state = 'none seen';
    else if (fault.kind === 'not-ready') state = 'not known to Kie.ai';
    else if (fault.more.queued) state = 'not asked yet';
    else if (fault.code === undefined) state = 'no reply from Kie.ai';
    else state = fault.kind === 'fatal' ? 'refused by Kie.ai' : `Kie.ai error ${fault.code}`;
  }
  if (outcome.ending === 'cancelled') return `${state} (cancelled)`;
  return outcome.ending === 'timeout' ? `${state} (timed out)` : state;
}

function icon(task: TaskReport, report: Report): string {
  if (task.outcome.record?.state === 'success' && !report.failure) return '✅';
  if (task.outcome.ending === 'timeout') return '⏱️';
  return report.failure ? '❌' : '⚠️';
}

/** By the file's extension, or by the Content-Type it was downloaded with. */
function isImage(url: string, task: TaskReport): boolean {
  const file = task.files.find((written) => written.url === url);
  return IMAGE.test(pathOf(url)) || /^image\//i.test(file?.contentType ?? '');
}

function kindOf(url: string, task: TaskReport): string {
  if (isImage(url, task)) return 'image';
  const type = task.files.find((written) => written.url === url)?.contentType ?? '';
  return PLAYABLE.test(pathOf(url)) || /^(video|audio)\//i.test(type) ? 'media' : 'file';
}

function link(url: string, text = url): string {
  return `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>`;
}

/** The path alone, so `a.png?sig=…` still reads as an image. */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function code(text: string): string {
  return `<code>${cell(text)}</code>`;
}

/** Text for one table cell (or heading): a line break would end the row, so it becomes <br>. */
function cell(text: string): string {
  return escapeHtml(text.trim()).replace(/\r\n?|\n/g, '<br>');
}

/** Text as blockquote lines: every line of it inside the quote. */
function quote(text: string): string[] {
  return text.split(/\r\n?|\n/).map((line) => `> ${escapeHtml(line)}`);
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll('|', '&#124;');
}

const amount = (credits: number) => credits.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** The summary's credit line; undefined when the step read no balance at all. */
export function creditsLine(report: Report): string | undefined {
  const { credits } = report;
  if (!credits || credits.skipped) return undefined;
  const own = report.tasks.flatMap((task) => task.outcome.record?.creditsConsumed ?? []);
  const tasksSay = own.length > 0 ? ` · the tasks report ${amount(sum(own))}` : '';
  const used = creditsUsed(credits);
  if (used !== undefined) {
    return `Credits: ${amount(used)} used${tasksSay} · balance ${amount(credits.after!)} (was ${amount(credits.before!)}; other spending on the account meanwhile counts too)`;
  }
  if (credits.before !== undefined) {
    return `Credits: balance ${amount(credits.before)} at the start, none read after${tasksSay}`;
  }
  return `Credits: the balance could not be read${tasksSay}`;
}

function sum(values: number[]): number {
  return Math.round(values.reduce((total, value) => total + value, 0) * 100) / 100;
}
