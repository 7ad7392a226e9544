/**
 * node:crypto's createHash, the module loaded at the first hash: a short run that writes no checkpoint or shard
 * hashes nothing, and loading node:crypto (about 20 of Node's internal modules) cost 3-4 ms of its start-up.
 */
import { createRequire } from 'node:module';
import type { Hash } from 'node:crypto';

const require = createRequire(import.meta.url);

export function createHash(algorithm: string): Hash {
  return (require('node:crypto') as typeof import('node:crypto')).createHash(algorithm);
}
