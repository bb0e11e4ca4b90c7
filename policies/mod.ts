/**
 * Policy networks for fleetkd: tfjs actors and critics, exact cost accounting, budget-sized students, a
 * plain Float32Array inference path, the WASM runtime, simulated decision latency and model files.
 *
 * `policies` may import from `sim/`, never from `distill/` or `server/`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Actor, initBackend } from "./mod.ts";
 * await initBackend("wasm");
 * const actor = new Actor({ obsSize: 18, agentIdSize: 0, numActions: 5, hiddenSizes: [64],
 *   activation: "tanh", kind: "mlp" }, { seed: 1, name: "mod_demo" });
 * const a = tf.tidy(() => tf.argMax(actor.forward(tf.zeros([1, 18]) as tf.Tensor2D).logits, 1).dataSync()[0]);
 * console.assert(a >= 0 && a < 5);
 * actor.dispose();
 * ```
 *
 * @module
 */

export * from "./backend.ts";
export * from "./dense.ts";
export * from "./orthogonal.ts";
export * from "./mlp.ts";
export * from "./gru.ts";
export * from "./actor.ts";
export * from "./critic.ts";
export * from "./cost.ts";
export * from "./sizing.ts";
export * from "./observation_view.ts";
export * from "./plain.ts";
export * from "./policy_set.ts";
export * from "./runtime.ts";
export * from "./latency.ts";
export * from "./platform_model.ts";
export * from "./model_io.ts";
export * from "./controller.ts";
export * from "./compiled.ts";
