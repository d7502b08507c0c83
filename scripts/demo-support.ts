// What `npm run demo` shows besides the logs: real images for its media host to serve, and the job
// summary each run wrote, rendered for a terminal.
import { crc32, deflateSync } from 'node:zlib';
import { convert } from 'html-to-text';
import { marked } from 'marked';

export type Rgb = [number, number, number];

/**
 * A valid PNG (8-bit RGB, unfiltered rows): a sky from `top` to `bottom` with a sun, so each demo
 * image opens in any viewer and is told apart by its colours.
 */
export function demoPng(width: number, height: number, top: Rgb, bottom: Rgb, sun: Rgb): Buffer {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  const [cx, cy, r] = [width * 0.68, height * 0.38, Math.min(width, height) * 0.18];
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1); // its first byte, 0, is the filter type: none
    const t = y / (height - 1);
    for (let x = 0; x < width; x++) {
      const inSun = (x - cx) ** 2 + (y - cy) ** 2 <= r ** 2;
      const colour = inSun ? sun : top.map((c, i) => Math.round(c + (bottom[i]! - c) * t));
      rows.set(colour, row + 1 + x * 3);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const framed = Buffer.alloc(body.length + 8);
    framed.writeUInt32BE(data.length, 0);
    body.copy(framed, 4);
    framed.writeUInt32BE(crc32(body), body.length + 4);
    return framed;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, default compression/filter/interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The job summary (GitHub-flavoured Markdown with HTML in it) as plain terminal text: the Markdown
 * becomes HTML, which becomes text with aligned tables, and images show as their address.
 */
export function summaryAsText(summary: string): string {
  // GitHub's alerts (> [!CAUTION]) as a plain label; a linked image as the image alone.
  const markdown = summary.replace(/^> \[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]$/gm, '> $1:');
  const html = marked
    .parse(markdown, { async: false, gfm: true })
    .replace(/<a [^>]*>\s*(<img [^>]*>)\s*<\/a>/g, '$1');
  const text = convert(html, {
    wordwrap: 100,
    selectors: [
      { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
      { selector: 'img', format: 'image', options: { linkBrackets: ['[image: ', ']'] } },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true, linkBrackets: ['<', '>'] } },
    ],
  });
  return text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n');
}

// MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, joint stereo: 417 bytes and 1152 samples a frame.
const MP3_FRAME_HEADER = [0xff, 0xfb, 0x90, 0x64];
const MP3_FRAME_BYTES = 417;

/**
 * A valid MP3 of silence: frames whose side information is all zero, which every decoder plays
 * as quiet samples, so the demo's "tracks" open in a player with the right length.
 */
export function demoMp3(seconds: number): Buffer {
  const frames = Math.max(1, Math.round((seconds * 44_100) / 1_152));
  const mp3 = Buffer.alloc(frames * MP3_FRAME_BYTES);
  for (let i = 0; i < frames; i++) mp3.set(MP3_FRAME_HEADER, i * MP3_FRAME_BYTES);
  return mp3;
}

/**
 * The action's log as a runner's web page shows it: ::debug:: and ::add-mask:: lines hidden, an
 * annotation as its text with its line breaks (written %0A in the command), a group as its title.
 */
export function readableLog(log: string): string {
  const decode = (text: string) =>
    text.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
  return log
    .split('\n')
    .filter((line) => line && !/^::(debug|add-mask|endgroup)::/.test(line))
    .flatMap((line) => {
      const command = /^::(error|warning|notice|group)(?: [^:]*)?::(.*)$/.exec(line);
      if (!command) return [line];
      const [, kind, text] = command;
      return decode(text!)
        .split(/\r?\n/)
        .map((part, i) =>
          i === 0 ? `${kind === 'group' ? '▸' : `${kind}:`} ${part}` : `    ${part}`,
        );
    })
    .join('\n');
}
