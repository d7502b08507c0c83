// What a task produced, as the summary shows it: each result URL by its kind (from the
// Content-Type it was served with, else its extension), whether it was downloaded, Suno's tracks,
// and the prompt that asked for it. Pure; every string here came from the server.
import path from 'node:path';
import type { TaskReport } from './report.js';
import type { WrittenFile } from '../results/files.js';
import { formatDuration, formatSize } from '../settings/units.js';
import { clip, htmlImage, mdCode, mdLink, mdText, webUrl } from './markdown.js';

export type ResultKind = 'image' | 'video' | 'audio' | 'file';

export interface ResultItem {
  url: string;
  kind: ResultKind;
  /** The file it was downloaded to. */
  file?: WrittenFile;
  /** Downloading it was tried and failed: it is not shown as an image. */
  failed: boolean;
}

const EXTENSIONS: [RegExp, ResultKind][] = [
  [/\.(png|jpe?g|webp|gif|avif|bmp)$/i, 'image'],
  [/\.(mp4|webm|mov|mkv|m4v)$/i, 'video'],
  [/\.(mp3|wav|m4a|ogg|oga|flac|aac|opus)$/i, 'audio'],
];
const LABELS: Record<ResultKind, string> = {
  image: 'Image',
  video: 'Video',
  audio: 'Audio',
  file: 'File',
};
const PROMPT_CHARS = 300;

export function resultItems(task: TaskReport): ResultItem[] {
  const downloadFailed = task.problem?.kind === 'results';
  return task.result.resultUrls.map((url) => {
    const file = task.files.find((written) => written.url === url);
    return { url, kind: kindOf(url, file?.contentType), file, failed: downloadFailed && !file };
  });
}

function kindOf(url: string, contentType = ''): ResultKind {
  const type = /^(image|video|audio)\//i.exec(contentType)?.[1]?.toLowerCase();
  if (type) return type as ResultKind;
  let pathname = url;
  try {
    pathname = new URL(url).pathname; // `a.png?sig=…` still reads as an image
  } catch {
    // not a URL: its text as it is
  }
  return EXTENSIONS.find(([pattern]) => pattern.test(pathname))?.[1] ?? 'file';
}

/** Images that can be shown: http(s), and not a download that failed. */
export function showableImages(items: ResultItem[]): ResultItem[] {
  return items.filter((item) => item.kind === 'image' && !item.failed && webUrl(item.url));
}

export function thumbnails(items: ResultItem[], height: number, max: number): string {
  return showableImages(items)
    .slice(0, max)
    .map((item, i) => htmlImage(item.url, `${LABELS.image} ${i + 1}`, height))
    .join(' ');
}

/** "Video 1: [paper-boat.mp4](…) · 390.6 KB", or "· not downloaded" for one that failed. */
export function resultLine(item: ResultItem, number: number): string {
  const name = item.file ? path.basename(item.file.path) : fileNameOf(item.url);
  const label = `${LABELS[item.kind]} ${number}`;
  const size = item.file ? ` · ${formatSize(item.file.bytes)}` : '';
  const failed = item.failed ? ' · not downloaded' : '';
  return `${label}: ${mdLink(item.url, name)}${size}${failed}`;
}

/** A short link for a table cell: "video 1 (390.6 KB)". */
export function resultChip(item: ResultItem, number: number): string {
  const size = item.file ? ` (${formatSize(item.file.bytes)})` : item.failed ? ' (failed)' : '';
  return `${mdLink(item.url, `${item.kind} ${number}`)}${size}`;
}

function fileNameOf(url: string): string {
  try {
    const name = path.posix.basename(new URL(url).pathname);
    return name ? decodeURIComponent(name) : url;
  } catch {
    return url;
  }
}

/** Files written that are not a downloaded result URL: transcripts, result.json. */
export function otherFiles(task: TaskReport): WrittenFile[] {
  const urls = new Set(task.result.resultUrls);
  return task.files.filter((file) => !file.url || !urls.has(file.url));
}

export function fileLabel(file: WrittenFile, inTable = false): string {
  return `${mdCode(path.basename(file.path), { inTable })} (${formatSize(file.bytes)})`;
}

/** Suno's tracks, as the record has them: title, duration, audio and cover; and their URLs. */
export function trackLines(
  task: TaskReport,
  items: ResultItem[],
): { lines: string[]; urls: Set<unknown> } {
  const value = task.result.value as { sunoData?: unknown } | undefined;
  const tracks = Array.isArray(value?.sunoData) ? value.sunoData : [];
  const urls = new Set<unknown>();
  const lines = tracks.flatMap((track: unknown, i: number) => {
    if (track === null || typeof track !== 'object') return [];
    const { title, duration, audioUrl, imageUrl } = track as Record<string, unknown>;
    const parts = [
      `**${mdText(clip(typeof title === 'string' && title ? title : `Track ${i + 1}`, 120))}**`,
    ];
    if (typeof duration === 'number' && Number.isFinite(duration) && duration > 0) {
      parts.push(formatDuration(duration * 1000));
    }
    for (const [url, label] of [
      [audioUrl, 'audio'],
      [imageUrl, 'cover'],
    ] as const) {
      if (typeof url !== 'string' || !url) continue;
      urls.add(url);
      const item = items.find((candidate) => candidate.url === url);
      const size = item?.file
        ? ` (${formatSize(item.file.bytes)})`
        : item?.failed
          ? ' (not downloaded)'
          : '';
      parts.push(`${mdLink(url, label)}${size}`);
    }
    return [`- ${parts.join(' · ')}`];
  });
  return { lines, urls };
}

/** What was asked: the prompt in the record's `param` (or the create input), cut short. */
export function promptOf(param: unknown): string | undefined {
  const parsed = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      return undefined;
    }
  };
  const request = parsed(param) as { prompt?: unknown; input?: unknown } | undefined;
  const input = parsed(request?.input) as { prompt?: unknown } | undefined;
  const prompt = [request?.prompt, input?.prompt].find(
    (candidate): candidate is string => typeof candidate === 'string' && candidate.trim() !== '',
  );
  return prompt && clip(prompt.trim(), PROMPT_CHARS);
}

/** Generation time from the record's own times; nothing when they are missing or reversed. */
export function generationMs(task: TaskReport): number | undefined {
  const { createTime, completeTime } = task.outcome.record ?? {};
  if (!createTime || !completeTime || completeTime < createTime) return undefined;
  return completeTime - createTime;
}
