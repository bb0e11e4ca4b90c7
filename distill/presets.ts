/**
 * Per-environment training presets: the MAPPO and KD settings fleetkd ships models with. `deno task
 * train` / `distill` start from these and apply command-line overrides; `deno task train-all` uses them
 * as they are, so shipped models can be rebuilt reproducibly.
 *
 * @example
 * ```ts
 * import { presetFor } from "./presets.ts";
 * const p = presetFor("mpe/simple_spread");
 * console.log(p.teacher.totalEnvSteps);
 * ```
 *
 * @module
 */

import type { MappoConfig } from "./config.ts";
import type { KdConfig } from "./kd_config.ts";

/** Training settings of one environment. */
export interface TrainingPreset {
  /** Teacher (MAPPO) overrides of the defaults. */
  teacher: Partial<MappoConfig>;
  /** Student (KD) overrides of the defaults. */
  students: Partial<KdConfig>;
  /** Episodes for evaluation reports. */
  evalEpisodes: number;
}

const GENERIC: TrainingPreset = {
  teacher: {},
  students: {},
  evalEpisodes: 100,
};

const PRESETS: Record<string, TrainingPreset> = {
  "toy/matching": {
    teacher: {
      totalEnvSteps: 20_000,
      numEnvs: 16,
      rolloutSteps: 16,
      actorHidden: [64, 64],
      criticHidden: [64],
    },
    students: { totalEnvSteps: 10_000, numEnvs: 16, rolloutSteps: 16 },
    evalEpisodes: 100,
  },
  "mpe/simple_spread": {
    teacher: {
      totalEnvSteps: 2_000_000,
      numEnvs: 32,
      rolloutSteps: 50,
      epochs: 10,
      minibatches: 2,
      actorHidden: [128, 128],
      criticHidden: [128, 128],
    },
    students: { totalEnvSteps: 400_000, numEnvs: 32, rolloutSteps: 50 },
    evalEpisodes: 200,
  },
  "mpe/simple_speaker_listener": {
    teacher: { totalEnvSteps: 1_500_000, numEnvs: 32, rolloutSteps: 50, actorHidden: [128, 128] },
    students: { totalEnvSteps: 300_000, numEnvs: 32, rolloutSteps: 50 },
    evalEpisodes: 200,
  },
};

/** The preset of `envId` (a generic one for environments without their own). */
export function presetFor(envId: string): TrainingPreset {
  return PRESETS[envId] ?? GENERIC;
}
