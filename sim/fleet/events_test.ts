import assert from "node:assert/strict";
import { EventStatus, EventTable } from "./events.ts";

Deno.test("status transitions keep every counter and per-sensor list consistent", () => {
  const t = new EventTable(3, 1); // grows past its capacity
  let grown = 0;
  t.onGrow = () => grown++;
  const ids: number[] = [];
  for (let k = 0; k < 40; k++) ids.push(t.arrive(k % 3, k, 1 + k, 1000 + k, 6371, 0, 0));
  assert.ok(grown > 0 && t.capacity >= 40);
  assert.equal(t.arrived, 40);
  assert.equal(t.undetectedAt[0], 14);
  assert.equal(t.transitionSensor(0, EventStatus.Undetected, EventStatus.Detected), 14);
  assert.equal(t.detectedAt[0], 14);
  assert.equal(t.earliestDeadline(0, EventStatus.Detected), 1000);
  assert.equal(t.transitionSensor(0, EventStatus.Detected, EventStatus.Alerted), 14);
  t.setStatus(ids[0], EventStatus.Imaging);
  t.setStatus(ids[0], EventStatus.Stored);
  t.setStatus(ids[0], EventStatus.Delivered);
  t.setStatus(ids[3], EventStatus.Expired);
  assert.equal(t.valueDelivered, 1);
  assert.equal(t.valueExpired, 4);
  assert.equal(t.delivered + t.expired + t.pending, t.arrived);
  assert.equal(t.audit(), "");
  assert.throws(
    () => t.setStatus(ids[0], EventStatus.Expired),
    /cannot go from delivered to expired/,
  );
  // Final events are unlinked from the sensor's list as it is walked.
  t.transitionSensor(0, EventStatus.Alerted, EventStatus.Alerted);
  let n = 0;
  for (let e = t.headOfSensor[0]; e >= 0; e = t.nextOfSensor[e]) n++;
  assert.equal(n, 12);
  t.clear();
  assert.equal(t.arrived, 0);
  assert.equal(t.pending, 0);
  assert.equal(t.audit(), "");
});

Deno.test("audit finds a counter that disagrees with the statuses", () => {
  const t = new EventTable(1, 4);
  t.arrive(0, 0, 1, 10, 6371, 0, 0);
  t.byStatus[EventStatus.Detected]++;
  assert.match(t.audit(), /status detected: counter 1, recount 0/);
});
