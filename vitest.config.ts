import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // The dist test spawns node processes; two cores are all CI has.
    pool: 'forks',
    // Given to each test process as it starts, which is the only time Node reads it: the https
    // media server's certificate is then trusted the way a runner trusts its own CA.
    env: {
      NODE_EXTRA_CA_CERTS: path.resolve(import.meta.dirname, 'test/fixtures/tls/trusted.pem'),
    },
  },
});
