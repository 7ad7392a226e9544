/**
 * The two GSL one-dimensional root solvers GEMMA uses, reproduced step for step so that lambda
 * lands where GEMMA's does: Brent's bracketing method (gsl_root_fsolver_brent) and Newton's method
 * (gsl_root_fdfsolver_newton), plus GSL's convergence tests.
 */

export const GSL_SUCCESS = 0;
export const GSL_CONTINUE = -2;
export const GSL_FAILURE = -1;
const GSL_DBL_EPSILON = 2.220446049250313e-16;

/** gsl_root_test_interval: converged when the bracket is narrower than epsAbs + epsRel * min|end|. */
export function testInterval(lower: number, upper: number, epsAbs: number, epsRel: number): number {
  if (lower > upper) return GSL_FAILURE;
  const minAbs =
    (lower > 0 && upper > 0) || (lower < 0 && upper < 0) ? Math.min(Math.abs(lower), Math.abs(upper)) : 0;
  return Math.abs(upper - lower) < epsAbs + epsRel * minAbs ? GSL_SUCCESS : GSL_CONTINUE;
}

/** gsl_root_test_delta: converged when |x1 - x0| < epsAbs + epsRel * |x1| (or the step is exactly zero). */
export function testDelta(x1: number, x0: number, epsAbs: number, epsRel: number): number {
  const tolerance = epsAbs + epsRel * Math.abs(x1);
  return Math.abs(x1 - x0) < tolerance || x1 === x0 ? GSL_SUCCESS : GSL_CONTINUE;
}

/** State of GSL's Brent solver on f over a bracket [lower, upper]. */
export class BrentSolver {
  root = 0;
  lower = 0;
  upper = 0;
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private e = 0;
  private fa = 0;
  private fb = 0;
  private fc = 0;

  constructor(private readonly f: (x: number) => number) {}

  /** gsl_root_fsolver_set; returns a GSL status. */
  set(lower: number, upper: number): number {
    this.root = 0.5 * (lower + upper);
    this.lower = lower;
    this.upper = upper;
    const fLower = this.f(lower);
    const fUpper = this.f(upper);
    if (!Number.isFinite(fLower) || !Number.isFinite(fUpper)) return GSL_FAILURE;
    this.a = lower;
    this.fa = fLower;
    this.b = upper;
    this.fb = fUpper;
    this.c = upper;
    this.fc = fUpper;
    this.d = upper - lower;
    this.e = upper - lower;
    if ((fLower < 0 && fUpper < 0) || (fLower > 0 && fUpper > 0)) return GSL_FAILURE;
    return GSL_SUCCESS;
  }

  /** One gsl_root_fsolver_iterate step; returns a GSL status. */
  iterate(): number {
    let { a, b, c, d, e, fa, fb, fc } = this;
    let acEqual = false;
    if ((fb < 0 && fc < 0) || (fb > 0 && fc > 0)) {
      acEqual = true;
      c = a;
      fc = fa;
      d = b - a;
      e = b - a;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      acEqual = true;
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 0.5 * GSL_DBL_EPSILON * Math.abs(b);
    const m = 0.5 * (c - b);
    if (fb === 0) {
      this.root = b;
      this.lower = b;
      this.upper = b;
      return GSL_SUCCESS;
    }
    if (Math.abs(m) <= tol) {
      this.root = b;
      this.lower = b < c ? b : c;
      this.upper = b < c ? c : b;
      return GSL_SUCCESS;
    }
    if (Math.abs(e) < tol || Math.abs(fa) <= Math.abs(fb)) {
      d = m; // bisection
      e = m;
    } else {
      let p: number;
      let q: number;
      const s = fb / fa;
      if (acEqual) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        q = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * q * (q - r) - (b - a) * (r - 1));
        q = (q - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m; // interpolation failed: bisection
        e = m;
      }
    }
    a = b;
    fa = fb;
    if (Math.abs(d) > tol) b += d;
    else b += m > 0 ? tol : -tol;
    fb = this.f(b);
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    this.e = e;
    this.fa = fa;
    this.fb = fb;
    this.fc = fc;
    if (!Number.isFinite(fb)) return GSL_FAILURE;
    this.root = b;
    if ((fb < 0 && fc < 0) || (fb > 0 && fc > 0)) c = a;
    this.lower = b < c ? b : c;
    this.upper = b < c ? c : b;
    return GSL_SUCCESS;
  }
}

/** State of GSL's Newton solver; fdf(x) must return [f(x), f'(x)]. */
export class NewtonSolver {
  root = 0;
  private fx = 0;
  private dfx = 0;

  constructor(private readonly fdf: (x: number) => readonly [number, number]) {}

  /** gsl_root_fdfsolver_set. */
  set(x: number): void {
    this.root = x;
    const [f, df] = this.fdf(x);
    this.fx = f;
    this.dfx = df;
  }

  /** Where the next step would go (NaN on a zero derivative, where iterate fails), without evaluating there. */
  nextRoot(): number {
    return this.dfx === 0 ? NaN : this.root - this.fx / this.dfx;
  }

  /** One Newton step; returns a GSL status (failure on a zero or non-finite derivative). */
  iterate(): number {
    if (this.dfx === 0) return GSL_FAILURE;
    const next = this.root - this.fx / this.dfx;
    this.root = next;
    const [f, df] = this.fdf(next);
    this.fx = f;
    this.dfx = df;
    if (!Number.isFinite(f) || !Number.isFinite(df)) return GSL_FAILURE;
    return GSL_SUCCESS;
  }
}
