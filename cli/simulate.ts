/**
 * `deno task simulate`: the main job. Runs a scenario with the models shipped under
 * `scenarios/<name>/models/` (no training needed): the students on the tfjs WASM backend under the latency
 * model of each node class, over seeded episodes, next to the teacher deployed as-is on the same nodes,
 * the scenario's heuristic baseline and the random policy. Prints a summary table and, per node class, the
 * platform model's figures (`deploymentClassTables` in `distill/deployment.ts`: median and p99 latency
 * against the deadline, the miss rate with its Wilson 95% interval, the fit to memory and deadline, the
 * inference energy per node-episode from compute, its share of the node's energy store and its
 * reduction against the teacher), and writes a JSON report (and a map of the fleet as SVG for fleet
 * scenarios).
 *
 * ```sh
 * deno task simulate [--scenario leo-wildfire] [--policy students|teacher|baseline|random] [--episodes 20]
 *                    [--seed 0] [--out DIR] [--record FILE] [--czml FILE] [--serve] [--port 8787]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { initBackend } from "../policies/backend.ts";
import { loadPolicySet } from "../policies/model_io.ts";
import type { ActorSpec } from "../policies/actor.ts";
import {
  type ClassFigures,
  deploymentClassTables,
  gateClassFigures,
} from "../distill/deployment.ts";
import { evaluateController, type EvaluationReport } from "../distill/evaluate.ts";
import {
  actionModeOf,
  budgetsOf,
  deployableModelsDir,
  type ScenarioEntry,
} from "../distill/scenario.ts";
import {
  deployPolicy,
  POLICY_NAMES,
  type PolicyName,
  policyName,
  UnknownPolicyError,
} from "../catalog/mod.ts";
import { writeFileAtomic } from "../sim/atomic_write.ts";
import { fleetMap } from "../viz/world_map.ts";
import { fleetMapData } from "../viz/fleet_map_data.ts";
import { FleetEnv } from "../sim/fleet/env.ts";
import { recordEnv, RecordingFile } from "../sim/env/recording.ts";
import { tapEnv } from "../sim/env/tap.ts";
import { FleetTimeline, sitesGeoJson } from "../viz/czml.ts";
import {
  checkWritableDir,
  CliError,
  intFlag,
  MAX_EPISODES,
  MAX_SEED,
  runCli,
  scenarioFlag,
} from "./cli_util.ts";
import { checkCanListen, listenFlags, startServerCli } from "./serve.ts";

interface Row {
  policy: string;
  deployed: boolean;
  report: EvaluationReport;
  classes?: ClassFigures[];
  energyJ?: number;
}

/** The deployable teacher's actor specs (for the FLOPs reduction of every deployed policy). */
async function loadTeacherSpecs(env: MultiAgentEnv, dir: string): Promise<ActorSpec[]> {
  const teacher = await loadPolicySet(`${dir}/teacher`, {
    expect: { classes: env.classes },
    as: "plain",
  });
  return teacher.classes.map((c) => c.actor.spec);
}

async function runPolicy(
  env: MultiAgentEnv,
  entry: ScenarioEntry,
  name: PolicyName,
  episodes: number,
  seed: number,
): Promise<Row> {
  const policy = await deployPolicy(entry, name, env, { seed });
  try {
    const report = evaluateController(env, policy.controller, { episodes, seed });
    if (!policy.set || !policy.modelsDir || !policy.gate) {
      return { policy: name, deployed: false, report };
    }
    const set = policy.set;
    const teacherSpecs = await loadTeacherSpecs(env, policy.modelsDir);
    const stats = policy.gate.stats();
    const budgets = budgetsOf(entry, env);
    return {
      policy: name,
      deployed: true,
      report,
      classes: env.classes.map((c, i) =>
        gateClassFigures(
          c,
          set.classes[i].actor.spec,
          teacherSpecs[i],
          stats[i],
          budgets[i],
          episodes,
        )
      ),
      energyJ: stats.reduce((a, s) => a + s.energyJ, 0) / episodes,
    };
  } finally {
    policy.release();
  }
}

function summary(envId: string, rows: Row[], episodes: number): string {
  const f = (x: number | undefined, d = 2) =>
    x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d);
  const keys = [
    "delivered",
    "expired",
    "arrived",
    "valueDelivered",
    "energyJ",
    "won",
    "collisions",
    "minDistSum",
  ];
  const present = keys.filter((k) => rows.some((r) => r.report.infos[k] !== undefined));
  const lines = [
    `${envId}: ${episodes} seeded episodes per policy; return = mean per-agent episode return, 95% CI.`,
    "",
    `| policy | deployment | return | ${
      present.map((k) => `${k} / episode`).join(" | ")
    } | inference energy / episode (J) |`,
    `| --- | --- | ---: |${present.map(() => " ---: |").join("")} ---: |`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.policy} | ${r.deployed ? "latency model (WASM)" : "ideal"} | ${f(r.report.mean)} ± ${
        f(r.report.ci95)
      } | ${present.map((k) => f(r.report.infos[k], 1)).join(" | ")} | ${
        r.energyJ === undefined ? "-" : r.energyJ.toExponential(2)
      } |`,
    );
  }
  const classRows = rows.filter((r) => r.classes);
  const teacherRow = rows.find((r) => r.policy === "teacher");
  for (const r of classRows) {
    if (r === teacherRow || !teacherRow?.classes) continue;
    r.classes!.forEach((c, i) => {
      const t = teacherRow.classes![i];
      if (c.nodeEnergyPerEpisodeJ > 0) {
        c.energyReduction = t.nodeEnergyPerEpisodeJ / c.nodeEnergyPerEpisodeJ;
      }
    });
  }
  if (classRows.length) {
    lines.push(
      "",
      "| policy | node class | network | FLOPs / decision |",
      "| --- | --- | --- | ---: |",
    );
    for (const r of classRows) {
      for (const c of r.classes!) {
        lines.push(
          `| ${r.policy} | ${c.className} | ${c.arch} | ${c.flops.toLocaleString("en-US")} |`,
        );
      }
    }
    lines.push(
      "",
      deploymentClassTables(classRows.map((r) => ({ name: r.policy, classes: r.classes }))),
    );
  }
  return lines.join("\n");
}

/** The `--help` text. */
export const USAGE = `Usage: deno task simulate [flags]

Runs a scenario's shipped students on their nodes' latency model and compares them with the teacher
deployed as-is, the heuristic and random; prints a summary table and writes report.json, summary.md
and fleet.svg.

  --scenario ID        environment id, fleet scenario name or scenario file (*.json; default
                       leo-wildfire)
  --policy P           ${POLICY_NAMES.join(" | ")} (default students); baseline is the
                       scenario's heuristic (fleet greedy scheduler, simple_spread optimal assignment,
                       SMAX scripted heuristic); greedy is another name of baseline
  --episodes N         seeded episodes, 1..1000000 (default 20)
  --seed S             first seed, 0..2147483647 (default 0)
  --out DIR            report folder (default out/simulate/<id>)
  --record FILE        also write every step of the --policy run's episodes (observations, actions,
                       rewards, infos) to FILE as NDJSON, or as Parquet when FILE ends in .parquet
                       (schema fleetkd.recording/1, README)
  --czml FILE          fleet scenarios: also write the --policy run's last episode as CZML for Cesium
  --serve              then start the telemetry server
  --port P             its port, 0..65535 (default 8787; only with --serve)
  --help               this text
`;

/** Runs the simulate job for `args`; returns the report object. */
export async function simulateMain(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      scenario: { type: "string", default: "leo-wildfire" },
      policy: { type: "string", default: "students" },
      episodes: { type: "string", default: "20" },
      seed: { type: "string", default: "0" },
      out: { type: "string" },
      record: { type: "string" },
      czml: { type: "string" },
      serve: { type: "boolean", default: false },
      port: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const { envId, entry, make } = scenarioFlag(values.scenario!);
  let policy: PolicyName;
  try {
    policy = policyName(values.policy!);
  } catch (e) {
    if (!(e instanceof UnknownPolicyError)) throw e;
    throw new CliError(`flag --${e.message}`);
  }
  const episodes = intFlag("episodes", values.episodes, 1, MAX_EPISODES)!;
  const seed = intFlag("seed", values.seed, 0, MAX_SEED)!;
  if (values.port !== undefined && !values.serve) {
    throw new CliError("flag --port is the telemetry server's port: it needs --serve");
  }
  const listen = values.serve ? listenFlags({ port: values.port }) : undefined;
  const modelsDir = deployableModelsDir(entry);
  const needsModels = policy === "students" || policy === "teacher";
  const hasModels = modelsDir !== undefined;
  if (needsModels && !hasModels) {
    throw new CliError(
      `scenario "${envId}" has no shipped models (${entry.modelsDir}/); use --policy ${
        entry.heuristic ? "baseline or " : ""
      }random, or train your own (README: "Train and distill your own scenario")`,
    );
  }
  if (policy === "baseline" && !entry.heuristic) {
    throw new CliError(
      `flag --policy: scenario "${envId}" has no heuristic baseline; use ${
        hasModels ? "students, teacher or " : ""
      }random`,
    );
  }
  if (modelsDir && modelsDir !== entry.modelsDir) {
    console.error(
      `simulate: ${envId} has no models of its own; deploying the node-class policies of ${modelsDir}`,
    );
  }
  const outDir = values.out ?? `out/simulate/${envId}`;
  await checkWritableDir("out", outDir);
  if (listen) checkCanListen(listen);
  await initBackend("wasm");
  const env = make();
  console.error(
    `simulate: ${envId}, ${episodes} episodes, policy ${policy}${
      needsModels && actionModeOf(entry) === "sample"
        ? " (learned policies sample their actions; see distill/presets.ts)"
        : ""
    }`,
  );
  const order: PolicyName[] = [policy];
  // The comparison every run prints: the teacher deployed as-is on the same nodes, and the baselines.
  if (policy === "students" && hasModels) order.push("teacher");
  if (entry.heuristic && policy !== "baseline") order.push("baseline");
  if (policy !== "random") order.push("random");
  const rows: Row[] = [];
  // The recording opens before any work, so an unwritable path fails first; it is renamed into place
  // only when the run completes.
  const fleetEnv = env instanceof FleetEnv ? env : undefined;
  if (values.czml && !fleetEnv) {
    throw new CliError(
      `flag --czml: scenario "${envId}" is not a fleet scenario (no positions to write)`,
    );
  }
  const timeline = values.czml && fleetEnv ? new FleetTimeline(fleetEnv) : undefined;
  let recording: RecordingFile | undefined;
  try {
    recording = values.record ? new RecordingFile(values.record) : undefined;
  } catch (e) {
    throw new CliError(`flag --record: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    for (const name of order) {
      console.error(`simulate: running ${name}`);
      let runEnv: MultiAgentEnv = env;
      if (name === policy && recording) {
        runEnv = recordEnv(runEnv, recording, {
          policy,
          seed,
          episodes,
          command: `simulate ${args.join(" ")}`,
        });
      }
      if (name === policy && timeline) runEnv = tapEnv(runEnv, timeline.tap);
      rows.push(await runPolicy(runEnv, entry, name, episodes, seed));
    }
  } catch (e) {
    recording?.abort();
    throw e;
  }
  recording?.close();
  if (recording) console.error(`simulate: recorded the ${policy} episodes to ${values.record}`);
  const text = summary(envId, rows, episodes);
  console.log(text);
  const report = {
    envId,
    episodes,
    seed,
    date: new Date().toISOString(),
    rows: rows.map((r) => ({
      policy: r.policy,
      deployed: r.deployed,
      mean: r.report.mean,
      ci95: r.report.ci95,
      returns: r.report.returns,
      infos: r.report.infos,
      classes: r.classes,
      inferenceEnergyJ: r.energyJ,
    })),
  };
  await writeFileAtomic(`${outDir}/report.json`, JSON.stringify(report, null, 2) + "\n");
  await writeFileAtomic(`${outDir}/summary.md`, text + "\n");
  const fleet = fleetEnv;
  if (timeline) {
    await writeFileAtomic(
      values.czml!,
      JSON.stringify(
        timeline.toCzml(`${envId}: last ${policy} episode (reset seed ${timeline.seed})`),
      ) +
        "\n",
    );
    console.error(`simulate: wrote the last ${policy} episode as CZML to ${values.czml}`);
  }
  if (fleet) {
    await writeFileAtomic(
      `${outDir}/sites.geojson`,
      JSON.stringify(sitesGeoJson(fleet), null, 1) + "\n",
    );
    await writeFileAtomic(
      `${outDir}/fleet.svg`,
      fleetMap(fleetMapData(fleet, `${envId}: the fleet at the end of the last ${policy} episode`)),
    );
  }
  console.error(
    `simulate: wrote ${outDir}/report.json${
      fleet ? `, ${outDir}/fleet.svg and ${outDir}/sites.geojson` : ""
    }`,
  );
  if (listen) {
    const server = await startServerCli({ ...listen, handleSignals: true });
    console.error(`simulate: telemetry server at ${server.url} (Ctrl-C to stop)`);
    await server.finished;
  }
  return report;
}

if (import.meta.main) {
  await runCli("simulate", async () => void (await simulateMain(Deno.args)), USAGE);
}
