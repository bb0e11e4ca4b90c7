import assert from "node:assert/strict";
import { runCli } from "./cli_util.ts";
import { USAGE as TRAIN } from "./train.ts";
import { USAGE as DISTILL } from "./distill.ts";
import { USAGE as SIMULATE } from "./simulate.ts";
import { USAGE as EVALUATE } from "./evaluate.ts";
import { USAGE as BASELINE } from "./baseline.ts";
import { USAGE as TRAIN_ALL } from "./train_all.ts";
import { USAGE as PASSES } from "./passes.ts";
import { USAGE as EXPORT } from "./export.ts";
import { USAGE as STUDY } from "./study.ts";

Deno.test("runCli: --help and -h print the usage and run nothing", async () => {
  const usages = {
    train: TRAIN,
    distill: DISTILL,
    simulate: SIMULATE,
    evaluate: EVALUATE,
    baseline: BASELINE,
    "train-all": TRAIN_ALL,
    passes: PASSES,
    export: EXPORT,
    study: STUDY,
  };
  const printed: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => void printed.push(parts.join(" "));
  try {
    for (const [task, usage] of Object.entries(usages)) {
      for (const flag of ["--help", "-h"]) {
        printed.length = 0;
        await runCli(
          task,
          () => {
            throw new Error(`${task} ran with ${flag}`);
          },
          usage,
          ["--scenario", "x", flag],
        );
        assert.equal(printed.length, 1);
        assert.ok(printed[0].startsWith(`Usage: deno task ${task}`), printed[0]);
        assert.match(printed[0], /--help +this text$/);
      }
    }
  } finally {
    console.log = log;
  }
});
