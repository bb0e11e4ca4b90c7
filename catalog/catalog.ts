/**
 * The scenario catalog: every scenario fleetkd knows, one {@linkcode ScenarioEntry} each, found by id or
 * short name. `simulate`, `evaluate`, `train`, `distill`, `train-all`, `baseline`, `export`, the sweep,
 * the study and the telemetry server all read the same catalog, so a scenario added to it (see
 * `scenarios/README.md`) is picked up by every one of them.
 *
 * @example
 * ```ts
 * import { ScenarioCatalog } from "./catalog.ts";
 * import { presetFor } from "../distill/presets.ts";
 * import { MatchingEnv } from "../sim/toy/matching.ts";
 * const catalog = new ScenarioCatalog([{
 *   id: "toy/matching", name: "matching", description: "cue matching",
 *   make: () => new MatchingEnv(), modelsDir: "scenarios/toy__matching/models",
 *   preset: presetFor("toy/matching"),
 * }]);
 * console.assert(catalog.get("matching").id === "toy/matching");
 * console.assert(catalog.makeEnv("toy/matching").classes.length === 2);
 * ```
 *
 * @module
 */

import type { EnvOptions } from "../sim/env/registry.ts";
import type { MultiAgentEnv } from "../sim/env/types.ts";
import { InputError } from "../sim/input_error.ts";
import {
  deployableModelsDir,
  type ScenarioEntry,
  type ScenarioLookup,
  shipsModels,
} from "../distill/scenario.ts";

/** An unknown or ambiguous scenario name: bad input (HTTP 404 in the server, exit code 2 on the CLI). */
export class UnknownScenarioError extends InputError {
  /** The name asked for. */
  readonly scenario: string;
  /** Builds the error; `message` names the scenario and the known ones. */
  constructor(scenario: string, message: string) {
    super(message);
    this.name = "UnknownScenarioError";
    this.scenario = scenario;
  }
}

/** A set of scenarios, found by id (`fleet/leo-wildfire`) or unambiguous short name (`leo-wildfire`). */
export class ScenarioCatalog implements ScenarioLookup {
  readonly #byId = new Map<string, ScenarioEntry>();

  /** Builds the catalog; two entries with one id, or an entry whose name is not its id's tail, throw. */
  constructor(entries: readonly ScenarioEntry[]) {
    for (const e of entries) this.#add(e);
  }

  #add(entry: ScenarioEntry): void {
    if (this.#byId.has(entry.id)) {
      throw new Error(`Cannot add scenario "${entry.id}" to the catalog: id is taken`);
    }
    if (!/^[a-z0-9_-]+\/[A-Za-z0-9_.-]+$/.test(entry.id)) {
      throw new Error(
        `Cannot add scenario "${entry.id}" to the catalog: an id is "family/name" (letters, digits, - _ .)`,
      );
    }
    if (entry.name !== entry.id.slice(entry.id.indexOf("/") + 1)) {
      throw new Error(
        `Cannot add scenario "${entry.id}" to the catalog: its short name must be "${
          entry.id.slice(entry.id.indexOf("/") + 1)
        }", got "${entry.name}"`,
      );
    }
    this.#byId.set(entry.id, entry);
  }

  /** Every entry, sorted by id. */
  list(): ScenarioEntry[] {
    return [...this.#byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Whether `nameOrId` names exactly one scenario. */
  has(nameOrId: string): boolean {
    return this.#byId.has(nameOrId) || this.#byName(nameOrId).length === 1;
  }

  #byName(name: string): ScenarioEntry[] {
    return [...this.#byId.values()].filter((e) => e.name === name);
  }

  /**
   * The entry of `nameOrId`: an id, or a short name that only one scenario has. Unknown and ambiguous
   * names throw an {@linkcode UnknownScenarioError} listing the known ids.
   */
  get(nameOrId: string): ScenarioEntry {
    const exact = this.#byId.get(nameOrId);
    if (exact) return exact;
    const named = this.#byName(nameOrId);
    if (named.length === 1) return named[0];
    if (named.length > 1) {
      throw new UnknownScenarioError(
        nameOrId,
        `Scenario "${nameOrId}" is ambiguous: it names ${
          named.map((e) => e.id).join(", ")
        }; use the full id`,
      );
    }
    throw new UnknownScenarioError(
      nameOrId,
      `Unknown scenario "${nameOrId}"; available: ${
        this.list().map((e) => e.id).join(", ") || "(none)"
      }`,
    );
  }

  /** The id of `nameOrId` (see {@linkcode ScenarioCatalog.get}). */
  resolve(nameOrId: string): string {
    return this.get(nameOrId).id;
  }

  /** A fresh environment of `nameOrId`. */
  makeEnv(nameOrId: string, options?: EnvOptions): MultiAgentEnv {
    return this.get(nameOrId).make(options);
  }

  /** A catalog of these entries plus `more` (for a scenario file given on the command line, a test's toy). */
  with(...more: ScenarioEntry[]): ScenarioCatalog {
    return new ScenarioCatalog([...this.#byId.values(), ...more]);
  }

  /** The entries that ship a teacher and students of their own (`scenarios/<name>/models/`). */
  async shipped(): Promise<ScenarioEntry[]> {
    const all = this.list();
    const ships = await Promise.all(all.map((e) => shipsModels(e)));
    return all.filter((_, i) => ships[i]);
  }

  /** The entries with deployable models (their own or their fallback's): what regression tests measure. */
  deployable(): ScenarioEntry[] {
    return this.list().filter((e) => deployableModelsDir(e) !== undefined);
  }
}
