/**
 * One run per output name: a run takes OUTDIR/NAME.lock (created exclusively, holding its pid, host
 * and start time) before it writes anything under that name, and removes it when it ends. A second
 * run on the same name stops with a message naming the holder, instead of splicing its rows into
 * the first one's checkpoint. A lock left by a process that died (SIGKILL, a crashed node) on this
 * host is taken over; one from another host cannot be checked and is reported with its path.
 */
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from './input-error.js';
import { describeFsError, OutputError } from './atomic-file.js';

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

const held = new Set<string>();

/** Whether process pid is alive on this host (EPERM: alive, but another user's). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file without an owner (its writer died between creating and filling it) is stale after this. */
const UNFILLED_STALE_MS = 10_000;

function readOwner(path: string): { owner?: LockOwner; inode: number; ageMs: number } | undefined {
  try {
    const s = statSync(path);
    const text = readFileSync(path, 'utf8');
    const found = { inode: s.ino, ageMs: Date.now() - s.mtimeMs };
    try {
      return { ...found, owner: JSON.parse(text) as LockOwner };
    } catch {
      return found; // being written this instant, or left unfilled
    }
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * Creates the lock file exclusively, already filled: the owner is written to a file of this process's
 * own and hard-linked to the lock's name, which fails if the name exists. So no other run ever sees
 * the lock empty. (Where hard links are not supported, an exclusive create, then the write.)
 * False when the lock exists.
 */
function tryCreate(path: string): boolean {
  const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const own = `${path}.${process.pid}.tmp`;
  try {
    writeOwner(own, 'w', owner);
    try {
      linkSync(own, path);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP')
        throw new OutputError(path, describeFsError(e));
    }
  } finally {
    rmSync(own, { force: true });
  }
  try {
    writeOwner(path, 'wx', owner);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e instanceof OutputError ? e : new OutputError(path, describeFsError(e));
  }
}

/** Writes the owner record to path, opened with `flags` ('wx': only if it does not exist). */
function writeOwner(path: string, flags: string, owner: LockOwner): void {
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw e;
    throw new OutputError(path, describeFsError(e));
  }
  try {
    const bytes = Buffer.from(JSON.stringify(owner));
    if (writeSync(fd, bytes) !== bytes.length) throw new OutputError(path, 'short write');
  } catch (e) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw e instanceof OutputError ? e : new OutputError(path, describeFsError(e));
  }
  closeSync(fd);
}

/**
 * Moves a dead process's lock aside. The rename is atomic, so of several runs taking over at once
 * exactly one moves it; if what was moved is not the file examined (another run took over and made
 * a fresh lock in between), it is put back, without overwriting, and the taker retries.
 */
function takeOver(path: string, inode: number): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it first
  }
  if (statSync(aside).ino !== inode) {
    try {
      linkSync(aside, path);
    } catch {
      /* a newer lock exists already: ours is the stale copy */
    }
  }
  rmSync(aside, { force: true });
}

/**
 * Takes the lock for output name `prefix` (OUTDIR/NAME) or throws a UsageError naming the run that
 * holds it. `what` says what is locked and `otherChoice` the flag that names another, for the message.
 */
export function lockOutput(prefix: string, what = 'output', otherChoice = '-o'): string {
  const path = `${prefix}.lock`;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw new OutputError(dirname(path), describeFsError(e));
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path)) {
      held.add(path);
      return path;
    }
    const found = readOwner(path);
    if (!found) continue;
    const { owner } = found;
    const dead = owner
      ? owner.host === hostname() && owner.pid !== process.pid && !isAlive(owner.pid)
      : found.ageMs > UNFILLED_STALE_MS;
    if (dead) {
      takeOver(path, found.inode);
      continue;
    }
    const who = owner ? `process ${owner.pid} on ${owner.host} (since ${owner.started})` : 'another run';
    throw new UsageError(
      `${what} ${prefix} is in use by ${who}; wait for it, choose another ${otherChoice}, or remove ${path} if that run is gone`,
    );
  }
  throw new UsageError(`${what} ${prefix}: could not take ${path} (other runs keep taking it)`);
}

/** Removes the lock file at path if it is still this process's (not one another run has made since). */
function removeOwn(path: string): void {
  const found = readOwner(path);
  if (found?.owner?.pid === process.pid && found.owner.host === hostname()) rmSync(path, { force: true });
}

/** Releases a lock taken by lockOutput(). */
export function unlockOutput(path: string): void {
  if (!held.delete(path)) return;
  removeOwn(path);
  // A run that wrote nothing leaves nothing, not even the -outdir folder it created for its lock.
  const folder = createdFolders.get(path);
  createdFolders.delete(path);
  if (folder === undefined) return;
  try {
    rmdirSync(folder);
  } catch {
    /* not empty: it holds outputs */
  }
}

/** Lock path -> the -outdir folder claimOutputs created for it. */
const createdFolders = new Map<string, string>();

/** Releases every lock this process holds (on exit, errors and signals). */
export function releaseAllLocks(): void {
  for (const path of held) removeOwn(path);
  held.clear();
}

/**
 * Checks that -outdir can take outputs (a folder, created if missing, writable) and takes the lock on
 * OUTDIR/NAME; each failure is one line naming -outdir and the cause. Returns the lock to release.
 */
export function claimOutputs(outDir: string, outPrefix: string): string {
  if (existsSync(outDir) && !statSync(outDir).isDirectory())
    throw new UsageError(`-outdir ${outDir} is a file, not a folder`);
  const created = !existsSync(outDir);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw new UsageError(`-outdir ${outDir} cannot be created: ${describeFsError(e)}`);
  }
  try {
    const lock = lockOutput(join(outDir, outPrefix));
    if (created) createdFolders.set(lock, outDir);
    return lock;
  } catch (e) {
    if (e instanceof OutputError) throw new UsageError(`-outdir ${outDir} is not writable: ${e.reason}`);
    throw e;
  }
}
