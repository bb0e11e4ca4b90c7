/**
 * CelesTrak OMM CSV (`FORMAT=csv`): a header row of OMM field names (`OBJECT_NAME,OBJECT_ID,EPOCH,
 * MEAN_MOTION,...`) and one element set per row, parsed with `csv-parse` (RFC 4180: quoted names with
 * commas, CRLF line ends, a byte-order mark) and validated like OMM JSON (`omm.ts`: the same required
 * fields, ranges and SGP4 check). Column order does not matter; unknown columns are ignored.
 *
 * Errors name the file, the line and the field:
 * `Cannot load OMM CSV "x.csv": line 4: element set 3, field "MEAN_MOTION" must be a number, got "abc"`.
 *
 * @example
 * ```ts
 * import { parseOmmCsv } from "./omm_csv.ts";
 * const [iss] = parseOmmCsv(await Deno.readTextFile("sim/orbit/testdata/iss-omm.csv"), "iss.csv");
 * console.assert(iss.catalogNumber === 25544 && iss.name === "ISS (ZARYA)");
 * ```
 *
 * @module
 */

import { parse } from "csv-parse/sync";
import { OrbitDataError } from "./errors.ts";
import { ommToRecords } from "./omm.ts";
import type { SatelliteRecord } from "./record.ts";

const KIND = "OMM CSV";

/**
 * The columns an OMM CSV file must have (the rest of CelesTrak's are optional).
 *
 * @example
 * ```ts
 * import { OMM_CSV_REQUIRED } from "./omm_csv.ts";
 * console.assert(OMM_CSV_REQUIRED.includes("EPOCH"));
 * ```
 */
export const OMM_CSV_REQUIRED: readonly string[] = [
  "OBJECT_NAME",
  "EPOCH",
  "MEAN_MOTION",
  "ECCENTRICITY",
  "INCLINATION",
  "RA_OF_ASC_NODE",
  "ARG_OF_PERICENTER",
  "MEAN_ANOMALY",
  "NORAD_CAT_ID",
  "BSTAR",
  "MEAN_MOTION_DOT",
  "MEAN_MOTION_DDOT",
];

/** Columns that, when empty in a row, mean "absent" rather than an empty value. */
const OPTIONAL = new Set([
  "OBJECT_ID",
  "EPHEMERIS_TYPE",
  "CLASSIFICATION_TYPE",
  "ELEMENT_SET_NO",
  "REV_AT_EPOCH",
]);

/**
 * Parses OMM CSV text (CelesTrak `FORMAT=csv`) into records; `source` names the input in errors.
 *
 * @example
 * ```ts
 * import { parseOmmCsv } from "./omm_csv.ts";
 * try {
 *   parseOmmCsv("OBJECT_NAME,EPOCH\nX,2022-08-09T00:00:00", "x.csv");
 * } catch (e) {
 *   console.assert((e as Error).message.includes('line 1: column "MEAN_MOTION" is missing'));
 * }
 * ```
 */
export function parseOmmCsv(text: string, source = "<text>"): SatelliteRecord[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      relax_column_count: false,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const lines = (e as { lines?: unknown }).lines;
    throw new OrbitDataError(KIND, source, `not valid CSV (${(e as Error).message})`, {
      line: typeof lines === "number" ? lines : undefined,
      field: "csv",
    });
  }
  if (rows.length === 0) {
    throw new OrbitDataError(KIND, source, "no header row found", { line: 1, field: "header" });
  }
  const header = rows[0].record;
  for (const name of OMM_CSV_REQUIRED) {
    if (!header.includes(name)) {
      throw new OrbitDataError(
        KIND,
        source,
        `column "${name}" is missing from the header (expected CelesTrak's FORMAT=csv columns: ${
          OMM_CSV_REQUIRED.join(",")
        }, ...)`,
        { line: rows[0].info.lines, field: name },
      );
    }
  }
  const body = rows.slice(1);
  if (body.length === 0) {
    throw new OrbitDataError(KIND, source, "no element sets found after the header", {
      line: rows[0].info.lines,
      field: "text",
    });
  }
  const objects = body.map(({ record }) => {
    const o: Record<string, string> = {};
    header.forEach((name, i) => {
      const v = record[i];
      if (!(OPTIONAL.has(name) && v === "")) o[name] = v;
    });
    return o;
  });
  // csv-parse counts lines up to the end of each record: a record's last line.
  return ommToRecords(objects, source, { kind: KIND, line: (i) => body[i]?.info.lines });
}
