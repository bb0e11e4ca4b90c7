/**
 * Stage 2 of KD-MARL: critic-free, heterogeneous student distillation.
 *
 * One student actor per agent class, each sized for its node class's budget, learns from its own
 * rollouts. No student critic exists: the frozen teacher critic evaluates the students' states and GAE
 * turns its values into advantages. The loss (see `kd_loss.ts` for the exact definitions) is
 *
 *   w_pg · clipped PG(advantages) + w_kl · KL(T‖S) + w_ce · CE(S, argmax T) + w_rel · L_rel + w_role · L_role
 *
 * summed over classes for the per-agent terms; the relation and role terms compare all agents of one
 * environment step across classes (above `relationAgents` agents, a uniform sample of them drawn afresh
 * for every minibatch, since both terms are quadratic in the team). Both pairwise terms compare agents of
 * the same class only (each class's teacher is a network of its own, so cross-class cosines are
 * arbitrary); the relation term compares the student's latents directly, and the role term compares a
 * learned role head per class on the student's latent with the teacher's persistent role, the running
 * mean of its latent over the agent's episode so far, projected by a fixed random orthogonal map
 * (`kd_loss.ts` has the exact formulation and why). Role heads exist only during training: deployment
 * runs the student actors alone.
 *
 * The trainer reads top to bottom like the teacher's: rollout (students sample), teacher-critic values and
 * GAE, then epochs of minibatch steps with every term logged.
 *
 * @example
 * ```ts
 * import { KdTrainer, type Teacher } from "./kd.ts";
 * import { MappoTrainer } from "./mappo.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * import { initBackend } from "../policies/backend.ts";
 * await initBackend("cpu");
 * // A (barely trained) teacher: MAPPO's actors, its critic and value statistics.
 * const mappo = new MappoTrainer(() => new MatchingEnv(), { totalEnvSteps: 256, numEnvs: 8,
 *   rolloutSteps: 16, actorHidden: [16], criticHidden: [16] });
 * mappo.iterate();
 * const teacher: Teacher = { actors: mappo.actors, critic: mappo.critic,
 *   valueNorm: mappo.valueNorm.stats() };
 * const kd = new KdTrainer(() => new MatchingEnv(), teacher, [[8], [8]], { totalEnvSteps: 256,
 *   numEnvs: 8, rolloutSteps: 16 });
 * const stats = kd.iterate();
 * console.assert(Number.isFinite(stats.losses.kl));
 * kd.dispose();
 * mappo.dispose();
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { Actor, type ActorSpec } from "../policies/actor.ts";
import { ObservationView } from "../policies/observation_view.ts";
import { uniqueVariablePrefix } from "../policies/mlp.ts";
import { orthogonal } from "../policies/orthogonal.ts";
import type { Critic } from "../policies/critic.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { VectorEnv } from "../sim/env/vector.ts";
import { deriveSeed, Rng } from "../sim/rng.ts";
import { restoreTrainerState, saveTrainerState } from "./trainer_state.ts";
import { normalizeAdvantages, rolloutAdvantages } from "./advantages.ts";
import { type KdConfig, resolveKdConfig } from "./kd_config.ts";
import {
  crossEntropyToTeacherArgmax,
  klTeacherStudent,
  relationLoss,
  roleLoss,
  runningEpisodeMean,
  sameClassMask,
} from "./kd_loss.ts";
import { ScheduledAdam } from "./optim.ts";
import { linearLearningRate, shuffledMinibatches } from "./schedule.ts";
import { clippedPolicyLoss } from "./ppo_loss.ts";
import { collectRollout, RolloutBuffer } from "./rollout.ts";
import {
  classMinibatches,
  clipGradients,
  forwardLogitsInto,
  gatherAgentRows,
} from "./tensor_util.ts";

/**
 * The frozen teacher: one actor per class, the centralized critic and its value normalisation. A teacher
 * transferred from another scenario built from the same classes has actors but no critic for this one
 * (its critic reads the other scenario's global state); it can only teach with `weights.pg` = 0.
 */
export interface Teacher {
  /** One actor per agent class, in the environment's class order. */
  actors: Actor[];
  /** Centralized critic V(s) of this environment, in normalised units (none for a transferred teacher). */
  critic?: Critic;
  /** Statistics that turn the critic's output into environment units: v * std + mean. */
  valueNorm: { mean: number; std: number };
}

/** What one student iteration measured. */
export interface KdIterationStats {
  /** Iteration number, from 1. */
  iteration: number;
  /** Environment steps so far. */
  envSteps: number;
  /** Mean per-agent return of the students' episodes finished in this rollout. */
  meanReturn: number;
  /** Episodes finished in this rollout. */
  episodes: number;
  /** Mean of every loss term over the minibatches (pg, kl, ce, relation, role, total). */
  losses: { pg: number; kl: number; ce: number; relation: number; role: number; total: number };
  /** Share of in-play agent decisions where the student's argmax equals the teacher's. */
  agreement: number;
  /** Learning rate used. */
  learningRate: number;
  /** Wall-clock seconds. */
  seconds: number;
}

/** The KD-MARL student trainer. */
export class KdTrainer {
  /** Resolved configuration. */
  readonly config: KdConfig;
  /** Vectorised environment the students roll out in. */
  readonly venv: VectorEnv;
  /** One student per class. */
  readonly students: Actor[];
  /** The frozen teacher. */
  readonly teacher: Teacher;
  /**
   * Per class: the student's observation view (`config.observation`), or undefined where the student reads
   * the full observation. The teacher always reads the full observation.
   */
  readonly views: (ObservationView | undefined)[];
  /** Iterations completed. */
  iteration = 0;
  /** Environment steps collected. */
  envSteps = 0;

  readonly #buffer: RolloutBuffer;
  /** Per class with a view: the students' inputs of every rollout row (the buffer holds the teacher's). */
  readonly #studentInputs: (Float32Array | undefined)[];
  /** Per class with a view: the students' inputs of one rollout step. */
  readonly #stepInputs: (Float32Array | undefined)[];
  readonly #alive: Float32Array[];
  readonly #logits: Float32Array[];
  readonly #actionBuffers: Int32Array[];
  /** Per class: the frozen teacher's logits on every rollout row (computed once per rollout). */
  readonly #teacherLogits: Float32Array[];
  /** Per class: the frozen teacher's latent embeddings on every rollout row. */
  readonly #teacherLatents: Float32Array[];
  /** Per class: the teacher's persistent role (episode running mean of its latent) on every row. */
  readonly #teacherRoles: Float32Array[];
  /** Per class: running sums and counts of the role means, per (copy, agent), across rollouts. */
  readonly #roleSums: Float64Array[];
  readonly #roleCounts: Float64Array[];
  /** Per class: whether each copy's next step starts an episode (for the role means). */
  readonly #roleFresh: Uint8Array[];
  readonly #teacherWidths: number[];
  readonly #studentWidths: number[];
  readonly #optimizer: ScheduledAdam;
  /** Per class: student latent -> role space (learned). */
  readonly #roleHeads: tf.Variable[];
  /** Per class: teacher latent -> role space (fixed). */
  readonly #teacherRoleHeads: tf.Tensor2D[];
  readonly #trainable: tf.Variable[];
  #teamRng = new Rng(0);

  /**
   * Builds the students (one per class, `studentHidden` wide) and their optimisers next to the frozen
   * teacher, over `config.numEnvs` copies from `makeEnv`.
   *
   * @param makeEnv Builds one environment copy.
   * @param teacher The frozen teacher (its actors' classes must match the environment's).
   * @param studentHidden Hidden layer widths of each class's student (from the budget sizer).
   * @param config Hyperparameters.
   */
  constructor(
    makeEnv: () => MultiAgentEnv,
    teacher: Teacher,
    studentHidden: readonly (readonly number[])[],
    config: Partial<KdConfig> = {},
  ) {
    this.config = resolveKdConfig(config);
    const c = this.config;
    this.venv = new VectorEnv(Array.from({ length: c.numEnvs }, makeEnv));
    const classes = this.venv.classes;
    if (teacher.actors.length !== classes.length || studentHidden.length !== classes.length) {
      throw new RangeError(
        `Cannot distill: environment has ${classes.length} agent classes, teacher ${teacher.actors.length}, student sizes ${studentHidden.length}`,
      );
    }
    classes.forEach((k, i) => {
      const t = teacher.actors[i].spec;
      if (t.obsSize !== k.obsSize || t.numActions !== k.numActions) {
        throw new RangeError(
          `Cannot distill: teacher actor ${i} expects obs ${t.obsSize} / actions ${t.numActions}, class "${k.name}" has ${k.obsSize} / ${k.numActions}`,
        );
      }
    });
    if (!teacher.critic && c.weights.pg > 0) {
      throw new RangeError(
        `Cannot distill: the teacher has no critic for this environment (transferred from another scenario), so field "weights.pg" must be 0, got ${c.weights.pg}`,
      );
    }
    this.teacher = teacher;
    for (const name of Object.keys(c.observation)) {
      if (!classes.some((k) => k.name === name)) {
        throw new RangeError(
          `Cannot distill: KD config field "observation" names class "${name}", the environment has [${
            classes.map((k) => k.name).join(", ")
          }]`,
        );
      }
    }
    const probe = this.venv.envs[0];
    this.views = classes.map((k, i) => {
      const budget = c.observation[k.name];
      if (!budget) return undefined;
      const where = `KD config field "observation.${k.name}"`;
      const layout = probe.observationLayout?.(i);
      if (!layout) {
        throw new RangeError(
          `${where}: "${probe.id}" describes no observation layout for class "${k.name}", so its student cannot have an observation budget (supported: smax/*, mpe/simple_spread, the fleet scenarios)`,
        );
      }
      return ObservationView.create(layout, budget, where);
    });
    this.students = classes.map((k, i) =>
      new Actor(this.studentSpec(i, studentHidden[i]), { seed: c.seed, name: `student_${k.name}` })
    );
    const teacherWidths = teacher.actors.map((a) => latentWidth(a));
    this.#studentWidths = this.students.map((s) => latentWidth(s));
    const rng = new Rng(c.seed, "kd/projections");
    this.#teacherRoleHeads = teacherWidths.map((w, i) =>
      tf.tensor2d(orthogonal(w, c.roleDim, rng.stream(`teacher-role/${i}`)), [w, c.roleDim])
    );
    this.#roleHeads = this.students.map((s, i) => {
      const w = latentWidth(s);
      return tf.variable(
        tf.tensor2d(orthogonal(w, c.roleDim, rng.stream(`student-role/${i}`)), [
          w,
          c.roleDim,
        ]),
        true,
        uniqueVariablePrefix(`kd_role_head_${classes[i].name}`),
      );
    });
    this.#trainable = [
      ...this.students.flatMap((s) => s.variables),
      ...this.#roleHeads,
    ];
    // The buffer holds the teacher's (full) inputs; students with a view read their own copy.
    const inputSizes = teacher.actors.map((a) => a.inputSize);
    this.#buffer = new RolloutBuffer(classes, {
      steps: c.rolloutSteps,
      envs: c.numEnvs,
      stateSize: this.venv.stateSize,
      inputSizes,
    });
    const teN = c.rolloutSteps * c.numEnvs;
    this.#studentInputs = classes.map((k, i) =>
      this.views[i] ? new Float32Array(teN * k.count * this.students[i].inputSize) : undefined
    );
    this.#stepInputs = classes.map((k, i) =>
      this.views[i] ? new Float32Array(c.numEnvs * k.count * this.students[i].inputSize) : undefined
    );
    this.#alive = classes.map((k) => new Float32Array(c.numEnvs * k.count).fill(1));
    this.#logits = classes.map((k) => new Float32Array(c.numEnvs * k.count * k.numActions));
    this.#actionBuffers = classes.map((k) => new Int32Array(c.numEnvs * k.count));
    const te = c.rolloutSteps * c.numEnvs;
    this.#teacherWidths = teacherWidths;
    this.#teacherLogits = classes.map((k) => new Float32Array(te * k.count * k.numActions));
    this.#teacherLatents = classes.map((k, i) => new Float32Array(te * k.count * teacherWidths[i]));
    this.#teacherRoles = classes.map((k, i) => new Float32Array(te * k.count * teacherWidths[i]));
    this.#roleSums = classes.map((k, i) =>
      new Float64Array(c.numEnvs * k.count * teacherWidths[i])
    );
    this.#roleCounts = classes.map((k) => new Float64Array(c.numEnvs * k.count));
    this.#roleFresh = classes.map(() => new Uint8Array(c.numEnvs).fill(1));
    this.#optimizer = new ScheduledAdam(c.learningRate, c.adamEpsilon);
    this.venv.reset(c.seed);
  }

  /**
   * The student spec of class `classIndex` with the given hidden widths (the teacher's input layout, or its
   * observation view's).
   */
  studentSpec(classIndex: number, hidden: readonly number[]): ActorSpec {
    const t = this.teacher?.actors[classIndex]?.spec;
    const k = this.venv.classes[classIndex];
    return {
      obsSize: this.views?.[classIndex]?.outputSize ?? k.obsSize,
      agentIdSize: t?.agentIdSize ?? 0,
      numActions: k.numActions,
      hiddenSizes: [...hidden],
      activation: t?.activation ?? "relu",
      kind: "mlp",
    };
  }

  /** Iterations the step budget allows. */
  get totalIterations(): number {
    return Math.ceil(this.config.totalEnvSteps / (this.config.numEnvs * this.config.rolloutSteps));
  }

  /** One rollout by the students and one update. */
  iterate(): KdIterationStats {
    const started = performance.now();
    const c = this.config;
    const b = this.#buffer;
    const E = c.numEnvs, T = c.rolloutSteps;
    const te = T * E;
    const agentIdSizes = this.students.map((s) => s.spec.agentIdSize);

    // 1. Rollout by the students.
    const episodes = collectRollout(
      this.venv,
      b,
      (ci, inputs, masks, rows, out) => {
        if (c.rolloutPolicy === "teacher") {
          forwardLogitsInto(this.teacher.actors[ci], inputs, masks, rows, out);
          return;
        }
        const view = this.views[ci];
        const own = view
          ? view.applyInputs(inputs, rows, agentIdSizes[ci], this.#stepInputs[ci]!)
          : inputs;
        forwardLogitsInto(this.students[ci], own, masks, rows, out);
      },
      c.sampleActions ? new Rng(c.seed, `kd/sampling/${this.iteration}`) : undefined,
      agentIdSizes,
      this.#alive,
      this.#logits,
      this.#actionBuffers,
    );
    this.envSteps += te;
    this.views.forEach((view, ci) => {
      if (!view) return;
      const rows = te * this.venv.classes[ci].count;
      view.applyInputs(b.classes[ci].inputs, rows, agentIdSizes[ci], this.#studentInputs[ci]!);
    });

    // 2. The frozen teacher critic's values, truncation bootstraps and GAE (the policy-gradient term's
    // only input: skipped when it is off, e.g. for a transferred teacher without a critic).
    const advantages = new Float32Array(b.advantages.length);
    const critic = this.teacher.critic;
    if (critic && c.weights.pg > 0) {
      const { mean, std } = this.teacher.valueNorm;
      rolloutAdvantages(
        b,
        critic,
        (v) => {
          for (let i = 0; i < v.length; i++) v[i] = v[i] * std + mean;
          return v;
        },
        c.gamma,
        c.gaeLambda,
      );
      advantages.set(b.advantages);
      if (c.normalizeAdvantages) normalizeAdvantages(advantages);
    }

    // 3. The frozen teacher on every rollout row, once: each minibatch of every epoch reads it (at ten
    // epochs of four minibatches, recomputing it per minibatch cost 40 teacher passes per rollout).
    this.#teacherPass();

    // 4. Epochs of minibatch steps.
    const lr = linearLearningRate(c, this.iteration, this.totalIterations);
    this.#optimizer.setLearningRate(lr);
    const order = new Int32Array(te);
    const shuffle = new Rng(c.seed, `kd/minibatch/${this.iteration}`);
    this.#teamRng = new Rng(c.seed, `kd/relation-agents/${this.iteration}`);
    const sums = new Float64Array(8);
    let batches = 0;
    for (const idx of shuffledMinibatches(shuffle, te, c.minibatches, c.epochs, order)) {
      const stats = this.#updateMinibatch(idx, advantages);
      for (let j = 0; j < stats.length; j++) sums[j] += stats[j];
      batches++;
    }
    this.iteration++;
    const avg = (j: number) => sums[j] / batches;
    return {
      iteration: this.iteration,
      envSteps: this.envSteps,
      meanReturn: episodes.meanAgentReturns.length
        ? episodes.meanAgentReturns.reduce((x, y) => x + y, 0) / episodes.meanAgentReturns.length
        : Number.NaN,
      episodes: episodes.meanAgentReturns.length,
      losses: { pg: avg(0), kl: avg(1), ce: avg(2), relation: avg(3), role: avg(4), total: avg(5) },
      agreement: sums[7] > 0 ? sums[6] / sums[7] : Number.NaN,
      learningRate: lr,
      seconds: (performance.now() - started) / 1000,
    };
  }

  /**
   * The agents the pairwise terms compare in this minibatch, per class (indices within the class, in
   * order): undefined (all of them) when the team has at most `relationAgents`, else a uniform sample
   * without replacement of the whole team.
   */
  #relationSample(): Int32Array[] | undefined {
    const classes = this.venv.classes;
    const total = classes.reduce((s, k) => s + k.count, 0);
    const k = this.config.relationAgents;
    if (total <= k) return undefined;
    const all = new Int32Array(total);
    for (let i = 0; i < total; i++) all[i] = i;
    this.#teamRng.shuffle(all);
    const chosen = all.subarray(0, k).sort();
    let first = 0;
    return classes.map((cls) => {
      const mine = chosen.filter((a) => a >= first && a < first + cls.count).map((a) => a - first);
      first += cls.count;
      return mine;
    });
  }

  /**
   * The sampled agents' rows of class `ci` on environment steps `idx` (step-major, then agent): student
   * inputs and masks, loss weights and the cached teacher latents. Gathered here rather than selected
   * from the whole team's tensors: at 5,543 agents the one-hot selection product cost more than the
   * rest of the update.
   */
  #teamRows(ci: number, idx: Int32Array, members: Int32Array) {
    const cr = this.#buffer.classes[ci];
    const k = this.venv.classes[ci];
    const I = this.#buffer.sizes.inputSizes[ci], A = k.numActions, W = this.#teacherWidths[ci];
    const rows = idx.length * members.length;
    const gather = <T extends Float32Array | Int32Array>(source: T, width: number) =>
      gatherAgentRows(source, width, k.count, idx, members);
    const SI = this.students[ci].inputSize;
    const own = this.#studentInputs[ci];
    return {
      inputs: own
        ? tf.tensor2d(gather(own, SI), [rows, SI])
        : tf.tensor2d(gather(cr.inputs, I), [rows, I]),
      masks: tf.tensor2d(gather(cr.masks, A), [rows, A]),
      weights: tf.tensor1d(gather(cr.weights, 1)),
      latent: tf.tensor2d(gather(this.#teacherLatents[ci], W), [rows, W]),
      role: tf.tensor2d(gather(this.#teacherRoles[ci], W), [rows, W]),
    };
  }

  /** Fills the teacher caches from the rollout buffer, in chunks of at most ~16k rows per class. */
  #teacherPass(): void {
    const b = this.#buffer;
    const te = this.config.rolloutSteps * this.config.numEnvs;
    this.venv.classes.forEach((k, ci) => {
      const cr = b.classes[ci];
      const I = b.sizes.inputSizes[ci], A = k.numActions, W = this.#teacherWidths[ci];
      const stepsPerChunk = Math.max(1, Math.floor(16384 / k.count));
      for (let t0 = 0; t0 < te; t0 += stepsPerChunk) {
        const rows = (Math.min(te, t0 + stepsPerChunk) - t0) * k.count, r0 = t0 * k.count;
        tf.tidy(() => {
          const o = this.teacher.actors[ci].forward(
            tf.tensor2d(cr.inputs.subarray(r0 * I, (r0 + rows) * I), [rows, I]),
            tf.tensor2d(cr.masks.subarray(r0 * A, (r0 + rows) * A), [rows, A]),
          );
          this.#teacherLogits[ci].set(o.logits.dataSync(), r0 * A);
          this.#teacherLatents[ci].set(o.latent.dataSync(), r0 * W);
        });
      }
      runningEpisodeMean(
        this.#teacherLatents[ci],
        cr.weights,
        b.ended,
        { steps: this.config.rolloutSteps, envs: this.config.numEnvs, agents: k.count, width: W },
        this.#roleSums[ci],
        this.#roleCounts[ci],
        this.#roleFresh[ci],
        this.#teacherRoles[ci],
      );
    });
  }

  /**
   * The cached teacher outputs of class `ci` on environment steps `idx`, as tensors: the logits, and the
   * latents when the pairwise terms compare the whole team (a sampled team reads its own rows instead).
   */
  #teacherMinibatch(
    ci: number,
    idx: Int32Array,
    withLatent: boolean,
  ): { logits: tf.Tensor2D; latent?: tf.Tensor2D; role?: tf.Tensor2D } {
    const k = this.venv.classes[ci];
    const A = k.numActions, W = this.#teacherWidths[ci];
    const rows = idx.length * k.count;
    // Same row order as classMinibatches: step-major, then agent.
    return {
      logits: tf.tensor2d(gatherAgentRows(this.#teacherLogits[ci], A, k.count, idx), [rows, A]),
      latent: withLatent
        ? tf.tensor2d(gatherAgentRows(this.#teacherLatents[ci], W, k.count, idx), [rows, W])
        : undefined,
      role: withLatent
        ? tf.tensor2d(gatherAgentRows(this.#teacherRoles[ci], W, k.count, idx), [rows, W])
        : undefined,
    };
  }

  /** One gradient step on environment steps `idx`; returns [pg, kl, ce, rel, role, total, agree, count]. */
  #updateMinibatch(idx: Int32Array, advantages: Float32Array): number[] {
    const c = this.config;
    const b = this.#buffer;
    const n = idx.length;
    const classes = this.venv.classes;
    const w = c.weights;
    const result = tf.tidy(() => {
      const tensors = classMinibatches(b, idx, advantages);
      // The students' inputs: the buffer's (full) rows, or their observation view's.
      const studentInputs = tensors.map((t, ci) => {
        const own = this.#studentInputs[ci];
        if (!own) return t.inputs;
        const k = classes[ci], SI = this.students[ci].inputSize;
        return tf.tensor2d(gatherAgentRows(own, SI, k.count, idx), [n * k.count, SI]);
      });

      // Pairwise terms on a sample of the team when it is large (see KdConfig.relationAgents): the
      // classes with sampled agents, their counts and rows.
      const sample = this.#relationSample();
      // The teacher is frozen: its outputs (cached per rollout) are constants of the student loss.
      const teacherOut = tensors.map((_, ci) => this.#teacherMinibatch(ci, idx, !sample));
      const teamClasses = classes.map((_, ci) => ci).filter((ci) =>
        !sample || sample[ci].length > 0
      );
      const teamCount = (ci: number) => sample ? sample[ci].length : classes[ci].count;
      const teamRows = sample ? classes.map((_, ci) => this.#teamRows(ci, idx, sample[ci])) : [];
      const agentWeights = tf.concat(
        teamClasses.map((ci) =>
          tf.reshape(sample ? teamRows[ci].weights : tensors[ci].weights, [n, teamCount(ci)])
        ),
        1,
      ) as tf.Tensor2D;
      const teacherTeamLatent = (ci: number) =>
        sample ? teamRows[ci].latent : teacherOut[ci].latent!;
      const teacherTeamRole = (ci: number) => sample ? teamRows[ci].role : teacherOut[ci].role!;
      // Same-class pairs only (see kd_loss.ts); latents of different widths are zero-padded to one
      // width to be stacked, which leaves every same-class cosine unchanged.
      const pairMask = teamClasses.length > 1
        ? sameClassMask(teamClasses.map((ci) => teamCount(ci)))
        : undefined;
      const teacherWidth = Math.max(...teamClasses.map((ci) => this.#teacherWidths[ci]));
      const studentWidth = Math.max(...teamClasses.map((ci) => this.#studentWidths[ci]));
      const padTo = (z: tf.Tensor2D, width: number, count: number) => {
        const w = z.shape[1];
        const padded = w < width ? tf.pad(z, [[0, 0], [0, width - w]]) : z;
        return tf.reshape(padded, [n, count, width]);
      };
      const teacherRel = tf.concat(
        teamClasses.map((ci) => padTo(teacherTeamLatent(ci), teacherWidth, teamCount(ci))),
        1,
      ) as tf.Tensor3D;
      const teacherRoles = tf.concat(
        teamClasses.map((ci) =>
          tf.reshape(tf.matMul(teacherTeamRole(ci), this.#teacherRoleHeads[ci]), [
            n,
            teamCount(ci),
            c.roleDim,
          ])
        ),
        1,
      ) as tf.Tensor3D;
      const terms: tf.Scalar[] = [];
      let agreeCount = tf.scalar(0);
      const grads = tf.variableGrads(() => {
        let pg = tf.scalar(0), kl = tf.scalar(0), ce = tf.scalar(0), entropy = tf.scalar(0);
        const studentRel: tf.Tensor[] = [], studentRoles: tf.Tensor[] = [];
        tensors.forEach((t, ci) => {
          const s = this.students[ci].forward(studentInputs[ci], t.masks);
          const p = clippedPolicyLoss({
            logits: s.logits,
            actions: t.actions,
            oldLogProbs: t.logp,
            advantages: t.adv,
            weights: t.weights,
            clip: c.clip,
          });
          pg = tf.add(pg, p.loss);
          entropy = tf.add(entropy, p.entropy);
          kl = tf.add(kl, klTeacherStudent(teacherOut[ci].logits, s.logits, t.weights));
          ce = tf.add(ce, crossEntropyToTeacherArgmax(teacherOut[ci].logits, s.logits, t.weights));
          if (teamClasses.includes(ci)) {
            // The sampled agents go through the student again (cheap): gathering rows of its
            // outputs would need tf.gather's gradient, which the WASM backend lacks.
            const latent = sample
              ? this.students[ci].forward(teamRows[ci].inputs, teamRows[ci].masks).latent
              : s.latent;
            studentRel.push(padTo(latent as tf.Tensor2D, studentWidth, teamCount(ci)));
            studentRoles.push(
              tf.reshape(tf.matMul(latent, this.#roleHeads[ci]), [n, teamCount(ci), c.roleDim]),
            );
          }
          const agree = tf.sum(
            tf.mul(
              tf.cast(
                tf.equal(tf.argMax(s.logits, 1), tf.argMax(teacherOut[ci].logits, 1)),
                "float32",
              ),
              t.weights,
            ),
          );
          agreeCount = tf.add(agreeCount, agree) as tf.Scalar;
        });
        const rel = relationLoss(
          teacherRel,
          tf.concat(studentRel, 1) as tf.Tensor3D,
          agentWeights,
          pairMask,
        );
        const role = roleLoss(
          teacherRoles,
          tf.concat(studentRoles, 1) as tf.Tensor3D,
          agentWeights,
          c.roleMargin,
          pairMask,
        ).loss;
        const total = tf.addN([
          tf.mul(pg, w.pg),
          tf.mul(kl, w.kl),
          tf.mul(ce, w.ce),
          tf.mul(rel, w.relation),
          tf.mul(role, w.role),
          tf.mul(entropy, -c.entropyCoef),
        ]) as tf.Scalar;
        // variableGrads tidies this closure: keep the logged terms.
        for (const x of [pg, kl, ce, rel, role, total]) {
          terms.push(tf.keep(tf.clone(x)) as tf.Scalar);
        }
        agreeCount = tf.keep(agreeCount);
        return total;
      }, this.#trainable);
      // A class with no agent in this minibatch's team sample leaves its heads without a gradient.
      this.#optimizer.applyGradientMap(clipGradients(grads.grads, c.maxGradNorm), this.#trainable);
      const count = tf.addN(tensors.map((t) => tf.sum(t.weights)));
      const out = tf.stack([...terms, agreeCount, count]);
      tf.dispose([...terms, agreeCount]);
      return out;
    });
    const values = Array.from(result.dataSync());
    result.dispose();
    return values;
  }

  /** Releases every tensor the trainer owns (not the teacher's). */
  dispose(): void {
    for (const s of this.students) s.dispose();
    tf.dispose([...this.#roleHeads, ...this.#teacherRoleHeads]);
    this.#optimizer.dispose();
  }

  /** Writes the students' training state (weights, heads, Adam, counters, `extra`) to `path` atomically. */
  async saveCheckpoint(path: string, extra: Record<string, unknown> = {}): Promise<void> {
    await saveTrainerState(
      path,
      {
        format: KD_CHECKPOINT_FORMAT,
        envId: this.venv.envs[0].id,
        config: this.config,
        iteration: this.iteration,
        envSteps: this.envSteps,
        extra,
      },
      this.#trainable,
      { students: { optimizer: this.#optimizer, variables: this.#trainable } },
    );
  }

  /** Restores a state written by {@linkcode KdTrainer.saveCheckpoint}; returns its `extra` payload. */
  async restoreCheckpoint(path: string): Promise<Record<string, unknown>> {
    const m = await restoreTrainerState(path, KD_CHECKPOINT_FORMAT, this.#trainable, {
      students: { optimizer: this.#optimizer, variables: this.#trainable },
    }) as { iteration: number; envSteps: number; extra?: Record<string, unknown> };
    this.iteration = m.iteration;
    this.envSteps = m.envSteps;
    this.venv.reset(deriveSeed(this.config.seed, "resume", this.iteration));
    for (const a of this.#alive) a.fill(1);
    for (const f of this.#roleFresh) f.fill(1);
    return m.extra ?? {};
  }
}

/** `format` field of student checkpoints. */
export const KD_CHECKPOINT_FORMAT = "fleetkd-kd-checkpoint";

/** Width of an actor's latent (its last hidden layer, or its input without hidden layers). */
export function latentWidth(actor: Actor): number {
  const h = actor.spec.hiddenSizes;
  return h.length > 0 ? h[h.length - 1] : actor.inputSize;
}
