/**
 * Self-contained SVG pictures for the places where a person would rather look than read: training curves
 * (line charts), latency histograms and the constellation over a world map (equirectangular). No
 * dependencies and no external resources, so the files open anywhere, offline.
 *
 * @example
 * ```ts
 * import { lineChart } from "./svg.ts";
 * const svg = lineChart({
 *   title: "Mean return",
 *   xLabel: "env steps",
 *   series: [{ name: "teacher", points: [[0, -40], [1e5, -25], [2e5, -20]] }],
 * });
 * console.assert(svg.startsWith("<svg"));
 * ```
 *
 * @module
 */

/** One named line. */
export interface Series {
  /** Legend name. */
  name: string;
  /** (x, y) points; non-finite y values are skipped. */
  points: readonly (readonly [number, number])[];
  /** Stroke colour (a palette colour when omitted). */
  color?: string;
}

/** Options of {@linkcode lineChart}. */
export interface LineChartOptions {
  /** Title above the plot. */
  title: string;
  /** X axis label. */
  xLabel?: string;
  /** Y axis label. */
  yLabel?: string;
  /** The lines. */
  series: readonly Series[];
  /** Width in px (default 640). */
  width?: number;
  /** Height in px (default 360). */
  height?: number;
}

const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#17becf",
];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** "Nice" tick values covering [min, max] (1-2-5 steps). */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return ticks;
}

function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  body: string[];
}

function frame(
  width: number,
  height: number,
  title: string,
  xr: [number, number],
  yr: [number, number],
  xLabel = "",
  yLabel = "",
): Frame {
  const left = 64, right = 16, top = 32, bottom = 44;
  const xTicks = niceTicks(xr[0], xr[1]);
  const yTicks = niceTicks(yr[0], yr[1]);
  const x0 = Math.min(xr[0], xTicks[0] ?? xr[0]), x1 = Math.max(xr[1], xTicks.at(-1) ?? xr[1]);
  const y0 = Math.min(yr[0], yTicks[0] ?? yr[0]), y1 = Math.max(yr[1], yTicks.at(-1) ?? yr[1]);
  const pw = width - left - right, ph = height - top - bottom;
  const x = (v: number) => left + (x1 === x0 ? pw / 2 : ((v - x0) / (x1 - x0)) * pw);
  const y = (v: number) => top + ph - (y1 === y0 ? ph / 2 : ((v - y0) / (y1 - y0)) * ph);
  const body: string[] = [
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${
      escapeXml(title)
    }</text>`,
    `<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
  ];
  for (const t of xTicks) {
    body.push(
      `<line x1="${x(t)}" y1="${top}" x2="${x(t)}" y2="${top + ph}" stroke="#eee"/>`,
      `<text x="${x(t)}" y="${top + ph + 14}" text-anchor="middle" font-size="10">${
        formatTick(t)
      }</text>`,
    );
  }
  for (const t of yTicks) {
    body.push(
      `<line x1="${left}" y1="${y(t)}" x2="${left + pw}" y2="${y(t)}" stroke="#eee"/>`,
      `<text x="${left - 4}" y="${y(t) + 3}" text-anchor="end" font-size="10">${
        formatTick(t)
      }</text>`,
    );
  }
  if (xLabel) {
    body.push(
      `<text x="${left + pw / 2}" y="${height - 8}" text-anchor="middle" font-size="11">${
        escapeXml(xLabel)
      }</text>`,
    );
  }
  if (yLabel) {
    body.push(
      `<text x="14" y="${
        top + ph / 2
      }" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${top + ph / 2})">${
        escapeXml(yLabel)
      }</text>`,
    );
  }
  return { x, y, body };
}

function wrap(width: number, height: number, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n${
    body.join("\n")
  }\n</svg>\n`;
}

/** A line chart of one or more series with axes, ticks and a legend. */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 640, height = options.height ?? 360;
  const pts = options.series.flatMap((s) => s.points.filter((p) => Number.isFinite(p[1])));
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const xr: [number, number] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const yr: [number, number] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  const f = frame(width, height, options.title, xr, yr, options.xLabel, options.yLabel);
  options.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const d = s.points.filter((p) => Number.isFinite(p[1])).map((p, k) =>
      `${k === 0 ? "M" : "L"}${f.x(p[0]).toFixed(1)},${f.y(p[1]).toFixed(1)}`
    ).join("");
    if (d) f.body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    // A one-point series (e.g. the teacher on a Pareto chart) has no line to draw: mark the point.
    const finite = s.points.filter((p) => Number.isFinite(p[1]));
    if (finite.length === 1) {
      const [px, py] = finite[0];
      f.body.push(
        `<circle cx="${f.x(px).toFixed(1)}" cy="${f.y(py).toFixed(1)}" r="4" fill="${color}"/>`,
      );
    }
    f.body.push(
      `<rect x="${width - 150}" y="${38 + i * 14}" width="10" height="3" fill="${color}"/>`,
      `<text x="${width - 136}" y="${42 + i * 14}" font-size="10">${escapeXml(s.name)}</text>`,
    );
  });
  return wrap(width, height, f.body);
}

/** Options of {@linkcode histogram}. */
export interface HistogramOptions {
  /** Title. */
  title: string;
  /** Samples. */
  values: readonly number[];
  /** Number of bins (default 30). */
  bins?: number;
  /** X axis label. */
  xLabel?: string;
  /** Vertical marker lines, e.g. a deadline or the p99. */
  markers?: readonly { x: number; label: string; color?: string }[];
  /** Width (default 640). */
  width?: number;
  /** Height (default 320). */
  height?: number;
}

/** A histogram with optional vertical markers. */
export function histogram(options: HistogramOptions): string {
  const width = options.width ?? 640, height = options.height ?? 320;
  const values = options.values.filter(Number.isFinite);
  const bins = options.bins ?? 30;
  const markerXs = (options.markers ?? []).map((m) => m.x);
  const lo = Math.min(...values, ...markerXs), hi = Math.max(...values, ...markerXs);
  const span = hi > lo ? hi - lo : 1;
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(((v - lo) / span) * bins))]++;
  const f = frame(
    width,
    height,
    options.title,
    [lo, lo + span],
    [0, Math.max(1, ...counts)],
    options.xLabel,
    "count",
  );
  for (let b = 0; b < bins; b++) {
    const x0 = f.x(lo + (b / bins) * span), x1 = f.x(lo + ((b + 1) / bins) * span);
    f.body.push(
      `<rect x="${x0.toFixed(1)}" y="${f.y(counts[b]).toFixed(1)}" width="${
        Math.max(0.5, x1 - x0 - 1).toFixed(1)
      }" height="${(f.y(0) - f.y(counts[b])).toFixed(1)}" fill="#1f77b4"/>`,
    );
  }
  for (const m of options.markers ?? []) {
    const color = m.color ?? "#d62728";
    f.body.push(
      `<line x1="${f.x(m.x)}" y1="${f.y(0)}" x2="${f.x(m.x)}" y2="${
        f.y(Math.max(1, ...counts))
      }" stroke="${color}" stroke-dasharray="4 2"/>`,
      `<text x="${f.x(m.x) + 3}" y="${
        f.y(Math.max(1, ...counts)) + 12
      }" font-size="10" fill="${color}">${escapeXml(m.label)}</text>`,
    );
  }
  return wrap(width, height, f.body);
}
