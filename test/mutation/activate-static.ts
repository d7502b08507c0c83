// Stryker's vitest runner switches a mutant on in a beforeAll hook whenever it runs a chosen set of
// tests, as `npm run mutate` does (the file's own tests). A static mutant (module-level code: a
// family's table, a units map) has run by then, so it always "survives": stryker-js#6144. Its own
// setup file runs before this one; switching the mutant on here, before any test file imports the
// code under test, tests static mutants too. A runtime mutant is unaffected: it reads the same value.
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    mode: 'dry-run' | 'mutant';
    globalNamespace: string;
    activeMutant: string;
  }
}

if (inject('mode') === 'mutant') {
  const name = inject('globalNamespace');
  const namespace = ((globalThis as Record<string, unknown>)[name] ??= {}) as {
    activeMutant?: string;
  };
  namespace.activeMutant = inject('activeMutant');
}
