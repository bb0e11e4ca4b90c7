/**
 * The sweep page: `deno task sweep` keeps each sweep's state in `<artifact dir>/<sweep>/sweep.json`
 * (see `sweep/scheduler.ts`); these routes read those files, so the page works for the local pool and
 * for BullMQ alike, with no connection to the sweep process.
 *
 * - `GET /sweep`: the page (jobs by state, the results table filling in; it polls every 2 s);
 * - `GET /api/sweeps`: every sweep in the artifact directory: name, engine, counts, updated, finished;
 * - `GET /api/sweeps/:name`: one sweep's `sweep.json` (every job's state, tries, error and figures).
 *
 * @example
 * ```ts
 * import { sweepRoutes } from "./sweep_routes.ts";
 * const app = sweepRoutes({ dir: await Deno.makeTempDir() });
 * const res = await app.request("/api/sweeps");
 * console.assert(res.status === 200 && (await res.json()).length === 0);
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import { NotFoundError } from "./errors.ts";
import { CONTENT_SECURITY_POLICY } from "./static_routes.ts";

/** Options of {@linkcode sweepRoutes}. */
export interface SweepRoutesOptions {
  /** The sweeps' artifact directory (`deno task sweep --out`). */
  dir: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

async function readStatus(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const data = JSON.parse(await Deno.readTextFile(path));
    return data && typeof data === "object" && Array.isArray(data.jobs) ? data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The sweep routes (see module docs).
 *
 * @example
 * ```ts
 * import { createApp } from "./app.ts";
 * // Mounted by createApp, whose error handler turns an unknown sweep into a 404.
 * const app = createApp({ sweepsDir: await Deno.makeTempDir() });
 * console.assert((await app.request("/api/sweeps/none")).status === 404);
 * await app.close();
 * ```
 */
export function sweepRoutes(options: SweepRoutesOptions): Hono {
  const list = async () => {
    const out: Record<string, unknown>[] = [];
    try {
      for await (const e of Deno.readDir(options.dir)) {
        if (!e.isDirectory || !NAME.test(e.name)) continue;
        const s = await readStatus(`${options.dir}/${e.name}/sweep.json`);
        if (s) {
          out.push({
            name: e.name,
            engine: s.engine,
            counts: s.counts,
            started: s.started,
            updated: s.updated,
            finished: s.finished,
          });
        }
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return out.sort((a, b) => String(b.updated).localeCompare(String(a.updated)));
  };
  return new Hono()
    .get("/sweep", async () => {
      const bytes = await Deno.readFile(new URL("./static/sweep.html", import.meta.url));
      return new Response(bytes, {
        headers: {
          "Content-Type": "text/html; charset=utf-8",
          "Content-Security-Policy": CONTENT_SECURITY_POLICY,
          "Referrer-Policy": "no-referrer",
          "Cache-Control": "no-cache",
        },
      });
    })
    .get("/api/sweeps", async (c) => c.json(await list()))
    .get("/api/sweeps/:name", async (c) => {
      const name = c.req.param("name");
      const s = NAME.test(name) ? await readStatus(`${options.dir}/${name}/sweep.json`) : undefined;
      if (!s) throw new NotFoundError(`No sweep ${JSON.stringify(name)} in "${options.dir}"`);
      return c.json({ ...s, folder: name });
    });
}
