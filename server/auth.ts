/**
 * The guard in front of every route, {@linkcode accessGuard}:
 *
 * - `Host` must name a loopback host (`localhost`, `127.x.y.z`, `[::1]`) or one of `allowedHosts`
 *   (`--allow-host`); otherwise 403. A DNS-rebinding page reaches the server under its own host name, so
 *   it is refused.
 * - A browser `Origin`, when sent, must be the server's own origin (scheme, host and port of the request);
 *   otherwise 403. This refuses cross-site form posts and cross-origin WebSocket and EventSource reads.
 * - With a token configured (always the case when the server is bound to a non-loopback address), every
 *   `/api` route and stream needs it: `Authorization: Bearer <token>`, or a `token=<token>` query
 *   parameter for clients that cannot set headers (`EventSource`, browser `WebSocket`); a missing or wrong
 *   token gets 401 `{error}`. Tokens are compared in constant time. `/`, `/static/*`, `/healthz` and
 *   `/metrics` need no token (they carry no telemetry), but still pass the Host and Origin checks.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { accessGuard } from "./auth.ts";
 * import { errorHandler } from "./errors.ts";
 * const app = new Hono().use(accessGuard({ token: "s3cret-token-0123", allowedHosts: [] }))
 *   .get("/api/x", (c) => c.text("ok"));
 * app.onError(errorHandler);
 * console.assert((await app.request("http://localhost/api/x")).status === 401);
 * const ok = await app.request("http://localhost/api/x?token=s3cret-token-0123");
 * console.assert(ok.status === 200);
 * console.assert((await app.request("http://evil.example/api/x")).status === 403);
 * ```
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import { ForbiddenError, UnauthorizedError } from "./errors.ts";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * Whether `host` (a hostname or address, without port) is a loopback name.
 *
 * @example
 * ```ts
 * import { isLoopbackHost } from "./auth.ts";
 * console.assert(isLoopbackHost("127.0.0.1") && isLoopbackHost("localhost"));
 * console.assert(!isLoopbackHost("0.0.0.0") && !isLoopbackHost("example.org"));
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Options of {@linkcode accessGuard}. */
export interface AccessGuardOptions {
  /** Bearer token every `/api` route needs, if configured. */
  token?: string;
  /** Host names besides the loopback ones that `Host` may name (lower case, no port). */
  allowedHosts: readonly string[];
}

/**
 * The token a request presents: the `Authorization: Bearer` header, else the `token` query parameter.
 *
 * @example
 * ```ts
 * import { presentedToken } from "./auth.ts";
 * console.assert(presentedToken(new Request("http://localhost/?token=abc")) === "abc");
 * ```
 */
export function presentedToken(request: Request): string | undefined {
  const header = request.headers.get("Authorization");
  if (header !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) {
      throw new UnauthorizedError('malformed Authorization header: expected "Bearer <token>"');
    }
    return m[1];
  }
  return new URL(request.url).searchParams.get("token") ?? undefined;
}

/**
 * The middleware of every route (see module docs).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { accessGuard } from "./auth.ts";
 * import { errorHandler } from "./errors.ts";
 * const app = new Hono().use(accessGuard({ allowedHosts: ["fleet.lan"] }))
 *   .post("/x", (c) => c.text("ok"));
 * app.onError(errorHandler);
 * console.assert((await app.request("http://localhost/x", { method: "POST" })).status === 200);
 * console.assert((await app.request("http://fleet.lan/x", { method: "POST" })).status === 200);
 * console.assert((await app.request("http://evil.example/x", { method: "POST" })).status === 403);
 * ```
 */
export function accessGuard(options: AccessGuardOptions): MiddlewareHandler {
  const allowed = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const token = options.token;
  return async (c, next) => {
    const url = new URL(c.req.url);
    const host = url.hostname.toLowerCase();
    if (!isLoopbackHost(host) && !allowed.has(host)) {
      throw new ForbiddenError(
        `requests must name an allowed host (loopback${
          allowed.size ? ` or ${[...allowed].join(", ")}` : ""
        }; see --allow-host), got Host "${host}"`,
      );
    }
    const origin = c.req.header("Origin");
    if (origin !== undefined && origin !== url.origin) {
      throw new ForbiddenError(
        `cross-origin request from ${JSON.stringify(origin.slice(0, 200))} refused`,
      );
    }
    if (token !== undefined && (url.pathname === "/api" || url.pathname.startsWith("/api/"))) {
      const given = presentedToken(c.req.raw);
      if (given === undefined) {
        throw new UnauthorizedError(
          "this server needs its token: send Authorization: Bearer <token> (or ?token=<token> for EventSource and WebSocket)",
        );
      }
      if (!(await timingSafeEqual(given, token))) {
        throw new UnauthorizedError("invalid bearer token");
      }
    }
    await next();
  };
}
