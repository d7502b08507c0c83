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
});
