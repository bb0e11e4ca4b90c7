/**
 * A whole teacher training run, as `deno task train` performs it: builds the MAPPO trainer, resumes from
 * the last checkpoint when asked, iterates with a progress bar on stderr, writes a checkpoint every
 * `checkpointEvery` iterations (atomically) together with the curves (CSV + SVG), stops cleanly on
 * SIGINT/SIGTERM after the current iteration (checkpointing first), and at the end saves the teacher as a
 * policy set (actors + critic + value normalisation + provenance).
 *
 * Output folder:
 *
 * - `checkpoint.ckpt`: the trainer's full state (weights, Adam moments, counters, curves);
 * - `curves.csv`, `curves.svg`: one row per iteration;
 * - `model/`: the trained teacher as a policy set (see `policies/model_io.ts`);
 * - `summary.json`: configuration, figures and provenance.
 *
 * A run can go on in stages: resuming with a different command (say more steps at a lower learning rate
 * and no entropy bonus, to polish a policy PPO has converged on) continues from the checkpoint with the
 * new settings. The checkpoint keeps each stage's command, steps and seconds; the model's provenance lists
 * every command in order, joined by `&&`, so the recipe can be replayed.
 *
 * @example
 * ```ts
 * import { runTeacherTraining } from "./teacher_run.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * const out = await Deno.makeTempDir();
 * const result = await runTeacherTraining({
 *   envId: "toy/matching", makeEnv: () => new MatchingEnv(), outDir: out,
 *   config: { totalEnvSteps: 512, numEnvs: 8, rolloutSteps: 16, actorHidden: [16], criticHidden: [16] },
 *   quiet: true,
 * });
 * console.log(result.iterations, result.finalReturn);
 * ```
 *
 * @module
 */

import type { MultiAgentEnv } from "../sim/env/types.ts";
import type { WarmStartRecord } from "../policies/policy_set.ts";
import type { Controller } from "../sim/env/controller.ts";
import type { MappoConfig } from "./config.ts";
import { writeFileAtomic } from "../sim/atomic_write.ts";
import type { CurveRow } from "./curves.ts";
import { type IterationStats, MappoTrainer, type WarmStartOptions } from "./mappo.ts";
import { saveTeacherModel } from "./model_store.ts";
import { provenance } from "./provenance.ts";
import { type RunStage, stagesCommand, stagesSeconds } from "./stages.ts";
import { driveRun } from "./run_driver.ts";

/** One stage of a run: a command and the work done under it (see module docs). */
export interface TrainingStage extends RunStage {
  /** The configuration it trained with (absent for a stage recovered from an older checkpoint). */
  config?: MappoConfig;
}

/** Options of {@linkcode runTeacherTraining}. */
export interface TeacherRunOptions {
  /** Environment id (recorded in checkpoints and models). */
  envId: string;
  /** Builds one environment copy. */
  makeEnv: () => MultiAgentEnv;
  /** Hyperparameters (defaults filled in). */
  config: Partial<MappoConfig>;
  /** Output folder. */
  outDir: string;
  /** Continue from `outDir/checkpoint.ckpt` when it exists. */
  resume?: boolean;
  /** No progress bar. */
  quiet?: boolean;
  /** The command line that started the run, for provenance. */
  command?: string;
  /** Called after every iteration. */
  onIteration?: (stats: IterationStats) => void;
  /**
   * Train only up to the next multiple of this many iterations, then checkpoint and return with
   * `paused` set (when iterations remain). Calling again with `resume` goes on: a run trained in such
   * segments restores its checkpoint at every boundary, exactly as a run killed mid-segment and resumed
   * does, so the two end bit-identical (the sweep's jobs, `sweep/job_kinds.ts`, rely on it).
   */
  segment?: number;
  /**
   * Behaviour-cloning warm start from a heuristic before PPO (fresh runs only; see
   * `MappoTrainer.warmStart`), or `"off"` to record that the preset's was switched off. Its budget (or
   * `"off"`) goes into the provenance of the model and `summary.json`, and is kept across `--resume`.
   */
  warmStart?: (WarmStartOptions & { controllerFor: (env: MultiAgentEnv) => Controller }) | "off";
  /**
   * Parties of the PPO update (default 1): this thread and `workers - 1` Deno Workers computing shard
   * gradients (see `MappoTrainer.startWorkers`). Recorded in `summary.json`; a run may resume with another
   * count (the update is the same up to float32 rounding).
   */
  workers?: number;
}

/** What {@linkcode runTeacherTraining} returns. */
export interface TeacherRunResult {
  /** Iterations completed (including resumed ones). */
  iterations: number;
  /** Environment steps collected. */
  envSteps: number;
  /** Mean return of the last iteration with finished episodes. */
  finalReturn: number;
  /** Wall-clock seconds of this invocation. */
  seconds: number;
  /** Every stage of the run so far, this one last. */
  stages: TrainingStage[];
  /** Whether the run stopped early on a signal, or paused at a segment boundary. */
  interrupted: boolean;
  /** Whether it stopped at a `segment` boundary with iterations left (no signal). */
  paused?: boolean;
  /** Where the model was saved (undefined when interrupted). */
  modelDir?: string;
}

const CURVE_COLUMNS = ["meanReturn", "entropy", "valueLoss", "policyLoss", "approxKl"];

function rowOf(s: IterationStats): CurveRow {
  const row: CurveRow = {
    iteration: s.iteration,
    envSteps: s.envSteps,
    meanReturn: s.meanReturn,
    episodes: s.episodes,
    policyLoss: s.policyLoss,
    valueLoss: s.valueLoss,
    entropy: s.entropy,
    approxKl: s.approxKl,
    clipFraction: s.clipFraction,
    learningRate: s.learningRate,
    seconds: s.seconds,
  };
  for (const [k, v] of Object.entries(s.infos)) row[`info_${k}`] = v;
  return row;
}

/** Trains a teacher end to end (see module docs). */
export async function runTeacherTraining(options: TeacherRunOptions): Promise<TeacherRunResult> {
  const started = performance.now();
  const { outDir } = options;
  await Deno.mkdir(outDir, { recursive: true });
  const trainer = new MappoTrainer(options.makeEnv, options.config);
  try {
    await trainer.startWorkers(options.workers ?? 1);
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  const ws = options.warmStart;
  let warmStartRecord: WarmStartRecord | "off" | undefined = ws === "off" || ws === undefined
    ? ws
    : {
      episodes: ws.episodes,
      epochs: ws.epochs,
      daggerRounds: ws.daggerRounds ?? 0,
      daggerEpisodes: ws.daggerRounds ? ws.daggerEpisodes ?? ws.episodes : 0,
    };
  const command = options.command ?? `train ${options.envId}`;
  try {
    const run = await driveRun<IterationStats, TrainingStage>(trainer, {
      task: "train",
      label: `teacher ${options.envId}`,
      outDir,
      resume: options.resume,
      quiet: options.quiet,
      segment: options.segment,
      started,
      curveColumns: CURVE_COLUMNS,
      rowOf,
      figures: (s) => ({ return: s.meanReturn, entropy: s.entropy, "value loss": s.valueLoss }),
      newStage: (envSteps) => ({
        command,
        fromEnvSteps: envSteps,
        toEnvSteps: envSteps,
        seconds: 0,
        config: trainer.config,
      }),
      // The warm start ran (or not) in the run's first stage: its record comes from the checkpoint.
      onRestored: (extra) => {
        warmStartRecord = extra.warmStart as WarmStartRecord | "off" | undefined;
      },
      beforeLoop: () => {
        if (ws && ws !== "off" && trainer.iteration === 0) runWarmStart(trainer, options, ws);
      },
      checkpointExtra: () => warmStartRecord !== undefined ? { warmStart: warmStartRecord } : {},
      onIteration: options.onIteration,
    });
    const { stages, stage } = run;
    // From the curves (every stage's, restored with the checkpoint), so a resume with nothing left
    // to train (train-all replaying a finished run) still reports the run's last return.
    const finalReturn = run.curves.findLast((row) => Number.isFinite(row.meanReturn))?.meanReturn ??
      Number.NaN;
    if (run.interrupted) {
      return {
        iterations: trainer.iteration,
        envSteps: trainer.envSteps,
        finalReturn,
        seconds: (performance.now() - started) / 1000,
        stages,
        interrupted: true,
        paused: run.paused,
      };
    }
    const modelDir = `${outDir}/model`;
    const prov = await provenance({
      command: stagesCommand(stages),
      seed: trainer.config.seed,
      steps: trainer.envSteps,
      warmStart: warmStartRecord,
    });
    await saveTeacherModel(modelDir, trainer, prov);
    const seconds = (performance.now() - started) / 1000;
    await writeFileAtomic(
      `${outDir}/summary.json`,
      JSON.stringify(
        {
          envId: options.envId,
          // The latest stage's settings (replaying an earlier stage's command changes nothing).
          config: stage.config ?? trainer.config,
          iterations: trainer.iteration,
          envSteps: trainer.envSteps,
          finalReturn,
          // Parties of this invocation's PPO update (--workers).
          workers: trainer.workers,
          // Training time over every stage; `stages` itemises it.
          seconds: stagesSeconds(stages),
          stages,
          provenance: prov,
        },
        null,
        2,
      ) + "\n",
    );
    return {
      iterations: trainer.iteration,
      envSteps: trainer.envSteps,
      finalReturn,
      seconds,
      stages,
      interrupted: false,
      modelDir,
    };
  } finally {
    trainer.dispose();
  }
}

/** The warm start from the heuristic before PPO, with its progress on stderr. */
function runWarmStart(
  trainer: MappoTrainer,
  options: TeacherRunOptions,
  ws: Exclude<TeacherRunOptions["warmStart"], "off" | undefined>,
): void {
  const t0 = performance.now();
  const accuracy = trainer.warmStart(
    options.makeEnv,
    ws.controllerFor,
    {
      ...ws,
      onRound: options.quiet ? undefined : (round, rounds, acc) =>
        console.error(
          `train: warm start ${
            round === 0 ? "cloning" : `DAgger round ${round}/${rounds}`
          }: imitation accuracy ${(acc * 100).toFixed(1)}%, ${
            ((performance.now() - t0) / 1000).toFixed(1)
          } s`,
        ),
    },
  );
  if (!options.quiet) {
    console.error(
      `train: warm start from the heuristic: ${ws.episodes} episodes, ${ws.epochs} epochs, ${
        ws.daggerRounds ?? 0
      } DAgger rounds, imitation accuracy ${(accuracy * 100).toFixed(1)}%, ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s`,
    );
  }
}
