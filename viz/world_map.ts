/**
 * Maps of a fleet on real land: Natural Earth coastlines and country borders (the `world-atlas` TopoJSON,
 * 1:110m for the world, 1:50m for a zoomed region, decoded by `topojson-client`), projected and drawn by
 * `d3-geo` (equirectangular), with satellites, their ground tracks and footprints, ISL and downlink links,
 * sensors, ground stations and events coloured by state. Lines are geodesics clipped at the antimeridian,
 * footprints are true small circles, so nothing wraps across the map.
 *
 * When every sensor lies within a region much smaller than the world (the 24 California sensors of
 * `leo-wildfire`), {@linkcode fleetMap} adds a second panel zoomed on it, so the sensors are points and not
 * one blob. Every legend entry is drawn inside the image.
 *
 * @example
 * ```ts
 * import { fleetMap } from "./world_map.ts";
 * const svg = fleetMap({
 *   title: "demo",
 *   satellites: [{ latDeg: 10, lonDeg: 20, track: [[0, 0], [20, 10], [40, 20]], footprintDeg: 20 }],
 *   sensors: [{ latDeg: 37, lonDeg: -120 }],
 *   stations: [{ latDeg: 64.8, lonDeg: -147.7, name: "Fairbanks" }],
 *   links: [],
 *   events: [],
 * });
 * console.assert(svg.startsWith("<svg") && svg.includes("Fairbanks"));
 * ```
 *
 * @module
 */

import { feature, mesh } from "topojson-client";
import {
  geoBounds,
  geoCircle,
  geoEquirectangular,
  geoGraticule10,
  geoPath,
  type GeoPermissibleObjects,
  type GeoProjection,
} from "d3-geo";
import land110 from "world-atlas/land-110m.json" with { type: "json" };
import countries110 from "world-atlas/countries-110m.json" with { type: "json" };
import land50 from "world-atlas/land-50m.json" with { type: "json" };
import countries50 from "world-atlas/countries-50m.json" with { type: "json" };

/** A satellite on the map. */
export interface MapSatellite {
  /** Sub-satellite latitude, degrees. */
  latDeg: number;
  /** Sub-satellite longitude, degrees. */
  lonDeg: number;
  /** Ground track as `[lonDeg, latDeg]` points in time order (e.g. the last orbit). */
  track?: readonly (readonly [number, number])[];
  /** Angular radius of the footprint (where it is above the minimum elevation), degrees. */
  footprintDeg?: number;
}

/** A link between two points, drawn as a geodesic. */
export interface MapLink {
  /** `"isl"` (satellite to satellite) or `"downlink"` (satellite to ground station). */
  kind: "isl" | "downlink";
  /** `[lonDeg, latDeg]` of one end. */
  from: readonly [number, number];
  /** `[lonDeg, latDeg]` of the other end. */
  to: readonly [number, number];
}

/** An event on the map, coloured by its state. */
export interface MapEvent {
  /** Latitude, degrees. */
  latDeg: number;
  /** Longitude, degrees. */
  lonDeg: number;
  /** State name, e.g. `"detected"`, `"stored"`, `"delivered"`, `"expired"`. */
  status: string;
}

/** Everything {@linkcode fleetMap} draws. */
export interface FleetMapData {
  /** Title above the map. */
  title: string;
  /** Satellites. */
  satellites: readonly MapSatellite[];
  /** Ground sensors. */
  sensors: readonly { latDeg: number; lonDeg: number }[];
  /** Ground stations; a `name` becomes the marker's tooltip (`<title>`). */
  stations: readonly { latDeg: number; lonDeg: number; name?: string }[];
  /** Links to draw. */
  links: readonly MapLink[];
  /** Events to draw. */
  events: readonly MapEvent[];
}

/** Options of {@linkcode fleetMap}. */
export interface FleetMapOptions {
  /** Image width in px (default 960). */
  width?: number;
  /** Zoom on the sensors' region: `"auto"` (default) when they span less than 40 degrees, or never. */
  inset?: "auto" | "never";
}

const COLORS = {
  ocean: "#dfeaf5",
  land: "#f3efe4",
  border: "#b9b2a2",
  coast: "#8d8575",
  graticule: "#c9d6e4",
  satellite: "#1f4e9c",
  track: "#5b8fd6",
  footprint: "#5b8fd6",
  isl: "#8e44ad",
  downlink: "#e67e22",
  sensor: "#2e8b3e",
  station: "#c0392b",
} as const;

const EVENT_COLORS: Record<string, string> = {
  undetected: "#bdc3c7",
  detected: "#f1c40f",
  alerted: "#e67e22",
  imaging: "#3498db",
  stored: "#9b59b6",
  delivered: "#27ae60",
  expired: "#7f8c8d",
};

function eventColor(status: string): string {
  return EVENT_COLORS[status] ?? "#e74c3c";
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Basemap {
  land: GeoPermissibleObjects;
  borders: GeoPermissibleObjects;
}

type Topology = Parameters<typeof mesh>[0];
type TopoObject = Parameters<typeof mesh>[1] & Parameters<typeof feature>[1];

function basemap(landTopo: unknown, countriesTopo: unknown): Basemap {
  const lt = landTopo as Topology & { objects: { land: TopoObject } };
  const ct = countriesTopo as Topology & { objects: { countries: TopoObject } };
  return {
    land: feature(lt, lt.objects.land) as unknown as GeoPermissibleObjects,
    // Borders between two countries only: coastlines come from the land outline.
    borders: mesh(ct, ct.objects.countries, (a, b) => a !== b) as GeoPermissibleObjects,
  };
}

let world: Basemap | undefined;
let detailed: Basemap | undefined;

/** The span in degrees of a set of points' bounding box (the larger of latitude and longitude extent). */
function regionOf(points: readonly { latDeg: number; lonDeg: number }[]) {
  const multi: GeoPermissibleObjects = {
    type: "MultiPoint",
    coordinates: points.map((p) => [p.lonDeg, p.latDeg]),
  };
  const [[w, s], [e, n]] = geoBounds(multi);
  const lonSpan = e >= w ? e - w : e + 360 - w;
  return { span: Math.max(lonSpan, n - s), bounds: [[w, s], [e, n]] as const };
}

function panel(
  data: FleetMapData,
  projection: GeoProjection,
  map: Basemap,
  x0: number,
  y0: number,
  w: number,
  h: number,
  clipId: string,
  markerScale: number,
): string[] {
  // Clip geometry to the panel (so a zoomed panel emits only what it shows) and round to 0.1 px.
  projection.clipExtent([[x0, y0], [x0 + w, y0 + h]]);
  const path = geoPath(projection).digits(1);
  const d = (o: GeoPermissibleObjects) => path(o) ?? "";
  const out: string[] = [
    `<clipPath id="${clipId}"><rect x="${x0}" y="${y0}" width="${w}" height="${h}"/></clipPath>`,
    `<g clip-path="url(#${clipId})">`,
    `<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="${COLORS.ocean}"/>`,
    `<path d="${
      d(geoGraticule10())
    }" fill="none" stroke="${COLORS.graticule}" stroke-width="0.5"/>`,
    `<path d="${d(map.land)}" fill="${COLORS.land}" stroke="${COLORS.coast}" stroke-width="0.6"/>`,
    `<path d="${d(map.borders)}" fill="none" stroke="${COLORS.border}" stroke-width="0.4"/>`,
  ];
  const footprints = data.satellites.filter((s) => s.footprintDeg && Number.isFinite(s.latDeg));
  if (footprints.length) {
    const circle = geoCircle();
    const polys = footprints.map((s) =>
      d(circle.center([s.lonDeg, s.latDeg]).radius(s.footprintDeg!)())
    );
    out.push(
      `<path d="${
        polys.join("")
      }" fill="${COLORS.footprint}" fill-opacity="0.08" stroke="${COLORS.footprint}" stroke-opacity="0.5" stroke-width="0.6"/>`,
    );
  }
  const tracks = data.satellites.filter((s) => s.track && s.track.length > 1);
  if (tracks.length) {
    const lines = tracks.map((s) =>
      d({ type: "LineString", coordinates: s.track!.map((p) => [p[0], p[1]]) })
    );
    out.push(
      `<path d="${
        lines.join("")
      }" fill="none" stroke="${COLORS.track}" stroke-opacity="0.6" stroke-width="0.8"/>`,
    );
  }
  for (const kind of ["isl", "downlink"] as const) {
    const links = data.links.filter((l) => l.kind === kind);
    if (!links.length) continue;
    const lines = links.map((l) =>
      d({ type: "LineString", coordinates: [[l.from[0], l.from[1]], [l.to[0], l.to[1]]] })
    );
    out.push(
      `<path d="${lines.join("")}" fill="none" stroke="${COLORS[kind]}" stroke-width="${
        kind === "isl" ? 0.9 : 1.2
      }"${kind === "isl" ? ' stroke-dasharray="3 2"' : ""}/>`,
    );
  }
  const at = (lon: number, lat: number) => projection([lon, lat]);
  const r = markerScale;
  for (const e of data.events) {
    const p = at(e.lonDeg, e.latDeg);
    if (!p) continue;
    out.push(
      `<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="${
        (3.2 * r).toFixed(1)
      }" fill="none" stroke="${eventColor(e.status)}" stroke-width="1.6"/>`,
    );
  }
  for (const s of data.sensors) {
    const p = at(s.lonDeg, s.latDeg);
    if (!p) continue;
    out.push(
      `<rect x="${(p[0] - 1.6 * r).toFixed(1)}" y="${(p[1] - 1.6 * r).toFixed(1)}" width="${
        (3.2 * r).toFixed(1)
      }" height="${(3.2 * r).toFixed(1)}" fill="${COLORS.sensor}"/>`,
    );
  }
  for (const s of data.stations) {
    const p = at(s.lonDeg, s.latDeg);
    if (!p) continue;
    const k = 4.5 * r;
    out.push(
      `<path d="M${p[0].toFixed(1)},${(p[1] - k).toFixed(1)}L${(p[0] + k).toFixed(1)},${
        (p[1] + k * 0.8).toFixed(1)
      }L${(p[0] - k).toFixed(1)},${(p[1] + k * 0.8).toFixed(1)}Z" fill="${COLORS.station}">${
        s.name ? `<title>${escapeXml(s.name)}</title>` : ""
      }</path>`,
    );
  }
  for (const s of data.satellites) {
    if (!Number.isFinite(s.latDeg)) continue;
    const p = at(s.lonDeg, s.latDeg);
    if (!p) continue;
    out.push(
      `<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="${
        (2.4 * r).toFixed(1)
      }" fill="${COLORS.satellite}" stroke="#fff" stroke-width="0.6"/>`,
    );
  }
  out.push(
    "</g>",
    `<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#778"/>`,
  );
  return out;
}

/** SVG path data of the world's land, country borders and a 10-degree graticule in one projection. */
export interface BasemapPaths {
  /** Image width the paths are projected to, px. */
  width: number;
  /** Image height, px (`width / 2`: equirectangular). */
  height: number;
  /** Land polygons (Natural Earth 1:110m). */
  land: string;
  /** Borders between countries. */
  borders: string;
  /** Graticule lines every 10 degrees. */
  graticule: string;
}

/**
 * The world basemap as path data for a `width` x `width / 2` equirectangular image (longitude -180 at
 * x = 0, latitude 90 at y = 0), for pages that draw their own points on top (the dashboard).
 *
 * @example
 * ```ts
 * import { basemapPaths } from "./world_map.ts";
 * const b = basemapPaths(720);
 * console.assert(b.height === 360 && b.land.startsWith("M"));
 * ```
 */
export function basemapPaths(width = 720): BasemapPaths {
  world ??= basemap(land110, countries110);
  const height = width / 2;
  const projection = geoEquirectangular().fitExtent([[0, 0], [width, height]], { type: "Sphere" });
  const path = geoPath(projection).digits(1);
  return {
    width,
    height,
    land: path(world.land) ?? "",
    borders: path(world.borders) ?? "",
    graticule: path(geoGraticule10()) ?? "",
  };
}

/**
 * An SVG map of a fleet on real land: a world panel, plus a panel zoomed on the sensors' region when they
 * are clustered (see the module docs), and a legend inside the frame with the count of each layer.
 */
export function fleetMap(data: FleetMapData, options: FleetMapOptions = {}): string {
  const width = options.width ?? 960;
  world ??= basemap(land110, countries110);
  const titleH = 30;
  const worldW = width, worldH = width / 2;
  const body: string[] = [];
  const region = data.sensors.length >= 2 && options.inset !== "never"
    ? regionOf(data.sensors)
    : undefined;
  const zoom = region && region.span < 40 ? region : undefined;
  let y = titleH;
  const worldProjection = geoEquirectangular().fitExtent(
    [[0, y], [worldW, y + worldH]],
    { type: "Sphere" },
  );
  body.push(...panel(data, worldProjection, world, 0, y, worldW, worldH, "world", 1));
  y += worldH;
  if (zoom) {
    detailed ??= basemap(land50, countries50);
    const insetH = Math.round(width * 0.42);
    y += 26;
    const pad = Math.max(1.5, zoom.span * 0.35);
    const [[w, s], [e, n]] = zoom.bounds;
    const box: GeoPermissibleObjects = {
      type: "MultiPoint",
      coordinates: [[w - pad, s - pad], [e + pad, n + pad], [w - pad, n + pad], [e + pad, s - pad]],
    };
    const projection = geoEquirectangular().fitExtent([[0, y], [width, y + insetH]], box);
    body.push(
      `<text x="8" y="${y - 8}" font-size="13" font-weight="bold">Sensor region (${
        (s - pad).toFixed(0)
      }..${(n + pad).toFixed(0)}° lat, ${(w - pad).toFixed(0)}..${
        (e + pad).toFixed(0)
      }° lon)</text>`,
    );
    body.push(...panel(data, projection, detailed, 0, y, width, insetH, "zoom", 1.6));
    y += insetH;
  }
  // Legend rows inside the image, below the panels.
  const entries: [string, string][] = [
    [
      `<circle cx="6" cy="-4" r="4" fill="${COLORS.satellite}"/>`,
      `satellites (${data.satellites.length})`,
    ],
    [
      `<line x1="0" y1="-4" x2="14" y2="-4" stroke="${COLORS.track}" stroke-width="2"/>`,
      `ground tracks (${data.satellites.filter((s) => s.track && s.track.length > 1).length})`,
    ],
    [
      `<circle cx="6" cy="-4" r="5" fill="${COLORS.footprint}" fill-opacity="0.15" stroke="${COLORS.footprint}"/>`,
      `footprints (${data.satellites.filter((s) => s.footprintDeg).length})`,
    ],
    [
      `<line x1="0" y1="-4" x2="14" y2="-4" stroke="${COLORS.isl}" stroke-width="2" stroke-dasharray="3 2"/>`,
      `ISL links (${data.links.filter((l) => l.kind === "isl").length})`,
    ],
    [
      `<line x1="0" y1="-4" x2="14" y2="-4" stroke="${COLORS.downlink}" stroke-width="2"/>`,
      `downlinks (${data.links.filter((l) => l.kind === "downlink").length})`,
    ],
    [
      `<rect x="2" y="-8" width="8" height="8" fill="${COLORS.sensor}"/>`,
      `sensors (${data.sensors.length})`,
    ],
    [
      `<path d="M6,-10L12,-1L0,-1Z" fill="${COLORS.station}"/>`,
      `ground stations (${data.stations.length})`,
    ],
  ];
  const statuses = [...new Set(data.events.map((e) => e.status))].sort();
  for (const st of statuses) {
    entries.push([
      `<circle cx="6" cy="-4" r="4" fill="none" stroke="${eventColor(st)}" stroke-width="2"/>`,
      `events ${escapeXml(st)} (${data.events.filter((e) => e.status === st).length})`,
    ]);
  }
  const colW = 190, perRow = Math.max(1, Math.floor(width / colW));
  const rows = Math.ceil(entries.length / perRow);
  y += 22;
  entries.forEach(([icon, label], i) => {
    const ex = 10 + (i % perRow) * colW, ey = y + Math.floor(i / perRow) * 20;
    body.push(
      `<g transform="translate(${ex},${ey})">${icon}<text x="20" y="0" font-size="12">${
        escapeXml(label)
      }</text></g>`,
    );
  });
  const height = y + (rows - 1) * 20 + 12;
  const head = [
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${
      escapeXml(data.title)
    }</text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n${
    [...head, ...body].join("\n")
  }\n</svg>\n`;
}
