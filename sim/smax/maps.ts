/**
 * The maps fleetkd ships (`scenarios/smax/*.json`, embedded by JSON import so no read permission is
 * needed): SMAC's 3m, 8m, 2s3z, 3s5z and 3s_vs_5z with SMAC's episode limits.
 *
 * @example
 * ```ts
 * import { SMAX_MAP_NAMES, smaxMap } from "./maps.ts";
 * console.assert(SMAX_MAP_NAMES.length === 5);
 * console.assert(smaxMap("3s_vs_5z").episodeLimit === 250);
 * ```
 *
 * @module
 */

import map3m from "../../scenarios/smax/3m.json" with { type: "json" };
import map8m from "../../scenarios/smax/8m.json" with { type: "json" };
import map2s3z from "../../scenarios/smax/2s3z.json" with { type: "json" };
import map3s5z from "../../scenarios/smax/3s5z.json" with { type: "json" };
import map3sVs5z from "../../scenarios/smax/3s_vs_5z.json" with { type: "json" };
import { parseSmaxMap, type SmaxMap } from "./map.ts";

/** Names of the shipped maps. */
export const SMAX_MAP_NAMES = ["3m", "8m", "2s3z", "3s5z", "3s_vs_5z"] as const;

/** A shipped map name. */
export type SmaxMapName = typeof SMAX_MAP_NAMES[number];

const RAW: Record<SmaxMapName, unknown> = {
  "3m": map3m,
  "8m": map8m,
  "2s3z": map2s3z,
  "3s5z": map3s5z,
  "3s_vs_5z": map3sVs5z,
};

const parsed = new Map<string, SmaxMap>();

/**
 * The shipped map `name`, validated on first use; an unknown name gets an error listing the known ones.
 *
 * @example
 * ```ts
 * import { smaxMap } from "./maps.ts";
 * console.assert(smaxMap("2s3z").allies.length === 2);
 * ```
 */
export function smaxMap(name: string): SmaxMap {
  const hit = parsed.get(name);
  if (hit) return hit;
  if (!Object.hasOwn(RAW, name)) {
    throw new RangeError(
      `Unknown SMAX map "${name}"; shipped maps are: ${SMAX_MAP_NAMES.join(", ")}`,
    );
  }
  const map = parseSmaxMap(RAW[name as SmaxMapName], `scenarios/smax/${name}.json`);
  parsed.set(name, map);
  return map;
}
