/**
 * `deno task simulate`: the main job. Runs a scenario with the models shipped under
 * `scenarios/<name>/models/` (no training needed): the students on the tfjs WASM backend under the latency
 * model of each node class, over seeded episodes, next to the teacher deployed as-is on the same nodes,
 * the scenario's heuristic baseline and the random policy. Prints a summary table and writes a JSON report
 * (and a map of the fleet as SVG for fleet scenarios).
 *
 * ```sh
 * deno task simulate [--scenario leo-wildfire] [--policy students|teacher|greedy|random] [--episodes 20]
 *                    [--seed 0] [--out DIR] [--serve] [--port 8787]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import "../sim/builtin_envs.ts";
import { listEnvs, makeEnv, resolveEnvId } from "../sim/env/registry.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { RandomController } from "../sim/env/controller.ts";
import type { Controller } from "../sim/env/controller.ts";
import { initBackend } from "../policies/backend.ts";
import { loadPolicySet } from "../policies/model_io.ts";
import { PolicyController } from "../policies/controller.ts";
import { actorCost } from "../policies/cost.ts";
import { releasePolicySet } from "../policies/runtime.ts";
import { evaluateController, type EvaluationReport } from "../distill/evaluate.ts";
import { baselineFor } from "../distill/baselines.ts";
import { actionModeFor, budgetsFor } from "../distill/presets.ts";
import { deployableModelDir, shippedModelDir } from "../distill/shipped.ts";
import { writeFileAtomic } from "../distill/checkpoint.ts";
import { worldMap } from "../viz/svg.ts";
import { CliError, runCli } from "./cli_util.ts";
import { intFlag } from "./train.ts";

const POLICIES = ["students", "teacher", "greedy", "random"] as const;
type PolicyName = typeof POLICIES[number];

interface Row {
  policy: string;
  deployed: boolean;
  report: EvaluationReport;
  classes?: {
    className: string;
    arch: string;
    flops: number;
    latencyMs: number;
    deadlineMs: number;
    missRate: number;
  }[];
  energyJ?: number;
}

async function runPolicy(
  env: MultiAgentEnv,
  envId: string,
  name: PolicyName,
  episodes: number,
  seed: number,
): Promise<Row> {
  if (name === "random" || name === "greedy") {
    const baseline = baselineFor(envId);
    if (name === "greedy" && !baseline) {
      throw new CliError(`scenario "${envId}" has no greedy baseline`);
    }
    const controller: Controller = name === "greedy"
      ? baseline!(env)
      : new RandomController(env.classes, seed);
    return {
      policy: name,
      deployed: false,
      report: evaluateController(env, controller, { episodes, seed }),
    };
  }
  const dir = `${deployableModelDir(envId)}/${name}`;
  const set = await loadPolicySet(dir, {
    expect: { classes: env.classes },
    as: "tfjs",
    critic: false,
  });
  const controller = PolicyController.deployed(
    name,
    set,
    env,
    budgetsFor(envId, env),
    undefined,
    actionModeFor(envId),
  );
  const report = evaluateController(env, controller, { episodes, seed });
  const stats = controller.gate!.stats();
  const row: Row = {
    policy: name,
    deployed: true,
    report,
    classes: env.classes.map((c, i) => {
      const spec = set.classes[i].actor.spec;
      return {
        className: c.name,
        arch: [spec.obsSize + spec.agentIdSize, ...spec.hiddenSizes, spec.numActions].join("-"),
        flops: actorCost(spec).flops,
        latencyMs: stats[i].latencyMs,
        deadlineMs: stats[i].deadlineMs,
        missRate: stats[i].missRate,
      };
    }),
    energyJ: stats.reduce((a, s) => a + s.energyJ, 0) / episodes,
  };
  releasePolicySet(set);
  return row;
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
  if (classRows.length) {
    lines.push(
      "",
      "| policy | node class | network | FLOPs / decision | modelled latency (ms) | deadline (ms) | deadline misses |",
      "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    );
    for (const r of classRows) {
      for (const c of r.classes!) {
        lines.push(
          `| ${r.policy} | ${c.className} | ${c.arch} | ${c.flops.toLocaleString("en-US")} | ${
            f(c.latencyMs, 3)
          } | ${f(c.deadlineMs, 2)} | ${f(c.missRate * 100, 1)}% |`,
        );
      }
    }
  }
  return lines.join("\n");
}

/** The `--help` text. */
export const USAGE = `Usage: deno task simulate [flags]

Runs a scenario's shipped students on their nodes' latency model and compares them with the teacher
deployed as-is, the heuristic and random; prints a summary table and writes report.json, summary.md
and fleet.svg.

  --scenario ID        environment id or fleet scenario name (default leo-wildfire)
  --policy P           students | teacher | greedy | random (default students); greedy is the
                       scenario's heuristic baseline (fleet greedy scheduler, simple_spread optimal
                       assignment, SMAX scripted heuristic)
  --episodes N         seeded episodes (default 20)
  --seed S             first seed (default 0)
  --out DIR            report folder (default out/simulate/<id>)
  --serve              then start the telemetry server
  --port P             its port (default 8787)
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
      serve: { type: "boolean", default: false },
      port: { type: "string", default: "8787" },
    },
    strict: true,
    allowPositionals: false,
  });
  let envId: string;
  try {
    envId = resolveEnvId(values.scenario!);
  } catch {
    throw new CliError(
      `unknown scenario "${values.scenario}"; scenarios: ${listEnvs().map((e) => e.id).join(", ")}`,
    );
  }
  const policy = values.policy as PolicyName;
  if (!POLICIES.includes(policy)) {
    throw new CliError(
      `flag --policy must be one of ${POLICIES.join(", ")}, got "${values.policy}"`,
    );
  }
  const episodes = intFlag("episodes", values.episodes)!;
  const seed = intFlag("seed", values.seed, 0)!;
  const modelsDir = deployableModelDir(envId);
  const needsModels = policy === "students" || policy === "teacher";
  const hasModels = modelsDir !== undefined;
  if (needsModels && !hasModels) {
    throw new CliError(
      `scenario "${envId}" has no shipped models (${
        shippedModelDir(envId)
      }/); use --policy greedy or random, or train your own (README: "Train and distill your own scenario")`,
    );
  }
  if (modelsDir && modelsDir !== shippedModelDir(envId)) {
    console.error(
      `simulate: ${envId} has no models of its own; deploying the node-class policies of ${modelsDir}`,
    );
  }
  await initBackend("wasm");
  const env = makeEnv(envId);
  console.error(
    `simulate: ${envId}, ${episodes} episodes, policy ${policy}${
      needsModels && actionModeFor(envId) === "sample"
        ? " (learned policies sample their actions; see distill/presets.ts)"
        : ""
    }`,
  );
  const order: PolicyName[] = [policy];
  // The comparison every run prints: the teacher deployed as-is on the same nodes, and the baselines.
  if (policy === "students" && hasModels) order.push("teacher");
  if (baselineFor(envId) && policy !== "greedy") order.push("greedy");
  if (policy !== "random") order.push("random");
  const rows: Row[] = [];
  for (const name of order) {
    console.error(`simulate: running ${name}`);
    rows.push(await runPolicy(env, envId, name, episodes, seed));
  }
  const text = summary(envId, rows, episodes);
  console.log(text);
  const outDir = values.out ?? `out/simulate/${envId}`;
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
  const snapshot = (env as { snapshot?: () => Record<string, Record<string, number[]>> })
    .snapshot?.();
  if (snapshot) {
    const pts = (g: Record<string, number[]>) =>
      g.latDeg.map((lat, i) => ({ latDeg: lat, lonDeg: g.lonDeg[i] }));
    await writeFileAtomic(
      `${outDir}/fleet.svg`,
      worldMap(`${envId}: the fleet at the end of the last episode`, [
        { name: "satellites", points: pts(snapshot.satellites), color: "#1f77b4", radius: 2 },
        {
          name: "sensors",
          points: pts(snapshot.sensors),
          color: "#2ca02c",
          radius: 1.5,
          shape: "square",
        },
        {
          name: "ground stations",
          points: pts(snapshot.stations),
          color: "#d62728",
          radius: 4,
          shape: "triangle",
        },
      ]),
    );
  }
  console.error(
    `simulate: wrote ${outDir}/report.json${snapshot ? ` and ${outDir}/fleet.svg` : ""}`,
  );
  if (values.serve) {
    const port = intFlag("port", values.port)!;
    const { startServer } = await import("../server/start_server.ts");
    const server = await startServer({ port, host: "127.0.0.1", handleSignals: true });
    console.error(`simulate: telemetry server at ${server.url} (Ctrl-C to stop)`);
    await server.finished;
  }
  return report;
}

if (import.meta.main) {
  await runCli("simulate", async () => void (await simulateMain(Deno.args)), USAGE);
}
