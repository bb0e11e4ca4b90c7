/**
 * `deno task distill`: distills one budget-sized student per node class from a trained teacher (KD-MARL
 * stage 2).
 *
 * ```sh
 * deno task distill --teacher DIR --scenario mpe/simple_spread [--out DIR] [--resume] [--steps N] [--seed S]
 *                   [--weights pg=0.5,kl=1,ce=0.5,relation=1,role=0.1] [--min-reduction 20] [--transfer]
 *                   [--lr START[:END]] [--obs-entities enemies=1,allies=1|auto] [--obs-range R] [--quiet]
 * ```
 *
 * `--teacher` is a teacher model folder (`runs/<id>/teacher/model`) or a training output folder holding
 * `model/`. The default output is `runs/<scenario id>/students`. `--transfer` distills from a teacher
 * trained on another scenario of the same node classes (its actors only: no critic for this scenario,
 * so the policy-gradient term is off), e.g. mega-shell's students from leo-wildfire's teacher.
 * `--obs-entities` / `--obs-range` give the students an observation budget (`policies/observation_view.ts`;
 * smax/*, mpe/simple_spread, the fleet scenarios): see {@linkcode parseObservationFlags}.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { initBackend } from "../policies/backend.ts";
import { runStudentDistillation } from "../distill/student_run.ts";
import type { KdWeights } from "../distill/kd_config.ts";
import { type ObservationBudget, parseEntityBudget } from "../policies/observation_view.ts";
import {
  checkWritableDir,
  CliError,
  intFlag,
  lrFlag,
  MAX_SEED,
  MAX_STEPS,
  resumeFlags,
  runCli,
  scenarioFlag,
} from "./cli_util.ts";

/** Parses `pg=0.5,kl=1,...` into loss weights. */
export function parseWeights(text: string): Partial<KdWeights> {
  const out: Record<string, number> = {};
  const known = ["pg", "kl", "ce", "relation", "role"];
  for (const part of text.split(",")) {
    const [key, value] = part.split("=");
    const v = Number(value);
    if (!known.includes(key)) {
      throw new CliError(`flag --weights: unknown term "${key}", terms are ${known.join(", ")}`);
    }
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new CliError(`flag --weights: "${key}" must be a number >= 0, got "${value}"`);
    }
    out[key] = v;
  }
  return out as Partial<KdWeights>;
}

/**
 * Parses `--obs-entities` and `--obs-range` into per-class observation budgets. `--obs-entities` is
 * `name=count,...` for every class (`enemies=1,allies=1`; key `"*"`: each class keeps the segments it
 * has, so `events=2,satellites=1` serves a fleet's satellites and sensors), `auto` (the sizer cuts the observation when a
 * class's compute budget is tight), or per class, `class:name=count,...;class:...`
 * (`stalker:enemies=1;zealot:enemies=2`). `--obs-range R` (> 0, the environment's length unit) cuts
 * entities farther than R for every class. Segment names and counts are checked against the
 * environment's layout when the students are sized; errors name the flag and the value.
 *
 * @example
 * ```ts
 * import { parseObservationFlags } from "./distill.ts";
 * const b = parseObservationFlags("enemies=1,allies=1", undefined, ["marine"]);
 * console.assert(JSON.stringify(b) === '{"*":{"entities":{"enemies":1,"allies":1}}}');
 * ```
 */
export function parseObservationFlags(
  entities: string | undefined,
  range: string | undefined,
  classes: readonly string[],
): Record<string, ObservationBudget | "auto"> | undefined {
  if (entities === undefined && range === undefined) return undefined;
  let r: number | undefined;
  if (range !== undefined) {
    r = Number(range);
    if (!(r > 0) || !Number.isFinite(r)) {
      throw new CliError(`flag --obs-range: must be a number > 0, got "${range}"`);
    }
  }
  const withRange = (b: ObservationBudget): ObservationBudget =>
    r === undefined ? b : { ...b, range: r };
  const out: Record<string, ObservationBudget | "auto"> = {};
  const text = entities?.trim();
  if (text === "auto") {
    if (r !== undefined) {
      throw new CliError(`flag --obs-range: cannot be combined with --obs-entities auto`);
    }
    for (const c of classes) out[c] = "auto";
    return out;
  }
  try {
    if (text === undefined || !text.includes(":")) {
      // One budget for every class ("*"): each class keeps the segments it has.
      out["*"] = withRange(
        text === undefined ? {} : { entities: parseEntityBudget(text, "--obs-entities") },
      );
      return out;
    }
    for (const part of text.split(";")) {
      const at = part.indexOf(":");
      const name = part.slice(0, at).trim();
      if (at < 0 || !classes.includes(name)) {
        throw new CliError(
          `flag --obs-entities: ${
            JSON.stringify(part)
          } must start with a class name and ":" (classes: ${classes.join(", ")})`,
        );
      }
      if (name in out) throw new CliError(`flag --obs-entities: class "${name}" appears twice`);
      out[name] = withRange({ entities: parseEntityBudget(part.slice(at + 1), "--obs-entities") });
    }
    return out;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError((e as Error).message);
  }
}

async function resolveTeacherDir(dir: string): Promise<string> {
  for (const candidate of [dir, `${dir}/model`]) {
    if (await Deno.stat(`${candidate}/manifest.json`).then(() => true, () => false)) {
      return candidate;
    }
  }
  throw new CliError(
    `flag --teacher: no teacher model in "${dir}" (expected ${dir}/manifest.json or ${dir}/model/manifest.json)`,
  );
}

/** The `--help` text. */
export const USAGE = `Usage: deno task distill --scenario ID --teacher DIR [flags]

Distills one budget-sized student per node class from a trained teacher (KD-MARL stage 2).

  --scenario ID        environment id, fleet scenario name or scenario file (*.json)
  --teacher DIR        teacher model folder (runs/<id>/teacher/model, or the folder holding model/)
  --transfer           the teacher was trained on another scenario of the same node classes: learn
                       from its actors alone (no critic here, so the policy-gradient term is off)
  --steps N            total environment steps, 1..1e10 (default: the preset's); with --resume, a
                       new stage
  --lr START[:END]     learning rate, linear from START to END over the run (default: the preset's)
  --seed S             root seed, 0..2147483647 (default 1)
  --weights K=V,...    loss weights: pg, kl, ce, relation, role (default: the preset's)
  --min-reduction R    cap: every student has at most 1/R of the teacher's FLOPs (default: no cap,
                       the node budgets alone size the students; the shipped ones used 20)
  --obs-entities SPEC  observation budget of the students (smax/*, mpe/simple_spread, fleet): the
                       nearest N entities of each named segment, e.g. enemies=1,allies=1 (SMAX),
                       landmarks=2,agents=1 (simple_spread), events=2,neighbours=1,satellites=1
                       (fleet; each class keeps the segments it has); per class
                       stalker:enemies=1;zealot:enemies=2; or auto (the sizer cuts the farthest
                       entities when a node budget is tight). The teacher keeps the full observation
                       (default: students see what the teacher sees)
  --obs-range R        students do not see entities farther than R (environment length units)
  --out DIR            output folder (default runs/<id>/students)
  --resume             continue from DIR/checkpoint.ckpt; with another --teacher, --steps or --lr,
                       a new stage (e.g. from a teacher's earlier checkpoint, then from its final one);
                       an error when there is no checkpoint
  --resume-if-present  continue from it when it exists, else start fresh
  --quiet              no progress bar
  --help               this text
`;

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      teacher: { type: "string" },
      scenario: { type: "string" },
      out: { type: "string" },
      resume: { type: "boolean", default: false },
      "resume-if-present": { type: "boolean", default: false },
      steps: { type: "string" },
      seed: { type: "string" },
      weights: { type: "string" },
      "min-reduction": { type: "string" },
      transfer: { type: "boolean", default: false },
      lr: { type: "string" },
      "obs-entities": { type: "string" },
      "obs-range": { type: "string" },
      quiet: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.scenario) {
    throw new CliError("flag --scenario is required (e.g. --scenario mpe/simple_spread)");
  }
  if (!values.teacher) throw new CliError("flag --teacher is required (a teacher model folder)");
  const { envId, entry, make } = scenarioFlag(values.scenario);
  const teacherDir = await resolveTeacherDir(values.teacher);
  const preset = entry.preset;
  const steps = intFlag("steps", values.steps, 1, MAX_STEPS);
  const seed = intFlag("seed", values.seed, 0, MAX_SEED);
  const weights = values.weights ? parseWeights(values.weights) : undefined;
  if (values.transfer && (weights?.pg ?? 0) > 0) {
    throw new CliError(
      `flag --weights: "pg" must be 0 with --transfer (a transferred teacher has no critic here), got ${weights?.pg}`,
    );
  }
  const config = {
    ...preset.students,
    ...(steps !== undefined ? { totalEnvSteps: steps } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...lrFlag(values.lr),
    ...(weights ? { weights: { ...preset.students.weights, ...weights } as KdWeights } : {}),
  };
  const observation = parseObservationFlags(
    values["obs-entities"],
    values["obs-range"],
    make().classes.map((c) => c.name),
  );
  const outDir = values.out ?? `runs/${envId}/students`;
  const minFlopsReduction = intFlag("min-reduction", values["min-reduction"], 1, 1_000_000);
  const resume = await resumeFlags("distill", outDir, values.resume, values["resume-if-present"]);
  await checkWritableDir("out", outDir);
  await initBackend("wasm");
  const result = await runStudentDistillation({
    envId,
    makeEnv: () => make(),
    preset,
    teacherDir,
    transfer: values.transfer,
    outDir,
    config,
    resume,
    quiet: values.quiet,
    command: `deno task distill ${args.join(" ")}`.trim(),
    minFlopsReduction,
    ...(observation ? { observation, observationWhere: "flag --obs-entities/--obs-range" } : {}),
  });
  console.log(
    `${
      result.interrupted ? "interrupted" : "distilled"
    } ${envId}: ${result.iterations} iterations, ${result.envSteps} env steps, teacher agreement ${
      (result.agreement * 100).toFixed(1)
    }%; students ${
      result.sizing.map((s) => `${s.label} (${s.flopsRatio?.toFixed(1)}x fewer FLOPs)`).join(", ")
    }${result.modelDir ? `; model in ${result.modelDir}` : ""}`,
  );
}

if (import.meta.main) await runCli("distill", () => main(Deno.args), USAGE);
