/**
 * The CPU half of the GPU grid phase: from a SNP's weighted sums at the grid (shaders/lmm_grid.wgsl: its c + 2
 * product columns times w_g and w_g^2), the first derivative of the (RE)ML likelihood at every grid lambda in
 * float64, as MixedModelLikelihood.derivative1 computes it with full passes over i.
 */
import { abCount, abIndex } from './ab-index.js';
import type { LikelihoodKind, MixedModelLikelihood } from './likelihood.js';
import { covariateProducts } from './products.js';

/** Per-plan tables: covariate-only sums at every weight column and the traces at every grid point. */
export class GridSlopes {
  private readonly nIndex: number;
  private readonly g: number;
  /** shared[t * nIndex + col]: sum_i weight_t(i) * products[col][i] for the covariate-only columns (SNP ones 0). */
  private readonly shared: Float64Array;
  private readonly traces: Float64Array;
  private readonly pRow: Float64Array;
  private readonly ppRow: Float64Array;

  /** weights: row-major n x q (q >= 2G; columns g and G + g: w_g and w_g^2) as gridWeights() builds them. */
  constructor(
    readonly nCvt: number,
    rotatedCovariates: Float64Array,
    rotatedPhenotype: Float64Array,
    readonly grid: Float64Array,
    weights: Float64Array,
    readonly q: number,
  ) {
    const n = rotatedPhenotype.length;
    const g = grid.length;
    this.g = g;
    this.nIndex = abCount(nCvt);
    const table = covariateProducts(rotatedCovariates, rotatedPhenotype, nCvt);
    this.shared = new Float64Array(q * this.nIndex);
    for (let col = 0; col < this.nIndex; col++) {
      const off = col * n;
      for (let t = 0; t < q; t++) {
        // Sums over i in order, as the oracle's firstRows.
        let s = 0;
        for (let i = 0; i < n; i++) s += weights[i * q + t]! * table[off + i]!;
        this.shared[t * this.nIndex + col] = s;
      }
    }
    this.traces = new Float64Array(q);
    for (let t = 0; t < q; t++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += weights[i * q + t]!;
      this.traces[t] = s;
    }
    this.pRow = new Float64Array(this.nIndex);
    this.ppRow = new Float64Array(this.nIndex);
  }

  /**
   * out[g] = d logL / d lambda at grid[g] for the SNP whose grid sums start at sums[offset] (layout
   * [(k * q) + t], k over the c + 2 product columns). `model` supplies the projections (its product table
   * is not read).
   */
  slopes(
    model: MixedModelLikelihood,
    kind: LikelihoodKind,
    sums: Float64Array,
    offset: number,
    out: Float64Array,
  ): void {
    const { nCvt, nIndex, g, q, shared, traces, pRow, ppRow } = this;
    for (let t = 0; t < g; t++) {
      pRow.set(shared.subarray(t * nIndex, (t + 1) * nIndex));
      ppRow.set(shared.subarray((g + t) * nIndex, (g + t + 1) * nIndex));
      for (let k = 0; k < nCvt + 2; k++) {
        const col = abIndex(nCvt + 1, k + 1, nCvt);
        pRow[col] = sums[offset + k * q + t]!;
        ppRow[col] = sums[offset + k * q + g + t]!;
      }
      out[t] = model.derivative1FromRows(kind, this.grid[t]!, pRow, ppRow, traces[t]!, traces[g + t]!);
    }
  }
}
