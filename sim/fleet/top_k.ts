/**
 * Top-k selection into preallocated arrays, used by the proximity queries of {@linkcode FleetVisibility}
 * (nearest events, nearest neighbours, highest satellites) so a step allocates nothing.
 *
 * @example
 * ```ts
 * import { insertTop } from "./top_k.ts";
 * const keys = new Float64Array(2), ids = new Int32Array(2);
 * let n = 0;
 * for (const [key, id] of [[0.1, 7], [0.9, 8], [0.5, 9]]) n = insertTop(keys, ids, n, 2, key, id);
 * console.assert(n === 2 && ids[0] === 8 && ids[1] === 9);
 * ```
 *
 * @module
 */

/**
 * Inserts (`key`, `id`) into the top-`k` arrays `keys` / `ids`, which hold `n` entries sorted by
 * descending key: appended in order while `n < k`, otherwise replacing the last entry when `key` is larger.
 * Ties keep the earlier entry first. Returns the new count (at most `k`). `k` must be >= 1.
 *
 * @example
 * ```ts
 * import { insertTop } from "./top_k.ts";
 * const keys = new Float64Array(3), ids = new Int32Array(3);
 * let n = insertTop(keys, ids, 0, 3, 2, 20);
 * n = insertTop(keys, ids, n, 3, 5, 50);
 * console.assert(n === 2 && ids[0] === 50 && keys[1] === 2);
 * ```
 */
export function insertTop(
  keys: Float64Array,
  ids: Int32Array,
  n: number,
  k: number,
  key: number,
  id: number,
): number {
  let pos = n < k ? n : k - 1;
  if (n >= k && key <= keys[k - 1]) return n;
  while (pos > 0 && keys[pos - 1] < key) {
    keys[pos] = keys[pos - 1];
    ids[pos] = ids[pos - 1];
    pos--;
  }
  keys[pos] = key;
  ids[pos] = id;
  return n < k ? n + 1 : k;
}
