/**
 * The dashboard's basemap: `GET /basemap` -> `{width, height, land, borders, graticule}`, the Natural Earth
 * 1:110m land, country borders and a 10-degree graticule as SVG path data for a 720 x 360 equirectangular
 * map (from `viz/world_map.ts` {@linkcode basemapPaths}). Computed once on first request and cached; the
 * response is served with a strong `ETag` (answering `If-None-Match` with 304) and a day's
 * `Cache-Control`. Public data, so it needs no token (like `/static/*`).
 *
 * @example
 * ```ts
 * import { basemapRoutes } from "./basemap_routes.ts";
 * const res = await basemapRoutes().request("/basemap");
 * const map = await res.json();
 * console.assert(map.width === 720 && map.land.startsWith("M"));
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import { basemapPaths } from "../viz/world_map.ts";

/** Width of the dashboard map, px (its SVG viewBox is 720 x 360). */
export const BASEMAP_WIDTH = 720;

let cached: { body: string; etag: string } | undefined;

async function basemapBody(): Promise<{ body: string; etag: string }> {
  if (cached) return cached;
  const body = JSON.stringify(basemapPaths(BASEMAP_WIDTH));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const hex = Array.from(
    new Uint8Array(digest).slice(0, 12),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  cached = { body, etag: `"${hex}"` };
  return cached;
}

/**
 * The basemap route (see module docs).
 *
 * @example
 * ```ts
 * import { basemapRoutes } from "./basemap_routes.ts";
 * const app = basemapRoutes();
 * const etag = (await app.request("/basemap")).headers.get("ETag")!;
 * const again = await app.request("/basemap", { headers: { "If-None-Match": etag } });
 * console.assert(again.status === 304);
 * ```
 */
export function basemapRoutes(): Hono {
  return new Hono().get("/basemap", async (c) => {
    const { body, etag } = await basemapBody();
    c.header("ETag", etag);
    c.header("Cache-Control", "public, max-age=86400");
    if (c.req.header("If-None-Match") === etag) return c.body(null, 304);
    c.header("Content-Type", "application/json");
    return c.body(body);
  });
}
