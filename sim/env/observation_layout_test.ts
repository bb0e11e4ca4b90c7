import assert from "node:assert/strict";
import { SmaxEnv } from "../smax/env.ts";
import { checkConformance } from "./conformance.ts";
import { layoutSignature, type ObservationLayout, validateLayout } from "./observation_layout.ts";

Deno.test("validateLayout: gaps, overlaps, duplicate names and out-of-entity features are errors", () => {
  const ok: ObservationLayout = {
    size: 5,
    segments: [
      { kind: "scalar", name: "own", offset: 0, size: 1 },
      {
        kind: "entities",
        name: "agents",
        offset: 1,
        count: 2,
        features: 2,
        distance: { kind: "offset", x: 0, y: 1, scale: 1 },
      },
    ],
  };
  validateLayout(ok, "demo");
  assert.throws(
    () => validateLayout({ ...ok, size: 6 }, "demo"),
    /segments cover 5 values, size is 6/,
  );
  assert.throws(
    () => validateLayout({ ...ok, segments: [ok.segments[1]] }, "demo"),
    /offset is 1, expected 0/,
  );
  assert.throws(
    () =>
      validateLayout({
        size: 2,
        segments: [
          { kind: "scalar", name: "a", offset: 0, size: 1 },
          { kind: "scalar", name: "a", offset: 1, size: 1 },
        ],
      }, "demo"),
    /name appears twice/,
  );
  assert.throws(
    () =>
      validateLayout({
        ...ok,
        segments: [ok.segments[0], { ...ok.segments[1], visibleFeature: 2 } as never],
      }, "demo"),
    /visibleFeature must be within the entity's 2 features/,
  );
  assert.notEqual(
    layoutSignature(ok),
    layoutSignature({
      ...ok,
      segments: [ok.segments[0], { ...ok.segments[1], indexed: true } as never],
    }),
  );
});

Deno.test("conformance: a layout whose invisible flag is wrong fails (SMAX enemies flagged by 'attackable')", () => {
  class Wrong extends SmaxEnv {
    override observationLayout(c: number): ObservationLayout {
      const l = super.observationLayout(c);
      return {
        ...l,
        segments: l.segments.map((s) =>
          s.kind === "entities" && s.name === "enemies" ? { ...s, visibleFeature: 0 } : s
        ),
      };
    }
  }
  checkConformance(() => new SmaxEnv({ map: "3m" }), { episodes: 1 });
  assert.throws(
    () => checkConformance(() => new Wrong({ map: "3m" }), { episodes: 2 }),
    (e: Error) => /enemies\[\d\] is flagged invisible/.test(e.message),
  );
});
