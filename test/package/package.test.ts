/**
 * The packed package as a user gets it: `npm pack` (from the build outputs `prepare` made), installed
 * globally into a temporary prefix and into a fresh project, and installed globally from a git URL
 * (npm clones and builds it), run from other folders. One pack and one install of each kind serve
 * every test here.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadShader } from '../../src/engines/webgpu/shaders.js';
import { CLI, REPO_ROOT, scratchDir, SHARED_DATA } from '../helpers/paths.js';

const exec = promisify(execFile);
const root = scratchDir('package');
const globalPrefix = join(root, 'global');
const gitPrefix = join(root, 'git-global');
const project = join(root, 'project');
const installed = join(globalPrefix, 'bin', 'lmmscan');
const hs1008 = ['bed', 'bim', 'fam'].map((ext) => join(SHARED_DATA, 'hs1008', `hs1008.${ext}`));

/** A folder holding only hs1008.bed/.bim/.fam. */
function dataFolder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const file of hs1008) copyFileSync(file, join(dir, file.split('/').pop()!));
  return dir;
}

/** Runs `command` in `cwd`; the exit status, stdout and stderr. */
function run(
  command: string,
  args: string[],
  cwd: string,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** -gk 1 then -lmm 4 in `cwd`, with `lmmscan` (the installed bin or node + the clone's dist). */
function kinshipThenScan(lmmscan: string[], cwd: string, extra: string[] = []): void {
  for (const flags of [
    ['-gk', '1', '-o', 'hs'],
    ['-k', 'output/hs.cXX.txt', '-lmm', '4', '-o', 'hs', '--png', ...extra],
  ]) {
    const r = run(lmmscan[0], [...lmmscan.slice(1), '-bfile', 'hs1008', ...flags], cwd);
    expect(r.stderr + r.stdout).not.toMatch(/error/i);
    expect(r.status).toBe(0);
  }
}

let cloneOutput = '';

beforeAll(async () => {
  for (const built of ['build/lmmscan-simd.wasm', 'build/lmmscan-relaxed.wasm', 'dist/src/cli/main.js']) {
    if (!existsSync(join(REPO_ROOT, built)))
      throw new Error(`${built} is missing: run npm run build (npm ci does) first`);
  }
  // --ignore-scripts: pack what the clone built instead of building again.
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  const tarball = join(root, (JSON.parse(packed) as { filename: string }[])[0].filename);
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'library-example', private: true, type: 'module' }),
  );
  // A clone of the committed tree, as a git server would hand it out; npm clones it again and builds.
  const repository = join(root, 'repository');
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  execFileSync('git', ['clone', '--quiet', '--no-checkout', REPO_ROOT, repository]);
  const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];
  await Promise.all([
    exec('npm', ['install', '-g', '--prefix', globalPrefix, tarball, ...quiet], { cwd: root }),
    exec('npm', ['install', tarball, ...quiet], { cwd: project }),
    exec('npm', ['install', '-g', '--prefix', gitPrefix, `git+file://${repository}#${commit}`, ...quiet], {
      cwd: root,
    }),
  ]);
  const clone = dataFolder('clone');
  kinshipThenScan([process.execPath, CLI], clone);
  cloneOutput = readFileSync(join(clone, 'output', 'hs.assoc.txt'), 'utf8');
}, 900_000);

// Two installs with the Dawn binding: 280 MB that should not outlive the test.
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the packed package', () => {
  it('holds the kernels, shaders and dist, and no tests, sources or benchmarks', () => {
    const pkg = join(globalPrefix, 'lib', 'node_modules', 'lmmscan');
    for (const file of [
      'build/lmmscan-simd.wasm',
      'build/lmmscan-relaxed.wasm',
      'shaders/rotate_gemm.wgsl',
      'dist/src/index.d.ts',
      'dist/src/engines/wasm/worker.mjs',
    ]) {
      expect(existsSync(join(pkg, file)), file).toBe(true);
    }
    for (const absent of [
      'test',
      'src',
      'bench',
      'assembly',
      'dist/bench',
      'node_modules/assemblyscript',
      'node_modules/typescript',
    ]) {
      expect(existsSync(join(pkg, absent)), absent).toBe(false);
    }
  });

  it('finds its shaders from its installed folder when run from another folder', () => {
    const names = readdirSync(join(REPO_ROOT, 'shaders')).map((f) => f.replace(/\.wgsl$/, ''));
    const shaders = join(
      globalPrefix,
      'lib',
      'node_modules',
      'lmmscan',
      'dist',
      'src',
      'engines',
      'webgpu',
      'shaders.js',
    );
    const code = `const { loadShader } = await import(${JSON.stringify(shaders)});
      process.stdout.write(JSON.stringify(${JSON.stringify(names)}.map((name) => loadShader(name))));`;
    const r = run(process.execPath, ['--input-type=module', '-e', code], dataFolder('shaders'));
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(names.map((name) => loadShader(name)));
  });

  it('installed globally, scans from another folder with the default engine, as the clone does, byte for byte', () => {
    const elsewhere = dataFolder('global-run');
    kinshipThenScan([installed], elsewhere);
    expect(readFileSync(join(elsewhere, 'output', 'hs.assoc.txt'), 'utf8')).toBe(cloneOutput);
    expect(cloneOutput.split('\n').length).toBeGreaterThan(1000);
    expect(existsSync(join(elsewhere, 'output', 'hs.manhattan.png'))).toBe(true);
  });

  it('installed globally from a git URL, builds itself and scans from another folder as the clone does', () => {
    const pkg = join(gitPrefix, 'lib', 'node_modules', 'lmmscan');
    // npm's preparation install links this folder to its temporary clone (npm/cli#8440); a real folder
    // with the runtime dependencies must be left, not a dangling link.
    expect(lstatSync(pkg).isDirectory()).toBe(true);
    for (const file of [
      'build/lmmscan-simd.wasm',
      'dist/src/cli/main.js',
      'node_modules/piscina/package.json',
    ])
      expect(existsSync(join(pkg, file)), file).toBe(true);
    expect(existsSync(join(pkg, 'node_modules', 'typescript')), 'typescript').toBe(false);
    const elsewhere = dataFolder('git-run');
    kinshipThenScan([join(gitPrefix, 'bin', 'lmmscan')], elsewhere, ['--no-plots']);
    expect(readFileSync(join(elsewhere, 'output', 'hs.assoc.txt'), 'utf8')).toBe(cloneOutput);
  });

  it("runs the README's library example verbatim in a project that installed the tarball", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Library\n'));
    const example = /```js\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 1)))?.[1];
    expect(example).toBeDefined();
    for (const file of hs1008) copyFileSync(file, join(project, file.split('/').pop()!));
    writeFileSync(join(project, 'example.mjs'), example!);
    const r = run(process.execPath, ['example.mjs'], project);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    const written = readFileSync(join(project, 'output', 'hs1008_lmm4.assoc.txt'), 'utf8');
    expect(written).toBe(cloneOutput);
    const [header, ...lines] = written.trimEnd().split('\n');
    const at = Object.fromEntries(header.split('\t').map((name, c) => [name, c]));
    let best = lines[0].split('\t');
    for (const line of lines)
      if (Number(line.split('\t')[at.p_wald]) < Number(best[at.p_wald])) best = line.split('\t');
    const p = Number(best[at.p_wald]);
    expect(r.stdout.split('\n')).toEqual([
      `tested ${lines.length} SNPs`,
      `top hit ${best[at.rs]} chr${best[at.chr]}:${best[at.ps]} ${best[at.allele1]}/${best[at.allele0]} p_wald=${p}`,
      expect.stringMatching(/^input error: nothere\.(bed|bim|fam): .+/),
      '',
    ]);
  });

  it('without the optional webgpu package: auto says so and runs wasm; --engine webgpu names the package', () => {
    rmSync(join(globalPrefix, 'lib', 'node_modules', 'lmmscan', 'node_modules', 'webgpu'), {
      recursive: true,
      force: true,
    });
    const elsewhere = dataFolder('cpu-only');
    kinshipThenScan([installed], elsewhere, ['--no-plots']);
    expect(readFileSync(join(elsewhere, 'output', 'hs.log.txt'), 'utf8')).toMatch(
      /engine .*wasm.*the optional package webgpu is not installed/,
    );
    expect(readFileSync(join(elsewhere, 'output', 'hs.assoc.txt'), 'utf8')).toBe(cloneOutput);
    const r = run(
      installed,
      ['-bfile', 'hs1008', '-k', 'output/hs.cXX.txt', '-lmm', '1', '--engine', 'webgpu'],
      elsewhere,
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /--engine webgpu needs the optional package webgpu@0\.6\.2, which is not installed/,
    );
  });
});
