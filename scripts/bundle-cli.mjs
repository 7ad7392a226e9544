// `npm run build`'s last step: the lmmscan command as one file, dist/src/cli/main.js (replacing tsc's
// copy), plus chunks beside it (dist/src/cli/chunk-*.js) for what loads only when used (the report,
// the wasm and WebGPU engines, the cluster steps, the demo). Node's ESM loader costs about 1 ms of CPU
// per module it resolves and links; the unbundled command loaded about 100 of them before doing
// anything, a third of a small GEMMA test line's CPU time. The bundle is made from the TypeScript
// sources, so its source maps point at src/*.ts (node --enable-source-maps). Packages from
// node_modules stay imports (the native bindings of resvg and webgpu load from their own folders).
// The rest of dist/ (the library API, the worker files, the benches) is tsc's output as before.
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cliDir = join(root, 'dist', 'src', 'cli');

// Chunk names carry a content hash: the previous build's chunks would otherwise pile up.
for (const name of readdirSync(cliDir)) if (name.startsWith('chunk-')) rmSync(join(cliDir, name));

await build({
  cwd: root,
  input: join(root, 'src', 'cli', 'main.ts'),
  platform: 'node',
  tsconfig: join(root, 'tsconfig.json'),
  // Bare specifiers are packages (node: builtins included): left to Node's resolution at run time.
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
  logLevel: 'warn',
  output: {
    dir: cliDir,
    format: 'esm',
    sourcemap: true,
    entryFileNames: 'main.js',
    chunkFileNames: 'chunk-[name]-[hash].js',
    comments: false,
  },
});
