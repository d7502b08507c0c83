// The runner's clock, sleep and randomness: the one real set, shared by the action (main.ts) and
// the CLI. Core code takes them as arguments, so tests and benchmarks run in virtual time.
export interface Runtime {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const systemRuntime: Runtime = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};
