import { describe, expect, it } from 'vitest';
import { randomData } from './derivatives.test.js';
import { Random } from '../../../src/sim/random.js';
import { scanMvBlock, type MvScanModel } from '../../../src/stats/mvlmm/block.js';
import { fitMvNull } from '../../../src/stats/mvlmm/fit.js';
import type { MvResultBlock } from '../../../src/model/results.js';

const search = { lMin: 1e-5, lMax: 1e5, nRegion: 10 };

/** A model and b rotated SNPs, one of them tied to trait 1 so that its fits take the Newton path. */
function scenario(
  seed: number,
  n: number,
  d: number,
  c: number,
  b: number,
): { model: MvScanModel; rotated: Float64Array } {
  const rng = new Random(seed);
  const data = randomData(rng, n, d, c);
  const rotated = Float64Array.from({ length: b * n }, () => rng.normal());
  for (let k = 0; k < n; k++) rotated[n + k] = 2 * data.Y[k] + rng.normal();
  return { model: { data, nullModel: fitMvNull(data, search), mode: 4 }, rotated };
}

function row(block: MvResultBlock, j: number): number[] {
  return [block.pWald[j], block.pLrt[j], block.pScore[j], ...block.effects.map((e) => e[j])];
}

describe('multivariate LMM work arrays', () => {
  it('a SNP gets the same bits alone, in a block, and after scans of other trait counts', () => {
    const b = 5;
    const three = scenario(7, 23, 3, 2, b);
    const whole = scanMvBlock(three.model, three.rotated, b);
    expect(whole.pWald[1]).toBeLessThan(1e-3); // the Newton path ran
    const others = [scenario(8, 31, 4, 3, 2), scenario(9, 5, 2, 1, 1), scenario(10, 16, 2, 1, 2)];
    for (let j = b - 1; j >= 0; j--) {
      const other = others[j % others.length];
      scanMvBlock(other.model, other.rotated, other.rotated.length / other.model.data.n);
      const alone = scanMvBlock(three.model, three.rotated.subarray(j * 23, (j + 1) * 23), 1);
      expect(row(alone, 0)).toEqual(row(whole, j));
    }
  });
});
