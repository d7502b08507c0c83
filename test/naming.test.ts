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
    expect(() => pathInside('/tmp/out', '../a.png')).toThrow('refusing to write outside /tmp/out');
  });
});
