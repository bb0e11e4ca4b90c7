import assert from "node:assert/strict";
import { type EventHandler, type EventId, EventScheduler } from "./scheduler.ts";

/** Tiny deterministic LCG (Numerical Recipes constants), uniform in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** Runs every pending event with `step` and returns how many ran. */
function drain(sim: EventScheduler): number {
  let n = 0;
  while (sim.step()) n++;
  return n;
}

Deno.test("events run in time order and the clock follows them", () => {
  const sim = new EventScheduler();
  const seen: [string, number, number][] = [];
  for (const [name, t] of [["c", 30], ["a", 10], ["d", 40], ["b", 20]] as const) {
    sim.schedule(t, (s, at) => seen.push([name, at, s.now]));
  }
  assert.equal(drain(sim), 4);
  assert.deepEqual(seen, [["a", 10, 10], ["b", 20, 20], ["c", 30, 30], ["d", 40, 40]]);
  assert.equal(sim.now, 40);
});

Deno.test("at equal time the lower priority number runs first", () => {
  const sim = new EventScheduler();
  const seen: number[] = [];
  for (const p of [3, -2, 0, 7, -2147483648, 2147483647]) sim.schedule(5, () => seen.push(p), p);
  sim.schedule(4, () => seen.push(99), 100); // earlier time beats any priority
  drain(sim);
  assert.deepEqual(seen, [99, -2147483648, -2, 0, 3, 7, 2147483647]);
});

Deno.test("equal (time, priority) runs first-in first-out, handler-scheduled ones last", () => {
  const sim = new EventScheduler();
  const seen: string[] = [];
  sim.schedule(10, (s) => {
    seen.push("a");
    // Same time and priority: after b and c, which were queued earlier.
    s.schedule(10, () => seen.push("a1"));
    s.scheduleIn(0, () => seen.push("a2"));
    // Same time, higher priority (lower number): before b and c.
    s.schedule(10, () => seen.push("urgent"), -1);
    // Same time, lower priority: after all the priority-0 ones.
    s.schedule(10, () => seen.push("late"), 1);
  });
  sim.schedule(10, () => seen.push("b"));
  sim.schedule(10, () => seen.push("c"));
  assert.equal(sim.runUntil(10), 7);
  assert.deepEqual(seen, ["a", "urgent", "b", "c", "a1", "a2", "late"]);
});

Deno.test("cancel: cancelled events never run, pending stays exact, repeated cancel is false", () => {
  const sim = new EventScheduler();
  const seen: number[] = [];
  const ids = [1, 2, 3, 4, 5].map((t) => sim.schedule(t, () => seen.push(t)));
  assert.equal(sim.pending, 5);
  assert.equal(sim.cancel(ids[0]), true);
  assert.equal(sim.cancel(ids[3]), true);
  assert.equal(sim.pending, 3);
  assert.equal(sim.cancel(ids[0]), false);
  assert.equal(sim.pending, 3);
  assert.equal(sim.peekTime(), 2); // the cancelled earliest one is skipped
  assert.equal(sim.runUntil(2), 1);
  assert.equal(sim.cancel(ids[1]), false, "already run");
  assert.equal(sim.pending, 2);
  drain(sim);
  assert.deepEqual(seen, [2, 3, 5]);
  assert.equal(sim.pending, 0);
  for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, 123456789]) {
    assert.equal(sim.cancel(bad), false);
  }
});

Deno.test("peekTime and step skip cancelled events wherever they are queued", () => {
  const sim = new EventScheduler();
  const seen: number[] = [];
  const ids = new Map<number, EventId>();
  for (let t = 100; t < 200; t++) ids.set(t, sim.schedule(t, () => seen.push(t)));
  assert.equal(sim.step(), true);
  // Scheduled after the first dispatch, within the range already sorted: these take another route.
  const early = sim.schedule(101, () => seen.push(-101));
  const later = sim.schedule(102, () => seen.push(-102));
  assert.equal(sim.cancel(early), true);
  assert.equal(sim.cancel(ids.get(101)!), true);
  assert.equal(sim.peekTime(), 102);
  assert.equal(sim.cancel(ids.get(102)!), true);
  assert.equal(sim.cancel(later), true);
  assert.equal(sim.peekTime(), 103);
  assert.equal(sim.step(), true);
  assert.deepEqual(seen, [100, 103]);
  assert.equal(sim.pending, 96);
});

Deno.test("cancel from a handler, and of the running event itself", () => {
  const sim = new EventScheduler();
  const seen: string[] = [];
  let self: EventId = -1;
  let victim: EventId = -1;
  self = sim.schedule(1, (s) => {
    seen.push("first");
    assert.equal(s.cancel(self), false, "the running event has already run");
    assert.equal(s.cancel(victim), true);
    assert.equal(s.pending, 1);
  });
  victim = sim.schedule(1, () => seen.push("victim"));
  sim.schedule(2, () => seen.push("last"));
  assert.equal(sim.runUntil(5), 2);
  assert.deepEqual(seen, ["first", "last"]);
});

Deno.test("an id of a finished event never cancels the event that reuses its storage", () => {
  const sim = new EventScheduler();
  const old = sim.schedule(1, () => {});
  sim.step();
  let ran = false;
  const fresh = sim.schedule(2, () => (ran = true));
  assert.notEqual(old, fresh);
  assert.equal(sim.cancel(old), false);
  assert.equal(sim.pending, 1);
  sim.step();
  assert.equal(ran, true);
  const cleared = sim.schedule(3, () => {});
  sim.clear();
  assert.equal(sim.cancel(cleared), false);
  const reused = sim.schedule(4, () => {});
  assert.equal(sim.cancel(cleared), false);
  assert.equal(sim.cancel(reused), true);
});

Deno.test("mass cancellation compacts the queue without losing or reordering events", () => {
  const rand = lcg(7);
  const sim = new EventScheduler({ initialCapacity: 2 }); // also exercises growth
  const keys: [number, number][] = []; // (time, priority) by label; the label is the sequence
  const ids: EventId[] = [];
  const alive = new Set<number>();
  const seen: number[] = [];
  const add = (): void => {
    const i = keys.length;
    keys.push([Math.floor(rand() * 300), Math.floor(rand() * 3)]);
    ids.push(sim.schedule(keys[i][0], () => seen.push(i), keys[i][1]));
    alive.add(i);
  };
  // Waves of scheduling and heavy cancelling, so compaction runs with fresh events in the heap.
  for (let wave = 0; wave < 5; wave++) {
    for (let k = 0; k < 800; k++) add();
    for (const i of [...alive]) {
      if (rand() < 0.8) {
        assert.equal(sim.cancel(ids[i]), true);
        assert.equal(sim.cancel(ids[i]), false);
        alive.delete(i);
      }
    }
    assert.equal(sim.pending, alive.size);
  }
  const expected = [...alive].sort((a, b) =>
    keys[a][0] - keys[b][0] || keys[a][1] - keys[b][1] || a - b
  );
  assert.equal(drain(sim), expected.length);
  assert.deepEqual(seen, expected);
  assert.equal(sim.pending, 0);
});

/** Fills a scheduler with events before, inside and after the range its first dispatch sorts. */
function spreadQueue(sim: EventScheduler, seen: number[]) {
  const keys: [number, number][] = []; // (time, sequence) per label
  const ids: EventId[] = [];
  const add = (t: number) => {
    const label = keys.length;
    keys.push([t, label]);
    ids.push(sim.schedule(t, () => seen.push(label)));
  };
  for (let i = 0; i < 1000; i++) add(i);
  assert.equal(sim.step(), true); // runs label 0 at t=0
  for (let i = 0; i < 1000; i++) add(1 + ((i * 7) % 999)); // among the first thousand, equal times too
  for (let i = 0; i < 1000; i++) add(10_000 + i); // far ahead
  return { keys, ids };
}

Deno.test("cancel bursts and clear work while events are spread through the whole queue", () => {
  const seen: number[] = [];
  const sim = new EventScheduler({ initialCapacity: 1 });
  const { keys, ids } = spreadQueue(sim, seen);
  const survivors: number[] = [];
  for (let label = 1; label < keys.length; label++) {
    if (label % 3 === 0) survivors.push(label);
    else assert.equal(sim.cancel(ids[label]), true);
  }
  assert.equal(sim.pending, survivors.length);
  survivors.sort((a, b) => keys[a][0] - keys[b][0] || a - b);
  assert.equal(sim.runUntil(20_000), survivors.length);
  assert.deepEqual(seen, [0, ...survivors]);

  seen.length = 0;
  const again = new EventScheduler();
  const second = spreadQueue(again, seen);
  again.clear();
  assert.equal(again.pending, 0);
  assert.equal(again.peekTime(), undefined);
  assert.ok(second.ids.every((id) => !again.cancel(id)));
  again.schedule(5, () => seen.push(-1));
  assert.equal(again.runUntil(100_000), 1);
  assert.deepEqual(seen, [0, -1]);
});

Deno.test("runUntil runs exactly the events at or before t and advances the clock to t", () => {
  const sim = new EventScheduler();
  const seen: number[] = [];
  for (const t of [0, 5, 10, 10, 11, 20]) sim.schedule(t, () => seen.push(t));
  assert.equal(sim.runUntil(10), 4);
  assert.deepEqual(seen, [0, 5, 10, 10]);
  assert.equal(sim.now, 10);
  assert.equal(sim.pending, 2);
  assert.equal(sim.runUntil(15), 1);
  assert.equal(sim.now, 15);
  assert.equal(sim.runUntil(15), 0, "running until now again is allowed");
  assert.equal(sim.runUntil(1_000_000), 1);
  assert.equal(sim.now, 1_000_000);
  assert.equal(sim.runUntil(2_000_000), 0);
  assert.equal(sim.now, 2_000_000);
  assert.throws(() => sim.schedule(1_999_999, () => {}), /before the current time t=2000000 us/);
});

Deno.test("handlers schedule further events, within and beyond the runUntil horizon", () => {
  const sim = new EventScheduler({ startUs: 1_000 });
  const seen: number[] = [];
  const tick: EventHandler = (s, t) => {
    seen.push(t);
    s.scheduleIn(100, tick);
  };
  sim.scheduleIn(0, tick);
  assert.equal(sim.runUntil(1_450), 5);
  assert.deepEqual(seen, [1_000, 1_100, 1_200, 1_300, 1_400]);
  assert.equal(sim.pending, 1);
  assert.equal(sim.peekTime(), 1_500);
});

Deno.test("bad times, delays, priorities and handlers throw clear errors", () => {
  const sim = new EventScheduler({ startUs: 10 });
  const noop = () => {};
  assert.throws(() => sim.schedule(5, noop), {
    name: "RangeError",
    message: "Cannot schedule event at t=5 us: it is before the current time t=10 us",
  });
  assert.throws(() => sim.schedule(12.5, noop), {
    message:
      "Cannot schedule event at t=12.5 us: the time must be a safe integer number of microseconds",
  });
  assert.throws(
    () => sim.schedule(NaN, noop),
    /Cannot schedule event at t=NaN us: the time must be/,
  );
  assert.throws(() => sim.schedule(Infinity, noop), /t=Infinity us: the time must be/);
  assert.throws(() => sim.schedule(2 ** 53, noop), /t=9007199254740992 us: the time must be/);
  assert.throws(
    () => sim.schedule("20" as unknown as number, noop),
    /t="20" \(a string\) us: the time must be/,
  );
  assert.throws(() => sim.scheduleIn(-1, noop), {
    message: "Cannot schedule event -1 us after the current time t=10 us: " +
      "the delay must be a non-negative safe integer number of microseconds",
  });
  assert.throws(() => sim.scheduleIn(0.5, noop), /0\.5 us after the current time/);
  assert.throws(() => sim.scheduleIn(NaN, noop), /NaN us after the current time/);
  assert.throws(
    () => sim.schedule(20, noop, 0.5),
    /priority 0\.5: the priority must be an integer/,
  );
  assert.throws(() => sim.schedule(20, noop, 2 ** 31), /priority 2147483648/);
  assert.throws(
    () => sim.schedule(20, undefined as unknown as EventHandler),
    { name: "TypeError", message: /the handler must be a function, got undefined/ },
  );
  assert.throws(() => sim.runUntil(9), {
    message: "Cannot run until t=9 us: it is before the current time t=10 us",
  });
  assert.throws(() => sim.runUntil(NaN), /Cannot run until t=NaN us/);
  assert.throws(() => new EventScheduler({ startUs: 0.5 }), /option "startUs"/);
  assert.throws(() => new EventScheduler({ initialCapacity: 0 }), /option "initialCapacity"/);
  assert.equal(sim.pending, 0, "failed calls schedule nothing");
  assert.equal(sim.now, 10);
});

Deno.test("step and runUntil refuse re-entry; a throwing handler leaves the scheduler usable", () => {
  const sim = new EventScheduler();
  sim.schedule(1, (s) => {
    s.step();
  });
  assert.throws(() => sim.runUntil(5), {
    message: "EventScheduler.step() cannot be called from inside an event handler (at t=1 us); " +
      "schedule a further event instead",
  });
  sim.schedule(6, (s) => {
    s.runUntil(100);
  });
  assert.throws(
    () => sim.step(),
    /^Error: EventScheduler\.runUntil\(\) cannot be called from inside an event handler \(at t=6 us\)/,
  );
  assert.equal(sim.now, 6);
  sim.schedule(7, () => {
    throw new Error("boom");
  });
  sim.schedule(8, () => {});
  assert.throws(() => sim.runUntil(50), /boom/);
  assert.equal(sim.now, 7);
  assert.equal(sim.pending, 1);
  assert.equal(sim.runUntil(50), 1);
  assert.equal(sim.now, 50);
});

Deno.test("clear drops pending events and keeps the clock", () => {
  const sim = new EventScheduler();
  let ran = 0;
  for (let t = 1; t <= 10; t++) sim.schedule(t, () => ran++);
  sim.runUntil(3);
  sim.clear();
  assert.equal(sim.pending, 0);
  assert.equal(sim.peekTime(), undefined);
  assert.equal(sim.step(), false);
  assert.equal(sim.now, 3);
  sim.schedule(4, () => ran++);
  drain(sim);
  assert.equal(ran, 4);
});

/** Reference model: a plain array scanned for the minimum (time, priority, sequence). */
class ReferenceScheduler {
  now = 0;
  #seq = 0;
  #items: { t: number; p: number; s: number; h: (r: ReferenceScheduler, t: number) => void }[] = [];
  schedule(t: number, h: (r: ReferenceScheduler, t: number) => void, p = 0): number {
    const s = this.#seq++;
    this.#items.push({ t, p, s, h });
    return s;
  }
  cancel(s: number): boolean {
    const i = this.#items.findIndex((e) => e.s === s);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    return true;
  }
  get pending(): number {
    return this.#items.length;
  }
  runUntil(t: number): number {
    let n = 0;
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.#items.length; i++) {
        const a = this.#items[i];
        const b = this.#items[best];
        if (best < 0 || a.t < b.t || (a.t === b.t && (a.p < b.p || (a.p === b.p && a.s < b.s)))) {
          best = i;
        }
      }
      if (best < 0 || this.#items[best].t > t) break;
      const [e] = this.#items.splice(best, 1);
      this.now = e.t;
      n++;
      e.h(this, e.t);
    }
    this.now = t;
    return n;
  }
}

/** Common surface of the scheduler under test and the reference, for one random program. */
interface Sched {
  readonly now: number;
  readonly pending: number;
  schedule(t: number, h: (s: Sched, t: number) => void, p?: number): number;
  cancel(id: number): boolean;
  runUntil(t: number): number;
}

/** Shape of a random program. */
interface ProgramShape {
  rounds: number;
  /** Events scheduled per round from outside: uniform in [0, batch). */
  batch: number;
  /** Outside events land uniformly in [now, now + spread). */
  spread: number;
  /** Each round runs until now + uniform [0, advance). */
  advance: number;
  /** Probability that a round starts by cancelling most pending events. */
  purge: number;
}

/**
 * A random program: seeded events that log themselves, spawn children (often at the current time) and
 * cancel random earlier events, with interleaved runUntil calls, step calls and cancel bursts. Returns the
 * log of everything observed.
 */
function randomProgram(sim: Sched, seed: number, shape: ProgramShape): string[] {
  const rand = lcg(seed);
  const log: string[] = [];
  const ids: number[] = [];
  let label = 0;
  const randInt = (n: number) => Math.floor(rand() * n);
  const add = (t: number): void => {
    const me = label++;
    const prio = randInt(4) - 1;
    const handler = (s: Sched, at: number): void => {
      log.push(`${me}@${at}/${s.now}`);
      const children = rand() < 0.5 ? randInt(3) : 0;
      for (let c = 0; c < children; c++) add(s.now + (rand() < 0.4 ? 0 : randInt(50)));
      if (rand() < 0.3 && ids.length > 0) {
        const k = randInt(ids.length);
        log.push(`cancel ${k}:${s.cancel(ids[k])}`);
      }
    };
    ids.push(sim.schedule(t, handler, prio));
  };
  for (let round = 0; round < shape.rounds; round++) {
    if (rand() < shape.purge) {
      let cancelled = 0;
      for (let k = 0; k < ids.length; k++) if (rand() < 0.8 && sim.cancel(ids[k])) cancelled++;
      log.push(`purge: ${cancelled}, pending ${sim.pending}`);
    }
    const batch = randInt(shape.batch);
    for (let i = 0; i < batch; i++) add(sim.now + randInt(shape.spread));
    for (let i = 0; i < 5 && ids.length > 0; i++) {
      const k = randInt(ids.length);
      log.push(`outer cancel ${k}:${sim.cancel(ids[k])}`);
    }
    if (rand() < 0.2) {
      // Time only moves on events here; runUntil below moves it past them.
      for (let i = randInt(20); i > 0; i--) sim.runUntil(sim.now);
    }
    const ran = sim.runUntil(sim.now + randInt(shape.advance));
    log.push(`round ${round}: ran ${ran}, now ${sim.now}, pending ${sim.pending}`);
  }
  return log;
}

const SHAPES: Record<string, ProgramShape> = {
  small: { rounds: 40, batch: 30, spread: 200, advance: 150, purge: 0 },
  // Hundreds of events per round over a short span: many equal times, several internal rebuilds.
  crowded: { rounds: 15, batch: 300, spread: 300, advance: 150, purge: 0.15 },
  // Events far apart in time next to events at the current time: skewed distributions.
  skewed: { rounds: 15, batch: 200, spread: 1_000_000, advance: 400_000, purge: 0.1 },
};

Deno.test("randomized programs match a sort-by-(time, priority, sequence) reference", () => {
  for (const [name, shape] of Object.entries(SHAPES)) {
    for (let seed = 1; seed <= 6; seed++) {
      const expected = randomProgram(new ReferenceScheduler(), seed, shape);
      const actual = randomProgram(new EventScheduler({ initialCapacity: 1 }), seed, shape);
      assert.ok(expected.length > 100, "the program does something");
      assert.deepEqual(actual, expected, `${name}, seed ${seed}`);
    }
  }
});
