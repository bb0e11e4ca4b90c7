/**
 * Registry entries of the shipped SMAX maps (`smax/3m`, `smax/8m`, `smax/2s3z`, `smax/3s5z`,
 * `smax/3s_vs_5z`), for the scenario catalog. Factory options: `maxSteps` (positive integer),
 * `stateLastAction` (boolean) and `reward` (`"smac"`, the default, or `"survivors"`; see `env.ts`); the map
 * is fixed by the id.
 *
 * @example
 * ```ts
 * import { smaxEnvEntries } from "./entries.ts";
 * const entry = smaxEnvEntries.find((e) => e.id === "smax/3m")!;
 * const env = entry.make({ maxSteps: 20 });
 * console.assert(env.maxSteps === 20 && env.classes[0].name === "marine");
 * ```
 *
 * @module
 */

import type { EnvEntry, EnvOptions } from "../env/registry.ts";
import { parseSmaxRewardMode, SmaxEnv, type SmaxEnvOptions } from "./env.ts";
import { SMAX_MAP_NAMES, smaxMap } from "./maps.ts";

const KNOWN_OPTIONS = ["maxSteps", "stateLastAction", "reward"];

/**
 * Checks registry options for a SMAX map and turns them into {@linkcode SmaxEnvOptions}; throws naming the
 * environment, the option and the value.
 *
 * @example
 * ```ts
 * import { smaxOptions } from "./entries.ts";
 * console.assert(smaxOptions("smax/3m", { maxSteps: 10 }).maxSteps === 10);
 * ```
 */
export function smaxOptions(id: string, options: EnvOptions = {}): SmaxEnvOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new RangeError(
        `Cannot build "${id}": unknown option "${key}"; options are ${KNOWN_OPTIONS.join(", ")}`,
      );
    }
  }
  const { maxSteps, stateLastAction, reward } = options;
  if (
    maxSteps !== undefined &&
    !(typeof maxSteps === "number" && Number.isInteger(maxSteps) && maxSteps >= 1)
  ) {
    throw new RangeError(
      `Cannot build "${id}": option "maxSteps" must be a positive integer, got ${
        JSON.stringify(maxSteps)
      }`,
    );
  }
  if (stateLastAction !== undefined && typeof stateLastAction !== "boolean") {
    throw new RangeError(
      `Cannot build "${id}": option "stateLastAction" must be true or false, got ${
        JSON.stringify(stateLastAction)
      }`,
    );
  }
  return {
    maxSteps,
    stateLastAction,
    reward: reward === undefined
      ? undefined
      : parseSmaxRewardMode(reward, `Cannot build "${id}": option "reward"`),
  };
}

/**
 * One environment entry per shipped map (the scenario catalog lists them).
 *
 * @example
 * ```ts
 * import { smaxEnvEntries } from "./entries.ts";
 * console.assert(smaxEnvEntries.map((e) => e.id).includes("smax/3s_vs_5z"));
 * ```
 */
export const smaxEnvEntries: readonly EnvEntry[] = SMAX_MAP_NAMES.map((name) => {
  const id = `smax/${name}`;
  return {
    id,
    description: `SMAC-style micromanagement (SMAX-like): ${smaxMap(name).description}`,
    make: (options?: EnvOptions) => new SmaxEnv({ ...smaxOptions(id, options), map: name }),
  };
});
