/**
 * Field paths of validation errors (zod issue paths): the `a.b[3].c` text every "Cannot load ...:
 * field ... must be ..." message names, and the value found at a path in the parsed input.
 *
 * @example
 * ```ts
 * import { formatPath, valueAt } from "./field_path.ts";
 * console.assert(formatPath(["sensors", "list", 3, "latDeg"]) === "sensors.list[3].latDeg");
 * console.assert(valueAt({ a: [{ b: 7 }] }, ["a", 0, "b"]) === 7);
 * ```
 *
 * @module
 */

/**
 * Formats a field path: `a.b[3].c`.
 *
 * @example
 * ```ts
 * import { formatPath } from "./field_path.ts";
 * console.assert(formatPath([0, "x"]) === "[0].x");
 * ```
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * The value at `path` in `root`, or undefined where the path leaves the data.
 *
 * @example
 * ```ts
 * import { valueAt } from "./field_path.ts";
 * console.assert(valueAt({ a: 1 }, ["a", "b"]) === undefined);
 * ```
 */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
