// Axis scales of the dashboard charts: "nice" linear ticks on 1/2/5 x 10^k steps (the d3-scale rule),
// decade ticks for log axes, and tick labels that never read "-0.00". Pure functions, no DOM, so the
// Deno tests import this file directly (server/static/chart_scale_test.ts).

/**
 * The nice step (1, 2 or 5 times a power of ten) that cuts `span` into about `count` intervals.
 *
 * @example
 * ```js
 * import { niceStep } from "./chart_scale.js";
 * console.assert(niceStep(0.9, 4) === 0.2 && niceStep(100, 5) === 20);
 * ```
 * @param {number} span
 * @param {number} count
 * @returns {number}
 */
export function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / power;
  const m = f >= Math.sqrt(50) ? 10 : f >= Math.sqrt(10) ? 5 : f >= Math.sqrt(2) ? 2 : 1;
  return m * power;
}

/** Decimals needed to print multiples of `step` exactly (0 for steps >= 1). */
function decimalsOf(step) {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * A linear axis over `[min, max]`, widened to whole nice steps: `{lo, hi, step, ticks, labels}`. An empty
 * range (`min === max`) becomes a unit-wide one around the value, or `[0, 1]` when the value is 0 and
 * `floorZero` is set. With `floorZero`, the axis never goes below 0 (counts, misses).
 *
 * @example
 * ```js
 * import { linearAxis } from "./chart_scale.js";
 * const a = linearAxis(-0.004, 0.001, 4);
 * console.assert(a.labels.join(" ") === "-0.004 -0.003 -0.002 -0.001 0.000 0.001");
 * const zero = linearAxis(0, 0, 4, { floorZero: true });
 * console.assert(zero.lo === 0 && zero.hi === 1);
 * ```
 * @param {number} min
 * @param {number} max
 * @param {number} [count]
 * @param {{floorZero?: boolean}} [options]
 */
export function linearAxis(min, max, count = 5, options = {}) {
  let a = Number.isFinite(min) ? min : 0;
  let b = Number.isFinite(max) ? max : a;
  if (b < a) [a, b] = [b, a];
  if (options.floorZero) {
    a = 0;
    b = Math.max(0, b);
  }
  if (a === b) {
    if (options.floorZero) b = 1;
    else {
      const pad = Math.abs(a) * 0.1 || 1;
      a -= pad;
      b += pad;
    }
  }
  const step = niceStep(b - a, count);
  const lo = Math.floor(a / step + 1e-9) * step;
  const hi = Math.ceil(b / step - 1e-9) * step;
  const digits = decimalsOf(step);
  const ticks = [];
  const n = Math.round((hi - lo) / step);
  for (let i = 0; i <= n; i++) ticks.push(Number((lo + i * step).toFixed(digits)));
  const labels = ticks.map((v) => formatTick(v, digits));
  return { lo: ticks[0], hi: ticks[ticks.length - 1], step, ticks, labels };
}

/**
 * `v` with `digits` decimals; negative zero, and anything that rounds to zero, prints as zero without a
 * sign ("0.00", never "-0.00").
 *
 * @example
 * ```js
 * import { formatTick } from "./chart_scale.js";
 * console.assert(formatTick(-0.0001, 2) === "0.00" && formatTick(-0, 0) === "0" && formatTick(-1.5, 1) === "-1.5");
 * ```
 * @param {number} v
 * @param {number} digits
 * @returns {string}
 */
export function formatTick(v, digits) {
  const text = v.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

/**
 * A log10 axis over the positive values `[min, max]`, widened to whole decades (at least one):
 * `{lo, hi, ticks, labels, minor}` with a labelled tick per decade and minor ticks at 2 and 5 times each
 * decade (labelled too when the axis spans at most two decades). Non-positive bounds are ignored (a log
 * axis cannot show them).
 *
 * @example
 * ```js
 * import { logAxis } from "./chart_scale.js";
 * const a = logAxis(0.25, 100);
 * console.assert(a.lo === 0.1 && a.hi === 100 && a.labels.join(" ") === "0.1 1 10 100");
 * console.assert(logAxis(2, 5).labels.join(" ") === "1 2 5 10");
 * ```
 * @param {number} min
 * @param {number} max
 */
export function logAxis(min, max) {
  let a = Number.isFinite(min) && min > 0 ? min : undefined;
  let b = Number.isFinite(max) && max > 0 ? max : undefined;
  a ??= b ?? 1;
  b ??= a;
  if (b < a) [a, b] = [b, a];
  let e0 = Math.floor(Math.log10(a) + 1e-9);
  let e1 = Math.ceil(Math.log10(b) - 1e-9);
  if (e1 <= e0) e1 = e0 + 1;
  // Very wide ranges: every other decade labelled keeps labels apart.
  const stride = e1 - e0 > 6 ? 2 : 1;
  if (stride === 2 && (e1 - e0) % 2) e0 -= 1;
  const ticks = [];
  const labels = [];
  const minor = [];
  // Up to two decades the 2 and 5 of each decade are labelled too, else they are minor ticks.
  const few = e1 - e0 <= 2;
  for (let e = e0; e <= e1; e++) {
    const v = Number(Math.pow(10, e).toPrecision(1));
    if ((e - e0) % stride === 0) {
      ticks.push(v);
      labels.push(formatTick(v, Math.max(0, -e)));
    }
    if (e === e1) break;
    for (const k of [2, 5]) {
      const m = Number((k * v).toPrecision(1));
      if (few) {
        ticks.push(m);
        labels.push(formatTick(m, Math.max(0, -e)));
      } else minor.push(m);
    }
  }
  return { lo: ticks[0], hi: ticks[ticks.length - 1], ticks, labels, minor };
}
