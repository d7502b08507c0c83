import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // The dist test spawns node processes; two cores are all CI has.
    pool: 'forks',
  },
});
