/**
 * The loop every training run shares, teacher (`teacher_run.ts`) and students (`student_run.ts`) alike:
 * resume from `outDir/checkpoint.ckpt` (its curves and stages), enter this invocation's stage, iterate with
 * a progress line on stderr until the run is done, the `segment` boundary is reached or a stop signal
 * arrives, checkpoint every `checkpointEvery` iterations and at the end (curves written beside it). What
 * differs between the runs (the trainer, what a stage records, the warm start, the model and summary
 * written at the end) stays with them.
 *
 * @example
 * ```ts
 * import { driveRun } from "./run_driver.ts";
 * import { MappoTrainer } from "./mappo.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * import { initBackend } from "../policies/backend.ts";
 * await initBackend("cpu");
 * const trainer = new MappoTrainer(() => new MatchingEnv(), { totalEnvSteps: 256, numEnvs: 8,
 *   rolloutSteps: 16, actorHidden: [8], criticHidden: [8] });
 * const run = await driveRun(trainer, {
 *   task: "train", label: "teacher toy/matching", outDir: await Deno.makeTempDir(), quiet: true,
 *   started: performance.now(), curveColumns: ["meanReturn"],
 *   rowOf: (s) => ({ iteration: s.iteration, envSteps: s.envSteps, meanReturn: s.meanReturn }),
 *   figures: (s) => ({ return: s.meanReturn }),
 *   newStage: (envSteps) => ({ command: "example", fromEnvSteps: envSteps, toEnvSteps: envSteps,
 *     seconds: 0 }),
 * });
 * console.assert(!run.interrupted && trainer.iteration === trainer.totalIterations);
 * trainer.dispose();
 * ```
 *
 * @module
 */

import { type CurveRow, writeCurves } from "./curves.ts";
import { Progress } from "./progress.ts";
import { enterStage, legacyStage, type RunStage } from "./stages.ts";
import { StopSignal } from "./stop_signal.ts";

/** What the driver needs of a trainer (`MappoTrainer` and `KdTrainer` are two). */
export interface DrivenTrainer<S extends { envSteps: number }> {
  /** Updates done so far. */
  readonly iteration: number;
  /** Environment steps collected so far. */
  readonly envSteps: number;
  /** Updates of the whole run. */
  readonly totalIterations: number;
  /** The settings the driver reads. */
  readonly config: {
    readonly checkpointEvery: number;
    readonly numEnvs: number;
    readonly rolloutSteps: number;
  };
  /** One update (rollout, advantages, epochs of minibatches). */
  iterate(): S;
  /** Writes the full training state plus `extra` to `path` (atomically). */
  saveCheckpoint(path: string, extra: Record<string, unknown>): Promise<void>;
  /** Restores the state saved at `path`; returns its `extra`. */
  restoreCheckpoint(path: string): Promise<Record<string, unknown>>;
}

/** Options of {@linkcode driveRun}. */
export interface RunDriverOptions<S extends { envSteps: number }, St extends RunStage> {
  /** The task's name in messages: `"train"`, `"distill"`. */
  task: string;
  /** Progress line and curves title, e.g. `"teacher smax/3m"`. */
  label: string;
  /** Run folder: `checkpoint.ckpt`, `curves.csv` and `curves.svg` go here. */
  outDir: string;
  /** Continue from `outDir/checkpoint.ckpt` when it exists. */
  resume?: boolean;
  /** No progress or messages on stderr. */
  quiet?: boolean;
  /** Stop (paused, checkpointed) at the next multiple of this many iterations (0: run to the end). */
  segment?: number;
  /** `performance.now()` when the run's invocation began (the stage's seconds count from it). */
  started: number;
  /** Curve columns written to `curves.csv`/`curves.svg`. */
  curveColumns: readonly string[];
  /** The curve row of one iteration. */
  rowOf: (stats: S) => CurveRow;
  /** The figures the progress line shows for one iteration. */
  figures: (stats: S) => Record<string, number>;
  /** This invocation's stage, as it would begin at `envSteps` (entered unless the run repeats one). */
  newStage: (envSteps: number) => St;
  /** The one stage of a checkpoint written before stages were recorded (default `legacyStage`). */
  legacyStage?: (outDir: string, envSteps: number) => Promise<St>;
  /** Called with the checkpoint's `extra` after a resume. */
  onRestored?: (extra: Record<string, unknown>) => void;
  /** Runs after the resume and before the stage is entered (the teacher's warm start). */
  beforeLoop?: () => void | Promise<void>;
  /** Called with the stage in force once it is entered (to fill in what an older stage lacks). */
  onStage?: (stage: St) => void;
  /** More fields for every checkpoint's `extra` (besides curves and stages). */
  checkpointExtra?: () => Record<string, unknown>;
  /** Called after every iteration. */
  onIteration?: (stats: S) => void;
}

/** What {@linkcode driveRun} leaves for the run to finish. */
export interface DrivenRun<S, St extends RunStage> {
  /** Every stage of the run, this invocation's included. */
  stages: St[];
  /** The stage in force. */
  stage: St;
  /** The curves, one row per iteration over every stage. */
  curves: CurveRow[];
  /** This invocation's iterations' stats, last first absent when none ran. */
  last?: S;
  /** Not at the end of the run: stopped by a signal or paused at a segment boundary. */
  interrupted: boolean;
  /** Interrupted at a segment boundary rather than by a signal. */
  paused: boolean;
  /** Path of the checkpoint. */
  checkpointPath: string;
}

/** Runs `trainer`'s loop (see module docs); the state is checkpointed when it returns. */
export async function driveRun<S extends { envSteps: number }, St extends RunStage>(
  trainer: DrivenTrainer<S>,
  o: RunDriverOptions<S, St>,
): Promise<DrivenRun<S, St>> {
  await Deno.mkdir(o.outDir, { recursive: true });
  const ckptPath = `${o.outDir}/checkpoint.ckpt`;
  let curves: CurveRow[] = [];
  let stages: St[] = [];
  if (o.resume) {
    const exists = await Deno.stat(ckptPath).then(() => true, () => false);
    if (exists) {
      const extra = await trainer.restoreCheckpoint(ckptPath);
      curves = Array.isArray(extra.curves) ? extra.curves as CurveRow[] : [];
      stages = Array.isArray(extra.stages)
        ? extra.stages as St[]
        : [await (o.legacyStage ?? legacyStage)(o.outDir, trainer.envSteps) as St];
      o.onRestored?.(extra);
      if (!o.quiet) {
        console.error(
          `${o.task}: resumed from ${ckptPath} at iteration ${trainer.iteration} (${trainer.envSteps} env steps)`,
        );
      }
    } else if (!o.quiet) {
      console.error(`${o.task}: no checkpoint at ${ckptPath}, starting fresh`);
    }
  }
  await o.beforeLoop?.();
  const total = trainer.totalIterations;
  const stage = enterStage(stages, o.newStage(trainer.envSteps), trainer.iteration < total);
  o.onStage?.(stage);
  const stageSecondsBefore = stage.seconds;
  const progress = new Progress(
    o.label,
    total * trainer.config.numEnvs * trainer.config.rolloutSteps,
    "steps",
    o.quiet,
  );
  progress.update(trainer.envSteps);
  const stop = new StopSignal();
  const checkpoint = async () => {
    stage.toEnvSteps = trainer.envSteps;
    stage.seconds = stageSecondsBefore + (performance.now() - o.started) / 1000;
    await trainer.saveCheckpoint(ckptPath, { curves, stages, ...o.checkpointExtra?.() });
    await writeCurves(o.outDir, o.label, curves, o.curveColumns);
  };
  const segment = o.segment ?? 0;
  const until = segment > 0
    ? Math.min(total, (Math.floor(trainer.iteration / segment) + 1) * segment)
    : total;
  let last: S | undefined;
  try {
    while (trainer.iteration < until && !stop.requested) {
      const stats = trainer.iterate();
      last = stats;
      curves.push(o.rowOf(stats));
      o.onIteration?.(stats);
      progress.update(stats.envSteps, o.figures(stats));
      const every = trainer.config.checkpointEvery;
      if (every > 0 && trainer.iteration % every === 0) await checkpoint();
      // Let signal handlers and other tasks run between iterations.
      await new Promise((r) => setTimeout(r, 0));
    }
    await checkpoint();
    progress.stop();
    const interrupted = stop.requested || trainer.iteration < total;
    if (interrupted && stop.requested && !o.quiet) {
      console.error(`${o.task}: interrupted; state saved to ${ckptPath} (resume with --resume)`);
    }
    return {
      stages,
      stage,
      curves,
      ...(last !== undefined ? { last } : {}),
      interrupted,
      paused: interrupted && !stop.requested,
      checkpointPath: ckptPath,
    };
  } finally {
    stop.dispose();
    progress.stop();
  }
}
