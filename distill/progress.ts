/**
 * Progress on stderr for long work (training, distillation, benchmarks), on cli-progress: a bar with
 * throughput, ETA and the run's key figures, redrawn in place on a terminal and printed as plain lines
 * (every few seconds) when stderr is not a terminal, e.g. in CI logs.
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * const p = new Progress("train", 1000, "steps");
 * p.update(500, { return: -20.5 });
 * p.stop();
 * ```
 *
 * @module
 */

// @ts-types="@types/cli-progress"
import cliProgress from "cli-progress";
import process from "node:process";

/** A progress bar with named figures. */
export class Progress {
  readonly #bar: cliProgress.SingleBar;
  readonly #started = performance.now();
  readonly #unit: string;
  #quiet: boolean;

  /** Starts a bar labelled `label` counting to `total` `unit`s; `quiet` silences it (tests). */
  constructor(label: string, total: number, unit: string, quiet = false) {
    this.#unit = unit;
    this.#quiet = quiet;
    this.#bar = new cliProgress.SingleBar({
      format:
        `${label} |{bar}| {percentage}% {value}/{total} ${unit} | {rate} ${unit}/s | {figures} | ETA {eta_formatted}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 20,
      hideCursor: false,
    }, cliProgress.Presets.shades_classic);
    if (!quiet) this.#bar.start(total, 0, { rate: "0", figures: "" });
  }

  /** Sets the count and the figures shown (numbers printed with 4 significant digits). */
  update(value: number, figures: Record<string, number | string> = {}): void {
    if (this.#quiet) return;
    const seconds = (performance.now() - this.#started) / 1000;
    const text = Object.entries(figures).map(([k, v]) =>
      `${k} ${typeof v === "number" ? (Number.isFinite(v) ? +v.toPrecision(4) : "-") : v}`
    ).join(" | ");
    this.#bar.update(value, {
      rate: seconds > 0 ? Math.round(value / seconds).toString() : "0",
      figures: text,
    });
  }

  /** Stops the bar (prints the final state). */
  stop(): void {
    if (this.#quiet) return;
    this.#bar.stop();
    this.#quiet = true;
  }

  /** The unit counted. */
  get unit(): string {
    return this.#unit;
  }
}
