import assert from "node:assert/strict";
import type { ObservationLayout } from "../sim/env/observation_layout.ts";
import { validateLayout } from "../sim/env/observation_layout.ts";
import { SmaxEnv } from "../sim/smax/env.ts";
import { SimpleSpreadScenario } from "../sim/mpe/simple_spread.ts";
import { MpeEnv } from "../sim/mpe/env.ts";
import { Rng } from "../sim/rng.ts";
import {
  observationBudgetTag,
  ObservationView,
  parseEntityBudget,
  resolveObservationBudget,
} from "./observation_view.ts";

// own (2) | enemies: 3 x (visible flag, distance, hp) indexed | agents: 2 x (dx, dy)
const layout: ObservationLayout = {
  size: 2 + 9 + 4,
  segments: [
    { kind: "scalar", name: "own", offset: 0, size: 2 },
    {
      kind: "entities",
      name: "enemies",
      offset: 2,
      count: 3,
      features: 3,
      distance: { kind: "feature", index: 1, scale: 10 },
      visibleFeature: 0,
      indexed: true,
    },
    {
      kind: "entities",
      name: "agents",
      offset: 11,
      count: 2,
      features: 2,
      distance: { kind: "offset", x: 0, y: 1, scale: 1 },
    },
  ],
};

function obs(): Float32Array {
  return Float32Array.of(
    0.5,
    0.25,
    // enemy 0: visible, far; enemy 1: invisible (zeros); enemy 2: visible, near
    1,
    0.8,
    0.9,
    0,
    0,
    0,
    1,
    0.3,
    0.4,
    // agent 0 at (3, 4): 5 away; agent 1 at (0, -1): 1 away
    3,
    4,
    0,
    -1,
  );
}

Deno.test("ObservationView keeps the nearest visible entities first, with the indexed one-hot", () => {
  const view = ObservationView.create(layout, { entities: { enemies: 2, agents: 1 } });
  // own 2 + enemies 2 x (3 + 3) + agents 1 x 2
  assert.equal(view.outputSize, 2 + 12 + 2);
  const out = new Float32Array(view.outputSize).fill(7);
  view.apply(obs(), 0, out, 0);
  assert.deepEqual(Array.from(out), [
    0.5,
    0.25,
    // nearest visible enemy: 2 (distance 3), then 0 (distance 8); invisible enemy 1 is dropped
    1,
    Math.fround(0.3),
    Math.fround(0.4),
    0,
    0,
    1,
    1,
    Math.fround(0.8),
    Math.fround(0.9),
    1,
    0,
    0,
    // nearest agent: 1
    0,
    -1,
  ]);
});

Deno.test("ObservationView zero-pads slots when fewer entities are visible", () => {
  const view = ObservationView.create(layout, { entities: { enemies: 3 } });
  const out = new Float32Array(view.outputSize).fill(7);
  view.apply(obs(), 0, out, 0);
  // third enemy slot (6 values) is padding: enemy 1 is invisible
  assert.deepEqual(Array.from(out.subarray(2 + 12, 2 + 18)), [0, 0, 0, 0, 0, 0]);
  // agents keep both, nearest first
  assert.deepEqual(Array.from(out.subarray(2 + 18)), [0, -1, 3, 4]);
});

Deno.test("ObservationView: a range cut treats farther entities as invisible", () => {
  const view = ObservationView.create(layout, { entities: { enemies: 2, agents: 2 }, range: 4 });
  const out = new Float32Array(view.outputSize);
  view.apply(obs(), 0, out, 0);
  // enemy 0 is 8 away: cut; only enemy 2 remains
  assert.deepEqual(Array.from(out.subarray(8, 14)), [0, 0, 0, 0, 0, 0]);
  assert.equal(out[2 + 5], 1);
  // agent 0 is 5 away: cut
  assert.deepEqual(Array.from(out.subarray(14)), [0, -1, 0, 0]);
});

Deno.test("ObservationView: dropScalars and a count of 0 remove segments", () => {
  const view = ObservationView.create(layout, {
    entities: { enemies: 0 },
    dropScalars: ["own"],
  });
  assert.equal(view.outputSize, 4);
  const out = new Float32Array(4);
  view.apply(obs(), 0, out, 0);
  assert.deepEqual(Array.from(out), [0, -1, 3, 4]);
  assert.equal(view.tag(), "enemies0-noown");
});

Deno.test("ObservationView: batch equals row by row, and applyInputs copies the id tail", () => {
  const view = ObservationView.create(layout, { entities: { enemies: 1, agents: 1 } });
  const rng = new Rng(5);
  const rows = 7;
  const full = new Float32Array(rows * layout.size);
  for (let i = 0; i < full.length; i++) full[i] = rng.uniform() < 0.3 ? 0 : rng.uniform();
  const batch = view.applyBatch(full, rows, new Float32Array(rows * view.outputSize));
  const one = new Float32Array(view.outputSize);
  for (let r = 0; r < rows; r++) {
    view.apply(full.subarray(r * layout.size, (r + 1) * layout.size), 0, one, 0);
    assert.deepEqual(one, batch.subarray(r * view.outputSize, (r + 1) * view.outputSize));
  }
  const tail = 3;
  const inputs = new Float32Array(rows * (layout.size + tail));
  for (let r = 0; r < rows; r++) {
    inputs.set(full.subarray(r * layout.size, (r + 1) * layout.size), r * (layout.size + tail));
    inputs[r * (layout.size + tail) + layout.size + (r % tail)] = 1;
  }
  const O = view.outputSize + tail;
  const out = view.applyInputs(inputs, rows, tail, new Float32Array(rows * O));
  for (let r = 0; r < rows; r++) {
    assert.deepEqual(
      out.subarray(r * O, r * O + view.outputSize),
      batch.subarray(r * view.outputSize, (r + 1) * view.outputSize),
    );
    assert.equal(out[r * O + view.outputSize + (r % tail)], 1);
  }
});

Deno.test("ObservationView: bad budgets are errors naming the field and value; counts above the segment clamp", () => {
  assert.throws(
    () => ObservationView.create(layout, { entities: { allies: 1 } }, "flag --obs-entities"),
    /flag --obs-entities: unknown entity segment "allies" \(the layout has "enemies", "agents"\)/,
  );
  assert.throws(
    () => ObservationView.create(layout, { entities: { enemies: -1 } }),
    /entities "enemies" must be an integer >= 0, got -1/,
  );
  assert.throws(
    () => ObservationView.create(layout, { entities: { enemies: 1.5 } }),
    /got 1.5/,
  );
  assert.throws(() => ObservationView.create(layout, { range: 0 }), /range must be .* > 0, got 0/);
  assert.throws(
    () => ObservationView.create(layout, { dropScalars: ["move"] }),
    /unknown scalar segment "move"/,
  );
  // A budget is a maximum: more than the layout has keeps all (recorded clamped).
  const v = ObservationView.create(layout, { entities: { enemies: 9 } });
  assert.equal(v.budget.entities!.enemies, 3);
  assert.deepEqual(resolveObservationBudget(layout, {}).entities, { enemies: 3, agents: 2 });
  assert.equal(observationBudgetTag(v.budget, layout), "full");
});

Deno.test("ObservationView: a record round trip gives the same view; a wrong outputSize is refused", () => {
  const v = ObservationView.create(layout, { entities: { enemies: 1 }, range: 6 });
  const r = v.record();
  const back = ObservationView.fromRecord(JSON.parse(JSON.stringify(r)));
  assert.equal(back.outputSize, v.outputSize);
  assert.equal(back.signature, v.signature);
  assert.throws(
    () => ObservationView.fromRecord({ ...r, outputSize: r.outputSize + 1 }, "m.json"),
    /m.json: outputSize is/,
  );
});

Deno.test("parseEntityBudget: pairs, and errors naming the flag", () => {
  assert.deepEqual(parseEntityBudget("enemies=1, allies=0", "--obs-entities"), {
    enemies: 1,
    allies: 0,
  });
  assert.throws(() => parseEntityBudget("enemies", "--obs-entities"), /flag --obs-entities/);
  assert.throws(
    () => parseEntityBudget("enemies=-2", "--obs-entities"),
    /count of "enemies" must be >= 0, got -2/,
  );
  assert.throws(() => parseEntityBudget("a=1,a=2", "--obs-entities"), /"a" appears twice/);
});

Deno.test("observation layouts of SMAX 3m, 2s3z and simple_spread match their known sizes", () => {
  const m3 = new SmaxEnv({ map: "3m" });
  const l3 = m3.observationLayout(0);
  validateLayout(l3, "smax/3m");
  assert.equal(l3.size, 30); // 4 + 3 x 5 + 2 x 5 + 1
  assert.equal(m3.classes[0].obsSize, 30);
  assert.deepEqual(
    l3.segments.map((s) => [s.name, s.kind === "scalar" ? s.size : s.count * s.features]),
    [["move", 4], ["enemies", 15], ["allies", 10], ["own", 1]],
  );
  const s2 = new SmaxEnv({ map: "2s3z" });
  assert.equal(s2.classes.length, 2);
  for (let c = 0; c < 2; c++) {
    const l = s2.observationLayout(c);
    validateLayout(l, "smax/2s3z");
    assert.equal(l.size, 80); // 4 + 5 x 8 + 4 x 8 + 4
    assert.equal(s2.classes[c].obsSize, 80);
  }
  const spread = new MpeEnv(new SimpleSpreadScenario());
  const ls = spread.observationLayout(0)!;
  validateLayout(ls, "mpe/simple_spread");
  assert.equal(ls.size, 18);
  assert.deepEqual(ls.segments.map((s) => s.name), ["self", "landmarks", "agents", "comm"]);
  assert.throws(() => m3.observationLayout(1), /class index must be in \[0, 1\), got 1/);
});

Deno.test("SMAX: the nearest-enemy view on a real observation keeps the enemy the attack action names", () => {
  const env = new SmaxEnv({ map: "3m" });
  const step = env.reset(3);
  const view = ObservationView.create(env.observationLayout(0), {
    entities: { enemies: 1, allies: 1 },
  });
  assert.equal(view.outputSize, 4 + (5 + 3) + 5 + 1);
  const out = new Float32Array(3 * view.outputSize);
  view.applyBatch(step.classes[0].obs, 3, out);
  const full = step.classes[0].obs;
  for (let i = 0; i < 3; i++) {
    const o = i * 30;
    // distances of the visible enemies
    const d = [0, 1, 2].map((k) => full[o + 4 + k * 5 + 1] > 0 ? full[o + 4 + k * 5 + 1] : 9);
    const nearest = d.indexOf(Math.min(...d));
    const row = out.subarray(i * view.outputSize, (i + 1) * view.outputSize);
    if (d[nearest] < 9) {
      assert.equal(row[4 + 5 + nearest], 1, `agent ${i}: one-hot names enemy ${nearest}`);
      assert.equal(row[4 + 1], full[o + 4 + nearest * 5 + 1]);
    }
    assert.equal(row[view.outputSize - 1], full[o + 29]); // own health
  }
});

Deno.test("fleet layouts: satellites see events and neighbours, sensors satellites; one budget shared by class", async () => {
  const { FleetEnv } = await import("../sim/fleet/env.ts");
  const { shareObservationBudget } = await import("./observation_view.ts");
  const env = new FleetEnv({ scenario: "leo-wildfire", maxSteps: 120 });
  const layouts = env.classes.map((c, i) => {
    const l = env.observationLayout(i);
    validateLayout(l, env.id);
    assert.equal(l.size, c.obsSize);
    return l;
  });
  assert.deepEqual(layouts.map((l) => l.segments.map((s) => s.name).join()), [
    "own,events,neighbours",
    "own,events,neighbours",
    "own,satellites",
    "own,satellites",
  ]);
  const per = shareObservationBudget({ entities: { events: 2, satellites: 1 } }, layouts, "plan");
  assert.deepEqual(per.map((b) => b?.entities), [
    { events: 2 },
    { events: 2 },
    { satellites: 1 },
    { satellites: 1 },
  ]);
  assert.deepEqual(shareObservationBudget({ entities: { events: 1 } }, layouts).slice(2), [
    undefined,
    undefined,
  ]);
  assert.throws(
    () => shareObservationBudget({ entities: { enemies: 1 } }, layouts, "plan x"),
    /plan x: unknown entity segment "enemies" \(the layouts have "events", "neighbours", "satellites"\)/,
  );
  assert.throws(
    () => shareObservationBudget({ entities: { events: 1 } }, [undefined], "flag --obs-entities"),
    /flag --obs-entities: the environment describes no observation layout/,
  );
  // Views of real fleet observations: kept events nearest first, each with the slot it came from.
  let step = env.reset(2);
  let seen = 0;
  const { GreedyFleetController } = await import("../sim/fleet/greedy.ts");
  const greedy = new GreedyFleetController(env);
  const acts = env.classes.map((k) => new Int32Array(k.count));
  for (let t = 0; t < 120 && seen === 0 && !step.done; t++) {
    if (t > 0) {
      greedy.act(step, acts);
      step = env.step(acts);
    }
    for (let c = 0; c < 2; c++) {
      const l = layouts[c];
      const view = ObservationView.create(l, per[c]!);
      const ev = l.segments[1];
      assert.ok(ev.kind === "entities");
      const rows = env.classes[c].count;
      const out = view.applyBatch(
        step.classes[c].obs,
        rows,
        new Float32Array(rows * view.outputSize),
      );
      for (let i = 0; i < rows; i++) {
        const slot = out.subarray(
          i * view.outputSize + 15,
          i * view.outputSize + 15 + 6 + ev.count,
        );
        if (slot[0] === 0) continue; // no event visible
        seen++;
        const k = Array.from(slot.subarray(6)).indexOf(1);
        const src = step.classes[c].obs.subarray(
          i * l.size + ev.offset + k * 6,
          i * l.size + ev.offset + k * 6 + 6,
        );
        assert.deepEqual(Array.from(slot.subarray(0, 6)), Array.from(src));
      }
    }
  }
  assert.ok(seen > 0, "some satellite sees an event");
});
