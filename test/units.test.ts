import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatSize,
  parseDuration,
  parseSize,
  plural,
} from '../src/settings/units.js';

describe('durations', () => {
  it.each([
    ['90', 90_000],
    ['1.5', 1_500],
    ['1.25', 1_250],
    ['1.25s', 1_250],
    ['250ms', 250],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    [' 2M ', 120_000],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'fast', '10 minutes', '-5s', '1h 30m', 's', '1d', '5sec', 'x5', '5x', '1.', '.5'])(
    'rejects %j',
    (text) => expect(parseDuration(text)).toBeUndefined(),
  );

  it.each([
    [250, '250ms'],
    [999, '999ms'],
    [1_000, '1.0s'],
    [4_200, '4.2s'],
    [9_900, '9.9s'],
    [10_000, '10s'],
    [42_000, '42s'],
    [59_000, '59s'],
    [60_000, '1m'],
    [3_600_000, '1h'],
    [90_000, '1m 30s'],
    [3_723_000, '1h 2m 3s'],
  ])('formats %d ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('sizes', () => {
  it.each([
    ['1048576', 1_048_576],
    ['512KB', 524_288],
    ['2GB', 2 * 1024 ** 3],
    ['1.5 mb', 1_572_864],
    ['10b', 10],
    ['1.25KB', 1_280],
    [' 2GB ', 2 * 1024 ** 3],
    ['3tb', 3 * 1024 ** 4],
  ])('reads %s', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each(['', 'big', '-1MB', '2 GiB', 'MB'])('rejects %j', (text) =>
    expect(parseSize(text)).toBeUndefined(),
  );

  it.each([
    [12, '12 B'],
    [1_023, '1023 B'],
    [1_024, '1.0 KB'],
    [348_160, '340.0 KB'],
    [1.5 * 1024 ** 2, '1.5 MB'],
    [1.5 * 1024 ** 3, '1.5 GB'],
    [2 * 1024 ** 4, '2.0 TB'],
    // TB is the largest unit: past it the number grows instead.
    [1024 ** 5, '1024.0 TB'],
  ])('formats %d bytes as %s', (bytes, text) => expect(formatSize(bytes)).toBe(text));
});

describe('plural', () => {
  it('adds no s for one, and an s for any other count', () => {
    expect(plural(1, 'poll')).toBe('1 poll');
    expect(plural(0, 'poll')).toBe('0 polls');
    expect(plural(3, 'poll')).toBe('3 polls');
  });
});
