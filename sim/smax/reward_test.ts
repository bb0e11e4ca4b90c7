import assert from "node:assert/strict";
import { battleWinRate, SMAC_REWARD, smacMaxReward, smacStepReward } from "./reward.ts";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

Deno.test("reward: SMAC's max_reward and scale for 3m and 2s3z", () => {
  const m = { health: 45, shield: 0 };
  assert.equal(smacMaxReward([m, m, m]), 365);
  const s = { health: 80, shield: 80 };
  const z = { health: 100, shield: 50 };
  assert.equal(smacMaxReward([s, s, z, z, z]), 5 * 10 + 200 + 2 * 160 + 3 * 150);
});

Deno.test("reward: damage, kills (remaining points + 10), win bonus, scaled by max / 20", () => {
  const max = 365; // 3m: scale 18.25
  const alive = Uint8Array.of(1, 1, 1);
  // 12 damage on one marine, 6 on another.
  close(smacStepReward([45, 45, 45], [33, 39, 45], alive, alive, false, max), 18 / 18.25);
  // A marine with 9 left dies: 9 + 10; the battle is not over.
  close(
    smacStepReward([9, 45, 45], [0, 45, 45], alive, Uint8Array.of(0, 1, 1), false, max),
    19 / 18.25,
  );
  // The last marine (3 left) dies and the battle is won: 3 + 10 + 200.
  close(
    smacStepReward([0, 0, 3], [0, 0, 0], Uint8Array.of(0, 0, 1), Uint8Array.of(0, 0, 0), true, max),
    213 / 18.25,
  );
  // Shield regeneration only (negative damage) still pays, as SMAC's abs() does.
  close(smacStepReward([100], [101], [1], [1], false, 360), 1 / 18);
  // A whole won battle returns exactly scaleRate.
  close(
    smacStepReward([45, 45, 45], [0, 0, 0], alive, Uint8Array.of(0, 0, 0), true, max),
    SMAC_REWARD.scaleRate,
  );
});

Deno.test("reward: win rate over finished episodes", () => {
  assert.equal(
    battleWinRate([{ infos: { won: 1 } }, { infos: { won: 0 } }, { infos: { won: 1 } }]),
    2 / 3,
  );
  assert.ok(Number.isNaN(battleWinRate([])));
});
