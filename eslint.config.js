// Lint rules for the TypeScript sources, tests and benchmarks (assembly/ is AssemblyScript, checked by asc).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'output/', 'assembly/', 'src/engines/wasm/worker.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // The simulator makes data for the demo, the tests and the benchmarks: the pipeline never imports it.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/sim/**', 'src/cli/demo.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/sim/*'], message: 'src/sim/ serves the demo and the tests, not the pipeline.' },
          ],
        },
      ],
    },
  },
  // Tests assert that messages carry no control bytes, which takes control characters in a pattern.
  { files: ['test/**'], rules: { 'no-control-regex': 'off' } },
);
