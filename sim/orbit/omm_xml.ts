/**
 * CelesTrak OMM XML (`FORMAT=xml`, CCSDS NDM/XML): `<ndm>` holding one `<omm>` per element set (a bare
 * `<omm>` root works too), each with `body/segment/metadata` (`OBJECT_NAME`, `OBJECT_ID`,
 * `MEAN_ELEMENT_THEORY`, ...) and `data/meanElements` + `data/tleParameters`. Parsed with
 * `fast-xml-parser` (well-formedness checked first, values kept as text) and validated like OMM JSON
 * (`omm.ts`); `MEAN_ELEMENT_THEORY`, when given, must be `SGP4`. A `<!DOCTYPE>` is refused (no
 * entity expansion).
 *
 * Errors name the file, the line where the element set starts and the field:
 * `Cannot load OMM XML "x.xml": line 3: element set 1, field "MEAN_MOTION" must be a number, got "abc"`.
 *
 * @example
 * ```ts
 * import { parseOmmXml } from "./omm_xml.ts";
 * const [iss] = parseOmmXml(await Deno.readTextFile("sim/orbit/testdata/iss-omm.xml"), "iss.xml");
 * console.assert(iss.catalogNumber === 25544 && iss.designator === "1998-067A");
 * ```
 *
 * @module
 */

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { OrbitDataError } from "./errors.ts";
import { ommToRecords } from "./omm.ts";
import type { SatelliteRecord } from "./record.ts";

const KIND = "OMM XML";

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** 1-based line of character `index` in `text`. */
function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses OMM XML text (CelesTrak `FORMAT=xml`) into records; `source` names the input in errors.
 *
 * @example
 * ```ts
 * import { parseOmmXml } from "./omm_xml.ts";
 * try {
 *   parseOmmXml("<ndm><omm>", "x.xml");
 * } catch (e) {
 *   console.assert((e as Error).message.startsWith('Cannot load OMM XML "x.xml": line 1: not well-formed XML'));
 * }
 * ```
 */
export function parseOmmXml(text: string, source = "<text>"): SatelliteRecord[] {
  const doctype = /<!DOCTYPE/i.exec(text);
  if (doctype) {
    // Element sets need no DTD, and refusing one rules out entity-expansion bombs.
    throw new OrbitDataError(KIND, source, "a <!DOCTYPE> is not allowed in element sets", {
      line: lineAt(text, doctype.index),
      field: "DOCTYPE",
    });
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new OrbitDataError(
      KIND,
      source,
      `not well-formed XML (${valid.err.msg}, column ${valid.err.col})`,
      { line: valid.err.line, field: "xml" },
    );
  }
  const parser = new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    trimValues: true,
    processEntities: true,
    captureMetaData: true,
    isArray: (name) => name === "omm" || name === "segment",
  });
  const doc = parser.parse(text) as Node;
  const meta = XMLParser.getMetaDataSymbol();
  const root = isNode(doc.ndm) ? doc.ndm : doc;
  const omms = Array.isArray(root.omm) ? root.omm : [];
  if (omms.length === 0) {
    throw new OrbitDataError(KIND, source, "no <omm> element found (expected <ndm><omm>...)", {
      line: 1,
      field: "omm",
    });
  }
  const lines: number[] = [];
  const objects = omms.map((omm: unknown, i: number) => {
    const start = isNode(omm) ? (omm[meta as unknown as string] as { startIndex?: number }) : {};
    const line = typeof start?.startIndex === "number" ? lineAt(text, start.startIndex) : undefined;
    lines.push(line ?? 1);
    const fail = (detail: string, field: string): never => {
      throw new OrbitDataError(KIND, source, `element set ${i + 1}: ${detail}`, { line, field });
    };
    const body = isNode(omm) && isNode(omm.body) ? omm.body : undefined;
    const segments = body && Array.isArray(body.segment) ? body.segment : [];
    if (segments.length !== 1 || !isNode(segments[0])) {
      fail(`expected one <body><segment>, found ${segments.length}`, "segment");
    }
    const segment = segments[0] as Node;
    const metadata = isNode(segment.metadata)
      ? segment.metadata
      : fail("no <metadata>", "metadata");
    const data = isNode(segment.data) ? segment.data : fail("no <data>", "data");
    const mean = isNode(data.meanElements)
      ? data.meanElements
      : fail("no <data><meanElements>", "meanElements");
    const tle = isNode(data.tleParameters) ? data.tleParameters : {};
    const theory = metadata.MEAN_ELEMENT_THEORY;
    if (theory !== undefined && theory !== "SGP4") {
      fail(
        `field "MEAN_ELEMENT_THEORY" must be "SGP4", got ${JSON.stringify(theory)}`,
        "MEAN_ELEMENT_THEORY",
      );
    }
    const flat: Record<string, unknown> = {};
    for (const part of [metadata, mean, tle]) {
      for (const [k, v] of Object.entries(part)) {
        // An empty element (<OBJECT_ID></OBJECT_ID>, as CelesTrak writes unknown ids) reads as "".
        flat[k] = v;
      }
    }
    if (flat.OBJECT_ID === "") delete flat.OBJECT_ID;
    return flat;
  });
  return ommToRecords(objects, source, { kind: KIND, line: (i) => lines[i] });
}
