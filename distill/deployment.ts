/**
 * The deployment evaluation of KD-MARL (`deno task evaluate`, also run by `deno task simulate`): the teacher,
 * every student set, the scenario's heuristic baseline and the random policy, each over the same seeded
 * episodes, reported as
 *
 * - mean per-agent return with a 95% confidence interval, and the environment's final infos;
 * - retention = (student - random) / (teacher - random);
 * - FLOPs per decision per class and the reduction against the teacher;
 * - measured inference time per decision, tfjs WASM at batch 1 and the plain Float32Array path, and the
 *   reduction against the teacher;
 * - under the latency model (each class's nodes and budgets, `policies/latency.ts`): the deadline-miss rate
 *   with its Wilson 95% interval next to the modelled miss probability, the nominal and 99th-percentile
 *   latency, whether the network fits the class's parameter memory and deadline (p99 latency within it),
 *   the inference energy per decision and per episode from compute (`policies/platform_model.ts`), its
 *   share of the node's energy store and the reduction against the teacher, and the team return when
 *   every policy is deployed as-is (a teacher too slow for a node acts late);
 * - on weak nodes: where the teacher misses deadlines on some classes only (a fleet whose satellites can run
 *   it but whose microcontroller sensors cannot), each student set is also deployed on just those classes,
 *   with the teacher on the rest, against the teacher deployed everywhere as-is. Every other node runs the
 *   same network in both, so the difference is what the students do on the weak nodes. Where the teacher
 *   misses on every class this is the whole-fleet comparison above.
 *
 * Output: {@linkcode DeploymentReport} (JSON) and {@linkcode deploymentMarkdown}.
 *
 * @example
 * ```ts
 * import { deploymentMarkdown, evaluateDeployment } from "./deployment.ts";
 * import { presetFor } from "./presets.ts";
 * import { Actor } from "../policies/actor.ts";
 * import { initBackend } from "../policies/backend.ts";
 * import { savePolicySet } from "../policies/model_io.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * await initBackend("cpu");
 * // Two untrained policy sets saved as model folders: a 32-32 "teacher" and 4-unit "students".
 * const root = await Deno.makeTempDir();
 * const provenance = { command: "example", seed: 0, steps: 0, date: "2026-01-01", codeVersion: "x" };
 * for (const [name, hidden] of [["teacher", [32, 32]], ["students", [4]]] as const) {
 *   const classes = new MatchingEnv().classes.map((c, i) => ({ name: c.name, actor: new Actor(
 *     { obsSize: c.obsSize, agentIdSize: 0, numActions: c.numActions, hiddenSizes: [...hidden],
 *       activation: "tanh", kind: "mlp" }, { seed: i, name: `${name}_${c.name}` }) }));
 *   await savePolicySet(`${root}/${name}`, { classes }, { provenance });
 *   for (const c of classes) c.actor.dispose();
 * }
 * const report = await evaluateDeployment({
 *   scenario: { id: "toy/matching", make: () => new MatchingEnv(), preset: presetFor("toy/matching") },
 *   teacherDir: `${root}/teacher`,
 *   students: [{ name: "students", dir: `${root}/students` }], episodes: 20, skipTiming: true,
 * });
 * console.log(deploymentMarkdown(report));
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @module
 */

import { Actor } from "../policies/actor.ts";
import { type ActionMode, PolicyController } from "../policies/controller.ts";
import type { ActorSpec } from "../policies/actor.ts";
import { actorCost, archLabel } from "../policies/cost.ts";
import { disposePolicySet, expectationFor, loadPolicySet } from "../policies/model_io.ts";
import type { PlainActor } from "../policies/plain.ts";
import type { PolicySet } from "../policies/policy_set.ts";
import type { GateStats } from "../policies/latency.ts";
import { measureActorLatency } from "../policies/runtime.ts";
import { releasePolicySet } from "../policies/runtime.ts";
import type { ComputeBudget } from "../sim/budget.ts";
import { RandomController } from "../sim/env/controller.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import {
  evaluateController,
  type EvaluationReport,
  pairedDifference,
  pairedWinDifference,
  retention,
  winRate,
} from "./evaluate.ts";
import { actionModeOf, budgetsOf, type ScenarioEntry } from "./scenario.ts";

/** A policy to evaluate: a model folder under a display name. */
export interface PolicyEntry {
  /** Display name, e.g. `"students"`, `"bc-only"`. */
  name: string;
  /** Model folder (policy set). */
  dir: string;
}

/** Options of {@linkcode evaluateDeployment}. */
export interface DeploymentOptions {
  /** The scenario (its environment, heuristic baseline, budgets and action mode). */
  scenario: Pick<ScenarioEntry, "id" | "make" | "heuristic" | "preset">;
  /** Teacher model folder. */
  teacherDir: string;
  /** Student model folders. */
  students: readonly PolicyEntry[];
  /** Episodes per policy (default 100). */
  episodes?: number;
  /** Evaluation seed (default 0). */
  seed?: number;
  /** Per-class budgets (default: the environment's or the preset deployment). */
  budgets?: readonly ComputeBudget[];
  /** How the learned policies pick actions (default: the preset's, see `actionModeOf`). */
  actions?: ActionMode;
  /** Skip the latency measurements (tests). */
  skipTiming?: boolean;
  /** Called with progress messages. */
  onProgress?: (message: string) => void;
}

/** Per-class figures of one policy. */
export interface ClassFigures {
  /** Class name. */
  className: string;
  /** Architecture label, e.g. `"18-16-16-5"`. */
  arch: string;
  /** FLOPs per decision. */
  flops: number;
  /** Teacher FLOPs / these FLOPs. */
  flopsReduction: number;
  /** Parameters. */
  params: number;
  /** Measured median ms per decision, tfjs WASM batch 1. */
  wasmMs?: number;
  /** Measured median ms per decision, plain Float32Array path. */
  plainMs?: number;
  /** Teacher's plain-path time / this. */
  plainSpeedup?: number;
  /** Parameter bytes (float32). */
  paramBytes: number;
  /** Nominal (median) decision latency on the class's nodes, ms. */
  modelledMs: number;
  /** 99th percentile of the decision latency, ms. */
  p99Ms: number;
  /** The class's deadline, ms. */
  deadlineMs: number;
  /** Modelled probability that a decision misses the deadline. */
  missProbability: number;
  /** Share of decisions that missed the deadline when deployed. */
  missRate: number;
  /** Wilson 95% interval of `missRate`. */
  missRateCi95: [number, number];
  /** Decisions the miss rate is measured over. */
  decisions: number;
  /** Parameters fit the class's parameter memory. */
  fitsMemory: boolean;
  /** The 99th-percentile latency is within the deadline (miss probability <= 1%). */
  fitsDeadline: boolean;
  /** Inference energy of one decision, joules. */
  energyPerDecisionJ: number;
  /** Inference energy per episode of one node of the class, joules. */
  nodeEnergyPerEpisodeJ: number;
  /** `nodeEnergyPerEpisodeJ` / the node's energy store (absent when the store is not modelled). */
  energyShare?: number;
  /** Teacher's inference energy per episode on this class / this one's. */
  energyReduction?: number;
}

/** Figures of one policy. */
export interface PolicyFigures {
  /** Display name. */
  name: string;
  /** `"teacher"`, `"students"`, `"baseline"` or `"random"`. */
  kind: "teacher" | "students" | "baseline" | "random";
  /** Ideal execution (no latency model). */
  ideal: EvaluationReport;
  /** Deployed under the latency model (learned policies only). */
  deployed?: EvaluationReport;
  /** Retention of the ideal return against the teacher, random-normalised. */
  retention?: number;
  /** Retention of the deployed return against the teacher's ideal return. */
  deployedRetention?: number;
  /** Per-class figures (learned policies only). */
  classes?: ClassFigures[];
  /** Inference energy per episode when deployed, joules. */
  inferenceEnergyJ?: number;
  /**
   * Students on the weak classes only (where the deployed teacher misses deadlines), the teacher on the
   * others, under the latency model; absent when the teacher meets every deadline or misses on every
   * class (then `deployed` is this comparison).
   */
  weakNodes?: { classes: string[]; deployed: EvaluationReport };
}

/** The whole evaluation. */
export interface DeploymentReport {
  /** Environment id. */
  envId: string;
  /** Episodes per policy. */
  episodes: number;
  /** Evaluation seed. */
  seed: number;
  /** Budgets per class. */
  budgets: { className: string; budget: ComputeBudget }[];
  /** How the learned policies picked actions. */
  actions: ActionMode;
  /** One entry per policy, teacher first. */
  policies: PolicyFigures[];
  /** ISO date. */
  date: string;
}

/**
 * The figures of one class under the platform model from its gate statistics over `episodes` episodes
 * (no timing measurement; `flopsReduction` against `teacherSpec`).
 *
 * @example
 * ```ts
 * import { gateClassFigures } from "./deployment.ts";
 * import { LatencyGate } from "../policies/latency.ts";
 * const spec = { obsSize: 4, agentIdSize: 0, numActions: 2, hiddenSizes: [8], activation: "tanh" as const,
 *   kind: "mlp" as const };
 * const budget = { flopsPerSecond: 1e6, paramMemoryBytes: 1e4, deadlineMs: 1, overheadMs: 0,
 *   activePowerW: 1, wakeEnergyJ: 0, latencySigma: 0 };
 * const gate = new LatencyGate([{ name: "n", count: 1, budget, flopsPerDecision: 100 }]);
 * gate.filter([Int32Array.of(1)]);
 * const f = gateClassFigures({ name: "n", count: 1 }, spec, spec, gate.stats()[0], budget, 1);
 * console.assert(f.fitsMemory && f.missRate === 0);
 * ```
 */
export function gateClassFigures(
  cls: { name: string; count: number },
  spec: ActorSpec,
  teacherSpec: ActorSpec,
  s: GateStats,
  budget: ComputeBudget,
  episodes: number,
): ClassFigures {
  const cost = actorCost(spec);
  const nodeEnergy = cls.count > 0 ? s.energyJ / episodes / cls.count : 0;
  const store = budget.energyStoreJ;
  return {
    className: cls.name,
    arch: archLabel(spec),
    flops: cost.flops,
    flopsReduction: actorCost(teacherSpec).flops / cost.flops,
    params: cost.params,
    paramBytes: cost.paramBytesF32,
    modelledMs: s.latencyMs,
    p99Ms: s.p99LatencyMs,
    deadlineMs: s.deadlineMs,
    missProbability: s.missProbability,
    missRate: s.missRate,
    missRateCi95: s.missRateCi95,
    decisions: s.decisions,
    fitsMemory: cost.paramBytesF32 <= budget.paramMemoryBytes,
    fitsDeadline: s.p99LatencyMs <= s.deadlineMs,
    energyPerDecisionJ: s.energyPerDecisionJ,
    nodeEnergyPerEpisodeJ: nodeEnergy,
    ...(store !== undefined ? { energyShare: nodeEnergy / store } : {}),
  };
}

/** Evaluates a deployed controller and collects its gate's miss rates and energy. */
function evaluateDeployed(
  env: MultiAgentEnv,
  name: string,
  set: PolicySet,
  budgets: readonly ComputeBudget[],
  episodes: number,
  seed: number,
  actions: ActionMode,
): { report: EvaluationReport; stats: GateStats[]; energyPerEpisode: number } {
  const controller = PolicyController.deployed(name, set, env, budgets, undefined, actions);
  const report = evaluateController(env, controller, { episodes, seed });
  const stats = controller.gate!.stats();
  return { report, stats, energyPerEpisode: stats.reduce((a, s) => a + s.energyJ, 0) / episodes };
}

/** Runs the deployment evaluation (see module docs). */
export async function evaluateDeployment(options: DeploymentOptions): Promise<DeploymentReport> {
  const episodes = options.episodes ?? 100;
  const seed = options.seed ?? 0;
  const scenario = options.scenario;
  const env = scenario.make();
  const budgets = options.budgets ?? budgetsOf(scenario, env);
  const actions = options.actions ?? actionModeOf(scenario);
  const expect = expectationFor(env);
  const log = options.onProgress ?? (() => {});
  const teacherTf = await loadPolicySet(options.teacherDir, { expect, as: "tfjs", critic: false });
  const teacher = await loadPolicySet(options.teacherDir, { expect, as: "plain" });
  const policies: PolicyFigures[] = [];

  const classFigures = (
    tfSet: PolicySet,
    plainSet: PolicySet,
    stats: GateStats[],
  ): ClassFigures[] =>
    env.classes.map((c, i) => {
      const figures = gateClassFigures(
        c,
        plainSet.classes[i].actor.spec,
        teacher.classes[i].actor.spec,
        stats[i],
        budgets[i],
        episodes,
      );
      if (!options.skipTiming) {
        const wasmActor = tfSet.classes[i].actor;
        if (wasmActor instanceof Actor) {
          figures.wasmMs = measureActorLatency(wasmActor, { samples: 200 }).medianMs;
        }
        const plainActor = plainSet.classes[i].actor as PlainActor;
        figures.plainMs =
          measureActorLatency(plainActor, { samples: 200, callsPerSample: 200 }).medianMs;
      }
      return figures;
    });

  log("evaluating the teacher");
  const teacherIdeal = evaluateController(
    env,
    new PolicyController("teacher", teacher, { actions }),
    {
      episodes,
      seed,
    },
  );
  const teacherDeployed = evaluateDeployed(
    env,
    "teacher",
    teacher,
    budgets,
    episodes,
    seed,
    actions,
  );
  const teacherFigures: PolicyFigures = {
    name: "teacher",
    kind: "teacher",
    ideal: teacherIdeal,
    deployed: teacherDeployed.report,
    classes: classFigures(teacherTf, teacher, teacherDeployed.stats),
    inferenceEnergyJ: teacherDeployed.energyPerEpisode,
  };
  policies.push(teacherFigures);

  log("evaluating the random policy");
  const random = evaluateController(env, new RandomController(env.classes, seed), {
    episodes,
    seed,
  });
  if (scenario.heuristic) {
    log("evaluating the baseline");
    const b = scenario.heuristic.make(env);
    policies.push({
      name: b.name,
      kind: "baseline",
      ideal: evaluateController(env, b, { episodes, seed }),
    });
  }
  // Classes whose nodes cannot run the teacher in time.
  const weak = teacherDeployed.stats.map((s) => s.missProbability > 0.01);
  const partlyWeak = weak.some(Boolean) && !weak.every(Boolean);
  for (const entry of options.students) {
    log(`evaluating ${entry.name}`);
    const tfSet = await loadPolicySet(entry.dir, { expect, as: "tfjs", critic: false });
    const plainSet = await loadPolicySet(entry.dir, { expect, as: "plain" });
    const ideal = evaluateController(env, new PolicyController(entry.name, plainSet, { actions }), {
      episodes,
      seed,
    });
    const deployed = evaluateDeployed(
      env,
      entry.name,
      plainSet,
      budgets,
      episodes,
      seed,
      actions,
    );
    const classes = classFigures(tfSet, plainSet, deployed.stats);
    classes.forEach((c, i) => {
      const t = teacherFigures.classes![i];
      if (t.plainMs !== undefined && c.plainMs) c.plainSpeedup = t.plainMs / c.plainMs;
      if (c.nodeEnergyPerEpisodeJ > 0) {
        c.energyReduction = t.nodeEnergyPerEpisodeJ / c.nodeEnergyPerEpisodeJ;
      }
    });
    let weakNodes: PolicyFigures["weakNodes"];
    if (partlyWeak) {
      log(`evaluating ${entry.name} on the weak nodes`);
      const mixed: PolicySet = {
        classes: env.classes.map((_, i) => weak[i] ? plainSet.classes[i] : teacher.classes[i]),
        label: `${entry.name} on weak nodes, teacher elsewhere`,
      };
      weakNodes = {
        classes: env.classes.filter((_, i) => weak[i]).map((c) => c.name),
        deployed:
          evaluateDeployed(env, `${entry.name}+teacher`, mixed, budgets, episodes, seed, actions)
            .report,
      };
    }
    policies.push({
      name: entry.name,
      kind: "students",
      ideal,
      deployed: deployed.report,
      retention: retention(ideal.mean, teacherIdeal.mean, random.mean),
      deployedRetention: retention(deployed.report.mean, teacherIdeal.mean, random.mean),
      classes,
      inferenceEnergyJ: deployed.energyPerEpisode,
      ...(weakNodes ? { weakNodes } : {}),
    });
    releasePolicySet(tfSet);
    disposePolicySet(tfSet);
  }
  teacherFigures.deployedRetention = retention(
    teacherDeployed.report.mean,
    teacherIdeal.mean,
    random.mean,
  );
  teacherFigures.retention = 1;
  for (const p of policies) {
    if (p.kind === "baseline") {
      p.retention = retention(p.ideal.mean, teacherIdeal.mean, random.mean);
    }
  }
  policies.push({ name: "random", kind: "random", ideal: random, retention: 0 });
  releasePolicySet(teacherTf);
  disposePolicySet(teacherTf);
  return {
    envId: scenario.id,
    episodes,
    seed,
    budgets: env.classes.map((c, i) => ({ className: c.name, budget: budgets[i] })),
    actions,
    policies,
    date: new Date().toISOString(),
  };
}

const f = (x: number | undefined, digits = 2) =>
  x === undefined || !Number.isFinite(x) ? "" : x.toFixed(digits);

/** The report as markdown tables: returns, then per-class cost and timing. */
export function deploymentMarkdown(report: DeploymentReport): string {
  const lines = [
    `Evaluation of \`${report.envId}\`: ${report.episodes} seeded episodes per policy (seed ${report.seed}), ${
      report.date.slice(0, 10)
    }. Returns are mean per-agent episode returns with 95% confidence intervals; retention is (policy - random) / (teacher - random). Learned policies act ${
      report.actions === "sample" ? "by sampling their action distributions" : "greedily (argmax)"
    }.`,
    "",
    "| policy | return (ideal) | retention | return deployed under latency model | retention deployed | inference energy / episode (J) |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const p of report.policies) {
    lines.push(
      `| ${p.name} | ${f(p.ideal.mean)} ± ${f(p.ideal.ci95)} | ${
        p.retention === undefined ? "" : `${f(p.retention * 100, 1)}%`
      } | ${p.deployed ? `${f(p.deployed.mean)} ± ${f(p.deployed.ci95)}` : ""} | ${
        p.deployedRetention === undefined ? "" : `${f(p.deployedRetention * 100, 1)}%`
      } | ${p.inferenceEnergyJ === undefined ? "" : p.inferenceEnergyJ.toExponential(2)} |`,
    );
  }
  // Win rates (SMAX): 95% Wilson intervals, and each learned policy against the heuristic, paired.
  const baselinePolicy = report.policies.find((p) => p.kind === "baseline");
  if (report.policies.every((p) => p.ideal.wins)) {
    lines.push(
      "",
      `| policy | win rate (ideal), 95% CI | win rate deployed, 95% CI | ${
        baselinePolicy ? `minus ${baselinePolicy.name} (paired, points)` : ""
      } |`,
      "| --- | ---: | ---: | ---: |",
    );
    const pct = (w: { rate: number; low: number; high: number }) =>
      `${f(w.rate * 100, 1)}% (${f(w.low * 100, 1)}-${f(w.high * 100, 1)})`;
    for (const p of report.policies) {
      const vs = baselinePolicy && p !== baselinePolicy
        ? pairedWinDifference(p.ideal, baselinePolicy.ideal)
        : undefined;
      lines.push(
        `| ${p.name} | ${pct(winRate(p.ideal))} | ${
          p.deployed?.wins ? pct(winRate(p.deployed)) : ""
        } | ${
          vs ? `${vs.mean >= 0 ? "+" : ""}${f(vs.mean * 100, 1)} ± ${f(vs.ci95 * 100, 1)}` : ""
        } |`,
      );
    }
  }
  const teacherDeployed = report.policies.find((p) => p.kind === "teacher")?.deployed;
  for (const p of report.policies) {
    if (!p.weakNodes || !teacherDeployed) continue;
    const diff = pairedDifference(p.weakNodes.deployed, teacherDeployed);
    lines.push(
      "",
      `Weak nodes (${
        p.weakNodes.classes.join(", ")
      }: the teacher misses their deadlines): ${p.name} there and the teacher elsewhere score ${
        f(p.weakNodes.deployed.mean)
      } ± ${f(p.weakNodes.deployed.ci95)} under the latency model, against ${
        f(teacherDeployed.mean)
      } ± ${
        f(teacherDeployed.ci95)
      } for the teacher deployed everywhere as-is; paired over the same episodes the difference is ${
        f(diff.mean, 3)
      } ± ${f(diff.ci95, 3)}.`,
    );
  }
  lines.push(
    "",
    "| policy | class | network | FLOPs / decision | FLOPs reduction | params | WASM batch-1 (µs) | plain path (µs) | plain speed-up |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const p of report.policies) {
    for (const c of p.classes ?? []) {
      lines.push(
        `| ${p.name} | ${c.className} | ${c.arch} | ${c.flops.toLocaleString("en-US")} | ${
          f(c.flopsReduction, 1)
        }x | ${c.params.toLocaleString("en-US")} | ${
          f(c.wasmMs === undefined ? undefined : c.wasmMs * 1000, 1)
        } | ${f(c.plainMs === undefined ? undefined : c.plainMs * 1000, 3)} | ${
          c.plainSpeedup === undefined ? "" : `${f(c.plainSpeedup, 1)}x`
        } |`,
      );
    }
  }
  lines.push("", deploymentClassTables(report.policies));
  return lines.join("\n");
}

/** Percent with enough digits for small rates. */
function pct(x: number): string {
  if (x === 0) return "0%";
  if (x < 1e-9) return "< 1e-7%";
  const v = x * 100;
  return v >= 1 ? `${v.toFixed(1)}%` : v >= 0.01 ? `${v.toFixed(2)}%` : `${v.toExponential(1)}%`;
}

/**
 * The per-class tables under the platform model, shared by `evaluate` and `simulate`: latency against
 * deadline with the measured miss rate and its Wilson 95% interval, the fit to memory and deadline, and the
 * inference energy per decision and per node-episode, its share of the node's energy store and the
 * reduction against the teacher.
 *
 * @example
 * ```ts
 * import { deploymentClassTables } from "./deployment.ts";
 * console.assert(deploymentClassTables([]).includes("miss rate"));
 * ```
 */
export function deploymentClassTables(
  policies: readonly { name: string; classes?: readonly ClassFigures[] }[],
): string {
  const lines = [
    "| policy | class | latency median / p99 (ms) | deadline (ms) | miss rate [95% CI] | modelled miss probability | fits memory | fits deadline (p99) |",
    "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  for (const p of policies) {
    for (const c of p.classes ?? []) {
      lines.push(
        `| ${p.name} | ${c.className} | ${f(c.modelledMs, 3)} / ${f(c.p99Ms, 3)} | ${
          f(c.deadlineMs, 2)
        } | ${pct(c.missRate)} [${pct(c.missRateCi95[0])}, ${pct(c.missRateCi95[1])}] of ${
          c.decisions.toLocaleString("en-US")
        } | ${pct(c.missProbability)} | ${c.fitsMemory ? "yes" : "**no**"} (${
          c.paramBytes.toLocaleString("en-US")
        } B) | ${c.fitsDeadline ? "yes" : "**no**"} |`,
      );
    }
  }
  lines.push(
    "",
    "| policy | class | inference energy / decision (J) | per node per episode (J) | share of node's energy store | energy reduction vs teacher |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
  );
  for (const p of policies) {
    for (const c of p.classes ?? []) {
      lines.push(
        `| ${p.name} | ${c.className} | ${c.energyPerDecisionJ.toExponential(2)} | ${
          c.nodeEnergyPerEpisodeJ.toExponential(2)
        } | ${c.energyShare === undefined ? "-" : pct(c.energyShare)} | ${
          c.energyReduction === undefined ? "" : `${f(c.energyReduction, 1)}x`
        } |`,
      );
    }
  }
  return lines.join("\n");
}
