/**
 * Element sets in any of the formats CelesTrak serves, told apart by content (not by file extension):
 * TLE (2- or 3-line, `tle.ts`) and OMM as JSON (`omm.ts`), CSV (`omm_csv.ts`) or XML (`omm_xml.ts`).
 * {@linkcode detectElementFormat} looks at the first non-blank characters; {@linkcode parseElements} parses with the detected (or given) format
 * and {@linkcode loadElements} reads a file first (a regular file of at most
 * {@linkcode MAX_ELEMENT_FILE_BYTES}).
 *
 * Text that is none of them is refused without quoting it (the file may not be an element set at all):
 * `Cannot load element sets "x.txt": line 1: not an element set (expected TLE or OMM JSON, CSV or XML)`.
 *
 * @example
 * ```ts
 * import { loadElements } from "./elements.ts";
 * const records = await loadElements("sim/orbit/testdata/iss-omm.json");
 * console.assert(records[0].catalogNumber === 25544);
 * ```
 *
 * @module
 */

import { readTextFileBounded } from "../bounded_read.ts";
import { OrbitDataError } from "./errors.ts";
import { parseOmm } from "./omm.ts";
import { parseOmmCsv } from "./omm_csv.ts";
import { parseOmmXml } from "./omm_xml.ts";
import { MAX_ELEMENT_FILE_BYTES, type SatelliteRecord } from "./record.ts";
import { parseTle } from "./tle.ts";

/**
 * An element-set format: `tle`, or OMM as JSON (`omm-json`; `omm` is the same, as scenario files
 * have always written it), CSV (`omm-csv`) or XML (`omm-xml`).
 *
 * @example
 * ```ts
 * import type { ElementFormat } from "./elements.ts";
 * const f: ElementFormat = "omm-json";
 * console.assert(f.startsWith("omm"));
 * ```
 */
export type ElementFormat = "tle" | "omm" | "omm-json" | "omm-csv" | "omm-xml";

/**
 * The formats {@linkcode parseElements} takes, for help texts and schemas.
 *
 * @example
 * ```ts
 * import { ELEMENT_FORMATS } from "./elements.ts";
 * console.assert(ELEMENT_FORMATS.includes("tle"));
 * ```
 */
export const ELEMENT_FORMATS: readonly ElementFormat[] = [
  "tle",
  "omm",
  "omm-json",
  "omm-csv",
  "omm-xml",
];

const KIND = "element sets";
const DESCRIPTION = "TLE or OMM JSON, CSV or XML";

/**
 * The format of element-set text by its content, or undefined when it looks like none: JSON starts
 * with `[` or `{`, XML with `<`; CSV has a header row naming `OBJECT_NAME` or `NORAD_CAT_ID`; TLE has an
 * element line (`1 NNNNN...`) within its first three non-blank lines.
 *
 * @example
 * ```ts
 * import { detectElementFormat } from "./elements.ts";
 * console.assert(detectElementFormat('[{"OBJECT_NAME": "X"}]') === "omm-json");
 * console.assert(detectElementFormat("root:x:0:0:root:/root:/bin/bash") === undefined);
 * ```
 */
export function detectElementFormat(
  text: string,
): "tle" | "omm-json" | "omm-csv" | "omm-xml" | undefined {
  const head = text.replace(/^\uFEFF/, "").trimStart();
  if (head.startsWith("[") || head.startsWith("{")) return "omm-json";
  if (head.startsWith("<")) return "omm-xml";
  const nl = head.indexOf("\n");
  const first = (nl < 0 ? head : head.slice(0, nl)).split(",").map((c) =>
    c.trim().replace(/"/g, "")
  );
  if (first.length > 1 && (first.includes("OBJECT_NAME") || first.includes("NORAD_CAT_ID"))) {
    return "omm-csv";
  }
  const lines: string[] = [];
  for (const line of head.slice(0, 1024).split("\n")) {
    const t = line.trimEnd();
    if (t !== "") lines.push(t);
    if (lines.length === 3) break;
  }
  if (lines.some((l) => /^1 [ 0-9A-Z]{5}[UCS ] /.test(l))) return "tle";
  return undefined;
}

/**
 * Parses element-set text in `format` (default: detected by content); `source` names the input in
 * errors.
 *
 * @example
 * ```ts
 * import { parseElements } from "./elements.ts";
 * const text = await Deno.readTextFile("data/tle/iss.tle");
 * console.assert(parseElements(text, "iss.tle")[0].catalogNumber === 25544);
 * ```
 */
export function parseElements(
  text: string,
  source = "<text>",
  format?: ElementFormat,
): SatelliteRecord[] {
  const f = format ?? detectElementFormat(text);
  switch (f) {
    case "tle":
      return parseTle(text, source);
    case "omm":
    case "omm-json":
      return parseOmm(text, source);
    case "omm-csv":
      return parseOmmCsv(text, source);
    case "omm-xml":
      return parseOmmXml(text, source);
    case undefined:
      throw new OrbitDataError(KIND, source, `not an element set (expected ${DESCRIPTION})`, {
        line: 1,
        field: "format",
      });
  }
}

/**
 * Reads a regular file of at most {@linkcode MAX_ELEMENT_FILE_BYTES} and parses it with
 * {@linkcode parseElements}; errors name the path as given.
 *
 * @example
 * ```ts
 * import { loadElements } from "./elements.ts";
 * console.assert((await loadElements("data/tle/iridium.tle")).length === 75);
 * ```
 */
export async function loadElements(
  path: string,
  format?: ElementFormat,
): Promise<SatelliteRecord[]> {
  let text: string;
  try {
    text = await readTextFileBounded(path, MAX_ELEMENT_FILE_BYTES);
  } catch (err) {
    throw new OrbitDataError(KIND, path, `file ${(err as Error).message}`);
  }
  return parseElements(text, path, format);
}
