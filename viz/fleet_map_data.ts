/**
 * What {@linkcode fleetMap} draws for a fleet environment at its current step: sub-satellite points, each
 * satellite's ground track over its last orbit (SGP4, 96 samples), footprints where a satellite is above
 * the ground stations' minimum elevation, ISL links to the satellites each one can relay to now, a
 * downlink line from each satellite with a station in view to the nearest station, the sensors, the
 * stations and every event of the episode that was detected, by state.
 *
 * @example
 * ```ts
 * import { FleetEnv } from "../sim/fleet/env.ts";
 * import { fleetMapData } from "./fleet_map_data.ts";
 * const env = new FleetEnv();
 * env.reset(1);
 * const data = fleetMapData(env, "leo-wildfire");
 * console.assert(data.satellites.length === 16 && data.satellites[0].track!.length === 96);
 * ```
 *
 * @module
 */

import { FleetEnv } from "../sim/fleet/env.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { propagate } from "../sim/orbit/propagate.ts";
import { gmst, temeToGeodetic, WGS84_A_KM } from "../sim/orbit/frames.ts";
import type { FleetMapData, MapLink } from "./world_map.ts";

const TRACK_SAMPLES = 96;
const DEG = Math.PI / 180;

/** Angular radius (degrees) of the circle where a satellite at `altKm` is above `minElevationDeg`. */
export function footprintRadiusDeg(altKm: number, minElevationDeg: number): number {
  const eps = minElevationDeg * DEG;
  const ratio = WGS84_A_KM / (WGS84_A_KM + altKm);
  return (Math.acos(ratio * Math.cos(eps)) - eps) / DEG;
}

function centralAngle(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const a = Math.sin(((lat2 - lat1) * DEG) / 2) ** 2 +
    Math.cos(lat1 * DEG) * Math.cos(lat2 * DEG) * Math.sin(((lon2 - lon1) * DEG) / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * The map data of `env` at its current step (see the module docs). `env` must be a fleet environment
 * (a `FleetEnv`, e.g. from the catalog); any other environment is a `TypeError`.
 *
 * @example
 * ```ts
 * import { makeBuiltinEnv } from "../sim/builtin_envs.ts";
 * import { fleetMapData } from "./fleet_map_data.ts";
 * const env = makeBuiltinEnv("fleet/leo-wildfire");
 * env.reset(3);
 * console.assert(fleetMapData(env, "start").sensors.length === 24);
 * ```
 */
export function fleetMapData(env: MultiAgentEnv, title: string): FleetMapData {
  if (!(env instanceof FleetEnv)) {
    throw new TypeError(
      `fleetMapData: environment "${env.id}" is not a fleet environment; build one with makeBuiltinEnv("fleet/<scenario>")`,
    );
  }
  const snap = env.snapshot();
  const world = env.world;
  const minElDeg = world.stationSinMinEl.length ? Math.asin(world.stationSinMinEl[0]) / DEG : 10;
  const now = snap.timeMs;
  const sats = snap.satellites;
  const satellites = sats.latDeg.map((latDeg, i) => {
    const record = world.satellites[i];
    const periodMin = (2 * Math.PI) / record.satrec.no;
    const track: [number, number][] = [];
    for (let k = 0; k < TRACK_SAMPLES; k++) {
      const t = now - ((TRACK_SAMPLES - 1 - k) / (TRACK_SAMPLES - 1)) * periodMin * 60_000;
      const s = propagate(record, new Date(t));
      if (!s.ok) continue;
      const g = temeToGeodetic(s.position, gmst(t));
      track.push([g.lonDeg, g.latDeg]);
    }
    return {
      latDeg,
      lonDeg: sats.lonDeg[i],
      track,
      footprintDeg: Number.isFinite(sats.altKm[i])
        ? footprintRadiusDeg(sats.altKm[i], minElDeg)
        : undefined,
    };
  });
  const stations = snap.stations.latDeg.map((latDeg, i) => ({
    latDeg,
    lonDeg: snap.stations.lonDeg[i],
    name: snap.stations.name[i],
  }));
  const links: MapLink[] = [];
  sats.islNeighbours.forEach((neighbours, i) => {
    for (const m of neighbours) {
      if (m > i || !sats.islNeighbours[m].includes(i)) {
        links.push({
          kind: "isl",
          from: [sats.lonDeg[i], sats.latDeg[i]],
          to: [sats.lonDeg[m], sats.latDeg[m]],
        });
      }
    }
  });
  sats.stationInView.forEach((inView, i) => {
    if (!inView || stations.length === 0) return;
    let best = 0, bestAngle = Infinity;
    stations.forEach((st, k) => {
      const a = centralAngle(sats.latDeg[i], sats.lonDeg[i], st.latDeg, st.lonDeg);
      if (a < bestAngle) [best, bestAngle] = [k, a];
    });
    links.push({
      kind: "downlink",
      from: [sats.lonDeg[i], sats.latDeg[i]],
      to: [stations[best].lonDeg, stations[best].latDeg],
    });
  });
  const ev = snap.events;
  const events = ev.latDeg.map((latDeg, i) => ({
    latDeg,
    lonDeg: ev.lonDeg[i],
    status: ev.statusName[i],
  })).filter((e) => e.status !== "free" && e.status !== "undetected");
  return {
    title,
    satellites,
    sensors: snap.sensors.latDeg.map((latDeg, i) => ({ latDeg, lonDeg: snap.sensors.lonDeg[i] })),
    stations,
    links,
    events,
  };
}
