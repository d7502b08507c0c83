import { readFileSync } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { buildTranscript } from '../src/results/transcript.js';
import { REPO_ROOT } from './support/action.js';

/** The documented speech-to-text example (seed 002, kept in test/fixtures): an unquoted key. */
function seedResultObject(): unknown {
  const response = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'test/fixtures/speech-to-text.json'), 'utf8'),
  ) as { data: { resultJson: string } };
  return JSON5.parse<{ resultObject: unknown }>(response.data.resultJson).resultObject;
}

interface ParsedCue {
  startMs: number;
  endMs: number;
  lines: string[];
}

function parseSrt(srt: string): ParsedCue[] {
  if (srt === '') return [];
  return srt
    .trimEnd()
    .split('\n\n')
    .map((block, index) => {
      const [number, times, ...lines] = block.split('\n');
      expect(number).toBe(String(index + 1));
      const match = /^(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})$/.exec(times!);
      if (!match) throw new Error(`bad cue timing: ${times}`);
      const [h1, m1, s1, ms1, h2, m2, s2, ms2] = match.slice(1).map(Number);
      return {
        startMs: ((h1! * 60 + m1!) * 60 + s1!) * 1_000 + ms1!,
        endMs: ((h2! * 60 + m2!) * 60 + s2!) * 1_000 + ms2!,
        lines,
      };
    });
}

type Word = { text: string; start: number; end: number; type?: string; speaker_id?: string };

/** Words with "spacing" entries between them, like ElevenLabs returns. */
function spoken(
  ...parts: { text: string; speaker?: string; startAt?: number; seconds?: number }[]
): Word[] {
  const words: Word[] = [];
  let clock = 0;
  for (const part of parts) {
    clock = part.startAt ?? clock;
    const perWord = part.seconds ?? 0.3;
    for (const text of part.text.split(' ')) {
      const speaker = part.speaker === undefined ? {} : { speaker_id: part.speaker };
      if (words.length > 0) words.push({ text: ' ', start: clock, end: clock, type: 'spacing' });
      words.push({ text, start: clock, end: clock + perWord, type: 'word', ...speaker });
      clock += perWord + 0.05;
    }
  }
  return words;
}

describe('buildTranscript on the documented speech-to-text example', () => {
  const resultObject = seedResultObject();
  const transcript = buildTranscript(resultObject);

  it('keeps the text and the language', () => {
    expect(transcript?.text).toBe(
      "Ever tried Ki AI? They've got a bunch of solid AI APIs, and the prices are more than 50% lower than the usual big name platforms.",
    );
    expect(transcript?.language).toBe('eng');
    expect(transcript?.files['transcript.txt']).toBe(`${transcript?.text}\n`);
  });

  it('writes the whole result object as JSON', () => {
    const json = transcript?.files['transcript.json'] ?? '';
    expect(json.endsWith('}\n')).toBe(true);
    expect(json).toContain('\n  "language_code": "eng",');
    expect(JSON.parse(json)).toEqual(resultObject);
  });

  // Checked by hand: the first sentence fits a cue; the rest (111 chars) does not fit two lines,
  // so it is cut after "APIs,"; cue 2 ends where cue 3 starts (4.779, the seed's spacing entry
  // runs backwards from 4.78); cue 3 (73 chars) is wrapped at its most balanced point.
  it('cuts subtitles at sentence and clause ends', () => {
    expect(transcript?.files['transcript.srt']).toBe(
      [
        '1',
        '00:00:00,140 --> 00:00:02,279',
        'Ever tried Ki AI?',
        '',
        '2',
        '00:00:02,279 --> 00:00:04,779',
        "They've got a bunch of solid AI APIs,",
        '',
        '3',
        '00:00:04,779 --> 00:00:09,659',
        'and the prices are more than 50% lower',
        'than the usual big name platforms.',
        '',
      ].join('\n'),
    );
    expect(transcript?.files['transcript.vtt']).toBe(
      [
        'WEBVTT',
        '',
        '00:00:00.140 --> 00:00:02.279',
        'Ever tried Ki AI?',
        '',
        '00:00:02.279 --> 00:00:04.779',
        "They've got a bunch of solid AI APIs,",
        '',
        '00:00:04.779 --> 00:00:09.659',
        'and the prices are more than 50% lower',
        'than the usual big name platforms.',
        '',
      ].join('\n'),
    );
  });

  it('does not label a single speaker even with diarize', () => {
    const diarized = buildTranscript(resultObject, { diarize: true });
    expect(diarized?.files['transcript.srt']).toBe(transcript?.files['transcript.srt']);
    expect(diarized?.files['transcript.txt']).toBe(transcript?.files['transcript.txt']);
  });
});

describe('buildTranscript with two speakers', () => {
  const words = spoken(
    { text: 'Hello there.', speaker: 'speaker_0' },
    { text: 'Hi!', speaker: 'speaker_1' },
    { text: 'How are you?', speaker: 'speaker_1' },
    { text: '(laughter)', speaker: 'speaker_1' },
    { text: 'Fine, thanks.', speaker: 'speaker_0' },
  );
  words.find((word) => word.text === '(laughter)')!.type = 'audio_event';
  const resultObject = { language_code: 'eng', words };

  it('labels each speaker change and never mixes speakers in a cue', () => {
    const transcript = buildTranscript(resultObject, { diarize: true });
    expect(transcript?.files['transcript.srt']).toBe(
      [
        '1',
        '00:00:00,000 --> 00:00:00,650',
        '[speaker_0] Hello there.',
        '',
        '2',
        '00:00:00,700 --> 00:00:02,400',
        '[speaker_1] Hi! How are you? (laughter)',
        '',
        '3',
        '00:00:02,450 --> 00:00:03,100',
        '[speaker_0] Fine, thanks.',
        '',
      ].join('\n'),
    );
    expect(transcript?.files['transcript.txt']).toBe(
      'speaker_0: Hello there.\n\nspeaker_1: Hi! How are you? (laughter)\n\nspeaker_0: Fine, thanks.\n',
    );
    expect(transcript?.text).toBe('Hello there. Hi! How are you? (laughter) Fine, thanks.');
  });

  it('labels only the first cue of a long turn', () => {
    const long = spoken(
      { text: 'Yes.', speaker: 'speaker_0' },
      {
        text: 'I think we should take the early train tomorrow because the later one is always full',
        speaker: 'speaker_1',
      },
    );
    const srt = buildTranscript({ words: long }, { diarize: true })?.files['transcript.srt'] ?? '';
    const texts = parseSrt(srt).map((cue) => cue.lines.join(' '));
    expect(texts[0]).toBe('[speaker_0] Yes.');
    expect(texts[1]).toMatch(/^\[speaker_1\] I think/);
    expect(texts.slice(2).length).toBeGreaterThan(0);
    expect(texts.slice(2).every((text) => !text.includes('['))).toBe(true);
  });

  it('ignores speakers without diarize', () => {
    const transcript = buildTranscript(resultObject);
    expect(transcript?.files['transcript.srt']).not.toContain('speaker_');
    expect(transcript?.files['transcript.txt']).toBe(
      'Hello there. Hi! How are you? (laughter) Fine, thanks.\n',
    );
  });
});

describe('buildTranscript cue limits', () => {
  // Deterministic pseudo-random prose: varied word lengths, punctuation, pauses and a few
  // backwards timings, over about ten minutes.
  function longInput(): Word[] {
    const vocabulary = ['a', 'we', 'the', 'quick', 'subtitle', 'extraordinarily', 'timing', 'of'];
    const words: Word[] = [];
    let clock = 0.2;
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let index = 0; index < 2_000; index++) {
      let text = vocabulary[Math.floor(next() * vocabulary.length)]!;
      const roll = next();
      if (roll < 0.06) text += '.';
      else if (roll < 0.1) text += ',';
      const duration = 0.1 + next() * 0.5;
      const speaker_id = `speaker_${Math.floor(index / 150) % 3}`;
      if (words.length > 0) {
        const backwards = next() < 0.05 ? -0.001 : 0;
        words.push({
          text: ' ',
          start: clock,
          end: clock + backwards,
          type: 'spacing',
          speaker_id,
        });
      }
      words.push({ text, start: clock, end: clock + duration, type: 'word', speaker_id });
      clock += duration + (next() < 0.03 ? 1.5 : next() * 0.2);
    }
    return words;
  }

  for (const diarize of [false, true]) {
    it(`keeps every cue readable (diarize: ${diarize})`, () => {
      const words = longInput();
      const transcript = buildTranscript({ words }, { diarize });
      const cues = parseSrt(transcript?.files['transcript.srt'] ?? '');
      expect(cues.length).toBeGreaterThan(100);
      let previousEnd = 0;
      for (const cue of cues) {
        expect(cue.lines.length).toBeGreaterThanOrEqual(1);
        expect(cue.lines.length).toBeLessThanOrEqual(2);
        for (const line of cue.lines) {
          expect(line.length).toBeLessThanOrEqual(42);
          expect(line).toBe(line.trim());
        }
        expect(cue.endMs).toBeGreaterThan(cue.startMs);
        expect(cue.endMs - cue.startMs).toBeLessThanOrEqual(7_000);
        expect(cue.startMs).toBeGreaterThanOrEqual(previousEnd);
        previousEnd = cue.endMs;
      }
      // Nothing is lost or duplicated: the cues read back as the words.
      const spokenText = words
        .filter((word) => word.type === 'word')
        .map((word) => word.text)
        .join(' ');
      const cueText = cues
        .map((cue) => cue.lines.join(' ').replace(/^\[speaker_\d\] /, ''))
        .join(' ');
      expect(cueText).toBe(spokenText);
      if (diarize) expect(cues.filter((cue) => cue.lines[0]!.startsWith('[')).length).toBe(14);
      expect(transcript?.files['transcript.vtt'].split(' --> ').length).toBe(cues.length + 1);
    });
  }

  it('starts a new cue after a pause of a second', () => {
    const words = spoken({ text: 'Wait for it' }, { text: 'now', startAt: 2 });
    const cues = parseSrt(buildTranscript({ words })?.files['transcript.srt'] ?? '');
    expect(cues.map((cue) => cue.lines)).toEqual([['Wait for it'], ['now']]);
  });

  it('gives a degenerate cue half a second without running into the next', () => {
    const words = [
      { text: 'Um.', start: 1, end: 0.9, type: 'word' },
      { text: ' ', start: 1, end: 1, type: 'spacing' },
      { text: 'Right.', start: 3, end: 3, type: 'word' },
    ];
    const cues = parseSrt(buildTranscript({ words })?.files['transcript.srt'] ?? '');
    expect(cues).toEqual([
      { startMs: 1_000, endMs: 1_500, lines: ['Um.'] },
      { startMs: 3_000, endMs: 3_500, lines: ['Right.'] },
    ]);
  });

  it('caps a long audio event at seven seconds', () => {
    const words = [{ text: '(music)', start: 0, end: 30, type: 'audio_event' }];
    const cues = parseSrt(buildTranscript({ words })?.files['transcript.srt'] ?? '');
    expect(cues).toEqual([{ startMs: 0, endMs: 7_000, lines: ['(music)'] }]);
  });
});

describe('buildTranscript on partial results', () => {
  it('joins the words when the text is missing, with spaces when no spacing entries exist', () => {
    const words = [
      { text: 'no', start: 0, end: 0.2 },
      { text: 'spacing', start: 0.3, end: 0.6 },
    ];
    expect(buildTranscript({ words })?.text).toBe('no spacing');
  });

  it('keeps words without separators together (as in Chinese or Japanese)', () => {
    const words = [
      { text: '你好', start: 0, end: 0.4, type: 'word' },
      { text: '世界', start: 0.4, end: 0.8, type: 'word' },
      { text: ' ', start: 0.8, end: 0.9, type: 'spacing' },
      { text: 'ok', start: 0.9, end: 1, type: 'word' },
    ];
    expect(buildTranscript({ words })?.text).toBe('你好世界 ok');
  });

  // A cue needs timings: a text alone yields an empty SRT and a header-only WebVTT.
  it('writes empty subtitles for a text without words', () => {
    const transcript = buildTranscript({ text: 'Just text.', language_code: 'fra', extra: 1 });
    expect(transcript).toEqual({
      text: 'Just text.',
      language: 'fra',
      files: {
        'transcript.json':
          '{\n  "text": "Just text.",\n  "language_code": "fra",\n  "extra": 1\n}\n',
        'transcript.txt': 'Just text.\n',
        'transcript.srt': '',
        'transcript.vtt': 'WEBVTT\n',
      },
    });
  });

  it('tolerates null fields and unknown word types', () => {
    const words = [
      { text: 'Hi', start: 0, end: 0.5, type: 'word', speaker_id: null, logprob: -0.1 },
      { text: '(beep)', start: null, end: null, type: 'sound_effect' },
    ];
    const transcript = buildTranscript({ language_code: null, text: null, words });
    expect(transcript?.text).toBe('Hi (beep)');
    expect(transcript?.language).toBeUndefined();
    expect(transcript?.files['transcript.srt']).toBe(
      '1\n00:00:00,000 --> 00:00:00,500\nHi (beep)\n',
    );
  });

  it.each([
    ['media result', { resultUrls: ['https://example.com/a.mp4'] }],
    ['null', null],
    ['a string', 'Ever tried Ki AI?'],
    ['words that are not a list', { words: 'x' }],
    ['words without timing numbers', { words: [{ text: 'a', start: '0', end: 1 }] }],
    ['an array', [{ text: 'a' }]],
  ])('returns undefined for %s', (_name, value) => {
    expect(buildTranscript(value)).toBeUndefined();
  });
});

describe('subtitles of text that looks like markup or syntax', () => {
  // Words as a model may return them: markup, an arrow, a line break inside a word, and speaker
  // ids that are no better.
  const words = [
    ...spoken({ text: 'Tom & Jerry <b>shout</b> a-->b', speaker: 'x-->y' }),
    { text: ' ', start: 2, end: 2, type: 'spacing' },
    { text: 'two\n\nlines', start: 2, end: 2.4, type: 'word', speaker_id: '<i>' },
    { text: ' ', start: 2.4, end: 2.4, type: 'spacing' },
    { text: '--->', start: 2.4, end: 2.6, type: 'word', speaker_id: '<i>' },
  ];
  const files = buildTranscript({ words }, { diarize: true })!.files;

  /** Cue blocks as `[timing, ...text lines]`: a blank line inside a cue would split one. */
  const blocks = (text: string) =>
    text
      .trimEnd()
      .split('\n\n')
      .map((block) => block.split('\n'));

  it('escapes WebVTT cue text, with no "-->" outside the timing line', () => {
    const [header, ...cues] = blocks(files['transcript.vtt']);
    expect(header).toEqual(['WEBVTT']);
    expect(cues.map((cue) => cue.slice(1))).toEqual([
      ['[x--&gt;y] Tom &amp; Jerry &lt;b&gt;shout&lt;/b&gt; a--&gt;b'],
      ['[&lt;i&gt;] two lines ---&gt;'],
    ]);
    for (const [timing, ...lines] of cues) {
      expect(timing).toMatch(/^\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}$/);
      for (const line of lines) expect(line).not.toMatch(/-->|<|&(?!amp;|lt;|gt;)/);
    }
  });

  it('keeps every SRT cue one block, with no "-->" in its text', () => {
    const cues = parseSrt(files['transcript.srt']);
    expect(cues.map((cue) => cue.lines)).toEqual([
      ['[x->y] Tom & Jerry <b>shout</b> a->b'],
      ['[<i>] two lines ->'],
    ]);
  });
});
