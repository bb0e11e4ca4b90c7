/**
 * `deno task bench [suite...]`: runs the benchmark suites, prints a table per suite and rewrites
 * `bench/RESULTS.md` (atomically). With suite names, runs only those and keeps the other suites' last
 * sections from the existing file, so one slow suite need not be rerun to refresh another.
 *
 * @module
 */

import { type BenchRow, toMarkdownTable } from "./report.ts";
import { writeFileAtomic } from "../sim/atomic_write.ts";

/** The suites, in the order they appear in RESULTS.md. */
const SUITES: Record<string, string> = {
  scheduler: "./scheduler_bench.ts",
  orbit: "./orbit_bench.ts",
  mpe: "./mpe_bench.ts",
  smax: "./smax_bench.ts",
  teachers: "./teachers_bench.ts",
  train: "./train_bench.ts",
  fleet: "./fleet_bench.ts",
  policies: "./policies_bench.ts",
  export: "./export_bench.ts",
  kdmarl: "./kdmarl_bench.ts",
  ablation: "./ablation_bench.ts",
  study: "./study_bench.ts",
  server: "./server_bench.ts",
  sweep: "./sweep_bench.ts",
  abuse: "./abuse_bench.ts",
};

const RESULTS = new URL("./RESULTS.md", import.meta.url);

function parseSections(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = text.split(/^## /m).slice(1);
  for (const part of parts) {
    const name = part.slice(0, part.indexOf("\n")).trim();
    sections.set(name, "## " + part.trimEnd());
  }
  return sections;
}

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main && (Deno.args.includes("--help") || Deno.args.includes("-h"))) {
  console.log(
    `Usage: deno task bench [suite...]\n\nRuns the benchmark suites (default: all), prints tables and rewrites bench/RESULTS.md.\nSuites: ${
      Object.keys(SUITES).join(", ")
    }`,
  );
} else if (import.meta.main) {
  const requested = Deno.args.length > 0 ? Deno.args : Object.keys(SUITES);
  for (const name of requested) {
    if (!(name in SUITES)) {
      console.error(
        `Unknown benchmark suite "${name}"; suites are: ${Object.keys(SUITES).join(", ")}`,
      );
      Deno.exit(2);
    }
  }
  let previous = new Map<string, string>();
  try {
    previous = parseSections(await Deno.readTextFile(RESULTS));
  } catch { /* first run */ }
  const cores = navigator.hardwareConcurrency;
  const date = new Date().toISOString().slice(0, 10);
  const sections = new Map(previous);
  for (const name of requested) {
    const url = new URL(SUITES[name], import.meta.url);
    if (!(await exists(url))) {
      console.error(`bench: suite "${name}" has no module yet (${SUITES[name]}), skipped`);
      continue;
    }
    console.error(`bench: running ${name} ...`);
    const started = performance.now();
    const mod = await import(url.href) as { run: () => Promise<BenchRow[]> };
    const rows = await mod.run();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`\n## ${name}`);
    console.table(rows.map((r) => ({
      measure: r.name,
      value: r.value,
      unit: r.unit,
      comparison: r.comparison,
      ratio: r.ratio ?? (r.comparison ? r.value / r.comparison : undefined),
      target: r.target,
      met: r.met,
    })));
    sections.set(
      name,
      `## ${name}\n\nMeasured ${date} on ${cores} cores (${Deno.build.os}/${Deno.build.arch}, Deno ${Deno.version.deno}); suite took ${seconds} s.\n\n${
        toMarkdownTable(rows)
      }`,
    );
  }
  const ordered = Object.keys(SUITES).filter((n) => sections.has(n)).map((n) => sections.get(n)!);
  const text =
    `# Benchmark results\n\nWritten by \`deno task bench\`; do not edit by hand. Each section records the machine and date it was measured on.\n\n${
      ordered.join("\n\n")
    }\n`;
  await writeFileAtomic(RESULTS.pathname, text);
  console.error(`bench: wrote ${RESULTS.pathname}`);
}
