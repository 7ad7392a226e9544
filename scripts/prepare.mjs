// npm's `prepare`: builds the kernels and dist (`npm run build`). npm runs it after `npm install` in a
// clone, and while packing a git dependency in the clone npm made for it. For `npm install -g git+...`
// npm prepares that clone with an install that inherits the global mode (npm_config_global), so the
// clone gets no devDependencies and the build would fail with `asc: not found` (npm/cli#8440). Then
// this script installs them into the clone itself, in local mode, before building. npm's preparation
// install also links the global package folder to the clone; the outer install would then unpack the
// package through the link into the clone, which npm deletes, leaving a dangling link. So the link
// goes, and an empty folder takes its place as before (the outer install made it and unpacks into it).
// package.json bundles fzstd so that npm unpacks this package (and so prepares it) before unpacking its
// dependencies into that folder, which the preparation install retires and deletes.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const buildTools = ['assemblyscript', 'typescript', 'rolldown'];

/** Runs npm (the one running this script when there is one) in the package folder; exits on failure. */
function npm(args, env) {
  const viaNode = process.env.npm_execpath?.endsWith('.js');
  const [command, prefix] = viaNode ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  const r = spawnSync(command, [...prefix, ...args], { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!buildTools.every((tool) => existsSync(join(root, 'node_modules', tool, 'package.json')))) {
  console.error('prepare: the build tools are missing (a global install from git): installing them here');
  // The global mode and prefix come in the environment; both would send the install elsewhere.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_config_(global|location|prefix)$/i.test(key)),
  );
  npm(
    [
      'install',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--include=dev',
      '--global=false',
      '--location=project',
      '--ignore-scripts',
      `--prefix=${root}`,
    ],
    env,
  );
}
npm(['run', 'build'], process.env);

/**
 * The global folder npm installs this package into, when this is npm's preparation of a git
 * dependency (pacote marks it with _PACOTE_NO_PREPARE_) for a global install; not for `npm install -g`
 * or `npm link` run in a clone, whose link is meant.
 */
function globalFolder() {
  const preparing = Boolean(process.env._PACOTE_NO_PREPARE_) && process.env.npm_config_global === 'true';
  const prefix = preparing ? process.env.npm_config_global_prefix : undefined;
  if (!prefix) return undefined;
  const { name } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return join(prefix, process.platform === 'win32' ? '' : 'lib', 'node_modules', name);
}

const linked = globalFolder();
if (linked && lstatSync(linked, { throwIfNoEntry: false })?.isSymbolicLink()) {
  if (existsSync(linked) && realpathSync(linked) === realpathSync(root)) {
    console.error(
      `prepare: removing the link ${linked} to this clone; npm installs the packed package there`,
    );
    unlinkSync(linked);
    mkdirSync(linked);
  }
}
