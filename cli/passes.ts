/**
 * `deno task passes`: pass predictions of a real constellation over ground sites, printed as a table.
 *
 * ```sh
 * deno task passes [--tle data/tle/iridium.tle] [--hours 24] [--min-elevation 10]
 *                  [--start 2022-08-10T00:00:00Z] [--site NAME:LAT,LON[,ALT_KM]]... [--limit 40]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { loadTle } from "../sim/orbit/tle.ts";
import { PASS_CLIPPED_END, PASS_CLIPPED_START, predictPassesBatch } from "../sim/orbit/passes.ts";
import type { Site } from "../sim/orbit/topocentric.ts";
import { CliError, runCli } from "./cli_util.ts";

const DEFAULT_SITES: (Site & { name: string })[] = [
  { name: "Svalbard", latDeg: 78.23, lonDeg: 15.39, altKm: 0.5 },
  { name: "Munich", latDeg: 48.14, lonDeg: 11.58, altKm: 0.52 },
  { name: "Sacramento", latDeg: 38.58, lonDeg: -121.49, altKm: 0.01 },
  { name: "Singapore", latDeg: 1.35, lonDeg: 103.82, altKm: 0.02 },
  { name: "Hobart", latDeg: -42.88, lonDeg: 147.33, altKm: 0.05 },
];

function parseSite(text: string): Site & { name: string } {
  const m = /^([^:]+):(-?[\d.]+),(-?[\d.]+)(?:,(-?[\d.]+))?$/.exec(text);
  if (!m) throw new CliError(`flag --site must look like NAME:LAT,LON[,ALT_KM], got "${text}"`);
  const site = { name: m[1], latDeg: +m[2], lonDeg: +m[3], altKm: m[4] === undefined ? 0 : +m[4] };
  if (!(Math.abs(site.latDeg) <= 90)) {
    throw new CliError(`flag --site latitude must be in [-90, 90], got ${m[2]}`);
  }
  if (!(site.lonDeg >= -180 && site.lonDeg <= 360)) {
    throw new CliError(`flag --site longitude must be in [-180, 360], got ${m[3]}`);
  }
  return site;
}

function positiveNumber(flag: string, text: string): number {
  const v = Number(text);
  if (!(v > 0) || !Number.isFinite(v)) {
    throw new CliError(`flag --${flag} must be a number > 0, got "${text}"`);
  }
  return v;
}

/** The `--help` text. */
export const USAGE = `Usage: deno task passes [flags]

Predicts a real constellation's passes over ground sites (SGP4).

  --tle FILE           element sets (default data/tle/iridium.tle)
  --hours H            window length (default 24)
  --min-elevation DEG  elevation mask (default 10)
  --start ISO-TIME     window start (default: the hour after the newest epoch)
  --site NAME:LAT,LON[,ALT_KM]   a ground site (repeatable; default: a built-in set)
  --limit N            passes printed (default 40)
  --help               this text
`;

/** Runs the pass table for the given arguments; returns the printed text. */
export async function passesMain(args: string[]): Promise<string> {
  const { values } = parseArgs({
    args,
    options: {
      tle: { type: "string", default: "data/tle/iridium.tle" },
      hours: { type: "string", default: "24" },
      "min-elevation": { type: "string", default: "10" },
      start: { type: "string" },
      site: { type: "string", multiple: true },
      limit: { type: "string", default: "40" },
    },
    strict: true,
    allowPositionals: false,
  });
  const records = await loadTle(values.tle!);
  const hours = positiveNumber("hours", values.hours!);
  const limit = positiveNumber("limit", values.limit!);
  const mask = Number(values["min-elevation"]);
  if (!(mask >= -90 && mask < 90)) {
    throw new CliError(
      `flag --min-elevation must be in [-90, 90), got "${values["min-elevation"]}"`,
    );
  }
  const latestEpoch = Math.max(...records.map((r) => r.epochMs));
  const start = values.start
    ? new Date(values.start)
    : new Date(Math.ceil(latestEpoch / 3.6e6) * 3.6e6);
  if (Number.isNaN(start.getTime())) {
    throw new CliError(`flag --start must be an ISO date, got "${values.start}"`);
  }
  const end = new Date(start.getTime() + hours * 3.6e6);
  const sites = values.site?.map(parseSite) ?? DEFAULT_SITES;
  const t0 = performance.now();
  const table = predictPassesBatch(records, sites, { start, end, minElevationDeg: mask });
  const seconds = (performance.now() - t0) / 1000;
  const rows: string[] = [];
  const order = Array.from({ length: table.count }, (_, i) => i).sort((a, b) =>
    table.riseMs[a] - table.riseMs[b]
  );
  const perSite = new Map<string, number>();
  for (let i = 0; i < table.count; i++) {
    const name = sites[table.site[i]].name;
    perSite.set(name, (perSite.get(name) ?? 0) + 1);
  }
  const fmt = (ms: number, clipped = false) =>
    new Date(ms).toISOString().slice(11, 19) + (clipped ? "*" : "");
  rows.push(
    `${records.length} satellites from ${values.tle} x ${sites.length} sites, ${start.toISOString()} + ${hours} h, mask ${mask} deg:`,
    `${table.count} passes found in ${
      seconds.toFixed(2)
    } s (rise/culmination/set refined to < 1 s).`,
    "",
    "| satellite | site | rise (UTC) | culmination | set | max elev (deg) | duration |",
    "| --- | --- | --- | --- | --- | ---: | ---: |",
  );
  for (const i of order.slice(0, limit)) {
    const rec = records[table.satellite[i]];
    const dur = (table.setMs[i] - table.riseMs[i]) / 1000;
    rows.push(
      `| ${rec.name || rec.catalogNumber} | ${sites[table.site[i]].name} | ${
        fmt(table.riseMs[i], (table.flags[i] & PASS_CLIPPED_START) !== 0)
      } | ${fmt(table.culminationMs[i])} | ${
        fmt(table.setMs[i], (table.flags[i] & PASS_CLIPPED_END) !== 0)
      } | ${table.maxElevationDeg[i].toFixed(1)} | ${Math.floor(dur / 60)}m${
        String(Math.round(dur % 60)).padStart(2, "0")
      }s |`,
    );
  }
  if (table.count > limit) rows.push(`| ... ${table.count - limit} more | | | | | | |`);
  rows.push("", "* clipped: the pass was in progress at the window's start or end.");
  rows.push("Passes per site: " + [...perSite].map(([k, v]) => `${k} ${v}`).join(", "));
  return rows.join("\n");
}

if (import.meta.main) {
  await runCli("passes", async () => console.log(await passesMain(Deno.args)), USAGE);
}
