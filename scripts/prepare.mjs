// `prepare`: builds the kernels and dist/ (npm run build). npm prepares a git dependency by running
// `npm install` in a clone, but under `npm install -g` that install inherits npm_config_global and
// npm_config_prefix, installs nothing into the clone, and the build fails with "asc: not found"
// (the compilers are devDependencies). So the build tools are installed here first when absent.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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
