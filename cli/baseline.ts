/**
 * `deno task baseline [--scenario NAME]...`: measures the shipped models of each scenario on fixed seeds and
 * rewrites `scenarios/<name>/baseline.json`, the figures the scenario regression tests hold them to. Run
 * it only when a change to dynamics or models is intended; review the diff it prints.
 *
 * @module
 */

import { defaultCatalog } from "../catalog/mod.ts";
import { initBackend } from "../policies/backend.ts";
import {
  baselinePath,
  compareToBaseline,
  defaultTolerance,
  measureScenario,
  readBaseline,
  regressionEpisodes,
  type ScenarioBaseline,
} from "../distill/regression.ts";
import { writeFileAtomic } from "../sim/atomic_write.ts";
import { codeVersion } from "../distill/provenance.ts";
import { CliError, runCli, scenarioListFlag } from "./cli_util.ts";

/** The `--help` text. */
export const USAGE = `Usage: deno task baseline [--scenario ID]...

Measures each scenario's shipped models on fixed seeds and rewrites scenarios/<name>/baseline.json
(default: every scenario with models), printing what moved. Run it only for an intended change.

  --scenario ID        a scenario to measure (repeatable)
  --help               this text
`;

async function main(args: string[]): Promise<void> {
  const catalog = defaultCatalog();
  const measurable = catalog.deployable().map((e) => e.id);
  const ids = scenarioListFlag(args) ?? measurable;
  for (const id of ids) {
    if (!measurable.includes(id)) {
      throw new CliError(
        `flag --scenario: "${id}" has no shipped models to measure (none in ${
          catalog.get(id).modelsDir
        }/); the scenarios with models: ${measurable.join(", ")}`,
      );
    }
  }
  await initBackend("cpu");
  for (const envId of ids) {
    const entry = catalog.get(envId);
    const episodes = regressionEpisodes(entry);
    const metrics = await measureScenario(entry, episodes);
    const path = baselinePath(entry);
    const old = await readBaseline(path).catch(() => undefined);
    const baseline: ScenarioBaseline = {
      envId,
      episodes,
      seed: 0,
      date: new Date().toISOString(),
      codeVersion: await codeVersion(),
      metrics: Object.fromEntries(
        Object.entries(metrics).map(([k, v]) => [k, { value: v, tolerance: defaultTolerance(v) }]),
      ),
    };
    if (old) {
      const diffs = compareToBaseline(metrics, old);
      console.error(
        diffs.length
          ? `baseline ${envId}: changes\n  ${diffs.join("\n  ")}`
          : `baseline ${envId}: unchanged`,
      );
    }
    await writeFileAtomic(path, JSON.stringify(baseline, null, 2) + "\n");
    console.log(`wrote ${path} (${Object.keys(metrics).length} metrics)`);
  }
}

if (import.meta.main) await runCli("baseline", () => main(Deno.args), USAGE);
