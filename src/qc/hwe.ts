/**
 * Exact Hardy-Weinberg test (Wigginton, Cutler & Abecasis 2005), as GEMMA's CalcHWE:
 * p-value of the observed heterozygote count given the allele counts.
 */
export function hweExactP(nHomA: number, nHomB: number, nHet: number): number {
  const n = nHomA + nHomB + nHet;
  if (n === 0) return 1;
  const rare = 2 * Math.min(nHomA, nHomB) + nHet;
  const probs = new Float64Array(rare + 1);
  let mid = Math.floor((rare * (2 * n - rare)) / (2 * n));
  if ((rare & 1) !== (mid & 1)) mid++;
  let currHets = mid;
  let currHomR = (rare - mid) / 2;
  let currHomC = n - currHets - currHomR;
  probs[mid] = 1;
  let sum = 1;
  for (currHets = mid; currHets > 1; currHets -= 2) {
    probs[currHets - 2] =
      (probs[currHets] * currHets * (currHets - 1)) / (4 * (currHomR + 1) * (currHomC + 1));
    sum += probs[currHets - 2];
    currHomR++;
    currHomC++;
  }
  currHets = mid;
  currHomR = (rare - mid) / 2;
  currHomC = n - currHets - currHomR;
  for (currHets = mid; currHets <= rare - 2; currHets += 2) {
    probs[currHets + 2] = (probs[currHets] * 4 * currHomR * currHomC) / ((currHets + 2) * (currHets + 1));
    sum += probs[currHets + 2];
    currHomR--;
    currHomC--;
  }
  const observed = probs[nHet] / sum;
  let p = 0;
  for (let i = 0; i <= rare; i++) {
    const pi = probs[i] / sum;
    if (pi <= observed) p += pi;
  }
  return Math.min(1, p);
}
