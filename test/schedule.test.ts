import { describe, expect, it } from 'vitest';
import { modelClass } from '../src/wait/model-class.js';
import {
  baseDelay,
  EARLY_CAP_MS,
  FIRST_WAIT_MS,
  GROWTH,
  HEAD_START_MS,
  JITTER,
  nextDelay,
  STEADY_CAP_MS,
  type ScheduleOptions,
} from '../src/wait/schedule.js';
import { seededRandom } from './support/seeded-random.js';

const defaults = { pollIntervalMs: 2_000, maxPollIntervalMs: 30_000 };
const delay = (taskAgeMs: number, random = 0.5, consecutiveFaults = 0, options = defaults) =>
  nextDelay({ taskAgeMs, random, consecutiveFaults }, options);

describe('the poll schedule', () => {
  it('starts 2.5 s after a fresh task and grows with its age', () => {
    expect(delay(0)).toBe(FIRST_WAIT_MS);
    expect(delay(10_000)).toBe(FIRST_WAIT_MS + GROWTH * 10_000);
    expect(delay(5_000)).toBeLessThan(delay(10_000));
  });

  it('holds near 9 s for the first two minutes, then creeps up to 13.5 s', () => {
    expect(delay(60_000)).toBe(EARLY_CAP_MS);
    expect(delay(119_000)).toBe(EARLY_CAP_MS);
    expect(delay(150_000)).toBeGreaterThan(EARLY_CAP_MS);
    expect(delay(150_000)).toBeLessThan(STEADY_CAP_MS);
    expect(delay(3_600_000)).toBe(STEADY_CAP_MS);
  });

  it('honours a poll-interval and max-poll-interval the user set, jitter included', () => {
    const slow = { pollIntervalMs: 20_000, maxPollIntervalMs: 60_000 };
    const quick = { pollIntervalMs: 1_000, maxPollIntervalMs: 5_000 };
    for (const age of [0, 10_000, 100_000, 1_000_000]) {
      for (const random of [0, 0.5, 0.999]) {
        expect(delay(age, random, 0, slow)).toBeGreaterThanOrEqual(20_000);
        expect(delay(age, random, 0, quick)).toBeLessThanOrEqual(5_000);
        expect(delay(age, random, 0, quick)).toBeGreaterThanOrEqual(1_000);
      }
    }
    // A longer poll-interval is also the first wait.
    expect(delay(0, 0.5, 0, { pollIntervalMs: 5_000, maxPollIntervalMs: 30_000 })).toBe(5_000);
  });

  it('jitters by a share of the wait above poll-interval, never past either bound', () => {
    const base = baseDelay({ taskAgeMs: 60_000, consecutiveFaults: 0 }, defaults);
    const spread = JITTER * (base - defaults.pollIntervalMs);
    expect(delay(60_000, 0)).toBe(Math.round(base - spread));
    expect(delay(60_000, 0.999_999)).toBe(Math.round(base + spread));
    // At poll-interval there is nothing to jitter: clamping would only lengthen waits.
    const atFloor = { pollIntervalMs: 2_500, maxPollIntervalMs: 30_000 };
    expect([0, 0.5, 0.999].map((r) => delay(0, r, 0, atFloor))).toEqual([2_500, 2_500, 2_500]);
  });

  it.each([
    ['a fresh task', 0, defaults],
    ['a task at the cap', 3_600_000, defaults],
    ['a cap just above the wait', 3_600_000, { pollIntervalMs: 2_000, maxPollIntervalMs: 14_000 }],
  ])('does not lengthen waits on average: %s', (_, taskAgeMs, options: ScheduleOptions) => {
    const base = baseDelay({ taskAgeMs, consecutiveFaults: 0 }, options);
    const at = (random: number) => nextDelay({ taskAgeMs, consecutiveFaults: 0, random }, options);
    // Symmetric: every draw has its mirror image the same distance on the other side of the aim.
    for (const random of [0, 0.1, 0.25, 0.4]) {
      expect(Math.abs(at(random) + at(1 - random) - 2 * base)).toBeLessThanOrEqual(1);
    }
    // And a sample of draws averages to the aim, within what 20 000 uniform draws scatter.
    const draw = seededRandom(7);
    const n = 20_000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += at(draw());
    const spread = JITTER * (base - options.pollIntervalMs);
    expect(Math.abs(sum / n - base)).toBeLessThanOrEqual(1 + (4 * spread) / Math.sqrt(3 * n));
  });

  it('doubles with each fault in a row, up to max-poll-interval', () => {
    expect([1, 2, 3, 4].map((faults) => delay(0, 0.5, faults))).toEqual([
      5_000, 10_000, 20_000, 30_000,
    ]);
  });

  it('gives video and music tasks a head start, so their first polls are further apart', () => {
    const first = (cls: 'video' | 'music' | 'image') =>
      nextDelay({ taskAgeMs: 0, consecutiveFaults: 0, random: 0.5, modelClass: cls }, defaults);
    expect(first('image')).toBe(FIRST_WAIT_MS);
    expect(first('music')).toBe(FIRST_WAIT_MS + GROWTH * HEAD_START_MS.music);
    expect(first('video')).toBe(EARLY_CAP_MS);
  });
});

describe('the numbers docs/waiting.md promises', () => {
  // Written out, not taken from the constants: a changed constant changes what users were told.
  const aim = (taskAgeMs: number, modelClass?: 'video' | 'music') =>
    nextDelay({ taskAgeMs, consecutiveFaults: 0, random: 0.5, modelClass }, defaults);

  it('2.5 s for a task just created, +0.34 s per second of age, 8.6 s for two minutes, 13.5 s', () => {
    expect([0, 10_000, 60_000, 119_000].map((age) => aim(age))).toEqual([
      2_500, 5_900, 8_600, 8_600,
    ]);
    // Then 0.04 s more per second past two minutes, up to 13.5 s.
    expect([150_000, 240_000, 3_600_000].map((age) => aim(age))).toEqual([9_800, 13_400, 13_500]);
  });

  it('treats a music task as 10 s older and a video as 20 s older', () => {
    expect(aim(0, 'music')).toBe(5_900);
    expect(aim(130_000, 'music')).toBe(9_400);
    expect(aim(110_000, 'video')).toBe(9_000);
  });

  it('jitters by 10% of the wait above poll-interval', () => {
    const at = (random: number) =>
      nextDelay({ taskAgeMs: 60_000, consecutiveFaults: 0, random }, defaults);
    expect([at(0), at(0.5), at(0.75)]).toEqual([7_940, 8_600, 8_930]);
  });
});

describe('model classes', () => {
  it.each([
    ['veo3_fast', 'video'],
    ['kling/v2-1-master-image-to-video', 'video'],
    ['bytedance/seedance-1-pro', 'video'],
    ['google/nano-banana', 'image'],
    ['flux-kontext-pro', 'image'],
    ['gpt-image-1', 'image'],
    ['elevenlabs/text-to-speech', 'speech'],
    ['elevenlabs/speech-to-text', 'speech'],
    ['ai-music-api/sounds', 'music'],
    ['V4_5', 'unknown'],
  ])('%s is %s', (model, expected) => {
    expect(modelClass(model)).toBe(expected);
  });

  it('falls back on the API family when the model says nothing', () => {
    expect(modelClass('V4_5', 'suno')).toBe('music');
    expect(modelClass(undefined, 'veo')).toBe('video');
    expect(modelClass('', 'market')).toBe('unknown');
  });
});

// The frontier, as bench:poll measures it but through the schedule alone: tasks of each length
// (+/-10%) polled from their creation, deterministic with a seeded random.
describe('against fixed 3, 5 and 15 s pollers and BuildersGate (3 s x1.25 to 10 s)', () => {
  type Waits = (n: number, t: number, random: () => number) => number;
  const measure = (lengthS: number, waitAfter: Waits) => {
    const draw = seededRandom(lengthS);
    const random = seededRandom(lengthS + 1);
    let requests = 0;
    let delayMs = 0;
    const runs = 2_000;
    for (let i = 0; i < runs; i++) {
      const length = lengthS * 1_000 * (0.9 + 0.2 * draw());
      let t = 0;
      for (let n = 1; ; n++) {
        if (t >= length) {
          requests += n;
          delayMs += t - length;
          break;
        }
        t += waitAfter(n, t, random);
      }
    }
    return { requests: requests / runs, delayMs: delayMs / runs };
  };
  const ours: Waits = (_, t, random) =>
    nextDelay({ taskAgeMs: t, consecutiveFaults: 0, random: random() }, defaults);
  const peers: Record<string, Waits> = {
    'fixed 3 s': () => 3_000,
    'fixed 5 s': () => 5_000,
    'fixed 15 s': () => 15_000,
    BuildersGate: (n) => Math.min(3_000 * 1.25 ** (n - 1), 10_000),
  };

  it.each([5, 15, 30, 60, 120, 300, 600, 1800])(
    'no peer needs no more requests and notices no later, for %i s tasks',
    (lengthS) => {
      const our = measure(lengthS, ours);
      const dominatedBy = Object.entries(peers)
        .map(([name, waits]) => [name, measure(lengthS, waits)] as const)
        .filter(([, peer]) => peer.requests <= our.requests && peer.delayMs <= our.delayMs)
        .map(([name]) => name);
      expect(dominatedBy).toEqual([]);
    },
  );
});
