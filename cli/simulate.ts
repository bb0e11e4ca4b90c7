/**
 * `deno task simulate`: the main job. Until the fleet environment and shipped models land, it runs the
 * kernel demo: a real constellation's passes over ground sites for a day (see `cli/passes.ts`).
 *
 * @module
 */

import { passesMain } from "./passes.ts";
import { runCli } from "./cli_util.ts";

if (import.meta.main) {
  await runCli("simulate", async () => console.log(await passesMain(Deno.args)));
}
