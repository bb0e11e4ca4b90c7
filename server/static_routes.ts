/**
 * The dashboard's static files (`server/static/`), served by the app itself with a strict
 * Content-Security-Policy (`default-src 'self'`): nothing is loaded from elsewhere, no CDN.
 *
 * - `GET /` -> `index.html`
 * - `GET /static/<file>` -> `dashboard.js`, `style.css`, ... (only files of that folder; 404 otherwise)
 *
 * @example
 * ```ts
 * import { staticRoutes } from "./static_routes.ts";
 * const res = await staticRoutes().request("/");
 * console.assert(res.headers.get("content-type")!.startsWith("text/html"));
 * await res.body?.cancel();
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import { NotFoundError } from "./errors.ts";

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  ico: "image/x-icon",
};

/** The policy every dashboard file is served with. */
export const CONTENT_SECURITY_POLICY: string =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const STATIC_DIR = new URL("./static/", import.meta.url);

/**
 * The static routes (see module docs).
 *
 * @example
 * ```ts
 * import { staticRoutes } from "./static_routes.ts";
 * import { errorHandler } from "./errors.ts";
 * const app = staticRoutes();
 * app.onError(errorHandler);
 * console.assert((await app.request("/static/..%2Fdeps.ts")).status === 404);
 * ```
 */
export function staticRoutes(): Hono {
  const serve = async (name: string): Promise<Response> => {
    const ext = name.slice(name.lastIndexOf(".") + 1);
    if (!/^[A-Za-z0-9_-]+\.[a-z]+$/.test(name) || !(ext in CONTENT_TYPES)) {
      throw new NotFoundError(`No static file ${JSON.stringify(name)}`);
    }
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(new URL(name, STATIC_DIR));
    } catch {
      throw new NotFoundError(`No static file ${JSON.stringify(name)}`);
    }
    return new Response(bytes, {
      headers: {
        "Content-Type": CONTENT_TYPES[ext],
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
      },
    });
  };
  return new Hono()
    .get("/", () => serve("index.html"))
    .get("/static/:file", (c) => serve(c.req.param("file")));
}
