import assert from "node:assert/strict";
import { createApp } from "./app.ts";
import { runSweep } from "../sweep/scheduler.ts";

Deno.test("sweep routes: the app lists the sweeps of its artifact directory, one sweep's jobs and results, and the page", async () => {
  const dir = await Deno.makeTempDir();
  const app = createApp({ sweepsDir: dir, runsDir: await Deno.makeTempDir() });
  try {
    assert.deepEqual(await (await app.request("/api/sweeps")).json(), []);
    const jobs = [
      { key: "train/a", kind: "train", deps: [], payload: { out: "demo/train/a" } },
      {
        key: "evaluate/a",
        kind: "evaluate",
        deps: ["train/a"],
        payload: { out: "demo/evaluate/a" },
      },
    ];
    await runSweep({
      name: "demo",
      dir: "demo",
      root: dir,
      jobs,
      engine: "local",
      quiet: true,
      executor: {
        slots: 1,
        run: (job, m) =>
          Promise.resolve(
            job.kind === "train"
              ? {
                ok: true,
                result: {
                  sweep: m.sweep,
                  key: job.key,
                  kind: job.kind,
                  figures: { envSteps: 64 },
                  seconds: 1,
                },
              }
              : { ok: false, error: "evaluation exploded" },
          ),
        close: () => Promise.resolve(),
      },
    });
    const list = await (await app.request("/api/sweeps")).json();
    assert.equal(list.length, 1);
    assert.equal(list[0].name, "demo");
    assert.deepEqual([list[0].counts.done, list[0].counts.failed, list[0].finished], [1, 1, true]);
    const one = await (await app.request("/api/sweeps/demo")).json();
    assert.deepEqual(one.jobs.map((j: { state: string }) => j.state), ["done", "failed"]);
    assert.deepEqual(one.jobs[0].figures, { envSteps: 64 });
    assert.equal(one.jobs[1].error, "evaluation exploded");
    const missing = await app.request("/api/sweeps/..%2Fetc");
    assert.equal(missing.status, 404);
    assert.equal((await app.request("/api/sweeps/nope")).status, 404);
    const page = await app.request("/sweep");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy")!, /script-src 'self'/);
    assert.match(await page.text(), /src="\/static\/sweep\.js"/);
    assert.equal((await app.request("/static/sweep.js")).status, 200);
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});
