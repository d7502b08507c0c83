// The job summary: what a person opening the run wants to see first. Pure: returns Markdown,
// action/main.ts writes it. One task gets a card; several get a table, a row each. Everything the
// server sent goes through markdown.ts, so it renders as the text it is.
import { creditsUsed } from './credits.js';
import { clip, mdCell, mdCode, mdLink, mdText } from './markdown.js';
import { succeededCount, type Report, type TaskReport } from './report.js';
import {
  fileLabel,
  generationMs,
  otherFiles,
  promptOf,
  resultChip,
  resultItems,
  resultLine,
  showableImages,
  thumbnails,
  trackLines,
} from './summary-results.js';
import { apiStateLabel } from '../kie/schema.js';
import { formatDuration, formatSize, plural } from '../settings/units.js';

const MAX_INLINE_IMAGES = 4;
/** In a table row: small enough that a row of four leaves the ids room not to wrap. */
const THUMBNAIL_HEIGHT = 48;
const TRANSCRIPT_PREVIEW_LINES = 5;
const TRANSCRIPT_PREVIEW_CHARS = 600;
/** A reason in a list or quote: enough to act on; the outputs and the log hold the rest. */
const REASON_CHARS = 2_000;
/** What some families' own states mean beyond success or fail. */
const API_STATE_NOTES: Record<string, string> = {
  CALLBACK_EXCEPTION: 'Kie.ai could not call the callback URL',
  SENSITIVE_WORD_ERROR: 'refused by the content filter',
  GENERATE_AUDIO_FAILED: 'the audio could not be generated',
  CREATE_TASK_FAILED: 'the task could not be created',
  FIRST_SUCCESS: 'the first track is ready',
  TEXT_SUCCESS: 'the lyrics are ready',
};

export function renderSummary(report: Report): string {
  const lines =
    report.tasks.length === 0
      ? [`## ❌ ${notStarted(report.notWaitedFor ?? [])}`, '']
      : report.tasks.length === 1
        ? taskCard(report.tasks[0]!, report)
        : taskTable(report);
  if (report.failure) lines.push('> [!CAUTION]', ...cautionLines(report), '');
  if (report.rerun) lines.push(mdText(report.rerun), '');
  if (report.artifact) {
    const { name, url, size } = report.artifact;
    const label = url ? mdLink(url, name) : mdCode(name);
    lines.push(`**Artifact:** ${label} (${formatSize(size)})`, '');
  }
  const credits = creditsLine(report);
  if (credits) lines.push(credits, '');
  return lines.join('\n');
}

function notStarted(ids: string[]): string {
  if (ids.length === 0) return 'No Kie.ai task was created';
  return ids.length === 1
    ? `Kie.ai task ${mdCode(ids[0]!)} was not waited for`
    : `${ids.length} Kie.ai tasks were not waited for`;
}

function taskCard(task: TaskReport, report: Report): string[] {
  const { outcome } = task;
  const record = outcome.record;
  const { icon, says } = verdict(task, report);
  const lines = [`## ${icon} Kie.ai task ${mdCode(task.taskId)}: ${mdText(says)}`, ''];
  const facts: [string, string][] = [];
  if (record?.model) facts.push(['Model', mdCode(record.model, { inTable: true })]);
  const apiState = record && apiStateCell(record);
  if (apiState) facts.push(["Kie.ai's state", apiState]);
  const generation = generationMs(task);
  if (generation !== undefined) facts.push(['Generation', formatDuration(generation)]);
  facts.push(['Waited', `${formatDuration(outcome.elapsedMs)} (${plural(outcome.polls, 'poll')})`]);
  lines.push(
    `| ${facts.map(([name]) => name).join(' | ')} |`,
    `|${facts.map(() => '---|').join('')}`,
    `| ${facts.map(([, value]) => value).join(' | ')} |`,
    '',
  );
  const prompt = promptOf(record?.param);
  if (prompt) lines.push(`**Prompt:** ${mdText(prompt)}`, '');
  // The step's failure is told in the caution box below; a tolerated one here.
  if (task.problem && !report.failure) {
    lines.push('> [!WARNING]', ...quote(task.problem.message), '');
  }

  const items = resultItems(task);
  const gallery = thumbnails(items, 240, MAX_INLINE_IMAGES);
  if (gallery) lines.push(gallery, '');
  const tracks = trackLines(task, items);
  if (tracks.lines.length > 0) lines.push('### Tracks', '', ...tracks.lines, '');
  // What the tracks do not already list.
  const listed = items.filter((item) => !tracks.urls.has(item.url));
  if (listed.length > 0) {
    lines.push('### Results', '');
    for (const item of listed) lines.push(`- ${resultLine(item, items.indexOf(item) + 1)}`);
    lines.push('');
  }
  if (task.transcript) {
    // The first sentences, and no more than a paragraph of an unpunctuated transcript.
    const preview = task.transcript.text
      .slice(0, TRANSCRIPT_PREVIEW_CHARS)
      .split(/(?<=[.!?])\s+/)
      .slice(0, TRANSCRIPT_PREVIEW_LINES);
    const language = task.transcript.language ? ` (${mdText(task.transcript.language)})` : '';
    lines.push(`### Transcript${language}`, '', ...preview.flatMap(quote), '');
  }
  const files = otherFiles(task);
  if (files.length > 0) {
    lines.push('### Files', '', ...files.map((file) => `- ${fileLabel(file)}`), '');
  }
  return lines;
}

/** The family's own state, where it says more than the heading: `successFlag 1` (success). */
function apiStateCell(record: NonNullable<TaskReport['outcome']['record']>): string | undefined {
  if (record.apiState === record.state) return undefined;
  const note = API_STATE_NOTES[record.apiState];
  const meaning = note ? `${record.state}: ${note}` : record.state;
  return `${mdCode(apiStateLabel(record), { inTable: true })} (${mdCell(meaning)})`;
}

function taskTable(report: Report): string[] {
  const { tasks } = report;
  const succeeded = succeededCount(tasks);
  const icon = report.failure ? '❌' : succeeded === tasks.length ? '✅' : '⚠️';
  // One model for all goes in the heading: a narrower table, whose ids then need not wrap.
  const models = new Set(tasks.map((task) => task.outcome.record?.model ?? ''));
  const [shared] = models.size === 1 ? models : [''];
  const rows = tasks.map((task) => {
    const items = resultItems(task);
    const images = showableImages(items);
    const links = items
      .filter((item) => !images.includes(item))
      .map((item) => resultChip(item, items.indexOf(item) + 1));
    const { icon: taskIcon, says } = verdict(task, report);
    const generation = generationMs(task);
    const credits = task.outcome.record?.creditsConsumed;
    return {
      Task: mdCode(task.taskId, { inTable: true }),
      Model:
        task.outcome.record?.model && !shared
          ? mdCode(task.outcome.record.model, { inTable: true })
          : '',
      State: `${taskIcon}\u00a0${mdCell(says)}`,
      Generation: generation === undefined ? '' : formatDuration(generation),
      Waited: formatDuration(task.outcome.elapsedMs),
      Credits: credits == null ? '' : String(credits),
      Results: [thumbnails(items, THUMBNAIL_HEIGHT, MAX_INLINE_IMAGES), ...links]
        .filter(Boolean)
        .join(' '),
      Files: otherFiles(task)
        .map((file) => fileLabel(file, true))
        .join('<br>'),
    };
  });
  // A column no task has anything for is left out.
  const columns = (Object.keys(rows[0]!) as (keyof (typeof rows)[number])[]).filter((column) =>
    rows.some((row) => row[column] !== ''),
  );
  const right = new Set(['Generation', 'Waited', 'Credits']);
  const lines = [
    `## ${icon} ${tasks.length} Kie.ai tasks${shared ? ` of ${mdCode(shared)}` : ''}: ${succeeded} succeeded`,
    '',
    `| ${columns.join(' | ')} |`,
    `|${columns.map((column) => (right.has(column) ? '---:|' : '---|')).join('')}`,
    ...rows.map((row) => `| ${columns.map((column) => row[column]).join(' | ')} |`),
    '',
  ];
  // Each task's reason once, here; the caution box below says only what it means for the step.
  const reasons = tasks.flatMap((task) => (task.problem ? [task.problem.message] : []));
  if (reasons.length > 0) {
    lines.push(
      '### What went wrong',
      '',
      ...reasons.map((reason) => `- ${mdText(clip(reason, REASON_CHARS))}`),
      '',
    );
  }
  return lines;
}

/**
 * The step's failure, as quote lines. With several tasks the reasons are listed already: the
 * lines that repeat one are left out.
 */
function cautionLines(report: Report): string[] {
  let message = report.failure!.message;
  if (report.tasks.length > 1) {
    for (const task of report.tasks) {
      if (task.problem) message = withoutLine(message, `- ${task.problem.message}`);
    }
    // "…did not succeed:" introduced the list that now stands above.
    message = message.replace(/:(?=\n|$)/, '.');
  }
  return quote(message);
}

/** `text` without `line` (or `line (3 tasks)`) where it stands as whole lines of its own. */
function withoutLine(text: string, line: string): string {
  const at = `\n${text}\n`.indexOf(`\n${line}`);
  if (at === -1) return text;
  const rest = text.slice(at + line.length).replace(/^ \(\d+ tasks\)/, '');
  return rest === '' || rest.startsWith('\n') ? text.slice(0, Math.max(0, at - 1)) + rest : text;
}

/** What the heading says of a task: the truth about its state and its results. */
function verdict(task: TaskReport, report: Report): { icon: string; says: string } {
  const { outcome, problem } = task;
  const failing = report.failure ? '❌' : '⚠️';
  if (outcome.record?.state === 'success') {
    if (!problem) return { icon: '✅', says: 'succeeded' };
    if (problem.kind === 'cancelled') {
      return { icon: '⏹️', says: 'succeeded; cancelled while downloading its results' };
    }
    return { icon: failing, says: 'succeeded, but its results could not be downloaded' };
  }
  switch (outcome.ending) {
    case 'finished':
      return { icon: failing, says: 'failed' };
    case 'timeout':
      return { icon: '⏱️', says: `timed out (${lastSeen(task)})` };
    case 'cancelled':
      // The wait is also stopped when the balance read that ran beside it fell below min-credits.
      return report.failure?.kind === 'balance'
        ? { icon: '❌', says: `stopped: the balance is too low (${lastSeen(task)})` }
        : { icon: '⏹️', says: `cancelled (${lastSeen(task)})` };
    case 'error':
      return { icon: '❌', says: lastSeen(task) };
  }
}

/** What is known of a task that did not finish: its last state, or why none was seen. */
function lastSeen(task: TaskReport): string {
  const { outcome } = task;
  if (outcome.record) return `last state: ${outcome.record.state}`;
  const fault = outcome.ending === 'error' ? outcome.error : outcome.lastFault;
  // A task whose every try was queued past its deadline was never asked about.
  if (!fault) return 'no state seen';
  if (fault.kind === 'not-ready') return 'not known to Kie.ai';
  if (fault.more.queued) return 'not asked yet';
  if (fault.code === undefined) return 'no reply from Kie.ai';
  return fault.kind === 'fatal' ? 'refused by Kie.ai' : `Kie.ai error ${fault.code}`;
}

/** Text as blockquote lines: every line of it inside the quote, cut at a readable length. */
function quote(text: string): string[] {
  return clip(text, REASON_CHARS)
    .split(/\r\n?|\n/)
    .map((line) => `> ${mdText(line.trim())}`);
}

const amount = (credits: number) => credits.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** The summary's credit line, short; undefined when the step read no balance at all. */
export function creditsLine(report: Report): string | undefined {
  const { credits } = report;
  if (!credits || credits.skipped) return undefined;
  const own = report.tasks.flatMap((task) => task.outcome.record?.creditsConsumed ?? []);
  const tasksSay =
    own.length > 0
      ? ` (the ${own.length > 1 ? 'tasks report' : 'task reports'} ${amount(sum(own))})`
      : '';
  const used = creditsUsed(credits);
  if (used !== undefined) {
    return `**Credits:** ${amount(used)} used${tasksSay} · ${amount(credits.after!)} left`;
  }
  if (credits.before !== undefined) {
    return `**Credits:** ${amount(credits.before)} at the start, not read after${tasksSay}`;
  }
  return `**Credits:** the balance could not be read${tasksSay}`;
}

function sum(values: number[]): number {
  return Math.round(values.reduce((total, value) => total + value, 0) * 100) / 100;
}
