/**
 * Benchmark rows and the `bench/RESULTS.md` writer shared by every benchmark suite.
 *
 * A suite is a module under `bench/` that exports `run(): Promise<BenchRow[]>`; `bench/main.ts` runs the
 * suites, prints one table per suite on stdout and rewrites `bench/RESULTS.md` atomically.
 *
 * @module
 */

/** One measured figure, with what it is compared against and the target it must meet. */
export interface BenchRow {
  /** Suite name, e.g. `"scheduler"`. */
  suite: string;
  /** What was measured, e.g. `"schedule+dispatch 1e6 events"`. */
  name: string;
  /** The measured figure. */
  value: number;
  /** Unit of `value`, e.g. `"events/s"`. */
  unit: string;
  /** What `value` is compared with, e.g. `"heap-js 2.7.1"`; empty when there is no comparison. */
  comparisonName?: string;
  /** The comparison figure, in the same unit. */
  comparison?: number;
  /** value / comparison (or the ratio the target is stated in); computed when omitted. */
  ratio?: number;
  /** The target in words, e.g. `">= 3M events/s"`. */
  target?: string;
  /** Whether the target was met; undefined when there is no target. */
  met?: boolean;
  /** Free-form note (sizes, conditions). */
  note?: string;
}

/** Formats a number with 3 significant digits and thousands grouping for large values. */
export function formatFigure(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return "";
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString("en-US");
  if (abs >= 1) return x.toPrecision(3);
  if (abs === 0) return "0";
  return x.toPrecision(3);
}

/** Renders rows as a markdown table. */
export function toMarkdownTable(rows: readonly BenchRow[]): string {
  const header =
    "| measure | figure | unit | compared with | comparison | ratio | target | met | note |";
  const sep = "| --- | ---: | --- | --- | ---: | ---: | --- | --- | --- |";
  const lines = rows.map((r) => {
    const ratio = r.ratio ?? (r.comparison ? r.value / r.comparison : undefined);
    const met = r.met === undefined ? "" : r.met ? "yes" : "**no**";
    return `| ${r.name} | ${formatFigure(r.value)} | ${r.unit} | ${r.comparisonName ?? ""} | ${
      formatFigure(r.comparison)
    } | ${ratio === undefined ? "" : ratio.toFixed(2)} | ${r.target ?? ""} | ${met} | ${
      r.note ?? ""
    } |`;
  });
  return [header, sep, ...lines].join("\n");
}

/** Measures `fn` repeatedly for at least `minMs` and returns the mean seconds per call. */
export function timeIt(fn: () => void, minMs = 500, minCalls = 3): number {
  fn(); // warm-up (JIT)
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs || calls < minCalls) {
    fn();
    calls++;
    elapsed = performance.now() - start;
  }
  return elapsed / 1000 / calls;
}
