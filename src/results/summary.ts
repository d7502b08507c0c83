// The job summary: what a person opening the run wants to see first. Pure: returns Markdown,
// main.ts writes it. One task gets a card; several get a table, a row each.
import path from 'node:path';
import { creditsLine } from '../credits.js';
import { overallState, type Report, type TaskReport } from '../report.js';
import { formatDuration, formatSize } from '../units.js';

const MAX_INLINE_IMAGES = 4;
const TRANSCRIPT_PREVIEW_LINES = 5;
const TRANSCRIPT_PREVIEW_CHARS = 600;
const IMAGE = /\.(png|jpe?g|webp|gif|avif|bmp)$/i;
const PLAYABLE = /\.(mp4|webm|mov|mkv|mp3|wav|m4a|ogg|flac|aac)$/i;

export function renderSummary(report: Report): string {
  const lines = report.tasks.length === 1 ? taskCard(report.tasks[0]!, report) : taskTable(report);
  if (report.failure) {
    const [first, ...rest] = report.failure.message.split('\n');
    lines.push(
      '> [!CAUTION]',
      `> ${escapeHtml(first!)}`,
      ...rest.map((l) => `> ${escapeHtml(l)}`),
      '',
    );
  }
  if (report.artifact) {
    const { name, url, size } = report.artifact;
    const label = url ? `<a href="${escapeHtml(url)}">${escapeHtml(name)}</a>` : escapeHtml(name);
    lines.push(`Artifact: ${label} (${formatSize(size)})`, '');
  }
  const credits = creditsLine(report);
  if (credits) lines.push(escapeHtml(credits), '');
  return lines.join('\n');
}

function taskCard(task: TaskReport, report: Report): string[] {
  const { outcome, result } = task;
  const state = stateOf(task);
  const lines = [
    `## ${icon(task, report)} Kie.ai task ${code(task.taskId)}: ${escapeHtml(state)}`,
    '',
  ];
  lines.push('| | |', '|---|---|');
  lines.push(`| Model | ${code(outcome.record?.model || 'unknown')} |`);
  lines.push(`| Final state | ${escapeHtml(state)} |`);
  lines.push(`| Waited | ${formatDuration(outcome.elapsedMs)} (${outcome.polls} polls) |`);
  const { createTime, completeTime } = outcome.record ?? {};
  if (createTime && completeTime) {
    lines.push(`| Generation time | ${formatDuration(completeTime - createTime)} |`);
  }
  lines.push('');
  if (outcome.record?.state === 'fail' && !report.failure) {
    lines.push('> [!WARNING]', `> ${escapeHtml(outcome.record.failMsg || 'The task failed.')}`, '');
  }

  const urls = result.resultUrls;
  const images = urls.filter((url) => IMAGE.test(pathOf(url))).slice(0, MAX_INLINE_IMAGES);
  if (images.length > 0) {
    lines.push(
      images
        .map(
          (url) => `<a href="${escapeHtml(url)}"><img src="${escapeHtml(url)}" height="240"></a>`,
        )
        .join(' '),
      '',
    );
  }
  if (urls.length > 0) {
    lines.push('### Results', '');
    for (const url of urls) lines.push(`- ${kindOf(url)}: ${link(url)}`);
    lines.push('');
  }
  if (task.transcript) {
    // The first sentences, and no more than a paragraph of an unpunctuated transcript.
    const preview = task.transcript.text
      .slice(0, TRANSCRIPT_PREVIEW_CHARS)
      .split(/(?<=[.!?])\s+/)
      .slice(0, TRANSCRIPT_PREVIEW_LINES);
    const language = task.transcript.language ? ` (${escapeHtml(task.transcript.language)})` : '';
    lines.push(
      `### Transcript${language}`,
      '',
      ...preview.map((line) => `> ${escapeHtml(line)}`),
      '',
    );
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
  const succeeded = report.tasks.filter((task) => task.outcome.record?.state === 'success').length;
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
      .map((url, i) => link(url, `${kindOf(url)} ${i + 1}`))
      .join(' ');
    const reason =
      record?.failMsg ||
      (task.problem && task.problem.kind !== 'task-failed' ? task.problem.message : '');
    lines.push(
      `| ${code(task.taskId)} | ${escapeHtml(record?.model ?? '')} | ${escapeHtml(stateOf(task))} | ${took} |${costs ? ` ${record?.creditsConsumed ?? ''} |` : ''} ${results} | ${escapeHtml(reason)} |`,
    );
  }
  lines.push('');
  return lines;
}

function stateOf(task: TaskReport): string {
  const state = task.outcome.record?.state ?? 'unknown';
  if (task.outcome.ending === 'cancelled') return `${state} (cancelled)`;
  return task.outcome.ending === 'timeout' ? `${state} (timed out)` : state;
}

function icon(task: TaskReport, report: Report): string {
  if (task.outcome.record?.state === 'success' && !report.failure) return '✅';
  if (task.outcome.ending === 'timeout') return '⏱️';
  return report.failure ? '❌' : '⚠️';
}

function kindOf(url: string): string {
  if (IMAGE.test(pathOf(url))) return 'image';
  return PLAYABLE.test(pathOf(url)) ? 'media' : 'file';
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
  return `<code>${escapeHtml(text)}</code>`;
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll('|', '&#124;');
}
