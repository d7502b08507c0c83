// File names from URLs: safe on every runner's file system, unique in their folder.
import { describe, expect, it } from 'vitest';
import {
  extensionFor,
  fileNameFor,
  finalName,
  NameRegistry,
  pathInside,
} from '../src/results/naming.js';

describe('fileNameFor', () => {
  it.each([
    ['/../../etc/passwd', 'passwd'],
    ['/a/..%2f..%2fetc%2fpasswd', 'passwd'],
    ['/a/%2e%2e%2f%2E%2E%2Fsecret.txt', 'secret.txt'],
    ['/a/..%5C..%5Cwindows%5Csystem32', 'system32'],
    ['/a/%2e%2e', 'file'],
    ['/a/...', 'file'],
    ['/a/', 'file'],
    ['/a/.hidden.png', 'hidden.png'],
    ['/a/name..png', 'name.png'],
    ['/a/bad%00na%0Ame%1B%7F.png', 'badname.png'],
    ['/a/evil%E2%80%AEgnp.exe', 'evilgnp.exe'],
    ['/a/CON.png', '_CON.png'],
    ['/a/lpt1', '_lpt1'],
    ['/a/COM%C2%B9.png', '_COM¹.png'],
    ['/a/lpt%C2%B2', '_lpt²'],
    ['/a/com%C2%B3.txt', '_com³.txt'],
    ['/a/a%3Ab%7Cc%3F.png', 'a_b_c_.png'],
    ['/a/%zz.png', '%zz.png'],
    ['/a/photo.png?sig=abc#frag', 'photo.png'],
    [`/a/${'x'.repeat(300)}.png`, `${'x'.repeat(96)}.png`],
    [`/a/${'é'.repeat(200)}.jpg`, `${'é'.repeat(48)}.jpg`],
    ['/a/archive.averyverylongextension', 'archive.averyverylongextension'.slice(0, 100)],
    // Windows' device names, alone or before an extension, in any case; names that only start
    // with one are names like any other.
    ['/a/COM1', '_COM1'],
    ['/a/com9.txt', '_com9.txt'],
    ['/a/nul', '_nul'],
    ['/a/Aux.json', '_Aux.json'],
    ['/a/prn', '_prn'],
    ['/a/icon.png', 'icon.png'],
    ['/a/my-con.png', 'my-con.png'],
    ['/a/console.log', 'console.log'],
    ['/a/com.png', 'com.png'],
    ['/a/lpt1x', 'lpt1x'],
    ['/a/auxiliary', 'auxiliary'],
    // Every reserved character, and each range of control and direction characters.
    ['/a/%3C%3E%3A%22%7C%3F%2A.png', '_______.png'],
    ['/a/a%C2%80b%C2%9Fc.png', 'abc.png'],
    ['/a/a%E2%80%8Eb%E2%80%8Fc.png', 'abc.png'],
    ['/a/a%E2%80%AAb.png', 'ab.png'],
    ['/a/a%E2%81%A6b%E2%81%A9c.png', 'abc.png'],
    // Just outside those ranges: kept.
    ['/a/a%20b~.png', 'a b~.png'],
    ['/a/a%C2%A0b.png', 'a\u00A0b.png'],
    ['/a/a%E2%80%8Db%E2%80%90c.png', 'a\u200Db\u2010c.png'],
    ['/a/a%E2%80%A9b%E2%80%AFc.png', 'a\u2029b\u202Fc.png'],
    ['/a/a%E2%81%A5b%E2%81%AAc.png', 'a\u2065b\u206Ac.png'],
    // Dots and spaces at either end go, and at the end of the stem once the extension is off.
    ['/a/%20%20name.png%20', 'name.png'],
    ['/a/name%20.png', 'name.png'],
    ['/a/..png', 'png'],
    // An extension of exactly ten characters is one; eleven is part of the name.
    ['/a/x.abcdefghi', 'x.abcdefghi'],
    [`/a/${'y'.repeat(120)}.abcdefghi`, `${'y'.repeat(90)}.abcdefghi`],
    [`/a/${'y'.repeat(120)}.abcdefghij`, 'y'.repeat(100)],
    // Only the last segment is decoded: a stray "%" before it spoils nothing.
    ['/a%/b%20c.png', 'b c.png'],
    ['/a/a..b.png', 'a.b.png'],
    ['/a/x.png%20.%20.', 'x.png'],
    [`/a/${'z'.repeat(94)}%20.%20zzz.png`, `${'z'.repeat(94)}.png`],
    // A stem cut at the limit that ends in dots or spaces loses them.
    [`/a/${'z'.repeat(95)}%20..%20z.png`, `${'z'.repeat(95)}.png`],
    // The limit counts bytes: a character that would pass it is left out whole.
    [`/a/${'a'.repeat(94)}${'é'.repeat(3)}.png`, `${'a'.repeat(94)}é.png`],
  ])('names %s %s', (urlPath, name) => {
    expect(fileNameFor(new URL(`http://media.test${urlPath}`))).toBe(name);
  });
});

describe('extensionFor', () => {
  it('knows common media types, ignoring case and parameters', () => {
    expect(extensionFor('IMAGE/JPEG; charset=binary')).toBe('.jpg');
    expect(extensionFor('video/mp4')).toBe('.mp4');
    expect(extensionFor('application/octet-stream')).toBeUndefined();
    expect(extensionFor(undefined)).toBeUndefined();
  });

  it.each([
    ['image/png', '.png'],
    ['image/webp', '.webp'],
    ['image/gif', '.gif'],
    ['image/avif', '.avif'],
    ['image/svg+xml', '.svg'],
    ['video/webm', '.webm'],
    ['video/quicktime', '.mov'],
    ['audio/mpeg', '.mp3'],
    ['audio/wav', '.wav'],
    ['audio/x-wav', '.wav'],
    ['audio/ogg', '.ogg'],
    ['audio/mp4', '.m4a'],
    ['audio/aac', '.aac'],
    ['audio/flac', '.flac'],
    ['application/json', '.json'],
    ['application/zip', '.zip'],
    ['text/plain', '.txt'],
    [' text/plain ; charset=utf-8', '.txt'],
  ])('names %s %s', (contentType, extension) => {
    expect(extensionFor(contentType)).toBe(extension);
  });
});

describe('NameRegistry', () => {
  it('never hands out a name already in the folder, compared case-insensitively', () => {
    const names = new NameRegistry(['image.png', 'Clip.MP4']);
    expect(names.claim('image.png').base).toBe('image-2.png');
    expect(names.claim('IMAGE.PNG').base).toBe('IMAGE-3.PNG');
    expect(names.claim('clip.mp4').base).toBe('clip-2.mp4');
  });

  it('keeps the stem of a name without extension for it alone, whatever type it turns out', () => {
    const names = new NameRegistry(['render.webp']);
    const open = names.claim('render');
    expect(open).toEqual({ base: 'render-2', addExtension: true });
    expect(names.claim('render-2.png').base).toBe('render-2-2.png');
    expect(finalName(open, 'image/png')).toBe('render-2.png');
    expect(finalName(open, 'application/x-unknown')).toBe('render-2');
    expect(finalName(names.claim('photo.webp'), 'image/png')).toBe('photo.webp');
  });
});

describe('NameRegistry, with names that share a stem', () => {
  it('numbers names from 2, each one once', () => {
    const names = new NameRegistry([]);
    expect(['a.png', 'a.png', 'a.png'].map((name) => names.claim(name).base)).toEqual([
      'a.png',
      'a-2.png',
      'a-3.png',
    ]);
  });

  it('gives a name without extension no stem that a name in the folder has', () => {
    const names = new NameRegistry(['clip.mp4', 'render']);
    expect(names.claim('clip')).toEqual({ base: 'clip-2', addExtension: true });
    expect(names.claim('render')).toEqual({ base: 'render-2', addExtension: true });
    // Only the stem before the extension counts: clipper.mp4 leaves clip free.
    expect(new NameRegistry(['clipper.mp4']).claim('clip')).toEqual({
      base: 'clip',
      addExtension: true,
    });
  });

  it('keeps a claimed stem from names with an extension, and from another one without', () => {
    const names = new NameRegistry([]);
    expect(names.claim('take').base).toBe('take');
    expect(names.claim('take').base).toBe('take-2');
    expect(names.claim('TAKE.mp3').base).toBe('TAKE-3.mp3');
  });
});

describe('NameRegistry, with names claimed before', () => {
  it('holds a claimed name with an extension for good: its stem, and its number in another series', () => {
    const names = new NameRegistry([]);
    expect(names.claim('a.png').base).toBe('a.png');
    // Without an extension, 'a' could turn out to be a.png once its Content-Type is known.
    expect(names.claim('a')).toEqual({ base: 'a-2', addExtension: true });
    expect(['b-2.png', 'b.png', 'b.png'].map((name) => names.claim(name).base)).toEqual([
      'b-2.png',
      'b.png',
      'b-3.png',
    ]);
  });

  it('numbers no name for one that only upper case would make the same (ß and ss)', () => {
    const names = new NameRegistry([]);
    expect(['ß.png', 'ss.png', 'x.ß', 'x.ss'].map((name) => names.claim(name).base)).toEqual([
      'ß.png',
      'ss.png',
      'x.ß',
      'x.ss',
    ]);
  });
});

describe('NameRegistry with many names', () => {
  it('numbers 20,000 names that share one in order, every one unique', () => {
    const names = new NameRegistry(['clip.mp4', 'clip-3.mp4']);
    const claimed = Array.from({ length: 20_000 }, () => names.claim('clip.mp4').base);
    expect(claimed.slice(0, 3)).toEqual(['clip-2.mp4', 'clip-4.mp4', 'clip-5.mp4']);
    expect(new Set(claimed).size).toBe(20_000);
    expect(claimed.at(-1)).toBe('clip-20002.mp4');
  });
});

describe('pathInside', () => {
  it('refuses a name that would leave the folder', () => {
    expect(pathInside('/tmp/out', 'a.png')).toBe('/tmp/out/a.png');
    expect(() => pathInside('/tmp/out', '../a.png')).toThrow(
      'refusing to write outside /tmp/out: /tmp/a.png',
    );
    expect(() => pathInside('/tmp/out', 'sub/a.png')).toThrow('refusing to write outside');
  });
});
