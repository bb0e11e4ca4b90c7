import assert from "node:assert/strict";
import { SmaxEnv } from "./env.ts";
import { SmaxHeuristicController } from "./heuristic.ts";

/** Three marines at x = 4 against one marine that holds x = 26 (its attack point is its own spawn). */
function oneSided(): SmaxEnv {
  return new SmaxEnv({
    map: {
      name: "one_sided",
      episodeLimit: 60,
      width: 32,
      height: 32,
      allySpawn: { x: 4, y: 16 },
      enemySpawn: { x: 26, y: 16 },
      attackPoint: { x: 26, y: 16 },
      spawnJitter: 0,
      allies: [{ type: "marine", count: 3 }],
      enemies: [{ type: "marine", count: 1 }],
    },
  });
}

function play(env: SmaxEnv, act: (r: ReturnType<SmaxEnv["reset"]>, out: Int32Array[]) => void) {
  const out = env.classes.map((c) => new Int32Array(c.count));
  let r = env.reset(0);
  const first: number[][] = [];
  while (!r.done) {
    act(r, out);
    first.push([...out[0]]);
    r = env.step(out);
  }
  return { infos: { ...r.infos }, actions: first };
}

Deno.test("heuristic: walks to an enemy out of sight, then attacks the closest in range, and wins", () => {
  const env = oneSided();
  const ctl = new SmaxHeuristicController(env);
  const { infos, actions } = play(env, (r, out) => ctl.act(r, out));
  assert.equal(infos.won, 1, `heuristic: ${JSON.stringify(infos)}`);
  assert.equal(infos.alliesAlive, 3);
  // 22 apart: every marine moves east (action 4) first; the last step attacks enemy 0 (action 6).
  assert.deepEqual(actions[0], [4, 4, 4]);
  assert.ok(actions.at(-1)!.every((a) => a === 6), `last actions ${actions.at(-1)}`);
  // Standing still never reaches the enemy: the battle times out.
  const idle = play(oneSided(), (_r, out) => out[0].fill(1));
  assert.deepEqual([idle.infos.won, idle.infos.battleStep], [0, 60]);
});

Deno.test("heuristic: only legal actions on every shipped map; dead agents take no-op", () => {
  for (const map of ["3m", "2s3z", "3s_vs_5z"]) {
    const env = new SmaxEnv({ map });
    const ctl = new SmaxHeuristicController(env);
    const out = env.classes.map((c) => new Int32Array(c.count));
    for (let ep = 0; ep < 3; ep++) {
      let r = env.reset(ep);
      while (!r.done) {
        ctl.act(r, out);
        env.classes.forEach((c, ci) => {
          for (let i = 0; i < c.count; i++) {
            assert.equal(r.classes[ci].actionMask[i * c.numActions + out[ci][i]], 1, map);
          }
        });
        r = env.step(out);
      }
    }
  }
});
