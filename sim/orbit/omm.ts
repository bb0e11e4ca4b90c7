/**
 * CelesTrak / Space-Track OMM (Orbit Mean-Elements Message) JSON loading, validated with zod and converted
 * with satellite.js `json2satrec`. The CSV and XML readers (`omm_csv.ts`, `omm_xml.ts`) validate through
 * the same {@linkcode ommToRecords}.
 *
 * The input is an array of objects in CelesTrak's `FORMAT=json` layout. Required fields: `OBJECT_NAME`,
 * `EPOCH` (ISO 8601 UTC, `Z` optional, up to microseconds), `MEAN_MOTION` (rev/day), `ECCENTRICITY`,
 * `INCLINATION`, `RA_OF_ASC_NODE`, `ARG_OF_PERICENTER`, `MEAN_ANOMALY` (degrees), `NORAD_CAT_ID`, `BSTAR`,
 * `MEAN_MOTION_DOT`, `MEAN_MOTION_DDOT`. Checked when present: `OBJECT_ID`, `EPHEMERIS_TYPE` (must be 0,
 * SGP4), `CLASSIFICATION_TYPE` (U, C or S), `ELEMENT_SET_NO`, `REV_AT_EPOCH`. Numbers may be JSON numbers or
 * numeric strings (Space-Track writes strings). Other fields are ignored.
 *
 * Errors name the file, the element index and the field:
 * `Cannot load OMM "x.json": field "[3].MEAN_MOTION" must be a number, got "abc"`.
 *
 * @example
 * ```ts
 * import { parseOmm } from "./omm.ts";
 * const json = JSON.stringify([{
 *   OBJECT_NAME: "ISS (ZARYA)", OBJECT_ID: "1998-067A", EPOCH: "2022-08-09T22:14:07.000224",
 *   MEAN_MOTION: 15.50292585, ECCENTRICITY: 0.0005152, INCLINATION: 51.6448, RA_OF_ASC_NODE: 70.37,
 *   ARG_OF_PERICENTER: 101.7041, MEAN_ANOMALY: 98.6467, EPHEMERIS_TYPE: 0, CLASSIFICATION_TYPE: "U",
 *   NORAD_CAT_ID: 25544, ELEMENT_SET_NO: 999, REV_AT_EPOCH: 35351, BSTAR: 0.00011289,
 *   MEAN_MOTION_DOT: 0.00006058, MEAN_MOTION_DDOT: 0,
 * }]);
 * const [iss] = parseOmm(json, "iss.json");
 * console.assert(iss.catalogNumber === 25544 && iss.designator === "1998-067A");
 * ```
 *
 * @module
 */
import { json2satrec } from "satellite.js";
import { z } from "zod";
import { formatPath, valueAt } from "../field_path.ts";
import { OrbitDataError } from "./errors.ts";
import { describeSatRecError, MAX_ELEMENT_FILE_BYTES, type SatelliteRecord } from "./record.ts";
import { readTextFileBounded } from "../bounded_read.ts";

const KIND = "OMM";
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ISO_EPOCH = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z?$/;

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

interface NumberRule {
  min?: number;
  max?: number;
  /** Lower bound is exclusive. */
  above?: number;
  /** Upper bound is exclusive. */
  below?: number;
  integer?: boolean;
}

/** A numeric field: a JSON number or a numeric string, with optional range rules. */
function num(rule: NumberRule = {}) {
  return z.unknown().transform((v, ctx): number => {
    const n = typeof v === "number"
      ? v
      : typeof v === "string" && NUMERIC.test(v.trim())
      ? Number(v.trim())
      : NaN;
    if (!Number.isFinite(n)) {
      const message = v === undefined
        ? "is missing, expected a number"
        : `must be a number, got ${show(v)}`;
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }
    let want = "";
    if (rule.integer && !Number.isInteger(n)) want = "an integer";
    else if (rule.min !== undefined && n < rule.min) want = `>= ${rule.min}`;
    else if (rule.max !== undefined && n > rule.max) want = `<= ${rule.max}`;
    else if (rule.above !== undefined && n <= rule.above) want = `> ${rule.above}`;
    else if (rule.below !== undefined && n >= rule.below) want = `< ${rule.below}`;
    if (want) {
      ctx.addIssue({ code: "custom", message: `must be ${want}, got ${show(v)}` });
      return z.NEVER;
    }
    return n;
  });
}

function str(pattern?: RegExp, expected = "a string") {
  return z.unknown().transform((v, ctx): string => {
    if (typeof v !== "string" || (pattern && !pattern.test(v))) {
      const message = v === undefined
        ? `is missing, expected ${expected}`
        : `must be ${expected}, got ${show(v)}`;
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }
    return v;
  });
}

/** Parses the ISO epoch to Unix ms keeping sub-millisecond digits; NaN when invalid. */
function epochToMs(text: string): number {
  const m = ISO_EPOCH.exec(text);
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return NaN;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > daysInMonth) return NaN;
  return Date.UTC(y, mo - 1, d, h, mi, s) + (m[7] ? Number(m[7]) * 1000 : 0);
}

const epochField = z.unknown().transform((v, ctx): number => {
  const ms = typeof v === "string" ? epochToMs(v) : NaN;
  if (!Number.isFinite(ms)) {
    const want = `an ISO 8601 UTC time like "2022-08-09T22:14:07.000224"`;
    const message = v === undefined
      ? `is missing, expected ${want}`
      : `must be ${want}, got ${show(v)}`;
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  }
  return ms;
});

/** One OMM element set after validation (numbers decoded, epoch as Unix ms). */
const OmmObject = z.object({
  OBJECT_NAME: str(),
  OBJECT_ID: str().optional(),
  EPOCH: epochField,
  MEAN_MOTION: num({ above: 0, max: 100 }),
  ECCENTRICITY: num({ min: 0, below: 1 }),
  INCLINATION: num({ min: 0, max: 180 }),
  RA_OF_ASC_NODE: num({ min: 0, max: 360 }),
  ARG_OF_PERICENTER: num({ min: 0, max: 360 }),
  MEAN_ANOMALY: num({ min: 0, max: 360 }),
  EPHEMERIS_TYPE: num({ integer: true, min: 0, max: 0 }).optional(),
  CLASSIFICATION_TYPE: str(/^[UCS]$/, `"U", "C" or "S"`).optional(),
  NORAD_CAT_ID: num({ integer: true, min: 0, max: 999_999_999 }),
  ELEMENT_SET_NO: num({ integer: true, min: 0 }).optional(),
  REV_AT_EPOCH: num({ integer: true, min: 0 }).optional(),
  BSTAR: num(),
  MEAN_MOTION_DOT: num(),
  MEAN_MOTION_DDOT: num(),
});

const OmmArray = z.array(OmmObject);

/**
 * How {@linkcode ommToRecords} names element sets in errors: `kind` (default `"OMM"`) is what was being
 * loaded, `line(i)` the line where element set `i` (0-based) starts. With `line`, errors read
 * `line 5: element set 4, field "MEAN_MOTION" must be ...`; without, `field "[3].MEAN_MOTION" must be ...`.
 *
 * @example
 * ```ts
 * import type { OmmLocator } from "./omm.ts";
 * const csv: OmmLocator = { kind: "OMM CSV", line: (i) => i + 2 };
 * console.assert(csv.line!(0) === 2);
 * ```
 */
export interface OmmLocator {
  /** What was being loaded, e.g. `"OMM CSV"`. */
  kind?: string;
  /** 1-based line of element set `index` in the source text. */
  line?: (index: number) => number | undefined;
}

/**
 * Validates already-parsed OMM JSON data (an array of element objects) and converts it to records.
 * `source` names the input in errors; `where` says how to name element sets in them (CSV and XML
 * readers pass their line numbers).
 *
 * @example
 * ```ts
 * import { ommToRecords } from "./omm.ts";
 * import { OrbitDataError } from "./errors.ts";
 * try {
 *   ommToRecords([{ OBJECT_NAME: "X" }], "x.json");
 * } catch (err) {
 *   console.assert(err instanceof OrbitDataError);
 *   console.assert((err as Error).message.includes('field "[0].EPOCH"'));
 * }
 * ```
 */
export function ommToRecords(
  data: unknown,
  source = "<data>",
  where: OmmLocator = {},
): SatelliteRecord[] {
  const kind = where.kind ?? KIND;
  /** Detail and location for element set `index`, field `rest` (a path inside the set). */
  const at = (index: number, rest: string) => {
    if (where.line === undefined) {
      return {
        prefix: `field "${formatPath([index])}${rest ? `.${rest}` : ""}" `,
        line: undefined,
      };
    }
    const prefix = `element set ${index + 1}${rest ? `, field "${rest}"` : ":"} `;
    return { prefix, line: where.line(index) };
  };
  if (!Array.isArray(data)) {
    const got = data === null ? "null" : typeof data;
    throw new OrbitDataError(
      kind,
      source,
      `the top level must be an array of OMM objects, got ${Array.isArray(data) ? "array" : got}`,
      { field: "", value: got },
    );
  }
  const parsed = OmmArray.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const first = issues[0];
    const field = formatPath(first.path);
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : "";
    let message = first.message;
    if (first.code === "invalid_type") {
      message = `must be ${first.expected === "object" ? "an object" : first.expected}, got ${
        show(valueAt(data, first.path))
      }`;
    }
    const index = typeof first.path[0] === "number" ? first.path[0] : undefined;
    const loc = index === undefined
      ? { prefix: `field "${field}" `, line: undefined }
      : at(index, formatPath(first.path.slice(1)));
    throw new OrbitDataError(kind, source, `${loc.prefix}${message}${more}`, {
      field,
      value: show(valueAt(data, first.path)),
      line: loc.line,
    });
  }
  return parsed.data.map((o, i) => {
    const satrec = json2satrec({
      OBJECT_NAME: o.OBJECT_NAME,
      OBJECT_ID: o.OBJECT_ID ?? "",
      EPOCH: new Date(Math.floor(o.EPOCH)).toISOString(),
      MEAN_MOTION: o.MEAN_MOTION,
      ECCENTRICITY: o.ECCENTRICITY,
      INCLINATION: o.INCLINATION,
      RA_OF_ASC_NODE: o.RA_OF_ASC_NODE,
      ARG_OF_PERICENTER: o.ARG_OF_PERICENTER,
      MEAN_ANOMALY: o.MEAN_ANOMALY,
      NORAD_CAT_ID: o.NORAD_CAT_ID,
      ELEMENT_SET_NO: o.ELEMENT_SET_NO ?? 999,
      BSTAR: o.BSTAR,
      MEAN_MOTION_DOT: o.MEAN_MOTION_DOT,
      MEAN_MOTION_DDOT: o.MEAN_MOTION_DDOT,
    });
    if (satrec.error !== 0 || !Number.isFinite(satrec.no) || !Number.isFinite(satrec.a)) {
      const loc = at(i, "");
      throw new OrbitDataError(
        kind,
        source,
        `${loc.prefix}SGP4 rejected the element set: ${
          describeSatRecError(satrec.error)
        } (satrec.error ${satrec.error})`,
        { field: `[${i}]`, value: String(satrec.error), line: loc.line },
      );
    }
    return {
      name: o.OBJECT_NAME,
      catalogNumber: o.NORAD_CAT_ID,
      designator: o.OBJECT_ID ?? "",
      epoch: new Date(Math.round(o.EPOCH)),
      epochMs: o.EPOCH,
      satrec,
    };
  });
}

/**
 * Parses OMM JSON text (CelesTrak `FORMAT=json`) into records. `source` names the input in errors.
 *
 * @example
 * ```ts
 * import { parseOmm } from "./omm.ts";
 * try {
 *   parseOmm('[{"MEAN_MOTION": "abc"}]', "x.json");
 * } catch (err) {
 *   console.assert((err as Error).message.startsWith('Cannot load OMM "x.json": field "[0].'));
 * }
 * ```
 */
export function parseOmm(text: string, source = "<text>"): SatelliteRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new OrbitDataError(KIND, source, `invalid JSON: ${why}`);
  }
  return ommToRecords(data, source);
}

/**
 * Reads and parses an OMM JSON file (a regular file of at most {@linkcode MAX_ELEMENT_FILE_BYTES});
 * errors name the path as given.
 *
 * @example
 * ```ts
 * import { loadOmm } from "./omm.ts";
 * const records = await loadOmm("sim/orbit/testdata/iss-omm.json");
 * console.assert(records[0].catalogNumber === 25544);
 * ```
 */
export async function loadOmm(path: string): Promise<SatelliteRecord[]> {
  let text: string;
  try {
    text = await readTextFileBounded(path, MAX_ELEMENT_FILE_BYTES);
  } catch (err) {
    throw new OrbitDataError(KIND, path, `file ${(err as Error).message}`);
  }
  return parseOmm(text, path);
}
