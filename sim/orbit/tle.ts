/**
 * Two-line element set (TLE) parsing with strict validation.
 *
 * Accepts the 2-line form (no name lines, as in `data/tle/*.tle`) and the 3-line form (a title line before
 * each pair, bare as from CelesTrak or with Space-Track's `0 ` prefix), mixed freely; blank lines and
 * trailing whitespace / CR are ignored. Every line is checked before satellite.js sees it: length (69
 * characters), line number digit, mod-10 checksum (digits count their value, `-` counts 1), blank field
 * separators, each numeric field's format and range, matching catalogue numbers on both lines, and finally
 * `satrec.error` after SGP4 initialisation. Catalogue numbers in Alpha-5 form (`A0000`..`Z9999`, letters
 * without I and O) are decoded to 100000..339999.
 *
 * Errors name the source, line, field and value:
 * `Cannot load TLE "data/tle/x.tle": line 7: checksum is 3, expected 5 (last column)`.
 *
 * @example
 * ```ts
 * import { loadTle } from "./tle.ts";
 * const starlink = await loadTle("data/tle/starlink-53deg.tle");
 * console.assert(starlink.length === 2243);
 * console.assert(starlink[0].satrec.error === 0);
 * ```
 *
 * @module
 */
import { twoline2satrec } from "satellite.js";
import { OrbitDataError } from "./errors.ts";
import { describeSatRecError, MAX_ELEMENT_FILE_BYTES, type SatelliteRecord } from "./record.ts";
import { readTextFileBounded } from "../bounded_read.ts";

const KIND = "TLE";
const TLE_LINE_LENGTH = 69;
const MS_PER_DAY = 86_400_000;

/**
 * The mod-10 checksum of a TLE line: the sum of its first 68 characters where digits count their value and
 * `-` counts 1, modulo 10. Compare with the digit in column 69.
 *
 * @example
 * ```ts
 * import { tleChecksum } from "./tle.ts";
 * const line1 = "1 25544U 98067A   22221.92646991  .00006058  00000-0  11289-3 0  9998";
 * console.assert(tleChecksum(line1) === 8);
 * ```
 */
export function tleChecksum(line: string): number {
  let sum = 0;
  const n = Math.min(line.length, TLE_LINE_LENGTH - 1);
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c >= 48 && c <= 57) sum += c - 48;
    else if (c === 45) sum += 1;
  }
  return sum % 10;
}

const ALPHA5_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"; // A=10 .. Z=33, I and O skipped

/**
 * Decodes a 5-character TLE catalogue-number field, plain (`25544`, `   5`) or Alpha-5 (`A0000` = 100000,
 * `Z9999` = 339999). Returns `NaN` when the field is neither.
 *
 * @example
 * ```ts
 * import { decodeCatalogNumber } from "./tle.ts";
 * console.assert(decodeCatalogNumber("25544") === 25544);
 * console.assert(decodeCatalogNumber("A0000") === 100000);
 * console.assert(decodeCatalogNumber("Z9999") === 339999);
 * console.assert(Number.isNaN(decodeCatalogNumber("I0000")));
 * ```
 */
export function decodeCatalogNumber(field: string): number {
  const f = field.trim();
  if (/^\d{1,5}$/.test(f)) return Number(f);
  if (/^[A-Z]\d{4}$/.test(f)) {
    const letter = ALPHA5_LETTERS.indexOf(f[0]);
    if (letter < 0) return NaN;
    return (letter + 10) * 10000 + Number(f.slice(1));
  }
  return NaN;
}

/**
 * Encodes a catalogue number 0..339999 as the 5-character TLE field (Alpha-5 above 99999).
 *
 * @example
 * ```ts
 * import { encodeCatalogNumber } from "./tle.ts";
 * console.assert(encodeCatalogNumber(25544) === "25544");
 * console.assert(encodeCatalogNumber(5) === "00005");
 * console.assert(encodeCatalogNumber(100000) === "A0000");
 * ```
 */
export function encodeCatalogNumber(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 339999) {
    throw new RangeError(`catalogue number must be an integer in 0..339999, got ${n}`);
  }
  if (n < 100000) return String(n).padStart(5, "0");
  const letter = ALPHA5_LETTERS[Math.floor(n / 10000) - 10];
  return letter + String(n % 10000).padStart(4, "0");
}

/** A raw element set as found in the text, before conversion. */
interface RawSet {
  name: string;
  line1: string;
  line2: string;
  lineNo1: number;
  lineNo2: number;
}

/** One column range of a TLE line (1-based, inclusive) and its meaning. */
interface Field {
  name: string;
  from: number;
  to: number;
}

const L1 = {
  catalog: { name: "catalogue number", from: 3, to: 7 },
  classification: { name: "classification", from: 8, to: 8 },
  designator: { name: "international designator", from: 10, to: 17 },
  epochYear: { name: "epoch year", from: 19, to: 20 },
  epochDay: { name: "epoch day", from: 21, to: 32 },
  ndot: { name: "mean motion first derivative", from: 34, to: 43 },
  nddot: { name: "mean motion second derivative", from: 45, to: 52 },
  bstar: { name: "BSTAR drag term", from: 54, to: 61 },
  ephemerisType: { name: "ephemeris type", from: 63, to: 63 },
  elementSet: { name: "element set number", from: 65, to: 68 },
} satisfies Record<string, Field>;

const L2 = {
  catalog: { name: "catalogue number", from: 3, to: 7 },
  inclination: { name: "inclination", from: 9, to: 16 },
  raan: { name: "right ascension of the ascending node", from: 18, to: 25 },
  eccentricity: { name: "eccentricity", from: 27, to: 33 },
  argPerigee: { name: "argument of perigee", from: 35, to: 42 },
  meanAnomaly: { name: "mean anomaly", from: 44, to: 51 },
  meanMotion: { name: "mean motion", from: 53, to: 63 },
  revolution: { name: "revolution number", from: 64, to: 68 },
} satisfies Record<string, Field>;

const L1_BLANKS = [2, 9, 18, 33, 44, 53, 62, 64];
const L2_BLANKS = [2, 8, 17, 26, 34, 43, 52];

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const IMPLIED_DECIMAL_EXP = /^[ +-]\d{5}[+-]\d$/;

/** Parser state for one source, so that errors carry the source name. */
class TleReader {
  constructor(readonly source: string) {}

  fail(line: number, detail: string, field?: string, value?: string): never {
    throw new OrbitDataError(KIND, this.source, detail, { line, field, value });
  }

  raw(text: string, f: Field): string {
    return text.slice(f.from - 1, f.to);
  }

  cols(f: Field): string {
    return f.from === f.to ? `column ${f.from}` : `columns ${f.from}-${f.to}`;
  }

  /** A decimal field, optionally range-checked (inclusive). */
  decimal(text: string, lineNo: number, f: Field, min = -Infinity, max = Infinity): number {
    const raw = this.raw(text, f);
    const t = raw.trim();
    if (!DECIMAL.test(t)) {
      this.fail(
        lineNo,
        `field "${f.name}" (${this.cols(f)}) must be a number, got ${JSON.stringify(raw)}`,
        f.name,
        raw,
      );
    }
    const v = Number(t);
    if (!(v >= min && v <= max)) {
      this.fail(
        lineNo,
        `field "${f.name}" (${this.cols(f)}) must be between ${min} and ${max}, got ${
          JSON.stringify(raw)
        }`,
        f.name,
        raw,
      );
    }
    return v;
  }

  /** A field that must match `pattern` (described by `expected`). */
  match(text: string, lineNo: number, f: Field, pattern: RegExp, expected: string): string {
    const raw = this.raw(text, f);
    if (!pattern.test(raw)) {
      this.fail(
        lineNo,
        `field "${f.name}" (${this.cols(f)}) must be ${expected}, got ${JSON.stringify(raw)}`,
        f.name,
        raw,
      );
    }
    return raw;
  }

  /** Length, line number digit, checksum and blank separators of one element line. */
  checkLine(text: string, lineNo: number, expectedDigit: "1" | "2", blanks: number[]): void {
    if (text.length !== TLE_LINE_LENGTH) {
      this.fail(
        lineNo,
        `line length is ${text.length}, expected ${TLE_LINE_LENGTH} characters`,
        "line length",
        String(text.length),
      );
    }
    if (text[0] !== expectedDigit) {
      this.fail(
        lineNo,
        `line number is ${JSON.stringify(text[0])}, expected "${expectedDigit}" (column 1)`,
        "line number",
        text[0],
      );
    }
    const stated = text[TLE_LINE_LENGTH - 1];
    const computed = tleChecksum(text);
    if (!/^\d$/.test(stated) || Number(stated) !== computed) {
      const shown = /^\d$/.test(stated) ? stated : JSON.stringify(stated);
      this.fail(
        lineNo,
        `checksum is ${shown}, expected ${computed} (last column)`,
        "checksum",
        stated,
      );
    }
    for (const col of blanks) {
      if (text[col - 1] !== " ") {
        this.fail(
          lineNo,
          `column ${col} is ${JSON.stringify(text[col - 1])}, expected a blank (field separator)`,
          `column ${col}`,
          text[col - 1],
        );
      }
    }
  }

  catalog(text: string, lineNo: number, f: Field): number {
    const raw = this.raw(text, f);
    const n = decodeCatalogNumber(raw);
    if (Number.isNaN(n)) {
      this.fail(
        lineNo,
        `field "${f.name}" (${this.cols(f)}) must be 5 digits or Alpha-5 (letter + 4 digits), got ${
          JSON.stringify(raw)
        }`,
        f.name,
        raw,
      );
    }
    return n;
  }

  /** Validates one element set and builds its record. */
  toRecord(set: RawSet): SatelliteRecord {
    const { line1, line2, lineNo1, lineNo2 } = set;
    this.checkLine(line1, lineNo1, "1", L1_BLANKS);
    const catalogNumber = this.catalog(line1, lineNo1, L1.catalog);
    this.match(line1, lineNo1, L1.classification, /^[UCS ]$/, `"U", "C" or "S"`);
    const designator = this.raw(line1, L1.designator).trim();
    const yy = Number(this.match(line1, lineNo1, L1.epochYear, /^\d\d$/, "two digits"));
    const epochDay = this.decimal(line1, lineNo1, L1.epochDay, 1, 366.99999999);
    this.decimal(line1, lineNo1, L1.ndot);
    const expected = 'an implied-decimal exponent like " 12345-4"';
    this.match(line1, lineNo1, L1.nddot, IMPLIED_DECIMAL_EXP, expected);
    this.match(line1, lineNo1, L1.bstar, IMPLIED_DECIMAL_EXP, expected);
    this.match(line1, lineNo1, L1.ephemerisType, /^[ 0-9]$/, "a digit or blank");
    this.match(line1, lineNo1, L1.elementSet, /^ *\d* *$/, "digits");

    this.checkLine(line2, lineNo2, "2", L2_BLANKS);
    const catalog2 = this.catalog(line2, lineNo2, L2.catalog);
    if (catalog2 !== catalogNumber) {
      const raw = this.raw(line2, L2.catalog);
      this.fail(
        lineNo2,
        `catalogue number is ${JSON.stringify(raw)}, expected ${
          JSON.stringify(this.raw(line1, L1.catalog))
        } as on line ${lineNo1} (columns 3-7)`,
        L2.catalog.name,
        raw,
      );
    }
    this.decimal(line2, lineNo2, L2.inclination, 0, 180);
    this.decimal(line2, lineNo2, L2.raan, 0, 360);
    this.match(
      line2,
      lineNo2,
      L2.eccentricity,
      /^(?=.*\d)[\d ]{7}$/,
      "7 digits (implied leading decimal point)",
    );
    this.decimal(line2, lineNo2, L2.argPerigee, 0, 360);
    this.decimal(line2, lineNo2, L2.meanAnomaly, 0, 360);
    this.decimal(line2, lineNo2, L2.meanMotion, 1e-9, 100);
    this.match(line2, lineNo2, L2.revolution, /^ *\d* *$/, "digits");

    const satrec = twoline2satrec(line1, line2);
    if (satrec.error !== 0 || !Number.isFinite(satrec.no) || !Number.isFinite(satrec.a)) {
      const code = satrec.error;
      this.fail(
        lineNo1,
        `SGP4 rejected the element set: ${describeSatRecError(code)} (satrec.error ${code})`,
        "satrec.error",
        String(code),
      );
    }
    const year = yy < 57 ? 2000 + yy : 1900 + yy;
    const epochMs = Date.UTC(year, 0, 1) + (epochDay - 1) * MS_PER_DAY;
    return {
      name: set.name,
      catalogNumber,
      designator,
      epoch: new Date(Math.round(epochMs)),
      epochMs,
      satrec,
    };
  }
}

/** How a non-blank line looks: a title line or an element line. */
function isElementLine(text: string): boolean {
  if (text.startsWith("0 ")) return false;
  return /^\d /.test(text) || text.length === TLE_LINE_LENGTH;
}

/**
 * Parses TLE text (2-line or 3-line form) into satellite records. `source` names the input in error
 * messages (use the file name). Throws {@link OrbitDataError} on the first bad line; text with no element
 * set at all is an error too.
 *
 * @example
 * ```ts
 * import { parseTle } from "./tle.ts";
 * const text = [
 *   "ISS (ZARYA)",
 *   "1 25544U 98067A   22221.92646991  .00006058  00000-0  11289-3 0  9998",
 *   "2 25544  51.6448  70.3700 0005152 101.7041  98.6467 15.50292585353513",
 * ].join("\n");
 * const [iss] = parseTle(text, "iss.tle");
 * console.assert(iss.name === "ISS (ZARYA)" && iss.catalogNumber === 25544);
 * console.assert(iss.epoch.toISOString() === "2022-08-09T22:14:07.000Z");
 * ```
 */
export function parseTle(text: string, source = "<text>"): SatelliteRecord[] {
  const reader = new TleReader(source);
  const lines = text.split("\n");
  const records: SatelliteRecord[] = [];
  let name = "";
  let nameLine = 0;
  let line1 = "";
  let lineNo1 = 0;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const t = lines[i].trimEnd();
    if (t === "") continue;
    if (lineNo1 > 0) {
      // Expecting line 2 of the set begun at lineNo1.
      if (!isElementLine(t)) {
        reader.fail(
          lineNo,
          `expected line 2 of the element set begun on line ${lineNo1}, got ${JSON.stringify(t)}`,
          "line number",
          t[0],
        );
      }
      records.push(reader.toRecord({ name, line1, line2: t, lineNo1, lineNo2: lineNo }));
      name = "";
      nameLine = 0;
      lineNo1 = 0;
    } else if (isElementLine(t)) {
      if (t[0] !== "1") reader.checkLine(t, lineNo, "1", L1_BLANKS); // reports the bad line number
      line1 = t;
      lineNo1 = lineNo;
    } else {
      if (nameLine > 0) {
        reader.fail(
          lineNo,
          `expected line 1 of the element set named on line ${nameLine}, got ${JSON.stringify(t)}`,
          "line number",
          t[0],
        );
      }
      name = t.startsWith("0 ") ? t.slice(2).trim() : t.trim();
      nameLine = lineNo;
    }
  }
  if (lineNo1 > 0) {
    reader.fail(lineNo1, "element set ends after line 1, expected line 2", "line number");
  }
  if (nameLine > 0) {
    reader.fail(nameLine, `name ${JSON.stringify(name)} is not followed by an element set`, "name");
  }
  if (records.length === 0) reader.fail(1, "no element sets found", "text");
  return records;
}

/**
 * Reads and parses a TLE file (a regular file of at most {@linkcode MAX_ELEMENT_FILE_BYTES}); errors
 * name the path as given.
 *
 * @example
 * ```ts
 * import { loadTle } from "./tle.ts";
 * const [iss] = await loadTle("data/tle/iss.tle");
 * console.assert(iss.catalogNumber === 25544);
 * ```
 */
export async function loadTle(path: string): Promise<SatelliteRecord[]> {
  let text: string;
  try {
    text = await readTextFileBounded(path, MAX_ELEMENT_FILE_BYTES);
  } catch (err) {
    throw new OrbitDataError(KIND, path, `file ${(err as Error).message}`);
  }
  return parseTle(text, path);
}
