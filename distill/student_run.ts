/**
 * A whole student distillation run, as `deno task distill` performs it: loads the frozen teacher, sizes one
 * student per agent class for that class's compute budget (`policies/sizing.ts`; never larger than the
 * teacher; a compression cap of at most 1/R of the teacher's FLOPs applies only when `minFlopsReduction`
 * R is given; the shipped students were sized with R = 20, which `deno task train-all` passes), trains
 * them with the
 * KD-MARL loss, with a progress bar, checkpoints (`--resume`), curves (CSV + SVG) and a clean stop on
 * SIGINT/SIGTERM, and saves the students as a policy set with their sizing report and provenance.
 *
 * Output folder: `checkpoint.ckpt`, `curves.csv`, `curves.svg`, `model/` (the students), `summary.json`.
 *
 * Like a teacher run, a distillation goes on in stages: resuming with another command (more steps, a
 * learning rate, another teacher) starts a new stage from the checkpoint. Distilling first from an
 * earlier checkpoint of the teacher and then from its final one follows the teacher's own route
 * (route-constrained optimisation, Jin et al., 2019): on simple_spread, students that learned from the
 * polished teacher directly kept 88.4% of it, students that learned from its 1.5M-step checkpoint and
 * then from it kept 90.9%. Each stage's command, teacher, steps and seconds are kept, and the students'
 * provenance lists every command joined by `&&`.
 *
 * @example
 * ```ts
 * import { runStudentDistillation } from "./student_run.ts";
 * import { MappoTrainer } from "./mappo.ts";
 * import { saveTeacherModel } from "./model_store.ts";
 * import { provenance } from "./provenance.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * import { initBackend } from "../policies/backend.ts";
 * await initBackend("cpu");
 * // A teacher folder as `deno task train` writes it (here barely trained).
 * const root = await Deno.makeTempDir();
 * const mappo = new MappoTrainer(() => new MatchingEnv(), { totalEnvSteps: 128, numEnvs: 8,
 *   rolloutSteps: 16, actorHidden: [32, 32], criticHidden: [16] });
 * mappo.iterate();
 * await saveTeacherModel(`${root}/teacher`, mappo,
 *   await provenance({ command: "example", seed: 0, steps: 128 }));
 * mappo.dispose();
 * const result = await runStudentDistillation({
 *   envId: "toy/matching", makeEnv: () => new MatchingEnv(), teacherDir: `${root}/teacher`,
 *   outDir: `${root}/students`, config: { totalEnvSteps: 256, numEnvs: 8, rolloutSteps: 16 },
 *   quiet: true,
 * });
 * console.log(result.sizing.map((s) => s.label));
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @module
 */

import { type ObservationSizingReport, sizeStudentWithObservation } from "../policies/sizing.ts";
import { type ObservationBudget, shareObservationBudget } from "../policies/observation_view.ts";
import { actorCost } from "../policies/cost.ts";
import type { ComputeBudget } from "../sim/budget.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { writeFileAtomic } from "../sim/atomic_write.ts";
import type { CurveRow } from "./curves.ts";
import { type KdIterationStats, KdTrainer } from "./kd.ts";
import { DEFAULT_KD_CONFIG, type KdConfig } from "./kd_config.ts";
import { loadTeacher, modelDigest, saveStudentModel } from "./model_store.ts";
import { presetFor, type TrainingPreset } from "./presets.ts";
import { budgetsOf } from "./scenario.ts";
import { provenance } from "./provenance.ts";
import { legacyStage, type RunStage, stagesCommand, stagesSeconds } from "./stages.ts";
import { driveRun } from "./run_driver.ts";
import { InputError } from "../sim/input_error.ts";

/** Options of {@linkcode runStudentDistillation}. */
export interface StudentRunOptions {
  /** Environment id. */
  envId: string;
  /** Builds one environment copy. */
  makeEnv: () => MultiAgentEnv;
  /** The scenario's preset, for its deployment platforms (default: `presetFor(envId)`). */
  preset?: TrainingPreset;
  /** Folder of the trained teacher model (with its critic). */
  teacherDir: string;
  /**
   * The teacher was trained on another scenario built from the same node classes (e.g. leo-wildfire's
   * for mega-shell): distill from its actors alone. Its critic reads the other scenario's global state,
   * so the policy-gradient term is off (`weights.pg` is set to 0) and the students learn from the
   * teacher's action distributions, relations and roles on this scenario's own rollouts.
   */
  transfer?: boolean;
  /** Output folder. */
  outDir: string;
  /** Student hyperparameters. */
  config: Partial<KdConfig>;
  /** Per-class budgets (default: the environment's, or the preset deployment budgets). */
  budgets?: ComputeBudget[];
  /** Continue from `outDir/checkpoint.ckpt` when it exists. */
  resume?: boolean;
  /** No progress bar. */
  quiet?: boolean;
  /** Command line, for provenance. */
  command?: string;
  /** Label stored with the model (e.g. an ablation name). */
  label?: string;
  /**
   * Compression cap: every student has at most teacher FLOPs / this many FLOPs per decision, on top of
   * its node's budget. Default: none, the budget alone decides (the sizing report names the binding
   * constraint).
   */
  minFlopsReduction?: number;
  /**
   * Train only up to the next multiple of this many iterations, then checkpoint and return with
   * `paused` set (see `TeacherRunOptions.segment`).
   */
  segment?: number;
  /**
   * Per class name, the student's observation budget (`policies/observation_view.ts`), or `"auto"` to let
   * the sizer cut the observation when the class's compute budget is tight
   * (`sizeStudentWithObservation`); the key `"*"` gives one budget to every class, each keeping the
   * segments it has (`shareObservationBudget`). Classes not named read the full observation. The chosen budgets
   * become the KD config's `observation`, and the saved students record their views.
   */
  observation?: Record<string, ObservationBudget | "auto">;
  /** Names where `observation` came from in errors (default `"observation budget"`). */
  observationWhere?: string;
}

/** One stage of a distillation: a command, its teacher and the work done under it. */
export interface DistillStage extends RunStage {
  /** The teacher it distilled from (absent for a stage recovered from an older checkpoint). */
  teacherDir?: string;
  /** That teacher's {@linkcode modelDigest} (absent for a stage recorded before digests were). */
  teacherDigest?: string;
  /** The configuration it trained with (absent for a stage recovered from an older checkpoint). */
  config?: KdConfig;
}

/** What {@linkcode runStudentDistillation} returns. */
export interface StudentRunResult {
  /** Iterations completed. */
  iterations: number;
  /** Environment steps collected. */
  envSteps: number;
  /** Teacher-agreement of the last iteration. */
  agreement: number;
  /** The sizing of each class's student (with its observation choice). */
  sizing: ObservationSizingReport[];
  /** Seconds of this invocation. */
  seconds: number;
  /** Stopped early by a signal, or paused at a segment boundary. */
  interrupted: boolean;
  /** Stopped at a `segment` boundary with iterations left (no signal). */
  paused?: boolean;
  /** Where the students were saved. */
  modelDir?: string;
  /** Every stage of the run so far, this one last. */
  stages: DistillStage[];
}

function rowOf(s: KdIterationStats): CurveRow {
  return {
    iteration: s.iteration,
    envSteps: s.envSteps,
    meanReturn: s.meanReturn,
    episodes: s.episodes,
    agreement: s.agreement,
    loss_pg: s.losses.pg,
    loss_kl: s.losses.kl,
    loss_ce: s.losses.ce,
    loss_relation: s.losses.relation,
    loss_role: s.losses.role,
    loss_total: s.losses.total,
    learningRate: s.learningRate,
    seconds: s.seconds,
  };
}

const CURVES = [
  "meanReturn",
  "agreement",
  "loss_kl",
  "loss_ce",
  "loss_relation",
  "loss_role",
  "loss_pg",
];

/** Distills students end to end (see module docs). */
export async function runStudentDistillation(
  options: StudentRunOptions,
): Promise<StudentRunResult> {
  const started = performance.now();
  const probe = options.makeEnv();
  const transfer = options.transfer ?? false;
  const teacher = await loadTeacher(options.teacherDir, probe.classes, { critic: !transfer });
  if (!transfer && teacher.record.envId !== options.envId) {
    throw new InputError(
      `Cannot distill: teacher "${options.teacherDir}" was trained on "${teacher.record.envId}", not "${options.envId}" (to distill from its actors alone, without the policy-gradient term, use --transfer)`,
    );
  }
  const config: Partial<KdConfig> = transfer
    ? {
      ...options.config,
      weights: { ...DEFAULT_KD_CONFIG.weights, ...options.config.weights, pg: 0 },
    }
    : options.config;
  if (transfer && !options.quiet) {
    console.error(
      `distill: teacher transferred from "${teacher.record.envId}": actors only, policy-gradient term off`,
    );
  }
  const budgets = options.budgets ??
    budgetsOf({ id: options.envId, preset: options.preset ?? presetFor(options.envId) }, probe);
  const reduction = options.minFlopsReduction;
  if (reduction !== undefined && !(reduction >= 1)) {
    throw new RangeError(`Cannot distill: minFlopsReduction must be >= 1, got ${reduction}`);
  }
  const where = options.observationWhere ?? "observation budget";
  let observationOf = options.observation ?? {};
  const every = observationOf["*"];
  if (every !== undefined) {
    // One budget for every class: each class keeps the segments it has.
    const per = every === "auto"
      ? probe.classes.map(() => "auto" as const)
      : shareObservationBudget(
        every,
        probe.classes.map((_, i) => probe.observationLayout?.(i)),
        where,
      );
    observationOf = {};
    probe.classes.forEach((c, i) => {
      if (per[i] !== undefined) observationOf[c.name] = per[i]!;
    });
  }
  for (const name of Object.keys(observationOf)) {
    if (!probe.classes.some((c) => c.name === name)) {
      throw new InputError(
        `Cannot distill: ${where} names class "${name}", "${options.envId}" has [${
          probe.classes.map((c) => c.name).join(", ")
        }]`,
      );
    }
  }
  const sizing = probe.classes.map((c, i) =>
    sizeStudentWithObservation(budgets[i], probe.observationLayout?.(i), c.obsSize, c.numActions, {
      observation: observationOf[c.name],
      observationWhere: where,
      budgetName: c.name,
      teacher: teacher.actors[i].spec,
      activation: teacher.actors[i].spec.activation,
      agentIdSize: teacher.actors[i].spec.agentIdSize,
      // Never larger than the teacher; with a reduction R, at most 1/R of its FLOPs.
      maxFlops: actorCost(teacher.actors[i].spec).flops / (reduction ?? 1),
      maxFlopsBinding: reduction === undefined ? "teacher-size" : "flops-cap",
    })
  );
  const observation: Record<string, ObservationBudget> = {};
  sizing.forEach((s, i) => {
    if (s.view) observation[probe.classes[i].name] = s.view.budget;
  });
  const trainer = new KdTrainer(
    options.makeEnv,
    teacher,
    sizing.map((s) => s.spec.hiddenSizes),
    { ...config, observation },
  );
  const outDir = options.outDir;
  const command = options.command ?? `distill ${options.envId}`;
  if (!options.quiet) {
    for (const [i, s] of sizing.entries()) {
      console.error(
        `distill: class "${probe.classes[i].name}": student ${s.label}, ${s.cost.flops} FLOPs (${
          s.flopsRatio?.toFixed(1)
        }x fewer than the teacher), ${s.decisionMs.toFixed(3)} ms of ${
          budgets[i].deadlineMs
        } ms; binding constraint: ${s.binding}; observation: ${s.observation.tag} (${s.observation.obsSize} of ${s.observation.fullObsSize} values, ${s.observation.source}${
          s.observation.source === "auto" ? `: ${s.observation.reason}` : ""
        })`,
      );
    }
  }
  const teacherDigest = await modelDigest(options.teacherDir);
  let agreement = Number.NaN;
  try {
    const run = await driveRun<KdIterationStats, DistillStage>(trainer, {
      task: "distill",
      label: `students ${options.envId}`,
      outDir,
      resume: options.resume,
      quiet: options.quiet,
      segment: options.segment,
      started,
      curveColumns: CURVES,
      rowOf,
      figures: (s) => ({ return: s.meanReturn, agree: s.agreement, kl: s.losses.kl }),
      newStage: (envSteps) => ({
        command,
        teacherDir: options.teacherDir,
        teacherDigest,
        fromEnvSteps: envSteps,
        toEnvSteps: envSteps,
        seconds: 0,
        config: trainer.config,
      }),
      legacyStage: legacyDistillStage,
      // A stage resumed from a checkpoint written before digests existed gets its teacher's digest.
      onStage: (stage) => {
        if (stage.teacherDigest === undefined && stage.teacherDir === options.teacherDir) {
          stage.teacherDigest = teacherDigest;
        }
      },
      onIteration: (stats) => {
        agreement = stats.agreement;
      },
    });
    const { stages, stage } = run;
    const base = {
      iterations: trainer.iteration,
      envSteps: trainer.envSteps,
      agreement,
      sizing,
    };
    if (run.interrupted) {
      return {
        ...base,
        seconds: (performance.now() - started) / 1000,
        interrupted: true,
        paused: run.paused,
        stages,
      };
    }
    const prov = await provenance({
      command: stagesCommand(stages),
      seed: trainer.config.seed,
      steps: trainer.envSteps,
    });
    const modelDir = `${outDir}/model`;
    const sizingRecord = sizing.map((s, i) => ({
      className: probe.classes[i].name,
      label: s.label,
      flops: s.cost.flops,
      params: s.cost.params,
      paramBytes: s.cost.paramBytesF32,
      teacherFlops: s.teacherCost?.flops,
      flopsRatio: s.flopsRatio,
      decisionMs: s.decisionMs,
      binding: s.binding,
      budget: budgets[i],
      observation: {
        source: s.observation.source,
        tag: s.observation.tag,
        obsSize: s.observation.obsSize,
        fullObsSize: s.observation.fullObsSize,
        reason: s.observation.reason,
        ...(s.observation.budget ? { budget: s.observation.budget } : {}),
      },
    }));
    await saveStudentModel(
      modelDir,
      options.envId,
      probe.classes,
      trainer.students,
      prov,
      trainer.config,
      {
        // The teacher of the last stage: a replayed earlier command adds no stage and teaches nothing.
        teacherDir: stage.teacherDir ?? options.teacherDir,
        teacherEnvId: teacher.record.envId,
        ...(stage.teacherDigest ? { teacherDigest: stage.teacherDigest } : {}),
        stages: stages.map(({ command, teacherDir, teacherDigest, fromEnvSteps, toEnvSteps }) => ({
          command,
          teacherDir,
          ...(teacherDigest ? { teacherDigest } : {}),
          fromEnvSteps,
          toEnvSteps,
        })),
        label: options.label ?? "students",
        sizing: sizingRecord,
      },
      trainer.views,
    );
    const seconds = (performance.now() - started) / 1000;
    await writeFileAtomic(
      `${outDir}/summary.json`,
      JSON.stringify(
        {
          envId: options.envId,
          ...base,
          sizing: sizingRecord,
          // Distillation time over every stage; `stages` itemises it.
          seconds: stagesSeconds(stages),
          stages,
          provenance: prov,
        },
        null,
        2,
      ) +
        "\n",
    );
    return { ...base, seconds, interrupted: false, modelDir, stages };
  } finally {
    trainer.dispose();
    for (const a of teacher.actors) a.dispose();
    teacher.critic?.dispose();
  }
}

/**
 * The one stage of a checkpoint written before stages were recorded (see `legacyStage`), with the teacher
 * its model's `training.json` names.
 */
async function legacyDistillStage(outDir: string, envSteps: number): Promise<DistillStage> {
  const record = await Deno.readTextFile(`${outDir}/model/training.json`).then(JSON.parse).catch(
    () => undefined,
  );
  const teacherDir = record?.extra?.teacherDir;
  return {
    ...await legacyStage(outDir, envSteps),
    ...(typeof teacherDir === "string" ? { teacherDir } : {}),
  };
}
