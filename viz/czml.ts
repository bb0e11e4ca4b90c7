/**
 * A fleet episode as CZML (the JSON format CesiumJS loads with `CzmlDataSource`), and a scenario's sites as
 * GeoJSON.
 *
 * {@linkcode FleetTimeline} captures a {@linkcode FleetEnv} after its reset and every step (attach it with
 * `tapEnv`), keeping the last episode; {@linkcode FleetTimeline.toCzml} writes:
 *
 * - a `document` packet with the episode's clock (interval, start time, a 60x multiplier, looping);
 * - one packet per satellite (`satellite/<agent id>`): position as sampled `cartographicDegrees` (seconds
 *   from the episode start, Lagrange interpolation of degree 5), a point and an orbit `path` trailing one
 *   orbital period;
 * - one packet per sensor and ground station (`sensor/<id>`, `station/<name>`) at a constant position;
 * - one packet per link that was ever up (`link/isl/<a>/<b>`, `link/downlink/<sat>/<station>`): a polyline
 *   between the two ends' positions (CZML references), available exactly over the intervals it was up;
 * - one packet per detected event (`event/<id>`): a point at its location from its first detection to
 *   the episode's end, coloured by state over time (interval-valued colour).
 *
 * Link and state changes are resolved to the decision step: an interval starts at the step a link or state
 * was first seen and ends at the step it was last seen plus one step.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "../sim/fleet/env.ts";
 * import { tapEnv } from "../sim/env/tap.ts";
 * import { FleetTimeline } from "./czml.ts";
 * const fleet = new FleetEnv();
 * const timeline = new FleetTimeline(fleet);
 * const env = tapEnv(fleet, timeline.tap);
 * let r = env.reset(2);
 * for (let t = 0; t < 5 && !r.done; t++) r = env.step(env.classes.map((c) => new Int32Array(c.count)));
 * const czml = timeline.toCzml("demo");
 * console.assert(czml[0].id === "document" && czml.some((p) => p.id === "satellite/cubesat_0"));
 * ```
 *
 * @module
 */

import type { FleetEnv, FleetSnapshot } from "../sim/fleet/env.ts";
import type { EnvTap } from "../sim/env/tap.ts";

/** One CZML packet (see the CZML guide for the properties). */
export type CzmlPacket = { id: string } & Record<string, unknown>;

const RGBA: Record<string, [number, number, number, number]> = {
  detected: [241, 196, 15, 255],
  alerted: [230, 126, 34, 255],
  imaging: [52, 152, 219, 255],
  stored: [155, 89, 182, 255],
  delivered: [39, 174, 96, 255],
  expired: [127, 140, 141, 255],
};

interface Frame {
  timeMs: number;
  lon: Float64Array;
  lat: Float64Array;
  altKm: Float64Array;
  links: Set<string>;
  events: Map<number, string>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Captures a fleet episode frame by frame and writes it as CZML (see the module docs). */
export class FleetTimeline {
  readonly #env: FleetEnv;
  #frames: Frame[] = [];
  #base: FleetSnapshot | undefined;
  #seed: number | undefined;
  /** Hooks to pass to `tapEnv`: capture after each reset (starting a new episode) and each step. */
  readonly tap: EnvTap;

  /** A timeline of `env` (a fresh recording starts at each reset). */
  constructor(env: FleetEnv) {
    this.#env = env;
    this.tap = {
      reset: (seed) => {
        this.#seed = seed;
        this.#frames = [];
        this.#capture();
      },
      step: () => this.#capture(),
    };
  }

  /** The seed the current (or last) episode was reset with. */
  get seed(): number | undefined {
    return this.#seed;
  }

  /** Frames captured in the current (or last) episode. */
  get frames(): number {
    return this.#frames.length;
  }

  #capture(): void {
    const snap = this.#env.snapshot();
    this.#base = snap;
    const s = snap.satellites;
    const links = new Set<string>();
    s.islNeighbours.forEach((ns, i) => {
      for (const m of ns) links.add(`isl/${Math.min(i, m)}/${Math.max(i, m)}`);
    });
    s.stationInView.forEach((v, i) => {
      if (v) links.add(`downlink/${i}/${nearestStation(snap, i)}`);
    });
    const events = new Map<number, string>();
    snap.events.statusName.forEach((st, e) => {
      if (st !== "free" && st !== "undetected") events.set(snap.events.id[e], st);
    });
    this.#frames.push({
      timeMs: snap.timeMs,
      lon: Float64Array.from(s.lonDeg),
      lat: Float64Array.from(s.latDeg),
      altKm: Float64Array.from(s.altKm),
      links,
      events,
    });
  }

  /** The captured episode as CZML packets, the document packet first. */
  toCzml(name: string): CzmlPacket[] {
    const frames = this.#frames;
    const snap = this.#base;
    if (!snap || frames.length < 2) {
      throw new Error(`Cannot write CZML "${name}": capture at least a reset and one step first`);
    }
    const start = frames[0].timeMs;
    const stepMs = frames[1].timeMs - frames[0].timeMs;
    const end = frames[frames.length - 1].timeMs;
    const interval = `${iso(start)}/${iso(end)}`;
    const sat = snap.satellites;
    const world = this.#env.world;
    const packets: CzmlPacket[] = [{
      id: "document",
      name,
      version: "1.0",
      clock: {
        interval,
        currentTime: iso(start),
        multiplier: 60,
        range: "LOOP_STOP",
        step: "SYSTEM_CLOCK_MULTIPLIER",
      },
    }];
    const satId = (i: number) => `satellite/${sat.id[i]}`;
    for (let i = 0; i < sat.id.length; i++) {
      const samples: number[] = [];
      for (const f of frames) {
        if (!Number.isFinite(f.lat[i])) continue;
        samples.push((f.timeMs - start) / 1000, f.lon[i], f.lat[i], f.altKm[i] * 1000);
      }
      const periodS = (2 * Math.PI) / world.satellites[i].satrec.no * 60;
      packets.push({
        id: satId(i),
        name: sat.id[i],
        description: `${sat.className[i]} ${
          world.satellites[i].name || world.satellites[i].catalogNumber
        }`,
        availability: interval,
        position: {
          epoch: iso(start),
          interpolationAlgorithm: "LAGRANGE",
          interpolationDegree: 5,
          cartographicDegrees: samples,
        },
        point: { pixelSize: 6, color: { rgba: [31, 78, 156, 255] } },
        path: {
          leadTime: 0,
          trailTime: Math.round(periodS),
          width: 1,
          resolution: 60,
          material: { solidColor: { color: { rgba: [91, 143, 214, 160] } } },
        },
      });
    }
    snap.sensors.id.forEach((id, s) => {
      packets.push({
        id: `sensor/${id}`,
        name: snap.sensors.name[s] || id,
        description: snap.sensors.className[s],
        position: { cartographicDegrees: [snap.sensors.lonDeg[s], snap.sensors.latDeg[s], 0] },
        point: { pixelSize: 5, color: { rgba: [46, 139, 62, 255] } },
      });
    });
    const stationId = (k: number) => `station/${snap.stations.name[k] || k}`;
    snap.stations.name.forEach((_, k) => {
      packets.push({
        id: stationId(k),
        name: snap.stations.name[k],
        position: { cartographicDegrees: [snap.stations.lonDeg[k], snap.stations.latDeg[k], 0] },
        point: { pixelSize: 9, color: { rgba: [192, 57, 43, 255] } },
        label: {
          text: snap.stations.name[k],
          font: "12px sans-serif",
          pixelOffset: { cartesian2: [0, -14] },
        },
      });
    });
    // Link intervals: runs of consecutive frames where the link was up.
    const runs = new Map<string, [number, number][]>();
    frames.forEach((f, k) => {
      for (const key of f.links) {
        const list = runs.get(key) ?? [];
        const last = list[list.length - 1];
        if (last && last[1] === k - 1) last[1] = k;
        else list.push([k, k]);
        runs.set(key, list);
      }
    });
    const frameEnd = (k: number) => Math.min(end, frames[k].timeMs + stepMs);
    for (const [key, list] of [...runs].sort((a, b) => a[0].localeCompare(b[0]))) {
      const [kind, a, b] = key.split("/");
      const ends = kind === "isl"
        ? [`${satId(+a)}#position`, `${satId(+b)}#position`]
        : [`${satId(+a)}#position`, `${stationId(+b)}#position`];
      packets.push({
        id: `link/${kind}/${sat.id[+a]}/${kind === "isl" ? sat.id[+b] : snap.stations.name[+b]}`,
        availability: list.map(([k0, k1]) => `${iso(frames[k0].timeMs)}/${iso(frameEnd(k1))}`),
        polyline: {
          positions: { references: ends },
          width: kind === "isl" ? 1 : 2,
          arcType: "NONE",
          material: {
            solidColor: {
              color: { rgba: kind === "isl" ? [142, 68, 173, 200] : [230, 126, 34, 230] },
            },
          },
        },
      });
    }
    // Events: first detection to the episode's end, colour by state over time.
    const ev = snap.events;
    const byId = new Map(ev.id.map((id, e) => [id, e]));
    const statusRuns = new Map<number, { status: string; from: number; to: number }[]>();
    frames.forEach((f, k) => {
      for (const [id, st] of f.events) {
        const list = statusRuns.get(id) ?? [];
        const last = list[list.length - 1];
        if (last && last.status === st && last.to === k - 1) last.to = k;
        else list.push({ status: st, from: k, to: k });
        statusRuns.set(id, list);
      }
    });
    for (const [id, list] of [...statusRuns].sort((a, b) => a[0] - b[0])) {
      const e = byId.get(id);
      if (e === undefined) continue;
      const first = frames[list[0].from].timeMs;
      packets.push({
        id: `event/${id}`,
        name: `event ${id}`,
        availability: `${iso(first)}/${iso(end)}`,
        position: { cartographicDegrees: [ev.lonDeg[e], ev.latDeg[e], 0] },
        point: {
          pixelSize: 10,
          color: list.map((r, j) => ({
            interval: `${iso(frames[r.from].timeMs)}/${
              iso(j === list.length - 1 ? end : frames[list[j + 1].from].timeMs)
            }`,
            rgba: RGBA[r.status] ?? [231, 76, 60, 255],
          })),
        },
      });
    }
    return packets;
  }
}

function nearestStation(snap: FleetSnapshot, i: number): number {
  const st = snap.stations;
  const DEG = Math.PI / 180;
  let best = 0, bestCos = -2;
  const la = snap.satellites.latDeg[i] * DEG, lo = snap.satellites.lonDeg[i] * DEG;
  for (let k = 0; k < st.latDeg.length; k++) {
    const lb = st.latDeg[k] * DEG, ob = st.lonDeg[k] * DEG;
    const c = Math.sin(la) * Math.sin(lb) + Math.cos(la) * Math.cos(lb) * Math.cos(lo - ob);
    if (c > bestCos) [best, bestCos] = [k, c];
  }
  return best;
}

/** A GeoJSON `FeatureCollection`. */
export interface FeatureCollection {
  /** Always `"FeatureCollection"`. */
  type: "FeatureCollection";
  /** Point features. */
  features: {
    type: "Feature";
    geometry: { type: "Point"; coordinates: [number, number] };
    properties: Record<string, string>;
  }[];
}

/**
 * A scenario's ground sites (sensors and ground stations) as GeoJSON points, with `kind`, `id`, `name`
 * and `class` properties.
 */
export function sitesGeoJson(env: FleetEnv): FeatureCollection {
  const snap = env.snapshot();
  const features: FeatureCollection["features"] = [];
  snap.sensors.id.forEach((id, s) => {
    features.push({
      type: "Feature",
      geometry: { type: "Point", coordinates: [snap.sensors.lonDeg[s], snap.sensors.latDeg[s]] },
      properties: {
        kind: "sensor",
        id,
        name: snap.sensors.name[s],
        class: snap.sensors.className[s],
      },
    });
  });
  snap.stations.name.forEach((name, k) => {
    features.push({
      type: "Feature",
      geometry: { type: "Point", coordinates: [snap.stations.lonDeg[k], snap.stations.latDeg[k]] },
      properties: { kind: "ground-station", id: name, name, class: "ground-station" },
    });
  });
  return { type: "FeatureCollection", features };
}
