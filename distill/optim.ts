/**
 * Adam with a settable learning rate (tfjs's `AdamOptimizer` keeps it protected), for linear decay.
 *
 * @example
 * ```ts
 * import { ScheduledAdam } from "./optim.ts";
 * const adam = new ScheduledAdam(7e-4, 1e-5);
 * adam.setLearningRate(3e-4);
 * console.assert(adam.currentLearningRate === 3e-4);
 * adam.dispose();
 * ```
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";

/** Adam (beta1 0.9, beta2 0.999) whose learning rate can change between steps. */
export class ScheduledAdam extends tf.AdamOptimizer {
  /** Creates the optimiser with a starting learning rate and epsilon. */
  constructor(learningRate: number, epsilon = 1e-8) {
    super(learningRate, 0.9, 0.999, epsilon);
  }

  /** Sets the learning rate used from the next step on. */
  setLearningRate(lr: number): void {
    if (!(lr > 0) || !Number.isFinite(lr)) {
      throw new RangeError(`ScheduledAdam: learning rate must be > 0, got ${lr}`);
    }
    this.learningRate = lr;
  }

  /**
   * Applies gradients given as a name -> tensor map (as `tf.variableGrads` returns them). tfjs's Adam
   * keeps its moments by position in the map, so a variable missing from one step's map would shift
   * every later variable onto another's moments: with `variables`, the map is completed in their
   * order, with a zero gradient for each variable the loss did not reach this step.
   */
  applyGradientMap(grads: tf.NamedTensorMap, variables?: readonly tf.Variable[]): void {
    if (!variables) {
      this.applyGradients(grads as unknown as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
      return;
    }
    const complete: tf.NamedTensorMap = {};
    const zeros: tf.Tensor[] = [];
    for (const v of variables) {
      complete[v.name] = grads[v.name] ?? zeros[zeros.push(tf.zerosLike(v)) - 1];
    }
    for (const name of Object.keys(grads)) {
      if (!(name in complete)) {
        tf.dispose(zeros);
        throw new RangeError(
          `ScheduledAdam: gradient for "${name}", which is not among the variables`,
        );
      }
    }
    this.applyGradients(complete as unknown as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
    tf.dispose(zeros);
  }

  /**
   * Restores saved weights given as name/tensor pairs (iterations first, as `getWeights` returns them).
   * Moments the optimiser already held are disposed (tfjs's `setWeights` drops them without disposing).
   */
  async restoreWeights(weights: { name: string; tensor: tf.Tensor }[]): Promise<void> {
    const previous = await this.getWeights();
    previous[0].tensor.dispose(); // getWeights makes a fresh iteration scalar
    await this.setWeights(weights as unknown as Parameters<tf.AdamOptimizer["setWeights"]>[0]);
    for (const w of previous.slice(1)) w.tensor.dispose();
  }

  /** The learning rate in use. */
  get currentLearningRate(): number {
    return this.learningRate;
  }
}
