/**
 * Scalar root finding and maximisation on a bracket (Brent's methods), used for pass events.
 *
 * Both work on absolute tolerances in the caller's units, so use a local time origin (seconds or
 * milliseconds from the bracket start), never Unix milliseconds: Brent's relative term would then be
 * meaningless.
 *
 * @example
 * ```ts
 * import { brentMax, brentRoot } from "./solve.ts";
 * const f = (x: number) => Math.cos(x) - x;
 * const r = brentRoot(f, 0, 1, f(0), f(1), 1e-12);
 * console.assert(Math.abs(f(r)) < 1e-11);
 * const m = brentMax((x) => -((x - 0.3) ** 2), 0, 1, 1e-9);
 * console.assert(Math.abs(m.x - 0.3) < 1e-6);
 * ```
 *
 * @module
 */

const EPS = 2.220446049250313e-16;

/**
 * Brent's root finder (van Wijngaarden-Dekker-Brent) for `f` on [a, b] where `fa = f(a)` and `fb = f(b)`
 * have opposite signs (or one is zero). Returns x with the root within `tol` of it.
 *
 * @example
 * ```ts
 * import { brentRoot } from "./solve.ts";
 * const f = (x: number) => x * x - 2;
 * console.assert(Math.abs(brentRoot(f, 0, 2, -2, 2, 1e-12) - Math.SQRT2) < 1e-11);
 * ```
 */
export function brentRoot(
  f: (x: number) => number,
  a: number,
  b: number,
  fa: number,
  fb: number,
  tol: number,
): number {
  if (fa === 0) return a;
  if (fb === 0) return b;
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let iter = 0; iter < 200; iter++) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol1 = 2 * EPS * Math.abs(b) + 0.5 * tol;
    const xm = 0.5 * (c - b);
    if (Math.abs(xm) <= tol1 || fb === 0) return b;
    if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * xm * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      p = Math.abs(p);
      const min1 = 3 * xm * q - Math.abs(tol1 * q);
      const min2 = Math.abs(e * q);
      if (2 * p < Math.min(min1, min2)) {
        e = d;
        d = p / q;
      } else {
        d = xm;
        e = d;
      }
    } else {
      d = xm;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol1 ? d : (xm >= 0 ? tol1 : -tol1);
    fb = f(b);
  }
  return b;
}

/**
 * Result of {@link brentMax}.
 *
 * @example
 * ```ts
 * import { brentMax, type MaxResult } from "./solve.ts";
 * const m: MaxResult = brentMax((x) => Math.sin(x), 0, Math.PI, 1e-9);
 * console.assert(Math.abs(m.fx - 1) < 1e-12);
 * ```
 */
export interface MaxResult {
  /** Argument of the maximum. */
  x: number;
  /** Function value there. */
  fx: number;
}

const CGOLD = 0.3819660112501051;

/**
 * Brent's maximiser (golden section with parabolic steps) for a unimodal `f` on [a, b]; the maximum may be
 * at an end of the bracket. Returns the argument within about `tol` and its value.
 *
 * @example
 * ```ts
 * import { brentMax } from "./solve.ts";
 * const m = brentMax(Math.sin, 0, 3, 1e-10);
 * console.assert(Math.abs(m.x - Math.PI / 2) < 1e-6 && Math.abs(m.fx - 1) < 1e-12);
 * const edge = brentMax((x) => x, 0, 1, 1e-9); // increasing: maximum at the right end
 * console.assert(edge.x === 1);
 * ```
 */
export function brentMax(f: (x: number) => number, a: number, b: number, tol: number): MaxResult {
  const lo = a;
  const hi = b;
  let x = a + CGOLD * (b - a);
  let w = x;
  let v = x;
  let fx = -f(x);
  let fw = fx;
  let fv = fx;
  let d = 0;
  let e = 0;
  for (let iter = 0; iter < 200; iter++) {
    const xm = 0.5 * (a + b);
    const tol1 = tol + EPS * Math.abs(x);
    const tol2 = 2 * tol1;
    if (Math.abs(x - xm) <= tol2 - 0.5 * (b - a)) break;
    if (Math.abs(e) > tol1) {
      const r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      const etemp = e;
      e = d;
      if (Math.abs(p) >= Math.abs(0.5 * q * etemp) || p <= q * (a - x) || p >= q * (b - x)) {
        e = x >= xm ? a - x : b - x;
        d = CGOLD * e;
      } else {
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = xm - x >= 0 ? tol1 : -tol1;
      }
    } else {
      e = x >= xm ? a - x : b - x;
      d = CGOLD * e;
    }
    const u = Math.abs(d) >= tol1 ? x + d : x + (d >= 0 ? tol1 : -tol1);
    const fu = -f(u);
    if (fu <= fx) {
      if (u >= x) a = x;
      else b = x;
      v = w;
      w = x;
      x = u;
      fv = fw;
      fw = fx;
      fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w;
        w = u;
        fv = fw;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
  }
  // The maximum may sit on an end of the original bracket (clipped passes): compare.
  if (x - lo <= 4 * tol) {
    const flo = f(lo);
    if (flo >= -fx) return { x: lo, fx: flo };
  }
  if (hi - x <= 4 * tol) {
    const fhi = f(hi);
    if (fhi >= -fx) return { x: hi, fx: fhi };
  }
  return { x, fx: -fx };
}
