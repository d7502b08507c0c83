import { describe, expect, it } from 'vitest';
import { formatDuration, formatSize, parseDuration, parseSize } from '../src/settings/units.js';

describe('durations', () => {
  it.each([
    ['90', 90_000],
    ['1.5', 1_500],
    ['250ms', 250],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    [' 2M ', 120_000],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'fast', '10 minutes', '-5s', '1h 30m', 's', '1d', '5sec'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it.each([
    [250, '250ms'],
    [4_200, '4.2s'],
    [42_000, '42s'],
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
  ])('reads %s', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each(['', 'big', '-1MB', '2 GiB', 'MB'])('rejects %j', (text) =>
    expect(parseSize(text)).toBeUndefined(),
  );

  it.each([
    [12, '12 B'],
    [348_160, '340.0 KB'],
    [1.5 * 1024 ** 3, '1.5 GB'],
  ])('formats %d bytes as %s', (bytes, text) => expect(formatSize(bytes)).toBe(text));
});
