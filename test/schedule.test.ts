import { describe, expect, it } from 'vitest';
import { AGE_FRACTION, JITTER, nextDelay } from '../src/wait/schedule.js';

const options = { pollIntervalMs: 3_000, maxPollIntervalMs: 30_000 };
const delay = (taskAgeMs: number, random = 0.5, consecutiveFaults = 0) =>
  nextDelay({ taskAgeMs, random, consecutiveFaults }, options);

describe('the poll schedule', () => {
  it('starts at poll-interval for a young task', () => {
    expect(delay(0)).toBe(3_000);
    expect(delay(10_000)).toBe(3_000);
  });

  it('grows with the task age', () => {
    expect(delay(100_000)).toBe(100_000 * AGE_FRACTION);
    expect(delay(50_000)).toBeLessThan(delay(100_000));
  });

  it('is capped at max-poll-interval', () => {
    expect(delay(3_600_000, 0.999)).toBe(30_000);
  });

  it('jitters by at most the jitter share, within the bounds', () => {
    const base = 100_000 * AGE_FRACTION;
    expect(delay(100_000, 0)).toBe(Math.round(base * (1 - JITTER)));
    expect(delay(100_000, 0.999)).toBeCloseTo(base * (1 + JITTER), -2);
    expect(delay(0, 0)).toBe(3_000);
  });

  it('doubles with each fault in a row', () => {
    expect([1, 2, 3, 4].map((faults) => delay(0, 0.5, faults))).toEqual([
      6_000, 12_000, 24_000, 30_000,
    ]);
  });

  it('waits the age fraction exactly once it passes poll-interval, rounded to the millisecond', () => {
    expect(delay(18_750)).toBe(3_000); // 0.16 of it is poll-interval itself
    expect(delay(25_000)).toBe(4_000);
    expect(delay(20_001)).toBe(3_200);
    expect(delay(187_500)).toBe(30_000); // the cap, reached exactly
  });

  it('takes the longest of poll-interval, the age share and the fault backoff', () => {
    expect(delay(100_000, 0.5, 1)).toBe(16_000); // the age share beats one fault's 6 s
    expect(delay(100_000, 0.5, 2)).toBe(16_000);
    expect(delay(0, 0.5, 3)).toBe(24_000);
    expect(delay(150_000, 0.5, 3)).toBe(24_000); // 0.16 of 150 s is 24 s as well
  });

  it('jitters both ways around the wait, linearly in the random number', () => {
    expect(delay(100_000, 0.25)).toBe(14_400);
    expect(delay(100_000, 0.75)).toBe(17_600);
    expect(delay(100_000, 1)).toBe(19_200);
  });

  it('keeps poll-interval and max-poll-interval after the jitter too', () => {
    // Jitter below the capped wait is kept; below poll-interval or above the cap it is not.
    expect(delay(3_600_000, 0)).toBe(24_000);
    expect(delay(0, 0)).toBe(3_000);
    expect(delay(0, 0.999)).toBe(3_599);
    expect(delay(3_600_000, 1)).toBe(30_000);
    expect(
      nextDelay(
        { taskAgeMs: 0, random: 0.5, consecutiveFaults: 0 },
        { pollIntervalMs: 5, maxPollIntervalMs: 5 },
      ),
    ).toBe(5);
  });
});
