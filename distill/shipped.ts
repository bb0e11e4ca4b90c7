/**
 * Where shipped models live: `scenarios/<name>/models/{teacher,students}` with `<name>` the scenario id with
 * `/` replaced by `__` for families (`mpe__simple_spread`), or the bare fleet scenario name
 * (`leo-wildfire`).
 *
 * @example
 * ```ts
 * import { shippedModelDir } from "./shipped.ts";
 * console.assert(shippedModelDir("fleet/leo-wildfire").endsWith("scenarios/leo-wildfire/models"));
 * ```
 *
 * @module
 */

/** The shipped-models folder of `envId`, relative to the repository root. */
export function shippedModelDir(envId: string): string {
  const name = envId.startsWith("fleet/") ? envId.slice("fleet/".length) : envId.replace("/", "__");
  return `scenarios/${name}/models`;
}

/** Ids of the registered environments that have shipped models (teacher and students). */
export async function shippedScenarios(): Promise<string[]> {
  const { listEnvs } = await import("../sim/env/registry.ts");
  const out: string[] = [];
  for (const entry of listEnvs()) {
    const dir = shippedModelDir(entry.id);
    const has = await Promise.all(
      ["teacher", "students"].map((k) =>
        Deno.stat(`${dir}/${k}/manifest.json`).then(() => true, () => false)
      ),
    );
    if (has.every(Boolean)) out.push(entry.id);
  }
  return out;
}

/** Fleet scenarios share node classes (names and observation layouts) with this one's shipped models. */
export const FLEET_MODEL_SOURCE = "fleet/leo-wildfire";

/**
 * The folder of the models to deploy on `envId`: its own shipped models when it has them; for a fleet
 * scenario without its own, the models of {@linkcode FLEET_MODEL_SOURCE} (policies are per node class on
 * local observations, so they run on any fleet scenario built from the same node classes; loading checks
 * names and sizes). Undefined when there are none.
 */
export function deployableModelDir(envId: string): string | undefined {
  const has = (dir: string) => {
    try {
      Deno.statSync(`${dir}/students/manifest.json`);
      return true;
    } catch {
      return false;
    }
  };
  const own = shippedModelDir(envId);
  if (has(own)) return own;
  if (envId.startsWith("fleet/") && has(shippedModelDir(FLEET_MODEL_SOURCE))) {
    return shippedModelDir(FLEET_MODEL_SOURCE);
  }
  return undefined;
}

/**
 * Ids of the registered environments guarded by scenario regression tests: every one with deployable
 * models (its own, or for a fleet scenario those of {@linkcode FLEET_MODEL_SOURCE}).
 */
export async function regressionScenarios(): Promise<string[]> {
  const { listEnvs } = await import("../sim/env/registry.ts");
  return listEnvs().map((e) => e.id).filter((id) => deployableModelDir(id) !== undefined);
}

/** Whether `envId` runs models trained on it (rather than another fleet scenario's). */
export function hasOwnModels(envId: string): boolean {
  return deployableModelDir(envId) === shippedModelDir(envId);
}
