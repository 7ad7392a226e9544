// The secular equation of a rank-one update D + rho z z^T (D = diag(dlam) strictly increasing, rho > 0):
//   f(x) = 1/rho + sum_j z_j^2 / (dlam_j - x) = 0,
// one root in each (dlam_i, dlam_{i+1}) and the last in (dlam_{k-1}, dlam_{k-1} + rho |z|^2]. Each root is found
// as an offset tau from its nearer pole ("origin"), so the differences dlam_j - x = (dlam_j - dlam_origin) - tau
// keep full relative accuracy even where the root sits next to a pole; those differences are what the merge needs.
// Steps: Li's "middle way" (the sums left and right of the root modelled by one pole each, matched in value and
// slope, and the two-pole model solved exactly), kept inside a bracket that shrinks every step, with bisection
// whenever the model's step leaves the bracket or stops halving |f|.
import { at } from './vec';

const EPS = 2.220446049250313e-16;
const MAX_ITER = 400;

// f at offset tau from pole `orig`, returned; sums of the left (j <= split) and right terms and their slopes land
// in `sums` [psi, dpsi, phi, dphi, error bound]. Each side is summed from its far end towards the root (the large
// terms last), two terms at a time.
function evaluate(k: i32, dlam: usize, z2: usize, rhoinv: f64, orig: i32, tau: f64, split: i32, sums: usize): f64 {
  const base = load<f64>(at(dlam, orig));
  const bv = f64x2.splat(base), tv = f64x2.splat(tau), one = f64x2.splat(1.0);
  let psi = f64x2.splat(0), dpsi = f64x2.splat(0), phi = f64x2.splat(0), dphi = f64x2.splat(0), err = f64x2.splat(0);
  let j = 0;
  for (; j + 1 <= split; j += 2) {
    const r = f64x2.div(one, f64x2.sub(f64x2.sub(v128.load(at(dlam, j)), bv), tv));
    const t = f64x2.mul(v128.load(at(z2, j)), r);
    psi = f64x2.add(psi, t); dpsi = f64x2.add(dpsi, f64x2.mul(t, r));
    err = f64x2.add(err, f64x2.abs(psi));
  }
  let psiS = f64x2.extract_lane(psi, 0) + f64x2.extract_lane(psi, 1);
  let dpsiS = f64x2.extract_lane(dpsi, 0) + f64x2.extract_lane(dpsi, 1);
  if (j <= split) {
    const r = 1.0 / ((load<f64>(at(dlam, j)) - base) - tau), t = load<f64>(at(z2, j)) * r;
    psiS += t; dpsiS += t * r;
  }
  j = k - 2;
  for (; j > split; j -= 2) {
    const r = f64x2.div(one, f64x2.sub(f64x2.sub(v128.load(at(dlam, j)), bv), tv));
    const t = f64x2.mul(v128.load(at(z2, j)), r);
    phi = f64x2.add(phi, t); dphi = f64x2.add(dphi, f64x2.mul(t, r));
    err = f64x2.add(err, f64x2.abs(phi));
  }
  let phiS = f64x2.extract_lane(phi, 0) + f64x2.extract_lane(phi, 1);
  let dphiS = f64x2.extract_lane(dphi, 0) + f64x2.extract_lane(dphi, 1);
  if (j == split) {
    const r = 1.0 / ((load<f64>(at(dlam, split + 1)) - base) - tau), t = load<f64>(at(z2, split + 1)) * r;
    phiS += t; dphiS += t * r;
  }
  store<f64>(sums, psiS); store<f64>(sums, dpsiS, 8); store<f64>(sums, phiS, 16); store<f64>(sums, dphiS, 24);
  // Rounding error bound of f (after LAPACK dlaed4's estimate): partial sums plus the terms' own errors.
  const errS = f64x2.extract_lane(err, 0) + f64x2.extract_lane(err, 1);
  store<f64>(sums, EPS * (errS + 8.0 * (Math.abs(phiS) + Math.abs(psiS)) + 2.0 * rhoinv + Math.abs(tau) * (dpsiS + dphiS)), 32);
  return rhoinv + psiS + phiS;
}

/**
 * Root i (0 <= i < k) of 1/rho + sum_j z2[j] / (dlam[j] - x) = 0 for strictly increasing dlam (k), z2 (k) > 0 and
 * rho > 0, as root = dlam[origin] + tau: returns tau and writes the origin to origin[i] (i32), so that
 * (dlam[j] - dlam[origin]) - tau is dlam[j] - root accurate relative to the nearer pole. sums holds 5 doubles of
 * scratch. Returns NaN if the iteration failed (a bug guard; the bracket always shrinks).
 */
export function secularRoot(k: i32, dlam: usize, z2: usize, rho: f64, i: i32, sums: usize, origin: usize): f64 {
  if (k == 1) {
    store<i32>(origin, 0);
    return rho * load<f64>(z2);
  }
  const rhoinv = 1.0 / rho;
  // The model's two poles: L left of the root and R right of it (both left for the last root).
  const last = i == k - 1;
  const L = last ? k - 2 : i, R = L + 1;
  let orig: i32, lo: f64, hi: f64, tau: f64;
  if (!last) {
    const mid = 0.5 * (load<f64>(at(dlam, i + 1)) - load<f64>(at(dlam, i)));
    const fmid = evaluate(k, dlam, z2, rhoinv, i, mid, L, sums);
    // f increases between the poles: f(mid) >= 0 puts the root in the left half, nearer dlam_i.
    if (fmid >= 0) { orig = i; lo = 0.0; hi = mid; tau = mid; } else { orig = i + 1; lo = -mid; hi = 0.0; tau = -mid; }
  } else {
    let zz = 0.0;
    for (let j = 0; j < k; j++) zz += load<f64>(at(z2, j));
    orig = k - 1; lo = 0.0; hi = rho * zz; tau = hi;
  }
  store<i32>(origin + ((<usize>i) << 2), orig);
  let prevW = Infinity, slow = 0;
  for (let it = 0; it < MAX_ITER; it++) {
    const w = evaluate(k, dlam, z2, rhoinv, orig, tau, L, sums);
    if (Math.abs(w) <= load<f64>(sums, 32)) return tau;
    if (w < 0) lo = Math.max(lo, tau); else hi = Math.min(hi, tau);
    if (hi - lo <= 2.0 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) return tau;
    // Model C + s / (dL - eta) + t / (dR - eta) through (value, slope) of each side; eta moves the root estimate.
    const base = load<f64>(at(dlam, orig));
    const dL = (load<f64>(at(dlam, L)) - base) - tau, dR = (load<f64>(at(dlam, R)) - base) - tau;
    const dpsi = load<f64>(sums, 8), dphi = load<f64>(sums, 24);
    const s = dpsi * dL * dL, t = dphi * dR * dR;
    const C = w - dpsi * dL - dphi * dR;
    const b = C * (dL + dR) + s + t, c0 = dL * dR * w;
    let eta = NaN;
    if (C == 0.0) {
      eta = c0 / b;
    } else {
      const disc = b * b - 4.0 * C * c0;
      if (disc >= 0) {
        const q = b >= 0 ? 0.5 * (b + Math.sqrt(disc)) : 0.5 * (b - Math.sqrt(disc));
        const r1 = q / C, r2 = c0 / q;
        // Interior roots lie between the poles (dL < eta < dR); the last lies right of both (eta > dR).
        if (last) eta = Math.max(r1, r2);
        else eta = r1 > dL && r1 < dR ? r1 : r2;
      }
    }
    if (Math.abs(w) > 0.5 * prevW) slow++; else slow = 0;
    prevW = Math.abs(w);
    let next = tau + eta;
    if (!(next > lo && next < hi) || slow >= 2) {
      next = 0.5 * (lo + hi);
      slow = 0;
    }
    if (next == tau) return tau;
    tau = next;
  }
  return NaN;
}
