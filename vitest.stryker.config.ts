// The suite's config, for Stryker only (stryker.config.json): see test/mutation/activate-static.ts.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({ test: { setupFiles: ['test/mutation/activate-static.ts'] } }),
);
