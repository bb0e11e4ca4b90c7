/**
 * The error raised when element sets (TLE, OMM) or orbit parameters are rejected.
 *
 * Its message follows the project's style: what was being loaded, where (line or field), the offending
 * value and what was expected, e.g.
 * `Cannot load TLE "data/tle/x.tle": line 7: checksum is 3, expected 5 (last column)`.
 *
 * @example
 * ```ts
 * import { OrbitDataError } from "./errors.ts";
 * const err = new OrbitDataError("TLE", "x.tle", "checksum is 3, expected 5 (last column)", {
 *   line: 7,
 *   field: "checksum",
 *   value: "3",
 * });
 * console.assert(err.message === 'Cannot load TLE "x.tle": line 7: checksum is 3, expected 5 (last column)');
 * ```
 *
 * @module
 */

import { InputError } from "../input_error.ts";

/**
 * Where in the input an {@link OrbitDataError} was found.
 *
 * @example
 * ```ts
 * import { OrbitDataError } from "./errors.ts";
 * const err = new OrbitDataError("TLE", "x.tle", "bad", { line: 3, field: "inclination", value: "9x" });
 * console.assert(err.line === 3 && err.field === "inclination");
 * ```
 */
export interface OrbitDataErrorLocation {
  /** 1-based line number in the source text, when the input is line-based (TLE). */
  line?: number;
  /** Name of the offending field, e.g. `"inclination"` or `"[3].MEAN_MOTION"`. */
  field?: string;
  /** The offending value as found in the input. */
  value?: string;
}

/**
 * Rejected orbital input. `kind` is what was being loaded (`"TLE"`, `"OMM"`, `"Walker constellation"`),
 * `source` the file name (or a label for in-memory text).
 *
 * @example
 * ```ts
 * import { OrbitDataError } from "./errors.ts";
 * import { parseTle } from "./tle.ts";
 * try {
 *   parseTle("not a TLE", "inline.tle");
 * } catch (err) {
 *   console.assert(err instanceof OrbitDataError && err.source === "inline.tle");
 * }
 * ```
 */
export class OrbitDataError extends InputError {
  /** What was being loaded: `"TLE"`, `"OMM"`, `"Walker constellation"`. */
  readonly kind: string;
  /** File name or label of the input. */
  readonly source: string;
  /** 1-based line number, when known. */
  readonly line?: number;
  /** Offending field, when known. */
  readonly field?: string;
  /** Offending value, when known. */
  readonly value?: string;

  /** Builds the message `Cannot load <kind> "<source>": [line N: ]<detail>`. */
  constructor(kind: string, source: string, detail: string, where: OrbitDataErrorLocation = {}) {
    const at = where.line === undefined ? "" : `line ${where.line}: `;
    super(`Cannot load ${kind} "${source}": ${at}${detail}`);
    this.name = "OrbitDataError";
    this.kind = kind;
    this.source = source;
    this.line = where.line;
    this.field = where.field;
    this.value = where.value;
  }
}
