/**
 * `deno task passes`: pass predictions of a real constellation over ground sites, printed as a table.
 *
 * ```sh
 * deno task passes [--elements data/tle/iridium.tle] [--hours 24] [--min-elevation 10]
 *                  [--start 2022-08-10T00:00:00Z] [--site NAME:LAT,LON[,ALT_KM]]... [--limit 40]
 * ```
 *
 * `--elements` (or its older name `--tle`) reads TLE or CelesTrak OMM, told apart by content. Limits,
 * checked before any propagation: the window is at most {@linkcode MAX_PASS_HOURS} hours, at most
 * {@linkcode MAX_SITES} sites, and satellites x sites x hours at most {@linkcode MAX_PASS_WORK} (the
 * pass table and the run time grow with it); element files are regular files of at most 64 MiB.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { loadElements } from "../sim/orbit/elements.ts";
import { PASS_CLIPPED_END, PASS_CLIPPED_START, predictPassesBatch } from "../sim/orbit/passes.ts";
import type { Site } from "../sim/orbit/topocentric.ts";
import { CliError, intFlag, numberFlag, runCli } from "./cli_util.ts";

/** Longest pass window, hours (31 days; SGP4 elements go stale within weeks). */
export const MAX_PASS_HOURS = 744;
/** Most ground sites per run. */
export const MAX_SITES = 1000;
/**
 * Most satellite-site-hours per run: the pass table grows with satellites x sites x hours (Starlink's
 * 2,243 satellites over 5 sites for 9 days is 2.4 million, about 40 s and 0.5 million passes; 24 hours
 * take about 4 s).
 */
export const MAX_PASS_WORK = 2_500_000;
/** Most rows `--limit` prints. */
export const MAX_LIMIT = 1_000_000;

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
  if (!(site.altKm >= -0.5 && site.altKm <= 10)) {
    throw new CliError(`flag --site height must be in [-0.5, 10] km, got ${m[4]}`);
  }
  return site;
}

/** The `--help` text. */
export const USAGE = `Usage: deno task passes [flags]

Predicts a real constellation's passes over ground sites (SGP4).

  --elements FILE      element sets: TLE or CelesTrak OMM, by content (default data/tle/iridium.tle;
                       --tle FILE is the same flag)
  --hours H            window length, (0, ${MAX_PASS_HOURS}] (default 24); satellites x sites x hours
                       must be <= ${MAX_PASS_WORK.toLocaleString("en-US")}
  --min-elevation DEG  elevation mask, [-90, 90) (default 10)
  --start ISO-TIME     window start (default: the hour after the newest epoch)
  --site NAME:LAT,LON[,ALT_KM]   a ground site (repeatable, at most ${MAX_SITES}; default: a
                       built-in set)
  --limit N            passes printed, 1..${MAX_LIMIT} (default 40)
  --help               this text
`;

/** Runs the pass table for the given arguments; returns the printed text. */
export async function passesMain(args: string[]): Promise<string> {
  const { values } = parseArgs({
    args,
    options: {
      elements: { type: "string" },
      tle: { type: "string" },
      hours: { type: "string", default: "24" },
      "min-elevation": { type: "string", default: "10" },
      start: { type: "string" },
      site: { type: "string", multiple: true },
      limit: { type: "string", default: "40" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.elements !== undefined && values.tle !== undefined) {
    throw new CliError("flags --elements and --tle are the same flag; pass one");
  }
  const file = values.elements ?? values.tle ?? "data/tle/iridium.tle";
  const hours = numberFlag("hours", values.hours!, {
    min: 0,
    exclusiveMin: true,
    max: MAX_PASS_HOURS,
  });
  const limit = intFlag("limit", values.limit, 1, MAX_LIMIT)!;
  const mask = numberFlag("min-elevation", values["min-elevation"]!, {
    min: -90,
    max: 90,
    exclusiveMax: true,
  });
  if ((values.site?.length ?? 0) > MAX_SITES) {
    throw new CliError(`flag --site is given ${values.site!.length} times, at most ${MAX_SITES}`);
  }
  const sites = values.site?.map(parseSite) ?? DEFAULT_SITES;
  if (values.start !== undefined && Number.isNaN(new Date(values.start).getTime())) {
    throw new CliError(`flag --start must be an ISO date, got "${values.start}"`);
  }
  const records = await loadElements(file);
  const work = records.length * sites.length * hours;
  if (work > MAX_PASS_WORK) {
    throw new CliError(
      `flag --hours: ${records.length} satellites x ${sites.length} sites x ${hours} h is ${
        Math.round(work).toLocaleString("en-US")
      } satellite-site-hours, more than the limit of ${
        MAX_PASS_WORK.toLocaleString("en-US")
      }; shorten --hours or pass fewer --site`,
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
    `${records.length} satellites from ${file} x ${sites.length} sites, ${start.toISOString()} + ${hours} h, mask ${mask} deg:`,
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
