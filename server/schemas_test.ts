import assert from "node:assert/strict";
import { BadRequestError } from "./errors.ts";
import { eventsQuerySchema, lastEventIdSchema, parseOrThrow, startRunSchema } from "./schemas.ts";

Deno.test("startRunSchema fills defaults and keeps valid values", () => {
  assert.deepEqual(parseOrThrow(startRunSchema, { scenario: "toy/matching" }, "field"), {
    scenario: "toy/matching",
    policy: "random",
    seed: 0,
    speed: 1,
  });
  const full = {
    scenario: "s",
    policy: "p",
    seed: 2 ** 31 - 1,
    speed: "max",
    episodes: 3,
    ticks: 10,
  };
  assert.deepEqual(parseOrThrow(startRunSchema, full, "field"), full);
  assert.equal(parseOrThrow(startRunSchema, { scenario: "s", speed: 0.5 }, "field").speed, 0.5);
});

Deno.test("validation errors name the field, the expectation and the value", () => {
  const cases: [unknown, string][] = [
    [{ scenario: "s", seed: -1 }, 'field "seed" must be an integer >= 0, got -1'],
    [
      { scenario: "s", seed: 2 ** 31 },
      'field "seed" must be an integer <= 2147483647, got 2147483648',
    ],
    [
      { scenario: "s", speed: 20000 },
      'field "speed" must be a real-time multiple in (0, 10000] or "max", got 20000',
    ],
    [{ scenario: "s", ticks: "9" }, 'field "ticks" must be an integer >= 1, got "9"'],
    [{ scenario: "" }, 'field "scenario" must be a non-empty scenario id, got ""'],
    [{ scenario: 5 }, 'field "scenario" must be a scenario id (a string), got 5'],
    [{}, 'field "scenario" is required (must be a scenario id (a string))'],
    [{ scenario: "s", a: 1, b: 2 }, 'unknown field "a", "b"'],
    [null, "request body must be a JSON object, got null"],
    [
      { scenario: "s", policy: "y".repeat(100), seed: "z".repeat(100) },
      `field "seed" must be an integer >= 0, got "${"z".repeat(76)}...`,
    ],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseOrThrow(startRunSchema, input, "field"),
      (e: unknown) => e instanceof BadRequestError && e.message === message,
      JSON.stringify(input),
    );
  }
});

Deno.test("query and header schemas parse integers from strings", () => {
  assert.deepEqual(parseOrThrow(eventsQuerySchema, { from: "7", limit: "3" }, "q"), {
    from: 7,
    limit: 3,
  });
  assert.throws(
    () => parseOrThrow(eventsQuerySchema, { limit: "0" }, "query parameter"),
    /^BadRequestError: query parameter "limit" must be an integer in \[1, 1000\], got "0"$/,
  );
  assert.equal(parseOrThrow(lastEventIdSchema, "0", "header"), 0);
  assert.throws(() => parseOrThrow(lastEventIdSchema, "1e3", "header Last-Event-ID"), /got "1e3"/);
});
