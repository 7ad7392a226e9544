// Implicit QL with Wilkinson-type shifts on a symmetric tridiagonal matrix (EISPACK tql2 / JAMA), split so the
// eigenvector work is batched: the scalar sweeps only log their Givens rotations; applyRotations replays a batch of
// sweeps on column chunks of Z^T that stay in L2, and different column ranges can go to different threads.

// State block (f64 slots): l, f, tst1, sweeps logged, rotations logged, iterations at l, error flag.
const S_L = 0, S_F = 1, S_TST = 2, S_SWEEPS = 3, S_USED = 4, S_ITER = 5, S_ERR = 6;
/** Doubles in the QL state block. */
export const QL_STATE_SLOTS: i32 = 8;

// @ts-ignore: decorator
@inline function at(base: usize, idx: i32): usize { return base + ((<usize>idx) << 3); }
// @ts-ignore: decorator
@inline function st(state: usize, slot: i32): f64 { return load<f64>(at(state, slot)); }
// @ts-ignore: decorator
@inline function setSt(state: usize, slot: i32, v: f64): void { store<f64>(at(state, slot), v); }

/** Resets the QL state (state holds QL_STATE_SLOTS doubles). */
export function qlInit(state: usize): void {
  memory.fill(state, 0, QL_STATE_SLOTS << 3);
}

/**
 * Runs QL sweeps on d (n), e (n, e[i] = T[i][i+1], e[n-1] = 0) until converged (returns 1), the log is full
 * (returns 0; replay it with applyRotations, then call again) or an eigenvalue fails to converge (returns -1).
 * Log: hdr (i32 pairs l, m per sweep, maxSweeps of them), cs ((c, s) per rotation, logCap rotations).
 */
export function qlRun(n: i32, d: usize, e: usize, state: usize, hdr: usize, cs: usize, maxSweeps: i32, logCap: i32): i32 {
  const eps = 2.220446049250313e-16;
  let l = <i32>st(state, S_L), f = st(state, S_F), tst1 = st(state, S_TST);
  let iter = <i32>st(state, S_ITER);
  let sweeps = 0, used = 0;
  while (l < n) {
    if (iter == 0) tst1 = Math.max(tst1, Math.abs(load<f64>(at(d, l))) + Math.abs(load<f64>(at(e, l))));
    let m = l;
    while (m < n - 1 && Math.abs(load<f64>(at(e, m))) > eps * tst1) m++;
    if (m == l) {
      store<f64>(at(d, l), load<f64>(at(d, l)) + f);
      store<f64>(at(e, l), 0.0);
      l++; iter = 0;
      continue;
    }
    if (sweeps == maxSweeps || used + (m - l) > logCap) break;
    if (++iter > 60) { setSt(state, S_ERR, 1); break; }
    // Shift from the leading 2x2 block.
    let g = load<f64>(at(d, l));
    let p = (load<f64>(at(d, l + 1)) - g) / (2.0 * load<f64>(at(e, l)));
    let r = Math.hypot(p, 1.0);
    if (p < 0) r = -r;
    const el = load<f64>(at(e, l));
    store<f64>(at(d, l), el / (p + r));
    store<f64>(at(d, l + 1), el * (p + r));
    const dl1 = load<f64>(at(d, l + 1));
    let h = g - load<f64>(at(d, l));
    for (let i = l + 2; i < n; i++) store<f64>(at(d, i), load<f64>(at(d, i)) - h);
    f += h;
    // Implicit QL sweep from m-1 down to l.
    p = load<f64>(at(d, m));
    let c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0;
    const el1 = load<f64>(at(e, l + 1));
    store<i32>(hdr + ((<usize>sweeps) << 3), l);
    store<i32>(hdr + ((<usize>sweeps) << 3) + 4, m);
    for (let i = m - 1; i >= l; i--) {
      c3 = c2; c2 = c; s2 = s;
      const ei = load<f64>(at(e, i)), di = load<f64>(at(d, i));
      g = c * ei; h = c * p;
      r = Math.hypot(p, ei);
      store<f64>(at(e, i + 1), s * r);
      s = ei / r; c = p / r;
      p = c * di - s * g;
      store<f64>(at(d, i + 1), h + s * (c * g + s * di));
      const slot = at(cs, 2 * (used + (m - 1 - i)));
      store<f64>(slot, c);
      store<f64>(slot, s, 8);
    }
    used += m - l;
    sweeps++;
    p = -s * s2 * c3 * el1 * load<f64>(at(e, l)) / dl1;
    store<f64>(at(e, l), s * p);
    store<f64>(at(d, l), c * p);
  }
  setSt(state, S_L, l); setSt(state, S_F, f); setSt(state, S_TST, tst1); setSt(state, S_ITER, iter);
  setSt(state, S_SWEEPS, sweeps); setSt(state, S_USED, used);
  if (st(state, S_ERR) != 0) return -1;
  return l >= n ? 1 : 0;
}

// Z^T lives in column panels during QL: panel q holds columns [16q, 16q+16) of all n rows contiguously, so a sweep
// walks consecutive memory (row-major Z^T would touch one page per row). The last panel is n % 16 wide.
const PANEL: i32 = 16;

// @ts-ignore: decorator
@inline function panelBase(zp: usize, n: i32, c0: i32): usize { return zp + ((<usize>c0 * <usize>n) << 3); }

/** Sets zp (n x n in the QL panel layout) to the identity. */
export function setIdentityPanels(n: i32, zp: usize): void {
  memory.fill(zp, 0, (<usize>n * <usize>n) << 3);
  for (let c = 0; c < n; c++) {
    const c0 = c - c % PANEL;
    const w = min(PANEL, n - c0);
    store<f64>(at(panelBase(zp, n, c0), c * w + (c - c0)), 1.0);
  }
}

/** Rows [r0, r1) of the row-major zt from the panel-layout zp (both n x n). */
export function panelsToRows(n: i32, zp: usize, zt: usize, r0: i32, r1: i32): void {
  for (let c0 = 0; c0 < n; c0 += PANEL) {
    const w = min(PANEL, n - c0);
    const src = panelBase(zp, n, c0);
    for (let r = r0; r < r1; r++) memory.copy(at(zt, r * n + c0), at(src, r * w), (<usize>w) << 3);
  }
}

/** Replays the logged sweeps on columns [k0, k1) (multiples of 16, or k1 = n) of zp (n x n, panel layout). */
export function applyRotations(n: i32, zp: usize, k0: i32, k1: i32, state: usize, hdr: usize, cs: usize): void {
  const sweeps = <i32>st(state, S_SWEEPS);
  for (let c0 = k0; c0 < k1; c0 += PANEL) {
    const w = min(PANEL, n - c0);
    const panel = panelBase(zp, n, c0);
    let base = 0;
    for (let sw = 0; sw < sweeps; sw++) {
      const l = load<i32>(hdr + ((<usize>sw) << 3));
      const m = load<i32>(hdr + ((<usize>sw) << 3) + 4);
      if (w == PANEL) {
        sweep16(panel, PANEL, l, m, at(cs, 2 * base));
      } else {
        for (let i = m - 1; i >= l; i--) {
          const slot = at(cs, 2 * (base + (m - 1 - i)));
          rotateRows(at(panel, i * w), at(panel, (i + 1) * w), load<f64>(slot), load<f64>(slot, 8), w);
        }
      }
      base += m - l;
    }
  }
}

// One sweep (rotations m-1 down to l) on 16 columns at col (rows `n` doubles apart): row i+1 is final once rotation i is done, so
// the running row stays in registers and each rotation costs one load and one store per element.
function sweep16(col: usize, n: i32, l: i32, m: i32, cs: usize): void {
  const stride = (<usize>n) << 3;
  let p = col + (<usize>m) * stride;
  let x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
  let x4 = v128.load(p, 64), x5 = v128.load(p, 80), x6 = v128.load(p, 96), x7 = v128.load(p, 112);
  for (let i = m - 1; i >= l; i--) {
    const c = v128.load64_splat(cs), s = v128.load64_splat(cs, 8);
    cs += 16;
    const q = p - stride;
    let y = v128.load(q);
    v128.store(p, f64x2.add(f64x2.mul(s, y), f64x2.mul(c, x0))); x0 = f64x2.sub(f64x2.mul(c, y), f64x2.mul(s, x0));
    y = v128.load(q, 16);
    v128.store(p, f64x2.add(f64x2.mul(s, y), f64x2.mul(c, x1)), 16); x1 = f64x2.sub(f64x2.mul(c, y), f64x2.mul(s, x1));
    y = v128.load(q, 32);
    v128.store(p, f64x2.add(f64x2.mul(s, y), f64x2.mul(c, x2)), 32); x2 = f64x2.sub(f64x2.mul(c, y), f64x2.mul(s, x2));
    y = v128.load(q, 48);
    v128.store(p, f64x2.add(f64x2.mul(s, y), f64x2.mul(c, x3)), 48); x3 = f64x2.sub(f64x2.mul(c, y), f64x2.mul(s, x3));
    y = v128.load(q, 64);
    v128.store(p, f64x2.add(f64x2.mul(s, y), f64x2.mul(c, x4)), 64); x4 = f64x2.sub(f64x2.mul(c, y), f64x2.mul(s, x4));
    y = v128.load(q, 80);
    v128.store(p, f64x2.add(f64x2.mul(s, y), f64x2.mul(c, x5)), 80); x5 = f64x2.sub(f64x2.mul(c, y), f64x2.mul(s, x5));
    y = v128.load(q, 96);
    v128.store(p, f64x2.add(f64x2.mul(s, y), f64x2.mul(c, x6)), 96); x6 = f64x2.sub(f64x2.mul(c, y), f64x2.mul(s, x6));
    y = v128.load(q, 112);
    v128.store(p, f64x2.add(f64x2.mul(s, y), f64x2.mul(c, x7)), 112); x7 = f64x2.sub(f64x2.mul(c, y), f64x2.mul(s, x7));
    p = q;
  }
  v128.store(p, x0); v128.store(p, x1, 16); v128.store(p, x2, 32); v128.store(p, x3, 48);
  v128.store(p, x4, 64); v128.store(p, x5, 80); v128.store(p, x6, 96); v128.store(p, x7, 112);
}

// (x, y) <- (c x - s y, s x + c y) elementwise over len doubles: tql2's update of columns i, i+1 of Z.
function rotateRows(x: usize, y: usize, c: f64, s: f64, len: i32): void {
  const cv = f64x2.splat(c), sv = f64x2.splat(s);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const xv = v128.load(x), yv = v128.load(y);
    v128.store(x, f64x2.sub(f64x2.mul(cv, xv), f64x2.mul(sv, yv)));
    v128.store(y, f64x2.add(f64x2.mul(sv, xv), f64x2.mul(cv, yv)));
    x += 16; y += 16;
  }
  if (k < len) {
    const xs = load<f64>(x), ys = load<f64>(y);
    store<f64>(x, c * xs - s * ys);
    store<f64>(y, s * xs + c * ys);
  }
}

/** Sorts d (n) ascending, swapping the matching rows of zt (n x n row-major). */
export function sortEigen(n: i32, d: usize, zt: usize): void {
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = load<f64>(at(d, i));
    for (let j = i + 1; j < n; j++) {
      const dj = load<f64>(at(d, j));
      if (dj < p) { k = j; p = dj; }
    }
    if (k == i) continue;
    store<f64>(at(d, k), load<f64>(at(d, i)));
    store<f64>(at(d, i), p);
    let x = at(zt, i * n), y = at(zt, k * n);
    for (let j = 0; j < n; j++) {
      const t = load<f64>(x);
      store<f64>(x, load<f64>(y)); store<f64>(y, t);
      x += 8; y += 8;
    }
  }
}
