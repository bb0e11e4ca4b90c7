/**
 * The artifact directory's fence: every path a sweep plan or a job names is relative to the artifact
 * directory and must stay inside it. {@linkcode confinedPath} normalises a relative path and refuses an
 * absolute one, a `..` that climbs out, or one that reaches outside through a symbolic link.
 *
 * @example
 * ```ts
 * import { confinedPath, PathOutsideError } from "./paths.ts";
 * const root = await Deno.makeTempDir();
 * console.assert(confinedPath(root, "a/./b") === `${Deno.realPathSync(root)}/a/b`);
 * try {
 *   confinedPath(root, "../etc");
 * } catch (e) {
 *   console.assert(e instanceof PathOutsideError);
 * }
 * ```
 *
 * @module
 */

import { isAbsolute, join, normalize, relative, resolve, sep } from "node:path";

/**
 * A path that would leave the artifact directory.
 *
 * @example
 * ```ts
 * import { confinedPath, PathOutsideError } from "./paths.ts";
 * try {
 *   confinedPath("/tmp", "/etc");
 * } catch (e) {
 *   console.assert(e instanceof PathOutsideError);
 * }
 * ```
 */
export class PathOutsideError extends Error {
  /** Names the path, the artifact directory and why it is refused. */
  constructor(message: string) {
    super(message);
    this.name = "PathOutsideError";
  }
}

/** Whether `rel` (relative, normalised) climbs out of its base. */
function escapes(rel: string): boolean {
  return rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/**
 * The absolute path of `rel` inside `root`, or a {@linkcode PathOutsideError} saying why not. The
 * deepest existing ancestor is resolved through symbolic links, so a link inside the artifact
 * directory that points outside it is refused too.
 *
 * @example
 * ```ts
 * import { confinedPath } from "./paths.ts";
 * const root = await Deno.makeTempDir();
 * console.assert(confinedPath(root, "sweep/train").endsWith("/sweep/train"));
 * ```
 */
export function confinedPath(root: string, rel: string): string {
  if (typeof rel !== "string" || rel === "" || rel.includes("\0")) {
    throw new PathOutsideError(`expected a non-empty relative path, got ${JSON.stringify(rel)}`);
  }
  if (isAbsolute(rel)) {
    throw new PathOutsideError(
      `"${rel}" is absolute; expected a path relative to the artifact directory "${root}"`,
    );
  }
  const normal = normalize(rel);
  if (escapes(normal)) {
    throw new PathOutsideError(`"${rel}" is outside the artifact directory "${root}"`);
  }
  const realRoot = realOrSelf(resolve(root));
  const target = join(realRoot, normal);
  // Resolve the deepest ancestor that exists: a symbolic link on the way may point elsewhere.
  let probe = target;
  while (probe !== realRoot && probe.startsWith(realRoot)) {
    try {
      const real = Deno.realPathSync(probe);
      if (escapes(relative(realRoot, real))) {
        throw new PathOutsideError(
          `"${rel}" leads outside the artifact directory "${root}" (through a link to "${real}")`,
        );
      }
      break;
    } catch (e) {
      if (e instanceof PathOutsideError) throw e;
      probe = resolve(probe, "..");
    }
  }
  return target;
}

function realOrSelf(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

/**
 * Whether `rel` is a relative path that stays inside any artifact directory (no filesystem access):
 * the plan's check, before a directory exists.
 *
 * @example
 * ```ts
 * import { isConfined } from "./paths.ts";
 * console.assert(isConfined("a/b") && !isConfined("../a") && !isConfined("/etc"));
 * ```
 */
export function isConfined(rel: string): boolean {
  return typeof rel === "string" && rel !== "" && !rel.includes("\0") && !isAbsolute(rel) &&
    !escapes(normalize(rel));
}
