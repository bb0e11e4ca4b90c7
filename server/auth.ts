/**
 * The guard in front of the control endpoints (starting and stopping runs).
 *
 * - With a token configured (always the case when the server is bound to a non-loopback address): the
 *   request needs `Authorization: Bearer <token>` (Hono's `bearerAuth`, constant-time comparison); a
 *   missing or wrong token gets 401 `{error}`.
 * - Without a token (loopback only): the request must name a loopback host (`Host: localhost`,
 *   `127.0.0.1`, `[::1]`), which defeats DNS-rebinding pages, and a browser `Origin`, when sent, must be
 *   the server's own origin, which defeats cross-site form posts; otherwise 403.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { controlGuard } from "./auth.ts";
 * import { errorHandler } from "./errors.ts";
 * const app = new Hono().use(controlGuard("s3cret")).post("/x", (c) => c.text("ok"));
 * app.onError(errorHandler);
 * console.assert((await app.request("/x", { method: "POST" })).status === 401);
 * const ok = await app.request("/x", { method: "POST", headers: { Authorization: "Bearer s3cret" } });
 * console.assert(ok.status === 200);
 * ```
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { ForbiddenError } from "./errors.ts";

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

/**
 * The control-endpoint middleware (see module docs).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { controlGuard } from "./auth.ts";
 * import { errorHandler } from "./errors.ts";
 * const app = new Hono().use(controlGuard(undefined)).post("/x", (c) => c.text("ok"));
 * app.onError(errorHandler);
 * console.assert((await app.request("http://localhost/x", { method: "POST" })).status === 200);
 * console.assert((await app.request("http://evil.example/x", { method: "POST" })).status === 403);
 * ```
 */
export function controlGuard(token: string | undefined): MiddlewareHandler {
  if (token !== undefined) {
    return bearerAuth({
      token,
      realm: "fleetkd",
      noAuthenticationHeader: {
        message: { error: "control endpoints need an Authorization: Bearer <token> header" },
      },
      invalidAuthenticationHeader: {
        message: { error: 'malformed Authorization header: expected "Bearer <token>"' },
      },
      invalidToken: { message: { error: "invalid bearer token" } },
    });
  }
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (!isLoopbackHost(url.hostname)) {
      throw new ForbiddenError(
        `control requests must address a loopback host when no token is configured, got host "${url.hostname}"`,
      );
    }
    const origin = c.req.header("Origin");
    if (origin !== undefined && origin !== url.origin) {
      throw new ForbiddenError(
        `cross-origin control request from ${JSON.stringify(origin)} refused`,
      );
    }
    await next();
  };
}
