/**
 * SMAC's shaped team reward and the battle win rate.
 *
 * SMAC (`starcraft2.py`, `reward_battle` with its defaults `reward_only_positive=True`,
 * `reward_death_value=10`, `reward_win=200`, `reward_defeat=0`, `reward_scale_rate=20`): each step pays the
 * hit and shield points the enemies lost (an enemy that died counts all it had at the step's start) plus 10
 * per enemy killed, as an absolute value (shield regeneration can make the sum negative; SMAC takes `abs`),
 * plus 200 on the step the battle is won. The sum is divided by `maxReward / 20`, where
 * `maxReward = 10 * enemies + 200 + sum of the enemies' maximum hit and shield points`, so a won battle
 * without shield regeneration returns exactly 20.
 *
 * @example
 * ```ts
 * import { SMAC_REWARD, smacMaxReward } from "./reward.ts";
 * const max = smacMaxReward([{ health: 45, shield: 0 }, { health: 45, shield: 0 }, { health: 45, shield: 0 }]);
 * console.assert(max === 3 * 10 + 200 + 135 && SMAC_REWARD.scaleRate === 20);
 * ```
 *
 * @module
 */

import type { EnvInfos } from "../env/types.ts";

/** SMAC's reward parameters. */
export interface SmacRewardConfig {
  /** Reward per enemy killed (`reward_death_value`). */
  readonly deathValue: number;
  /** Reward for winning (`reward_win`). */
  readonly win: number;
  /** Rewards are scaled so that the maximum episode return is this (`reward_scale_rate`). */
  readonly scaleRate: number;
}

/**
 * SMAC's defaults.
 *
 * @example
 * ```ts
 * import { SMAC_REWARD } from "./reward.ts";
 * console.assert(SMAC_REWARD.deathValue === 10 && SMAC_REWARD.win === 200);
 * ```
 */
export const SMAC_REWARD: SmacRewardConfig = { deathValue: 10, win: 200, scaleRate: 20 };

/**
 * SMAC's `max_reward`: death value per enemy, the win bonus and every enemy's maximum hit and shield points.
 *
 * @example
 * ```ts
 * import { smacMaxReward } from "./reward.ts";
 * console.assert(smacMaxReward([{ health: 100, shield: 50 }]) === 10 + 200 + 150);
 * ```
 */
export function smacMaxReward(
  enemies: readonly { readonly health: number; readonly shield: number }[],
  config: SmacRewardConfig = SMAC_REWARD,
): number {
  let total = enemies.length * config.deathValue + config.win;
  for (const e of enemies) total += e.health + e.shield;
  return total;
}

/**
 * One step's scaled SMAC reward. `before[k]` and `after[k]` are enemy `k`'s hit plus shield points at the
 * start and end of the step, `aliveBefore`/`aliveAfter` whether it lived then; `won` adds the win bonus.
 *
 * @example
 * ```ts
 * import { smacStepReward } from "./reward.ts";
 * // One marine of 3m hit once (6 damage): 6 / (365 / 20).
 * const r = smacStepReward(Float64Array.of(45, 45, 45), Float64Array.of(39, 45, 45),
 *   Uint8Array.of(1, 1, 1), Uint8Array.of(1, 1, 1), false, 365);
 * console.assert(Math.abs(r - 6 / 18.25) < 1e-12);
 * ```
 */
export function smacStepReward(
  before: ArrayLike<number>,
  after: ArrayLike<number>,
  aliveBefore: ArrayLike<number>,
  aliveAfter: ArrayLike<number>,
  won: boolean,
  maxReward: number,
  config: SmacRewardConfig = SMAC_REWARD,
): number {
  let delta = 0;
  for (let k = 0; k < before.length; k++) {
    if (!aliveBefore[k]) continue;
    if (aliveAfter[k]) delta += before[k] - after[k];
    else delta += before[k] + config.deathValue;
  }
  let reward = Math.abs(delta);
  if (won) reward += config.win;
  return reward / (maxReward / config.scaleRate);
}

/**
 * The share of finished episodes whose last step reported `infos.won === 1` (NaN for none), e.g. over
 * `VectorEnv.completed`.
 *
 * @example
 * ```ts
 * import { battleWinRate } from "./reward.ts";
 * console.assert(battleWinRate([{ infos: { won: 1 } }, { infos: { won: 0 } }]) === 0.5);
 * ```
 */
export function battleWinRate(episodes: readonly { readonly infos: EnvInfos }[]): number {
  if (episodes.length === 0) return NaN;
  let won = 0;
  for (const e of episodes) if (e.infos.won === 1) won++;
  return won / episodes.length;
}
