/** Where the tests find the repository, the shared reference data and scratch space. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DATA = resolve(REPO_ROOT, '..', 'shared', 'data');
export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
/** The files of GEMMA's own test/data folder that its suites read and Debian does not ship. */
export const GEMMA_TEST_DATA = join(REPO_ROOT, 'test', 'fixtures', 'gemma-data');

/** A fresh scratch folder for one test file. */
export function scratchDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `lmmscan-${label}-`));
}
