import assert from "node:assert/strict";
import { main } from "./evaluate.ts";

Deno.test("evaluate: a seed in the training range or one the shipped models were trained with is refused", async () => {
  // The shipped smax/3m teacher and students were trained with seed 1.
  await assert.rejects(
    () => main(["--scenario", "smax/3m", "--seed", "1", "--episodes", "1"]),
    /flag --seed: evaluation seed 1 is a seed a model being evaluated was trained with/,
  );
  await assert.rejects(
    () => main(["--scenario", "smax/3m", "--seed", "42", "--episodes", "1"]),
    /flag --seed: evaluation seed 42 is in the training\/tuning range \[1, 999999\]/,
  );
});
