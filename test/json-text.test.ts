// JSON kept as Kie.ai wrote it: whitespace between tokens goes, everything else stays.
import { describe, expect, it } from 'vitest';
import { compactJson, faithfulJson } from '../src/kie/json-text.js';

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
