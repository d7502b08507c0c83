// The job summary: what a person opening the run wants to see first. Pure: returns Markdown,
// main.ts writes it.
import type { Report } from '../pipeline.js';
import { formatDuration, formatSize } from '../units.js';

const MAX_INLINE_IMAGES = 4;
const TRANSCRIPT_PREVIEW_LINES = 5;
const IMAGE = /\.(png|jpe?g|webp|gif|avif|bmp)$/i;
const PLAYABLE = /\.(mp4|webm|mov|mkv|mp3|wav|m4a|ogg|flac|aac)$/i;

export function renderSummary(input: Report): string {
  const { taskId, outcome, result } = input;
  const state = outcome.record?.state ?? (outcome.ending === 'timeout' ? 'timed out' : 'unknown');
  const lines = [`## ${icon(input)} Kie.ai task ${code(taskId)}: ${escapeHtml(state)}`, ''];

  lines.push('| | |', '|---|---|');
  lines.push(`| Model | ${code(outcome.record?.model || 'unknown')} |`);
  lines.push(
    `| Final state | ${escapeHtml(state)}${outcome.ending === 'timeout' ? ' (timed out)' : ''} |`,
  );
  lines.push(`| Waited | ${formatDuration(outcome.elapsedMs)} (${outcome.polls} polls) |`);
  const { createTime, completeTime } = outcome.record ?? {};
  if (createTime && completeTime) {
    lines.push(`| Generation time | ${formatDuration(completeTime - createTime)} |`);
  }
  lines.push('');

  if (input.failure) lines.push(`> [!CAUTION]`, `> ${escapeHtml(input.failure.message)}`, '');
  else if (outcome.record?.state === 'fail') {
    lines.push(`> [!WARNING]`, `> ${escapeHtml(outcome.record.failMsg || 'The task failed.')}`, '');
  }

  const urls = result.resultUrls;
  const images = urls.filter((url) => IMAGE.test(pathOf(url)));
  if (images.length > 0) {
    lines.push(
      images
        .slice(0, MAX_INLINE_IMAGES)
        .map(
          (url) => `<a href="${escapeHtml(url)}"><img src="${escapeHtml(url)}" height="240"></a>`,
        )
        .join(' '),
      '',
    );
  }
  if (urls.length > 0) {
    lines.push('### Results', '');
    for (const url of urls) {
      const kind = IMAGE.test(pathOf(url))
        ? 'image'
        : PLAYABLE.test(pathOf(url))
          ? 'media'
          : 'file';
      lines.push(`- ${kind}: <a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`);
    }
    lines.push('');
  }

  if (input.transcript) {
    const preview = input.transcript.text.split(/(?<=[.!?])\s+/).slice(0, TRANSCRIPT_PREVIEW_LINES);
    const language = input.transcript.language ? ` (${escapeHtml(input.transcript.language)})` : '';
    lines.push(
      `### Transcript${language}`,
      '',
      ...preview.map((line) => `> ${escapeHtml(line)}`),
      '',
    );
  }

  if (input.files.length > 0) {
    lines.push('### Files', '');
    for (const file of input.files) lines.push(`- ${code(file.path)} (${formatSize(file.bytes)})`);
    lines.push('');
  }

  if (input.artifact) {
    const { name, url, size } = input.artifact;
    const label = url ? `<a href="${escapeHtml(url)}">${escapeHtml(name)}</a>` : escapeHtml(name);
    lines.push(`Artifact: ${label} (${formatSize(size)})`, '');
  }
  return lines.join('\n');
}

function icon(input: Report): string {
  if (input.outcome.record?.state === 'success' && !input.failure) return '✅';
  if (input.outcome.ending === 'timeout') return '⏱️';
  return input.failure ? '❌' : '⚠️';
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
