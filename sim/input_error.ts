/**
 * The base class of every error caused by bad input: a file (scenario, element set, model, map,
 * checkpoint, baseline) or a command-line flag the user can fix. The command-line tools tell these
 * apart from failures by type (`instanceof InputError`, exit code 2) instead of by message text;
 * everything else is a failure (exit code 1). Domain errors (`ScenarioError`, `OrbitDataError`,
 * `ModelFileError`, `SmaxMapError`, `CheckpointError`, `CliError`) extend it; loaders with no error
 * class of their own throw it directly, with a message naming the file, field and value.
 *
 * @example
 * ```ts
 * import { InputError } from "./input_error.ts";
 * const e = new InputError('Cannot load baseline "b.json": field "envId" is required');
 * console.assert(e instanceof Error && e.name === "InputError");
 * ```
 *
 * @module
 */

/**
 * An error in the user's input (see module docs).
 *
 * @example
 * ```ts
 * import { InputError } from "./input_error.ts";
 * class MyFileError extends InputError {}
 * console.assert(new MyFileError("bad") instanceof InputError);
 * ```
 */
export class InputError extends Error {
  /** Builds the error with its full message (`Cannot load <what> "<file>": ...`). */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InputError";
  }
}
