import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Reading `any` (JSON.parse, untyped JavaScript) and passing it on: fatal in src/, routine in tests
// and scripts, which parse outputs and assert their shape with expect().
const ANY_FLOWS = {
  '@typescript-eslint/no-unsafe-argument': 'off',
  '@typescript-eslint/no-unsafe-assignment': 'off',
  '@typescript-eslint/no-unsafe-call': 'off',
  '@typescript-eslint/no-unsafe-member-access': 'off',
  '@typescript-eslint/no-unsafe-return': 'off',
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/', 'reports/', '.stryker-tmp/'] },
  js.configs.recommended,
  // Type-aware: floating and misused promises, awaits of non-promises, unsafe `any` flows.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
      // The project service reads tsconfig.json; the few files it leaves out (the configs, the
      // .mjs scripts) get a default project.
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.ts', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', '*.js', '*.ts'],
    rules: {
      ...ANY_FLOWS,
      // Fakes implement async interfaces without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: { '@typescript-eslint/restrict-template-expressions': 'off' },
  },
);
