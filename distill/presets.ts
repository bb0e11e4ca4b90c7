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

import type { PlatformBudget } from "../sim/budget.ts";
import { CORTEX_M4F_168, CORTEX_M7_480, SOFT_FLOAT_MCU } from "./platforms.ts";
import type { MappoConfig } from "./config.ts";
import type { KdConfig } from "./kd_config.ts";
import type { WarmStartOptions } from "./mappo.ts";
import type { ActionMode } from "../policies/controller.ts";

/**
 * A teacher trained on another scenario for a scenario that has none of its own: `deno task train
 * --scenario <envId> <args>` into `runs/<envId>/<run>` (what `deno task train-all` runs).
 *
 * @example
 * ```ts
 * import { presetFor } from "./presets.ts";
 * const from = presetFor("fleet/mega-shell").teacherFrom!;
 * console.assert(from.envId === "fleet/leo-wildfire" && from.run === "teacher-dagger");
 * ```
 */
export interface BorrowedTeacher {
  /** The scenario it is trained on. */
  envId: string;
  /** Its run folder under `runs/<envId>/`. */
  run: string;
  /** `deno task train` flags beyond `--scenario`, `--out` and `--resume`. */
  args: readonly string[];
}

/** Training settings of one environment. */
export interface TrainingPreset {
  /** Teacher (MAPPO) overrides of the defaults. */
  teacher: Partial<MappoConfig>;
  /** Student (KD) overrides of the defaults. */
  students: Partial<KdConfig>;
  /** Episodes for evaluation reports. */
  evalEpisodes: number;
  /**
   * Episodes of the scenario regression measurement (`baseline.json`); default `evalEpisodes`. Smaller
   * only where an episode is slow (thousands of nodes).
   */
  regressionEpisodes?: number;
  /**
   * The retention the shipped students must keep (KD-MARL's bar, 0.9, set on the scenarios that meet
   * it); the scenario regression test asserts it. Elsewhere retention is a recorded figure guarded
   * against regressions.
   */
  retentionBar?: number;
  /** Behaviour-cloning warm start of the teacher from the environment's heuristic baseline. */
  warmStart?: WarmStartOptions;
  /**
   * A warm start offered but off by default (`deno task train --warm-start on`), for scenarios whose
   * shipped teachers were trained without one: switching it on must not change what `train-all`
   * reproduces. Ignored where `warmStart` is set.
   */
  offeredWarmStart?: WarmStartOptions;
  /**
   * The published recipe for this map (`deno task train --recipe anchor`), replacing `teacher`: the
   * settings the MAPPO anchors train with (see {@linkcode smaxAnchor}). `teacher` stays what the shipped
   * models were trained with, so `train-all` still reproduces them.
   */
  anchor?: Partial<MappoConfig>;
  /**
   * The teacher this one's students learn from, for a scenario too large for a centralized critic of
   * its own, built from the same node classes (`deno task distill --transfer`: no policy-gradient
   * term): trained on another scenario, and shipped unchanged.
   */
  teacherFrom?: BorrowedTeacher;
  /**
   * How deployed policies pick actions (default `"greedy"`, the argmax). `"sample"` draws from the
   * policy, as PPO trained it: where hundreds of identical nodes share a policy, a probability such as
   * "sense 40% of the time" is a duty cycle the argmax cannot express.
   */
  actions?: ActionMode;
  /**
   * Node hardware the students are deployed on, per class name, for environments that do not model it
   * themselves (MPE, SMAX; `distill/platforms.ts`); `"*"` applies to every class. Its deadline share is
   * resolved against the environment's decision period. Fleet scenarios carry their own budgets.
   */
  deployment?: Record<string, PlatformBudget>;
}

/**
 * Distillation that uses each rollout harder than the defaults (`DEFAULT_KD_CONFIG`): ten epochs of four
 * minibatches at lr 3e-3 -> 3e-4 instead of four of two at 1e-3 -> 1e-4. On simple_spread it took the
 * 18-16-16-5 student from 63% teacher agreement after 2.4M steps to 80% after 1.2M (retention 81.5% ->
 * 91.1% with the 1.5M-step teacher); on leo-wildfire, retention 98.7% with the DAgger teacher and
 * 98.5% with the label-smoothed one. The shipped models of the scenarios that use it were distilled
 * with it; the others keep the defaults they were distilled with, so train-all still reproduces them.
 *
 * @example
 * ```ts
 * import { THOROUGH_KD } from "./presets.ts";
 * const students = { totalEnvSteps: 1_200_000, ...THOROUGH_KD };
 * console.assert(students.epochs === 10);
 * ```
 */
export const THOROUGH_KD: Readonly<Partial<KdConfig>> = Object.freeze({
  epochs: 10,
  minibatches: 4,
  learningRate: 3e-3,
  finalLearningRate: 3e-4,
});

const GENERIC: TrainingPreset = {
  teacher: {},
  students: {},
  evalEpisodes: 100,
  deployment: { "*": SOFT_FLOAT_MCU },
};

/**
 * SMAX maps: the simple_spread teacher settings with 60-step rollouts (SMAC's 3m episode limit); `kd`
 * overrides the students' settings (steps, schedule).
 */
function smaxPreset(steps: number, kd: Partial<KdConfig> = {}): TrainingPreset {
  return {
    teacher: {
      totalEnvSteps: steps,
      numEnvs: 32,
      rolloutSteps: 60,
      epochs: 5,
      minibatches: 4,
      learningRate: 5e-3,
      finalLearningRate: 5e-4,
      actorHidden: [128, 128],
      criticHidden: [128, 128],
    },
    students: { totalEnvSteps: steps, numEnvs: 32, rolloutSteps: 60, ...kd },
    evalEpisodes: 200,
    deployment: { "*": CORTEX_M7_480 },
    offeredWarmStart: SMAX_WARM_START,
  };
}

/**
 * The SMAX warm start (`deno task train --warm-start on`, issue 17): clone the scripted heuristic
 * (`sim/smax/heuristic.ts`: attack the closest enemy in range, else move towards the closest), then
 * two DAgger rounds in which the heuristic labels the states the clone reaches, on labels smoothed by
 * 0.1 so PPO keeps some exploration (leo-wildfire's lesson: a one-hot clone left PPO no gradient). On
 * 3s5z PPO from uniform noise learned to deal damage without winning (2.5% wins after 1M steps) while
 * the heuristic wins 40.5%: starting PPO from the heuristic's behaviour is the cheap alternative to
 * the 10M-step recurrent anchor recipe.
 */
const SMAX_WARM_START: WarmStartOptions = {
  episodes: 200,
  epochs: 10,
  daggerRounds: 2,
  daggerEpisodes: 100,
  labelSmoothing: 0.1,
};

/**
 * Fleet scenarios: 60-step rollouts, 4 epochs x 2 minibatches at lr 1e-3 -> 1e-4, a 128x128 teacher,
 * checkpoints every 5 updates. Events pay off only after alert, imaging and delivery all happen: PPO
 * from uniform noise rarely sees that chain, so `rest.warmStart` clones the greedy scheduler first and
 * PPO refines a working policy. `kd` overrides the students' settings.
 */
function fleetPreset(
  size: { teacherSteps: number; studentSteps: number; numEnvs: number },
  rest: Omit<TrainingPreset, "teacher" | "students">,
  kd: Partial<KdConfig> = {},
): TrainingPreset {
  const rollout = { numEnvs: size.numEnvs, rolloutSteps: 60, epochs: 4, checkpointEvery: 5 };
  return {
    teacher: {
      ...rollout,
      totalEnvSteps: size.teacherSteps,
      minibatches: 2,
      learningRate: 1e-3,
      finalLearningRate: 1e-4,
      actorHidden: [128, 128],
      criticHidden: [128, 128],
    },
    students: { ...rollout, totalEnvSteps: size.studentSteps, ...kd },
    ...rest,
  };
}

/**
 * The MAPPO anchors' SMAC recipe (issue 17) for one SMAX map, to train with `deno task train --recipe
 * anchor`: recurrent actor and critic (GRU 64 then a 64-unit layer; the MAPPO paper's recurrent policy
 * with hidden size 64), BPTT chunks of 10 steps (`data_chunk_length`), one-hot agent ids, lr 5e-4
 * without decay (on-policy's `use_linear_lr_decay` is off by default), clip, epochs and minibatches
 * from the on-policy SMAC scripts, GAE lambda 0.95, gamma 0.99, value normalisation, Huber delta 10,
 * gradient-norm clip 10, entropy 0.01, and 3,200-step rollouts like their 8 threads x 400 steps (16
 * copies x 200 steps here).
 *
 * Sources: `marlbenchmark/on-policy` defaults (`config.py`) and its per-map SMAC scripts as mirrored in
 * `devindeng94/smac-hard` (`train_smac_3m.sh`: 15 epochs, 1 minibatch, 10M steps; `train_smac_2s3z.sh`:
 * 5 epochs; `train_smac_3s_vs_5z.sh`: 15 epochs, clip 0.05), and JaxMARL's SMAX MAPPO config
 * (`baselines/MAPPO/config/mappo_homogenous_rnn_smax.yaml`: 4 epochs x 4 minibatches, clip 0.05, 1e7
 * steps). 8m follows 3m and 3s5z follows 2s3z (no script read for them here). The budgets follow the
 * issue (5-10M where the map needs it). One minibatch, as on-policy, means one gradient step per epoch on
 * the whole rollout; on 2 cores that is the costly part of an update.
 *
 * @example
 * ```ts
 * import { smaxAnchor } from "./presets.ts";
 * const a = smaxAnchor({ steps: 2_000_000, epochs: 15, clip: 0.2 });
 * console.assert(a.recurrent === true && a.chunkLength === 10 && a.agentIdFeatures === true);
 * ```
 */
export function smaxAnchor(
  map: { steps: number; epochs: number; clip: number },
): Partial<MappoConfig> {
  return {
    totalEnvSteps: map.steps,
    numEnvs: 16,
    rolloutSteps: 200,
    epochs: map.epochs,
    minibatches: 1,
    clip: map.clip,
    learningRate: 5e-4,
    finalLearningRate: 5e-4,
    gamma: 0.99,
    gaeLambda: 0.95,
    entropyCoef: 0.01,
    valueNorm: true,
    huberDelta: 10,
    maxGradNorm: 10,
    recurrent: true,
    chunkLength: 10,
    agentIdFeatures: true,
    actorHidden: [64, 64],
    criticHidden: [64, 64],
    activation: "relu",
    checkpointEvery: 5,
  };
}

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
    deployment: { "*": SOFT_FLOAT_MCU },
  },
  "mpe/simple_spread": {
    // PPO fine-tuning of the cloned policy: 5 epochs x 4 minibatches at lr 1e-3 keeps approx-KL near
    // 0.01 per update (from scratch, 5e-3 was needed; MAPPO's 10 x 1 at 7e-4 moved ~10x slower).
    // Fine-tuning took the cloned actor from -9.4 to -8.2 in 1.5M steps; 3M steps scored -8.3. The
    // shipped models add stages (cli/train_all.ts): the teacher is polished to 3.5M steps at lr 3e-4 ->
    // 3e-5 without entropy bonus (-8.00), and the students, distilled for 1.2M steps from the 1.5M-step
    // teacher, go on to 2.1M from the polished one at lr 3e-4 -> 5e-5.
    teacher: {
      totalEnvSteps: 1_500_000,
      numEnvs: 32,
      rolloutSteps: 50,
      epochs: 5,
      minibatches: 4,
      learningRate: 1e-3,
      finalLearningRate: 1e-4,
      entropyCoef: 0.003,
      actorHidden: [128, 128],
      criticHidden: [128, 128],
    },
    students: {
      totalEnvSteps: 1_200_000,
      numEnvs: 32,
      rolloutSteps: 50,
      ...THOROUGH_KD,
      weights: { pg: 0.25, kl: 1, ce: 1, relation: 0.5, role: 0.1 },
    },
    retentionBar: 0.9,
    evalEpisodes: 200,
    deployment: { "*": CORTEX_M4F_168 },
    // PPO alone reached 65% of the assignment heuristic's gain in 1.5M steps; cloning the heuristic with
    // DAgger and then fine-tuning with PPO starts from its behaviour (see MappoTrainer.warmStart).
    warmStart: {
      episodes: 500,
      epochs: 40,
      daggerRounds: 4,
      daggerEpisodes: 250,
      learningRate: 5e-3,
    },
  },
  // With plain cloning, 200k teacher steps with an entropy bonus of 0.05 (entropy 0.03 -> 0.33 nats)
  // scored 4.41 against 80k steps' 4.56: the team reward of 40 agents gave PPO no measurable gradient
  // over greedy within that budget.
  "fleet/leo-wildfire": fleetPreset(
    { teacherSteps: 240_000, studentSteps: 60_000, numEnvs: 16 },
    {
      evalEpisodes: 100,
      retentionBar: 0.9,
      // Plain cloning (64 episodes, 8 epochs) left every class a little short of greedy (4.56 vs 4.81
      // after PPO). DAgger rounds cloned it to 99.9% and PPO then matched it, no better (4.82, 80k
      // steps): the clone's entropy was 0.0009 nats, so PPO hardly sampled anything else. Cloned on
      // labels smoothed by 0.1 (~0.15 nats, same argmax), 240k steps still tied greedy; the shipped
      // teacher adds a second stage to 740k steps (cli/train_all.ts) and beats it (5.17 vs 4.81).
      warmStart: {
        episodes: 128,
        epochs: 20,
        daggerRounds: 4,
        daggerEpisodes: 64,
        labelSmoothing: 0.1,
      },
    },
    THOROUGH_KD,
  ),
  // 315 agents per step (8x leo-wildfire's): a quarter of its steps, 2x its agent-decisions.
  "fleet/iot-edge-fleet": fleetPreset({ teacherSteps: 20_000, studentSteps: 15_000, numEnvs: 4 }, {
    evalEpisodes: 30,
    retentionBar: 0.9,
    warmStart: { episodes: 8, epochs: 8 },
    // The teacher's argmax scored 4.0 where its samples scored 23.3 (greedy scheduler 20.7; 20 episodes):
    // 240 identical sensors acting on one argmax sense and alert in lockstep.
    actions: "sample",
  }),
  "fleet/mega-shell": {
    // 5,543 nodes: its global state has 56,755 values, past what a centralized critic can learn from
    // on 2 cores, so the teacher is one trained on leo-wildfire (same node classes) and the students
    // learn from it on mega-shell's own rollouts without the policy-gradient term. One 60-step rollout
    // covers 332k agent-decisions, so 40 of them match leo-wildfire's students' 2.4M decisions 5 times
    // over. An episode of the teacher takes ~20 s, so the regression measures one episode.
    //
    // The teacher is leo-wildfire's DAgger clone without label smoothing, 80k PPO steps (4.82 there,
    // 1.51 here; students 1.49), not leo-wildfire's shipped teacher (5.17 there, 1.73 here). That one's
    // mcu-sensor argmax does not distil at this scale: its students scored 1.40, the teacher's own
    // samples 1.43; its sensors' sleep/sense choice is nearly even in many states, the students match
    // the distribution (KL 0.05 nats) but not which side wins (17% of its sleeps became senses), with
    // cross-entropy alone (1.44) or 8x larger students (1.39) too. Deployed, only the students run.
    teacher: {},
    students: {
      numEnvs: 1,
      rolloutSteps: 60,
      totalEnvSteps: 2_400,
      checkpointEvery: 5,
      ...THOROUGH_KD,
    },
    teacherFrom: {
      envId: "fleet/leo-wildfire",
      run: "teacher-dagger",
      args: ["--steps", "80000", "--label-smoothing", "0"],
    },
    retentionBar: 0.9,
    evalEpisodes: 5,
    regressionEpisodes: 1,
  },
  // Students keep >= 90% on every map: 3m, 2s3z and 8m with the default distillation (98.2%, 93.5%,
  // 99.5%), 3s_vs_5z and 3s5z with THOROUGH_KD (91.3%, 98.4%; 81.8% and 85.7% before).
  // `anchor`: the MAPPO recipe (smaxAnchor) per map, not yet what the shipped teachers were trained with.
  "smax/3m": {
    ...smaxPreset(300_000),
    retentionBar: 0.9,
    anchor: smaxAnchor({ steps: 2_000_000, epochs: 15, clip: 0.2 }),
  },
  "smax/2s3z": {
    ...smaxPreset(400_000),
    retentionBar: 0.9,
    anchor: smaxAnchor({ steps: 5_000_000, epochs: 5, clip: 0.2 }),
  },
  "smax/8m": {
    // 2M teacher steps (issue 17): 94.5% wins on the regression episodes against 90.5% after 500k,
    // the students' 500k distillation steps as before.
    ...smaxPreset(2_000_000, { totalEnvSteps: 500_000 }),
    retentionBar: 0.9,
    anchor: smaxAnchor({ steps: 3_000_000, epochs: 15, clip: 0.2 }),
  },
  "smax/3s5z": {
    ...smaxPreset(1_000_000, { ...THOROUGH_KD, totalEnvSteps: 500_000 }),
    retentionBar: 0.9,
    anchor: smaxAnchor({ steps: 10_000_000, epochs: 5, clip: 0.2 }),
  },
  "smax/3s_vs_5z": {
    // 4M teacher steps (issue 17): 86.5% wins on the regression episodes against 71% after 1M, the
    // students' 1M distillation steps as before; the shipped teacher adds a stage to 6M at a lower
    // learning rate (cli/train_all.ts), 88.5%.
    ...smaxPreset(4_000_000, { ...THOROUGH_KD, totalEnvSteps: 1_000_000 }),
    retentionBar: 0.9,
    anchor: smaxAnchor({ steps: 10_000_000, epochs: 15, clip: 0.05 }),
  },
  "mpe/simple_speaker_listener": {
    teacher: { totalEnvSteps: 1_500_000, numEnvs: 32, rolloutSteps: 50, actorHidden: [128, 128] },
    students: { totalEnvSteps: 300_000, numEnvs: 32, rolloutSteps: 50 },
    evalEpisodes: 200,
    deployment: { "*": CORTEX_M4F_168 },
  },
};

/** The preset of `envId` (a generic one for environments without their own). */
export function presetFor(envId: string): TrainingPreset {
  return PRESETS[envId] ?? GENERIC;
}
