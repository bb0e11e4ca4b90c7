import assert from "node:assert/strict";
import { basemapRoutes } from "./basemap_routes.ts";
import { createApp } from "./app.ts";

Deno.test("GET /basemap: land, borders and graticule path data for a 720 x 360 map", async () => {
  const res = await basemapRoutes().request("/basemap");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("Content-Type")!, /^application\/json/);
  const map = await res.json();
  assert.equal(map.width, 720);
  assert.equal(map.height, 360);
  // 1:110m land is a few hundred polygons: many move-to commands, all inside the frame.
  assert.ok((map.land.match(/M/g) ?? []).length > 100, "land has many polygons");
  assert.ok(map.borders.length > 1000 && map.graticule.length > 100);
  for (
    const [x, y] of map.land.matchAll(/(-?[\d.]+),(-?[\d.]+)/g).map((m: string[]) => [
      Number(m[1]),
      Number(m[2]),
    ])
  ) {
    assert.ok(x >= -0.5 && x <= 720.5 && y >= -0.5 && y <= 360.5, `point ${x},${y} off the map`);
  }
});

Deno.test("GET /basemap: cached with an ETag, 304 on If-None-Match", async () => {
  const app = basemapRoutes();
  const first = await app.request("/basemap");
  const etag = first.headers.get("ETag");
  assert.match(etag ?? "", /^"[0-9a-f]{24}"$/);
  assert.match(first.headers.get("Cache-Control")!, /max-age=\d+/);
  const body = await first.text();
  const second = await app.request("/basemap");
  assert.equal(second.headers.get("ETag"), etag);
  assert.equal(await second.text(), body);
  const revalidated = await app.request("/basemap", { headers: { "If-None-Match": etag! } });
  assert.equal(revalidated.status, 304);
  assert.equal(await revalidated.text(), "");
  const stale = await app.request("/basemap", { headers: { "If-None-Match": '"other"' } });
  assert.equal(stale.status, 200);
  await stale.body?.cancel();
});

Deno.test("GET /basemap through the app: no token needed, like the static files", async () => {
  const app = createApp({ runsDir: await Deno.makeTempDir(), token: "0123456789abcdef-token" });
  try {
    const res = await app.request("http://127.0.0.1/basemap");
    assert.equal(res.status, 200);
    assert.equal((await res.json()).width, 720);
    assert.equal((await app.request("http://127.0.0.1/api/runs")).status, 401);
  } finally {
    await app.close();
  }
});
