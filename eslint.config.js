// Lint rules for the TypeScript sources, tests and benchmarks (assembly/ is AssemblyScript, checked by asc).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** src/ folders from the bottom layer up; cli and api are both top (neither imports the other). */
const LAYERS = [
  'model',
  'linalg',
  'stats',
  'io',
  'qc',
  'engines',
  'kinship',
  'report',
  'scan',
  'fit',
  'cluster',
  'cli',
  'api',
];

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
  // The layers (README "Architecture"): a folder of src/ imports only from the folders before it in LAYERS, and
  // the simulator makes data for the demo, the tests and the benchmarks, never for the pipeline.
  ...LAYERS.map((layer, i) => ({
    files: [`src/${layer}/**/*.ts`],
    ignores: ['src/cli/demo.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+sim/',
              message: 'src/sim/ serves the demo and the tests, not the pipeline.',
            },
            ...LAYERS.slice(i + 1).map((below) => ({
              regex: `^(\\.\\./)+${below}/`,
              message: `src/${layer}/ sits above src/${below}/ in the layers (README "Architecture"): no import runs upward.`,
            })),
          ],
        },
      ],
    },
  })),
  // Tests assert that messages carry no control bytes, which takes control characters in a pattern.
  { files: ['test/**'], rules: { 'no-control-regex': 'off' } },
);
