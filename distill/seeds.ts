/**
 * The held-out seed split: every seed used to train or tune (teacher, students, study runs, their
 * environment copies and sampling streams, all derived from the root seed) is a root seed in
 * {@linkcode TRAINING_SEEDS}; evaluations run on root seeds outside that range, and the study draws
 * its evaluation seeds from {@linkcode EVALUATION_SEEDS}. The code enforces it: {@linkcode assertTrainingSeed}
 * guards the study's training runs and {@linkcode assertHeldOutSeed} every study evaluation and
 * `deno task evaluate` (which also refuses a seed any evaluated model was trained with).
 *
 * Seed 0, the evaluation seed of the shipped regression baselines and of `deno task evaluate`'s default,
 * lies outside the training range (shipped models were trained with seed 1).
 *
 * @example
 * ```ts
 * import { assertHeldOutSeed, evaluationSeed, trainingSeed } from "./seeds.ts";
 * console.assert(trainingSeed(0) === 1 && evaluationSeed(0) === 1_000_000);
 * assertHeldOutSeed(evaluationSeed(3), [trainingSeed(3)], "example");
 * ```
 *
 * @module
 */

/** Root seeds for training and tuning (inclusive range). */
export const TRAINING_SEEDS: Readonly<{ first: number; last: number }> = Object.freeze({
  first: 1,
  last: 999_999,
});

/** Root seeds the study evaluates on (inclusive range), disjoint from {@linkcode TRAINING_SEEDS}. */
export const EVALUATION_SEEDS: Readonly<{ first: number; last: number }> = Object.freeze({
  first: 1_000_000,
  last: 1_999_999,
});

/**
 * Whether `seed` is a training/tuning root seed.
 *
 * @example
 * ```ts
 * import { isTrainingSeed } from "./seeds.ts";
 * console.assert(isTrainingSeed(1) && !isTrainingSeed(0) && !isTrainingSeed(1_000_000));
 * ```
 */
export function isTrainingSeed(seed: number): boolean {
  return Number.isInteger(seed) && seed >= TRAINING_SEEDS.first && seed <= TRAINING_SEEDS.last;
}

/**
 * The `i`-th training seed (i from 0).
 *
 * @example
 * ```ts
 * import { trainingSeed } from "./seeds.ts";
 * console.assert(trainingSeed(4) === 5);
 * ```
 */
export function trainingSeed(i: number): number {
  const s = TRAINING_SEEDS.first + i;
  if (!Number.isInteger(i) || i < 0 || s > TRAINING_SEEDS.last) {
    throw new RangeError(`trainingSeed: index must be an integer in [0, 999998], got ${i}`);
  }
  return s;
}

/**
 * The `i`-th evaluation seed (i from 0).
 *
 * @example
 * ```ts
 * import { evaluationSeed } from "./seeds.ts";
 * console.assert(evaluationSeed(1) === 1_000_001);
 * ```
 */
export function evaluationSeed(i: number): number {
  const s = EVALUATION_SEEDS.first + i;
  if (!Number.isInteger(i) || i < 0 || s > EVALUATION_SEEDS.last) {
    throw new RangeError(`evaluationSeed: index must be an integer in [0, 999999], got ${i}`);
  }
  return s;
}

/**
 * Throws unless `seed` is a training seed (naming `where` and the value).
 *
 * @example
 * ```ts
 * import { assertTrainingSeed } from "./seeds.ts";
 * assertTrainingSeed(7, "plan field \"seeds\"");
 * ```
 */
export function assertTrainingSeed(seed: number, where: string): void {
  if (!isTrainingSeed(seed)) {
    throw new RangeError(
      `${where}: training seed must be an integer in [${TRAINING_SEEDS.first}, ${TRAINING_SEEDS.last}] (the training/tuning range), got ${seed}`,
    );
  }
}

/**
 * Throws when evaluating on `seed` would reuse a training seed: a seed in the training range, or one of
 * `trainedWith` (the root seeds of the models evaluated).
 *
 * @example
 * ```ts
 * import { assertHeldOutSeed } from "./seeds.ts";
 * try {
 *   assertHeldOutSeed(1, [1], "flag --seed");
 * } catch (e) {
 *   console.log((e as Error).message);
 * }
 * ```
 */
export function assertHeldOutSeed(
  seed: number,
  trainedWith: readonly number[],
  where: string,
): void {
  if (!Number.isInteger(seed) || seed < 0) {
    throw new RangeError(`${where}: evaluation seed must be an integer >= 0, got ${seed}`);
  }
  if (trainedWith.includes(seed)) {
    throw new RangeError(
      `${where}: evaluation seed ${seed} is a seed a model being evaluated was trained with; evaluate on held-out seeds (e.g. ${EVALUATION_SEEDS.first} and up)`,
    );
  }
  if (isTrainingSeed(seed)) {
    throw new RangeError(
      `${where}: evaluation seed ${seed} is in the training/tuning range [${TRAINING_SEEDS.first}, ${TRAINING_SEEDS.last}]; evaluate on held-out seeds (0, or ${EVALUATION_SEEDS.first} and up)`,
    );
  }
}
