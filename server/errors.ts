/**
 * Domain errors of the telemetry server. Each carries its HTTP status; one `app.onError` handler
 * ({@linkcode errorHandler}) turns them into JSON `{error: message}` responses, so routes simply throw.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { errorHandler, NotFoundError } from "./errors.ts";
 * const app = new Hono();
 * app.get("/runs/:id", (c) => {
 *   throw new NotFoundError(`Unknown run "${c.req.param("id")}"`);
 * });
 * app.onError(errorHandler);
 * const res = await app.request("/runs/x");
 * console.assert(res.status === 404);
 * console.assert((await res.json()).error === 'Unknown run "x"');
 * ```
 *
 * @module
 */

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";

/** An error that maps to an HTTP status; its message is shown to the client. */
export class HttpError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  /**
   * An error answered with `status` and `{error: message}`.
   *
   * @example
   * ```ts
   * import { HttpError } from "./errors.ts";
   * const e = new HttpError(418, "I'm a teapot");
   * console.assert(e.status === 418);
   * ```
   */
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
  }
}

/**
 * 400: the request is malformed (a body field, a query parameter, a header).
 *
 * @example
 * ```ts
 * import { BadRequestError } from "./errors.ts";
 * console.assert(new BadRequestError('field "seed" must be an integer').status === 400);
 * ```
 */
export class BadRequestError extends HttpError {
  /** A 400 error. */
  constructor(message: string) {
    super(400, message);
    this.name = "BadRequestError";
  }
}

/**
 * 401: a control endpoint was called without the right bearer token.
 *
 * @example
 * ```ts
 * import { UnauthorizedError } from "./errors.ts";
 * console.assert(new UnauthorizedError("token required").status === 401);
 * ```
 */
export class UnauthorizedError extends HttpError {
  /** A 401 error with a `WWW-Authenticate: Bearer` challenge. */
  constructor(message: string) {
    super(401, message, { "WWW-Authenticate": 'Bearer realm="fleetkd"' });
    this.name = "UnauthorizedError";
  }
}

/**
 * 403: a control request that is refused outright (e.g. from another origin, or a non-loopback `Host`
 * while no token is configured).
 *
 * @example
 * ```ts
 * import { ForbiddenError } from "./errors.ts";
 * console.assert(new ForbiddenError("cross-origin").status === 403);
 * ```
 */
export class ForbiddenError extends HttpError {
  /** A 403 error. */
  constructor(message: string) {
    super(403, message);
    this.name = "ForbiddenError";
  }
}

/**
 * 404: an unknown run, scenario or route.
 *
 * @example
 * ```ts
 * import { NotFoundError } from "./errors.ts";
 * console.assert(new NotFoundError('Unknown run "x"').status === 404);
 * ```
 */
export class NotFoundError extends HttpError {
  /** A 404 error. */
  constructor(message: string) {
    super(404, message);
    this.name = "NotFoundError";
  }
}

/**
 * 413: the request body is larger than the limit.
 *
 * @example
 * ```ts
 * import { PayloadTooLargeError } from "./errors.ts";
 * console.assert(new PayloadTooLargeError("body over 16384 bytes").status === 413);
 * ```
 */
export class PayloadTooLargeError extends HttpError {
  /** A 413 error. */
  constructor(message: string) {
    super(413, message);
    this.name = "PayloadTooLargeError";
  }
}

/**
 * 415: a request body that is not `application/json`.
 *
 * @example
 * ```ts
 * import { UnsupportedMediaTypeError } from "./errors.ts";
 * console.assert(new UnsupportedMediaTypeError("send JSON").status === 415);
 * ```
 */
export class UnsupportedMediaTypeError extends HttpError {
  /** A 415 error. */
  constructor(message: string) {
    super(415, message);
    this.name = "UnsupportedMediaTypeError";
  }
}

/**
 * 429: too many concurrent runs.
 *
 * @example
 * ```ts
 * import { TooManyRequestsError } from "./errors.ts";
 * console.assert(new TooManyRequestsError("4 runs are running").status === 429);
 * ```
 */
export class TooManyRequestsError extends HttpError {
  /** A 429 error with a `Retry-After` hint in seconds. */
  constructor(message: string, retryAfterS = 5) {
    super(429, message, { "Retry-After": String(retryAfterS) });
    this.name = "TooManyRequestsError";
  }
}

/**
 * 503: the server is shutting down and takes no new runs.
 *
 * @example
 * ```ts
 * import { ServiceUnavailableError } from "./errors.ts";
 * console.assert(new ServiceUnavailableError("shutting down").status === 503);
 * ```
 */
export class ServiceUnavailableError extends HttpError {
  /** A 503 error. */
  constructor(message: string) {
    super(503, message);
    this.name = "ServiceUnavailableError";
  }
}

/**
 * The one `app.onError` handler: {@linkcode HttpError}s become `{error: message}` with their status,
 * Hono's own `HTTPException`s keep their status (and their prepared response, e.g. from `bearerAuth`), and
 * anything else is a 500 whose message is logged, not leaked.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { BadRequestError, errorHandler } from "./errors.ts";
 * const app = new Hono().get("/", () => {
 *   throw new BadRequestError("no");
 * });
 * app.onError(errorHandler);
 * console.assert((await app.request("/")).status === 400);
 * ```
 */
export function errorHandler(err: Error, c: Context): Response {
  if (err instanceof HttpError) {
    return c.json({ error: err.message }, err.status as 400, err.headers);
  }
  if (err instanceof HTTPException) {
    if (err.res) return err.getResponse();
    return c.json({ error: err.message || `HTTP ${err.status}` }, err.status);
  }
  console.error(`server: unhandled error on ${c.req.method} ${c.req.path}:`, err);
  return c.json({ error: "internal server error" }, 500);
}
