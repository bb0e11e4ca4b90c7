/**
 * Recorded observations: runs an environment with a policy set (seeded, the scenario's action mode) and
 * keeps, per class, the actor inputs and action masks the policies saw, up to a cap per class, with their
 * provenance (scenario, seed, episodes, steps).
 *
 * @example
 * ```ts
 * import { makeBuiltinEnv } from "../sim/builtin_envs.ts";
 * import { PlainActor } from "../policies/plain.ts";
 * import { recordObservations } from "./record.ts";
 * const env = makeBuiltinEnv("toy/matching");
 * const set = { classes: env.classes.map((c) => ({ name: c.name, actor: PlainActor.fromWeights({
 *   obsSize: c.obsSize, agentIdSize: 0, numActions: c.numActions, hiddenSizes: [], activation: "relu",
 *   kind: "mlp" }, [new Float32Array(c.obsSize * c.numActions), new Float32Array(c.numActions)]) })) };
 * const rec = recordObservations(env, set, { seed: 1, episodes: 2, maxPerClass: 50 });
 * console.assert(rec.classes[0].rows > 0 && rec.provenance.episodes === 2);
 * ```
 *
 * @module
 */

import type { MultiAgentEnv } from "../sim/env/types.ts";
import { Rng } from "../sim/rng.ts";
import { buildActorInput } from "../policies/actor.ts";
import { PolicyRuntime } from "../policies/runtime.ts";
import type { PolicySet } from "../policies/policy_set.ts";

/** The observations of one class. */
export interface ClassRecording {
  /** Class name. */
  name: string;
  /** Rows kept. */
  rows: number;
  /** Actor input width. */
  inputSize: number;
  /** Actions. */
  numActions: number;
  /** `rows * inputSize`. */
  inputs: Float32Array;
  /** `rows * numActions`, 1 = legal. */
  masks: Uint8Array;
}

/** Where recorded observations came from. */
export interface RecordingProvenance {
  /** Environment id. */
  envId: string;
  /** Seed of the first episode (episode e uses `seed + e`). */
  seed: number;
  /** Episodes run. */
  episodes: number;
  /** Environment steps run. */
  steps: number;
  /** How the policies chose actions. */
  actions: "greedy" | "sample";
  /** Label of the policy set that acted. */
  policy: string;
  /** Cap on rows per class. */
  maxPerClass: number;
  /** How rows were kept: the first ones, or a uniform seeded sample of every decision of every episode. */
  sampling: "first" | "uniform";
}

/** Recorded observations of every class. */
export interface Recording {
  /** Per class, in environment order. */
  classes: ClassRecording[];
  /** Provenance. */
  provenance: RecordingProvenance;
}

/** Options of {@linkcode recordObservations}. */
export interface RecordOptions {
  /** First episode seed. */
  seed: number;
  /** Episodes (at most; stops early once every class has `maxPerClass` rows). */
  episodes: number;
  /** Rows kept per class. */
  maxPerClass: number;
  /** Action mode (default greedy). */
  actions?: "greedy" | "sample";
  /** Label recorded in the provenance. */
  policyLabel?: string;
  /**
   * `"first"` (default): keep the first `maxPerClass` decisions and stop once every class has them.
   * `"uniform"`: run all `episodes` and keep a uniform sample of `maxPerClass` decisions per class
   * (reservoir sampling, seeded by `seed`), so late-episode states are represented as well as early ones.
   */
  sampling?: "first" | "uniform";
}

/**
 * Runs up to `episodes` seeded episodes of `env` with `set` and records the actor inputs and masks of
 * every agent decision, up to `maxPerClass` rows per class (the first ones, in agent order, or a uniform
 * sample of all of them with `sampling: "uniform"`).
 *
 * @example
 * ```ts
 * import { makeBuiltinEnv } from "../sim/builtin_envs.ts";
 * import { PlainActor } from "../policies/plain.ts";
 * import { recordObservations } from "./record.ts";
 * const env = makeBuiltinEnv("toy/matching");
 * const set = { classes: env.classes.map((c) => ({ name: c.name, actor: PlainActor.fromWeights({
 *   obsSize: c.obsSize, agentIdSize: 0, numActions: c.numActions, hiddenSizes: [], activation: "relu",
 *   kind: "mlp" }, [new Float32Array(c.obsSize * c.numActions), new Float32Array(c.numActions)]) })) };
 * const rec = recordObservations(env, set, { seed: 1, episodes: 3, maxPerClass: 5, sampling: "uniform" });
 * console.assert(rec.classes[0].rows === 5 && rec.provenance.episodes === 3);
 * ```
 */
export function recordObservations(
  env: MultiAgentEnv,
  set: PolicySet,
  options: RecordOptions,
): Recording {
  const actionsMode = options.actions ?? "greedy";
  const runtime = new PolicyRuntime(set);
  const cls = env.classes.map((c, i) => {
    const actor = set.classes[i].actor;
    const inputSize = actor.inputSize;
    return {
      name: c.name,
      rows: 0,
      inputSize,
      numActions: c.numActions,
      agentIdSize: actor.spec.agentIdSize,
      obsSize: c.obsSize,
      inputs: new Float32Array(options.maxPerClass * inputSize),
      masks: new Uint8Array(options.maxPerClass * c.numActions),
      scratch: new Float32Array(c.count * inputSize),
    };
  });
  const out = env.classes.map((c) => new Int32Array(c.count));
  const uniform = options.sampling === "uniform";
  const pick = new Rng(options.seed, "record/sample");
  const seen = cls.map(() => 0);
  let steps = 0, episodes = 0;
  const full = () => !uniform && cls.every((c) => c.rows >= options.maxPerClass);
  for (let e = 0; e < options.episodes && !full(); e++) {
    episodes++;
    const rng = new Rng(options.seed + e, "record");
    runtime.resetHidden();
    let step = env.reset(options.seed + e);
    while (!step.done) {
      env.classes.forEach((c, i) => {
        const r = cls[i];
        if (uniform) {
          // Algorithm R over every decision: row k replaces a kept row with probability max / (k + 1).
          buildActorInput(step.classes[i].obs, c.count, c.obsSize, r.agentIdSize, r.scratch);
          for (let a = 0; a < c.count; a++) {
            const k = seen[i]++;
            const slot = k < options.maxPerClass ? k : pick.int(k + 1);
            if (slot >= options.maxPerClass) continue;
            r.inputs.set(
              r.scratch.subarray(a * r.inputSize, (a + 1) * r.inputSize),
              slot * r.inputSize,
            );
            r.masks.set(
              step.classes[i].actionMask.subarray(a * r.numActions, (a + 1) * r.numActions),
              slot * r.numActions,
            );
            if (k < options.maxPerClass) r.rows++;
          }
          return;
        }
        const take = Math.min(c.count, options.maxPerClass - r.rows);
        if (take <= 0) return;
        buildActorInput(step.classes[i].obs, c.count, c.obsSize, r.agentIdSize, r.scratch);
        r.inputs.set(r.scratch.subarray(0, take * r.inputSize), r.rows * r.inputSize);
        r.masks.set(
          step.classes[i].actionMask.subarray(0, take * r.numActions),
          r.rows * r.numActions,
        );
        r.rows += take;
      });
      runtime.act(step.classes, out, { greedy: actionsMode === "greedy", rng });
      step = env.step(out);
      steps++;
    }
  }
  runtime.dispose();
  return {
    classes: cls.map((c) => ({
      name: c.name,
      rows: c.rows,
      inputSize: c.inputSize,
      numActions: c.numActions,
      inputs: c.inputs.slice(0, c.rows * c.inputSize),
      masks: c.masks.slice(0, c.rows * c.numActions),
    })),
    provenance: {
      envId: env.id,
      seed: options.seed,
      episodes,
      steps,
      actions: actionsMode,
      policy: options.policyLabel ?? set.label ?? "policy set",
      maxPerClass: options.maxPerClass,
      sampling: uniform ? "uniform" : "first",
    },
  };
}
