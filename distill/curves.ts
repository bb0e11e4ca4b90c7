/**
 * Training curves: one row per iteration, written as CSV and as an SVG plot (return, losses, entropy
 * against environment steps). Both files are rewritten atomically after every iteration, so a run that
 * stops anywhere leaves readable curves.
 *
 * @example
 * ```ts
 * import { curvesToCsv } from "./curves.ts";
 * const csv = curvesToCsv([{ iteration: 1, envSteps: 800, meanReturn: -30.5 }]);
 * console.assert(csv.startsWith("iteration,envSteps,meanReturn"));
 * ```
 *
 * @module
 */

import { lineChart } from "../viz/svg.ts";
import { writeFileAtomic } from "../sim/atomic_write.ts";

/** One row of a training curve: numeric columns by name. */
export type CurveRow = Record<string, number>;

/** CSV with the union of the rows' columns (first row's order first); missing cells are empty. */
export function curvesToCsv(rows: readonly CurveRow[]): string {
  const columns: string[] = [];
  for (const row of rows) {
    for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  }
  const lines = [columns.join(",")];
  for (const row of rows) {
    lines.push(
      columns.map((c) => (row[c] === undefined || Number.isNaN(row[c]) ? "" : String(row[c]))).join(
        ",",
      ),
    );
  }
  return lines.join("\n") + "\n";
}

/** An SVG with one panel per listed column against `x`, stacked vertically. */
export function curvesToSvg(
  title: string,
  rows: readonly CurveRow[],
  columns: readonly string[],
  x = "envSteps",
): string {
  const panels = columns.filter((c) => rows.some((r) => Number.isFinite(r[c])));
  const height = 220;
  const parts = panels.map((column, i) => {
    const svg = lineChart({
      title: i === 0 ? `${title}: ${column}` : column,
      xLabel: x,
      series: [{ name: column, points: rows.map((r) => [r[x], r[column]] as [number, number]) }],
      width: 640,
      height,
    });
    return `<g transform="translate(0 ${i * height})">${
      svg.replace(/^<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "")
    }</g>`;
  });
  const total = Math.max(1, panels.length) * height;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="${total}" viewBox="0 0 640 ${total}" font-family="sans-serif">\n${
    parts.join("\n")
  }\n</svg>\n`;
}

/** Writes `curves.csv` and `curves.svg` into `dir`. */
export async function writeCurves(
  dir: string,
  title: string,
  rows: readonly CurveRow[],
  columns: readonly string[],
): Promise<void> {
  await writeFileAtomic(`${dir}/curves.csv`, curvesToCsv(rows));
  await writeFileAtomic(`${dir}/curves.svg`, curvesToSvg(title, rows, columns));
}
