// Measures a rate limit the way it is promised: the most requests any window of time holds.

/** The most of the sorted `times` that any window [t, t + windowMs) holds. */
export function peakInWindow(times: number[], windowMs: number): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while (times[first]! <= times[last]! - windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
