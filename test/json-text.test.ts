// JSON kept as Kie.ai wrote it: whitespace between tokens goes, everything else stays.
import { describe, expect, it } from 'vitest';
import { compactJson, exactNumber, faithfulJson } from '../src/kie/json-text.js';

describe('compactJson', () => {
  it('drops whitespace between tokens only, never inside a string', () => {
    const raw = '{ "a b" : "c \\" d\\\\" ,\n\t"n": [ 1e999 , 0.10 ] }';
    expect(compactJson(raw)).toBe('{"a b":"c \\" d\\\\","n":[1e999,0.10]}');
  });
});

describe('faithfulJson', () => {
  it('re-serialises what survives it, and keeps the text where it would not', () => {
    expect(faithfulJson({ a: 1 }, '{ "a": 1 }', 2)).toBe('{\n  "a": 1\n}');
    const seed = '{"seed": 123456789012345678901234567890}';
    expect(faithfulJson(JSON.parse(seed), seed)).toBe('{"seed":123456789012345678901234567890}');
    expect(faithfulJson(JSON.parse(seed), seed, 2)).toBe(seed);
  });

  it('re-serialises a result read as JSON5, whose text is no JSON', () => {
    expect(faithfulJson({ a: 1 }, '{a: 1, // note\n}')).toBe('{"a":1}');
  });
});

describe('exactNumber', () => {
  // JSON.parse's source text and JSON.rawJSON come with Node 22; on Node 20 numbers stay as parsed.
  const sourceText = typeof (JSON as { rawJSON?: unknown }).rawJSON === 'function';
  const reparsed = (text: string) =>
    JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
      exactNumber(value, context?.source),
    ) as unknown[];

  it.runIf(sourceText)('keeps as written only what a double would change', () => {
    const ordinary = '[1.0,60.62,1733480000000,-0,0.10,1.5E2,9007199254740991,1e21,5e-324]';
    expect(reparsed(ordinary)).toEqual(JSON.parse(ordinary));
    const changed =
      '[123456789012345678901234567890,9007199254740993,1e999,-1e999,1e-400,0.1000000000000000000001]';
    expect(JSON.stringify(reparsed(changed))).toBe(changed);
  });
});
