// @ts-check
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'eslint.config.mjs', 'jest.config.js', 'jest.faults.config.js', 'jest.eval.config.js'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The agent console's browser script: plain JavaScript served as is, linted without type information.
    files: ['src/console/static/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The chart worker: a plain ES module run in a worker thread, linted without type information.
    files: ['src/charts/vega-worker.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Workflows are replayed: only @temporalio/workflow, their own definitions and type-only imports of activities.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflows must be deterministic: no Node built-ins; do I/O in an activity.' })),
          patterns: [
            { group: ['typeorm', 'pg', 'twilio', 'openai', '@nestjs/*', '@electric-sql/*', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: 'Workflows do no I/O: call an activity.' },
            { group: ['../src/*', '../src/**'], message: 'Workflows must not import application code.' },
            { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'Import activities as types only (import type).' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }, { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' }, { name: 'process', message: 'No process state in workflows.' }],
    },
  },
);
