/**
 * Oxford .sample files (the sample list of a BGEN): a header line `ID_1 ID_2 missing ...`, a line of
 * column types (`0 0 0 ...`), then one sample per line; ID_1 is taken as FID and ID_2 as IID.
 */
import { InputError } from './input-error.js';
import type { FamRecord } from './plink.js';
import { readLines, splitWhitespace } from './text-file.js';

/** Reads the samples of an Oxford .sample file, in file order; duplicated IDs are an error. */
export function readOxfordSample(path: string): FamRecord[] {
  const lines = readLines(path, '.sample file');
  if (lines.length < 2) throw new InputError(path, 'expected a header line and a column-type line');
  const header = splitWhitespace(lines[0]);
  if (header.length < 2 || header[0].toUpperCase() !== 'ID_1' || header[1].toUpperCase() !== 'ID_2') {
    throw new InputError(path, `header starts "${header.slice(0, 2).join(' ')}", expected "ID_1 ID_2"`, 1);
  }
  const types = splitWhitespace(lines[1]);
  if (types[0] !== '0' || types[1] !== '0')
    throw new InputError(path, 'second line must give the column types, starting "0 0"', 2);
  const samples: FamRecord[] = [];
  const seen = new Map<string, number>();
  for (let k = 2; k < lines.length; k++) {
    const f = splitWhitespace(lines[k]);
    if (f.length < 2)
      throw new InputError(path, `expected at least 2 fields (ID_1 ID_2), found ${f.length}`, k + 1);
    const key = `${f[0]}\t${f[1]}`;
    if (seen.has(key))
      throw new InputError(
        path,
        `duplicated sample ID ${f[0]} ${f[1]} (first on line ${seen.get(key)})`,
        k + 1,
      );
    seen.set(key, k + 1);
    samples.push({ fid: f[0], iid: f[1] });
  }
  return samples;
}
