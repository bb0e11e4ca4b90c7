/**
 * What MAPPO and KD share in every update: the learning rate decayed linearly over the run, and epochs of
 * shuffled minibatches (each epoch restarts from the identity order and shuffles it with the iteration's
 * stream; the last minibatch takes the remainder).
 *
 * @example
 * ```ts
 * import { linearLearningRate, shuffledMinibatches } from "./schedule.ts";
 * import { Rng } from "../sim/rng.ts";
 * const last = linearLearningRate({ learningRate: 1e-3, finalLearningRate: 1e-4 }, 9, 10);
 * console.assert(Math.abs(last - 1e-4) < 1e-12); // the last update runs at the final rate
 * const sizes = [...shuffledMinibatches(new Rng(1), 10, 3, 2)].map((m) => m.length);
 * console.assert(sizes.join() === "3,3,4,3,3,4");
 * ```
 *
 * @module
 */

import type { Rng } from "../sim/rng.ts";

/**
 * The learning rate of update `iteration` (from 0) of `totalIterations`: `learningRate` at the first,
 * `finalLearningRate` at the last, linear in between.
 */
export function linearLearningRate(
  c: { readonly learningRate: number; readonly finalLearningRate: number },
  iteration: number,
  totalIterations: number,
): number {
  const progress = Math.min(1, iteration / Math.max(1, totalIterations - 1));
  return c.learningRate + (c.finalLearningRate - c.learningRate) * progress;
}

/**
 * `epochs` passes over `units` items in `minibatches` minibatches: per epoch, the identity order shuffled
 * by `rng`, cut into `floor(units / minibatches)`-sized pieces with the remainder in the last one. Yields
 * views of `order` (overwritten by the next epoch), so nothing is allocated per minibatch.
 */
export function* shuffledMinibatches(
  rng: Rng,
  units: number,
  minibatches: number,
  epochs: number,
  order: Int32Array = new Int32Array(units),
): Generator<Int32Array> {
  const size = Math.floor(units / minibatches);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < units; i++) order[i] = i;
    rng.shuffle(order);
    for (let m = 0; m < minibatches; m++) {
      yield order.subarray(m * size, m === minibatches - 1 ? units : (m + 1) * size);
    }
  }
}
