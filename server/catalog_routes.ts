/**
 * The catalog: which scenarios can be run and which policy sets ("model sets") each offers.
 *
 * - `GET /api/scenarios` -> `[{id, description, policies: [{id, description}]}]`
 * - `GET /api/policies?scenario=<id>` -> `[{id, description}]` (404 for an unknown scenario)
 *
 * @example
 * ```ts
 * import { catalogRoutes } from "./catalog_routes.ts";
 * import { resolveDeps } from "./deps.ts";
 * const app = catalogRoutes({ deps: resolveDeps() });
 * const scenarios = await (await app.request("/api/scenarios")).json();
 * console.assert(scenarios.some((s: { id: string }) => s.id === "toy/matching"));
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import { resolveScenarioId, type ServerDeps } from "./deps.ts";
import { BadRequestError, NotFoundError } from "./errors.ts";

/** Options of {@linkcode catalogRoutes}. */
export interface CatalogRoutesOptions {
  /** Scenarios and policies come from here. */
  deps: Pick<ServerDeps, "scenarios" | "policies">;
}

/**
 * The catalog routes (see module docs).
 *
 * @example
 * ```ts
 * import { catalogRoutes } from "./catalog_routes.ts";
 * import { resolveDeps } from "./deps.ts";
 * const res = await catalogRoutes({ deps: resolveDeps() }).request("/api/policies?scenario=toy/matching");
 * console.assert((await res.json())[0].id === "random");
 * ```
 */
export function catalogRoutes(options: CatalogRoutesOptions): Hono {
  const { deps } = options;
  return new Hono()
    .get("/api/scenarios", (c) =>
      c.json(
        deps.scenarios().map((s) => ({
          id: s.id,
          ...(s.name !== undefined ? { name: s.name } : {}),
          description: s.description,
          policies: deps.policies.list(s.id),
        })),
      ))
    .get("/api/policies", (c) => {
      const scenario = c.req.query("scenario");
      if (scenario === undefined || scenario === "") {
        throw new BadRequestError('query parameter "scenario" is required (a scenario id)');
      }
      const id = resolveScenarioId(deps.scenarios(), scenario);
      if (id === undefined) {
        throw new NotFoundError(`Unknown scenario ${JSON.stringify(scenario)}`);
      }
      return c.json(deps.policies.list(id));
    });
}
