/**
 * A local pool's worker process (spawned by `LocalPool`): reads one job message per line on stdin, runs
 * it with `executeJob` and answers one `@fleetkd-sweep {json}` line on stdout. Exits when stdin closes.
 *
 * ```sh
 * deno run -A sweep/pool_child.ts --out ARTIFACT_DIR
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { executeJob, JobRefused } from "./execute.ts";
import { JobInterrupted } from "./job_kinds.ts";
import { POOL_REPLY } from "./local_pool.ts";

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
    }
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" } } });
  if (!values.out) throw new Error("pool_child: --out ARTIFACT_DIR is required");
  const root = values.out;
  // Ctrl-C on the sweep reaches the trainers (they checkpoint and stop); the loop then ends.
  for await (const line of lines(Deno.stdin.readable)) {
    if (line.trim() === "") continue;
    let key = "";
    let reply: Record<string, unknown>;
    try {
      const message = JSON.parse(line);
      key = typeof message?.key === "string" ? message.key : "";
      reply = { key, ok: true, result: await executeJob(message, root) };
    } catch (e) {
      reply = {
        key,
        ok: false,
        error: (e as Error).message ?? String(e),
        refused: e instanceof JobRefused,
        interrupted: e instanceof JobInterrupted,
      };
    }
    await Deno.stdout.write(new TextEncoder().encode(POOL_REPLY + JSON.stringify(reply) + "\n"));
  }
}
