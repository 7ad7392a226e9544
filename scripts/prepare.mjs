// `prepare`: builds the kernels and dist/ (npm run build). npm prepares a git dependency by running
// `npm install` in a clone, but under `npm install -g` that install inherits npm_config_global and
// npm_config_prefix, installs nothing into the clone, and the build fails with "asc: not found"
// (the compilers are devDependencies). So the build tools are installed here first when absent.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, realpathSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const npm = process.env.npm_execpath;
const run = (args, env = process.env) => {
  const command = npm ? process.execPath : 'npm';
  const r = spawnSync(command, npm ? [npm, ...args] : args, { stdio: 'inherit', env, shell: !npm && process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!existsSync(new URL('../node_modules/.bin/asc', import.meta.url))) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^npm_config_(global|prefix|location)$/i.test(key)) delete env[key];
  console.error('prepare: installing the build tools (devDependencies) into this clone');
  run(['install', '--global=false', '--include=dev', '--ignore-scripts', '--no-save', '--no-audit', '--no-fund'], env);
}
run(['run', 'build']);

// The same inherited global mode makes that `npm install` link the global lmmscan to this clone, a temporary
// folder that npm deletes afterwards: the install would end with a dangling link. Put a copy of the built
// clone in the link's place; npm then replaces that folder with the packed package as usual.
if (process.env.npm_config_global === 'true') {
  const prefix = process.env.npm_config_prefix ?? process.env.npm_config_global_prefix;
  const link = prefix ? join(prefix, process.platform === 'win32' ? '' : 'lib', 'node_modules', 'lmmscan') : '';
  if (link && existsSync(link) && lstatSync(link).isSymbolicLink() && realpathSync(link) === realpathSync('.')) {
    const copy = `${link}.prepare-${process.pid}`;
    const skipped = new Set([join(process.cwd(), 'node_modules'), join(process.cwd(), '.git')]);
    cpSync(process.cwd(), copy, { recursive: true, filter: (path) => !skipped.has(path) });
    unlinkSync(link);
    renameSync(copy, link);
  }
}
