// fleetkd telemetry dashboard: run controls, a live numeric panel, a world map of the nodes on real land
// and charts, fed by the run's Server-Sent Events stream (EventSource resumes with Last-Event-ID by
// itself). A run that has ended is replayed from its log (`/api/runs/:id/events`) with a time slider.
// Plain ES modules, nothing loaded from elsewhere.

import { formatTick, linearAxis, logAxis, niceStep } from "./chart_scale.js";

const SVG_NS = "http://www.w3.org/2000/svg";
/** Points kept per chart series (and ticks of ground track on the map). */
const WINDOW = 300;
const PALETTE = ["#4e9af1", "#f26b5b", "#5cc98a", "#f2b441", "#b07cf2", "#3cc7d6", "#e378c2"];

const $ = (id) => document.getElementById(id);

const state = {
  runId: "",
  /** The watched run's status. */
  status: null,
  source: null,
  /** Last tick event shown. */
  last: null,
  reward: [],
  misses: new Map(),
  latency: new Map(),
  deadlines: new Map(),
  /** Per tick shown: {episode, lat, lon} of the satellites, for ground tracks. */
  tracks: [],
  wallTimes: [],
  renderPending: false,
  /** Bumped by every attach and seek, so late answers of an earlier one are dropped. */
  generation: 0,
  seekTimer: 0,
  /** The scenario catalog (`/api/scenarios`). */
  scenarios: [],
};

// ---- formatting (the e2e test formats the stream's numbers the same way) ----

/** A reward or other real number as shown: 3 decimals, zero unsigned ("0.000", never "-0.000"). */
export function fmtReal(x) {
  return typeof x === "number" && Number.isFinite(x) ? formatTick(x, 3) : "–";
}

function fmtInt(x) {
  return typeof x === "number" && Number.isFinite(x) ? String(x) : "–";
}

function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

function message(text, isError = false) {
  const el = $("message");
  el.textContent = text;
  el.classList.toggle("error", isError);
}

function connection(text, cls) {
  const el = $("connection");
  el.textContent = text;
  el.className = `badge ${cls ?? ""}`;
}

// ---- API ----

function authHeaders() {
  const token = $("token").value.trim();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function api(path, init = {}) {
  // With --token every /api route needs it, reads included.
  const res = await fetch(path, {
    ...init,
    headers: { ...authHeaders(), ...(init.headers ?? {}) },
  });
  if (res.status === 204) return null;
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

function fillPolicies() {
  const s = state.scenarios.find((x) => x.id === $("scenario").value);
  $("policy").replaceChildren(...(s?.policies ?? []).map((p) => {
    const o = new Option(p.id, p.id);
    o.title = p.description;
    return o;
  }));
}

async function loadScenarios() {
  state.scenarios = await api("/api/scenarios");
  $("scenario").replaceChildren(...state.scenarios.map((s) => {
    const o = new Option(s.id, s.id);
    o.title = s.description;
    return o;
  }));
  $("scenario").addEventListener("change", fillPolicies);
  fillPolicies();
}

async function loadRuns(selectId) {
  const runs = await api("/api/runs");
  const select = $("runs");
  select.replaceChildren(
    new Option("—", ""),
    ...runs.slice().reverse().map((r) =>
      new Option(`${r.id} (${r.scenario}, ${r.policy}, ${r.state})`, r.id)
    ),
  );
  if (selectId) select.value = selectId;
  return runs;
}

/** Sets `select` to `value`, adding the option when the catalog does not offer it (any more). */
function selectValue(select, value) {
  if (![...select.options].some((o) => o.value === value)) select.append(new Option(value, value));
  select.value = value;
}

/** The form shows the watched run's settings (scenario, policy, seed, speed, episodes). */
function reflectRun(status) {
  selectValue($("scenario"), status.scenario);
  fillPolicies();
  selectValue($("policy"), status.policy);
  $("seed").value = String(status.seed);
  selectValue($("speed"), String(status.speed));
  $("episodes").value = status.episodes == null ? "" : String(status.episodes);
}

async function startRun(event) {
  event.preventDefault();
  const body = {
    scenario: $("scenario").value,
    policy: $("policy").value,
    seed: Number($("seed").value || 0),
    speed: $("speed").value === "max" ? "max" : Number($("speed").value),
  };
  const episodes = $("episodes").value;
  if (episodes !== "") body.episodes = Number(episodes);
  try {
    const status = await api("/api/runs", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...authHeaders() },
      body: JSON.stringify(body),
    });
    message(`Started ${status.id}`);
    await loadRuns(status.id);
    attach(status);
  } catch (e) {
    message(`Cannot start: ${e.message}`, true);
  }
}

async function stopRun() {
  if (!state.runId) return;
  try {
    const status = await api(`/api/runs/${encodeURIComponent(state.runId)}`, {
      method: "DELETE",
      headers: authHeaders(),
    });
    showStatus(status);
    message(`Stopped ${status.id}`);
  } catch (e) {
    message(`Cannot stop: ${e.message}`, true);
  }
}

// ---- the stream ----

function resetSeries() {
  state.last = null;
  state.reward = [];
  state.misses = new Map();
  state.latency = new Map();
  state.deadlines = new Map();
  state.tracks = [];
  state.wallTimes = [];
  for (
    const id of [
      "seq",
      "tick",
      "episode",
      "step",
      "team-reward",
      "episode-reward",
      "cumulative-reward",
      "misses",
      "energy",
      "tick-rate",
    ]
  ) setText(id, "–");
  $("latency-table").tBodies[0].replaceChildren();
  drawMapLayers(undefined);
}

function showStatus(status) {
  state.status = status;
  setText("run-id", status.id);
  setText("state", status.state + (status.error ? `: ${status.error}` : ""));
  $("stop").disabled = status.state !== "running";
}

/** Watches run `status.id`: a running run live from its stream, an ended one as a replay of its log. */
function attach(status) {
  state.source?.close();
  state.source = null;
  state.generation++;
  state.runId = status.id;
  resetSeries();
  showStatus(status);
  reflectRun(status);
  if (status.state === "running") {
    setReplay(undefined);
    follow(status, Math.max(0, status.lastSeq - WINDOW));
  } else {
    connection("replay", "");
    setReplay(status.tick);
    seek(status.tick);
  }
}

/** Follows run `status.id`'s stream from the event after `fromSeq`. */
function follow(status, fromSeq) {
  // EventSource cannot send headers: the token goes in the query.
  const token = $("token").value.trim();
  const url = `/api/runs/${encodeURIComponent(status.id)}/stream?lastEventId=${fromSeq}` +
    (token ? `&token=${encodeURIComponent(token)}` : "");
  const source = new EventSource(url);
  state.source = source;
  connection("connecting", "warn");
  source.addEventListener("open", () => connection("live", "ok"));
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) connection("closed", "");
    else connection("reconnecting", "warn");
  });
  source.addEventListener("tick", (e) => onTick(JSON.parse(e.data)));
  source.addEventListener("status", (e) => {
    const s = JSON.parse(e.data);
    setText("state", s.state + (s.error ? `: ${s.error}` : ""));
    $("stop").disabled = s.state !== "running";
    if (s.error) message(`Run failed: ${s.error}`, true);
  });
  source.addEventListener("end", async () => {
    source.close();
    if (state.source === source) state.source = null;
    connection("ended", "");
    try {
      const ended = await api(`/api/runs/${encodeURIComponent(status.id)}`);
      if (state.runId !== status.id) return;
      showStatus(ended);
      // The run is in its log now: the slider replays it.
      setReplay(ended.tick, state.last?.tick ?? ended.tick);
      await loadRuns(status.id);
    } catch (e) {
      message(e.message, true);
    }
  });
}

// ---- replay ----

/** Shows the time slider over ticks 1..`maxTick` at `value` (default the end), or hides it. */
function setReplay(maxTick, value = maxTick) {
  const slider = $("replay");
  const on = typeof maxTick === "number" && maxTick >= 1;
  slider.disabled = !on;
  $("replay-panel").classList.toggle("off", !on);
  if (!on) {
    setText("replay-label", "live");
    return;
  }
  slider.min = "1";
  slider.max = String(maxTick);
  slider.value = String(Math.min(maxTick, Math.max(1, value)));
  setText("replay-label", `tick ${slider.value} / ${maxTick}`);
}

/** Reads one `/events` page of the watched run from `from` (at most `limit` events). */
function eventsPage(runId, from, limit) {
  return api(`/api/runs/${encodeURIComponent(runId)}/events?from=${from}&limit=${limit}`);
}

/**
 * Shows the state at tick `target` of an ended run: its last `WINDOW` ticks up to `target` are read
 * from the run's log and fed through the same path as live ticks (map, charts, numbers).
 */
async function seek(target) {
  const generation = ++state.generation;
  const runId = state.runId;
  const status = state.status;
  if (!status || target < 1) return;
  // A tick's seq is its tick + 1 (the run's first event is its "running" status); the events read
  // are checked by their tick, so a gap in the log only shifts the window.
  let from = Math.max(1, target + 1 - WINDOW + 1);
  let ticks = [];
  try {
    for (let attempt = 0; attempt < 4; attempt++) {
      ticks = [];
      let next = from;
      while (next <= status.lastSeq) {
        const page = await eventsPage(runId, next, Math.min(1000, WINDOW + 2));
        if (generation !== state.generation) return;
        for (const ev of page.events) if (ev.type === "tick") ticks.push(ev);
        if (page.next <= next || ticks.some((t) => t.tick >= target)) break;
        next = page.next;
      }
      const first = ticks[0]?.tick;
      if (first === undefined || first <= Math.max(1, target - WINDOW + 1) || from === 1) break;
      from = Math.max(1, from - (first - (target - WINDOW + 1)));
    }
  } catch (e) {
    message(`Cannot replay: ${e.message}`, true);
    return;
  }
  resetSeries();
  for (const ev of ticks) if (ev.tick <= target) ingest(ev);
  if (state.last) render();
  setText("replay-label", `tick ${state.last?.tick ?? target} / ${$("replay").max}`);
  document.body.dataset.replayTick = String(state.last?.tick ?? "");
}

function onSlider() {
  const target = Number($("replay").value);
  setText("replay-label", `tick ${target} / ${$("replay").max}`);
  clearTimeout(state.seekTimer);
  // Dragging fires many inputs: read the log once the thumb rests for a moment.
  state.seekTimer = setTimeout(() => seek(target), 60);
}

// ---- ticks ----

function push(list, point) {
  list.push(point);
  if (list.length > WINDOW) list.shift();
}

/** Adds tick `ev` to the series and the numeric panel (live and replay alike). */
function ingest(ev) {
  state.last = ev;
  // The numeric panel updates synchronously, all fields from the same event.
  setText("seq", fmtInt(ev.seq));
  setText("tick", fmtInt(ev.tick));
  setText("episode", fmtInt(ev.episode));
  setText("step", fmtInt(ev.step));
  setText("team-reward", fmtReal(ev.teamReward));
  setText("episode-reward", fmtReal(ev.episodeReward));
  setText("cumulative-reward", fmtReal(ev.cumulativeReward));
  setText("misses", ev.timings ? fmtInt(ev.cumulativeMisses) : "n/a");
  setText("energy", ev.timings ? `${ev.cumulativeEnergyJ.toFixed(4)} J` : "n/a");
  push(state.reward, [ev.tick, ev.teamReward]);
  push(state.wallTimes, ev.wallMs);
  for (const t of ev.timings ?? []) {
    if (!state.misses.has(t.className)) {
      state.misses.set(t.className, []);
      state.latency.set(t.className, []);
    }
    push(state.misses.get(t.className), [ev.tick, t.missed]);
    push(state.latency.get(t.className), [ev.tick, t.latencyMs]);
    state.deadlines.set(t.className, t.deadlineMs);
  }
  const sats = ev.snapshot?.satellites;
  if (sats && Array.isArray(sats.latDeg) && Array.isArray(sats.lonDeg)) {
    push(state.tracks, {
      tick: ev.tick,
      episode: ev.episode,
      lat: sats.latDeg,
      lon: sats.lonDeg,
      alt: Array.isArray(sats.altKm) ? sats.altKm : undefined,
    });
  }
}

function onTick(ev) {
  if (ev.runId !== state.runId) return;
  ingest(ev);
  if (!state.renderPending) {
    state.renderPending = true;
    requestAnimationFrame(render);
  }
}

// ---- drawing ----

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function render() {
  state.renderPending = false;
  const ev = state.last;
  if (!ev) return;
  const w = state.wallTimes;
  if (state.source && w.length > 1 && w[w.length - 1] > w[0]) {
    setText("tick-rate", ((w.length - 1) / ((w[w.length - 1] - w[0]) / 1000)).toFixed(1));
  }
  drawChart($("chart-reward"), [
    { name: "team reward", points: state.reward, color: PALETTE[0] },
  ], { yLabel: "reward / agent" });
  const classes = [...state.misses.keys()];
  const color = (i) => PALETTE[i % PALETTE.length];
  drawChart(
    $("chart-misses"),
    classes.map((c, i) => ({ name: c, points: state.misses.get(c), color: color(i) })),
    { emptyText: "no latency model for this policy", floorZero: true, yLabel: "missed decisions" },
  );
  drawChart(
    $("chart-latency"),
    classes.map((c, i) => ({ name: c, points: state.latency.get(c), color: color(i) })),
    {
      emptyText: "no latency model for this policy",
      log: true,
      yLabel: "ms (log)",
      unit: " ms",
      rules: classes.map((c, i) => ({ y: state.deadlines.get(c), color: color(i), name: c })),
    },
  );
  drawLatencyTable(ev.timings ?? []);
  drawMapLayers(ev.snapshot);
}

function drawLatencyTable(timings) {
  const rows = timings.map((t) => {
    const tr = document.createElement("tr");
    tr.dataset.class = t.className;
    for (const v of [t.className, fmtReal(t.latencyMs), fmtReal(t.deadlineMs), `${t.missed}`]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.append(td);
    }
    if (t.missed > 0) tr.classList.add("missed");
    return tr;
  });
  $("latency-table").tBodies[0].replaceChildren(...rows);
}

const CHART_W = 480;
const CHART_H = 200;

/** Integer x ticks (simulation ticks) in nice steps inside `[x0, x1]`. */
function tickAxis(x0, x1) {
  const step = Math.max(1, niceStep(x1 - x0, 5));
  const out = [];
  for (let v = Math.ceil(x0 / step) * step; v <= x1; v += step) out.push(v);
  return out;
}

/**
 * Line chart of `series` ({name, points: [x, y][], color}) into `svg`: a y axis with nice ticks (linear,
 * or log10 with `log`; from 0 with `floorZero`), a tick axis, and `rules` ({y, color, name}) drawn as
 * labelled dashed lines (the latency chart's deadlines).
 */
function drawChart(svg, series, options = {}) {
  const { emptyText = "waiting for data", rules = [], log = false, floorZero = false } = options;
  const W = CHART_W;
  const H = CHART_H;
  const L = 52;
  const R = 10;
  const T = 8;
  const B = 30;
  const usable = (y) => Number.isFinite(y) && (!log || y > 0);
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    svg.replaceChildren(
      el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" }, emptyText),
    );
    return;
  }
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const [x, y] of all) {
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (usable(y) && y < y0) y0 = y;
    if (usable(y) && y > y1) y1 = y;
  }
  for (const r of rules) {
    if (usable(r.y)) {
      y0 = Math.min(y0, r.y);
      y1 = Math.max(y1, r.y);
    }
  }
  if (x0 === x1) x1 = x0 + 1;
  const axis = log ? logAxis(y0, y1) : linearAxis(y0, y1, 4, { floorZero });
  const f = log ? Math.log10 : (v) => v;
  const fy0 = f(axis.lo);
  const fy1 = f(axis.hi);
  const sx = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);
  const sy = (y) => T + (fy1 - f(y)) / (fy1 - fy0) * (H - T - B);
  svg.dataset.scale = log ? "log" : "linear";
  svg.dataset.yMin = String(axis.lo);
  svg.dataset.yMax = String(axis.hi);
  const nodes = [];
  for (const v of axis.minor ?? []) {
    if (v > axis.lo && v < axis.hi) {
      nodes.push(el("line", { x1: L, x2: W - R, y1: sy(v), y2: sy(v), class: "grid minor" }));
    }
  }
  axis.ticks.forEach((v, i) => {
    nodes.push(
      el("line", { x1: L, x2: W - R, y1: sy(v), y2: sy(v), class: "grid" }),
      el(
        "text",
        { x: L - 4, y: sy(v) + 3.5, "text-anchor": "end", class: "tick y-tick" },
        axis.labels[i],
      ),
    );
  });
  for (const v of tickAxis(x0, x1)) {
    nodes.push(
      el("line", { x1: sx(v), x2: sx(v), y1: H - B, y2: H - B + 3, class: "axis" }),
      el(
        "text",
        { x: sx(v), y: H - B + 13, "text-anchor": "middle", class: "tick x-tick" },
        String(v),
      ),
    );
  }
  nodes.push(
    el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }),
    el("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }),
    el(
      "text",
      { x: (L + W - R) / 2, y: H - 3, "text-anchor": "middle", class: "axis-label" },
      state.status?.dtS ? `tick (${state.status.dtS} s each)` : "tick",
    ),
    el("text", {
      x: 0,
      y: 0,
      transform: `translate(11 ${(T + H - B) / 2}) rotate(-90)`,
      "text-anchor": "middle",
      class: "axis-label",
    }, options.yLabel ?? ""),
  );
  // Deadlines: one dashed line per class; one label per distinct value, spread so none overlap.
  const byValue = new Map();
  for (const r of rules) {
    if (!usable(r.y)) continue;
    nodes.push(el("line", {
      x1: L,
      x2: W - R,
      y1: sy(r.y),
      y2: sy(r.y),
      stroke: r.color,
      class: "rule deadline",
      "data-class": r.name,
      "data-value": r.y,
    }));
    if (!byValue.has(r.y)) byValue.set(r.y, []);
    byValue.get(r.y).push(r);
  }
  let lastY = -Infinity;
  for (const [y, rs] of [...byValue].sort((a, b) => b[0] - a[0])) {
    const ly = Math.max(sy(y) - 3, lastY + 11);
    lastY = ly;
    const value = formatTick(y, y >= 10 ? 0 : y >= 1 ? 1 : 2);
    nodes.push(
      el("text", {
        x: L + 4,
        y: ly,
        fill: rs.length === 1 ? rs[0].color : "currentColor",
        class: "rule-label",
      }, `deadline ${value}${options.unit ?? ""} (${rs.map((r) => r.name).join(", ")})`),
    );
  }
  series.forEach((s, i) => {
    let d = "";
    for (const [x, y] of s.points) {
      if (!usable(y)) continue;
      d += `${d ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
    }
    nodes.push(el("path", {
      d,
      stroke: s.color,
      class: "series",
      "data-points": s.points.length,
      "data-name": s.name,
    }));
    nodes.push(
      el("text", {
        x: W - R - 2,
        y: T + 11 + 12 * i,
        "text-anchor": "end",
        fill: s.color,
        class: "legend-label",
      }, s.name),
    );
  });
  svg.replaceChildren(...nodes);
}

// ---- world map (equirectangular, on the Natural Earth basemap from GET /basemap) ----

const MAP_W = 720;
const MAP_H = 360;
const mx = (lon) => (lon + 180) / 360 * MAP_W;
const my = (lat) => (90 - lat) / 180 * MAP_H;

function drawMapFrame() {
  const svg = $("map");
  const nodes = [
    el("rect", { x: 0, y: 0, width: MAP_W, height: MAP_H, class: "ocean" }),
    el("g", { id: "map-base" }),
  ];
  for (let lon = -150; lon <= 150; lon += 60) {
    nodes.push(el("text", { x: mx(lon) + 2, y: MAP_H - 4, class: "tick" }, `${lon}°`));
  }
  for (let lat = -60; lat <= 60; lat += 30) {
    nodes.push(el("text", { x: 2, y: my(lat) - 2, class: "tick" }, `${lat}°`));
  }
  nodes.push(
    el("g", { id: "map-tracks" }),
    el("g", { id: "map-links" }),
    el("g", { id: "map-points" }),
  );
  nodes.push(
    el("text", {
      id: "map-empty",
      x: MAP_W / 2,
      y: MAP_H / 2,
      "text-anchor": "middle",
      class: "empty",
    }, ""),
  );
  svg.replaceChildren(...nodes);
}

/** Land, borders and graticule from the server (computed there once from world-atlas). */
async function loadBasemap() {
  const res = await fetch("/basemap");
  if (!res.ok) throw new Error(`GET /basemap: HTTP ${res.status}`);
  const b = await res.json();
  $("map-base").replaceChildren(
    el("path", { d: b.graticule, class: "graticule" }),
    el("path", { d: b.land, class: "land" }),
    el("path", { d: b.borders, class: "borders" }),
  );
  $("map").dataset.basemap = "loaded";
}

/** A polyline through `[lon, lat]` points, broken where it crosses the antimeridian. */
function trackPath(points) {
  let d = "";
  let prev;
  for (const [lon, lat] of points) {
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) {
      prev = undefined;
      continue;
    }
    const jump = prev === undefined || Math.abs(lon - prev) > 180;
    d += `${jump ? "M" : "L"}${mx(lon).toFixed(1)},${my(lat).toFixed(1)}`;
    prev = lon;
  }
  return d;
}

/** Period of a circular orbit at `altKm` above the Earth's equatorial radius, seconds. */
function orbitPeriodS(altKm) {
  if (!Number.isFinite(altKm) || altKm <= 0) return undefined;
  const a = 6378.137 + altKm;
  return 2 * Math.PI * Math.sqrt(a * a * a / 398600.4418);
}

/** Great-circle angle between two points, degrees. */
function angleDeg(lat1, lon1, lat2, lon2) {
  const r = Math.PI / 180;
  const c = Math.sin(lat1 * r) * Math.sin(lat2 * r) +
    Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.cos((lon2 - lon1) * r);
  return Math.acos(Math.min(1, Math.max(-1, c))) / r;
}

/**
 * The angular radius (degrees) of the ground a satellite at `altKm` sees above `minElevationDeg`: the
 * Earth central angle acos(R cos(e) / (R + h)) - e, on a sphere of the equatorial radius.
 */
function footprintRadiusDeg(altKm, minElevationDeg) {
  if (!Number.isFinite(altKm) || altKm <= 0 || !Number.isFinite(minElevationDeg)) return undefined;
  const r = Math.PI / 180, e = minElevationDeg * r;
  return (Math.acos(6378.137 / (6378.137 + altKm) * Math.cos(e)) - e) / r;
}

/** `[lon, lat]` points of the small circle of angular radius `radiusDeg` around (lat, lon). */
function smallCircle(lat, lon, radiusDeg) {
  const r = Math.PI / 180, d = radiusDeg * r, p1 = lat * r, l1 = lon * r;
  const points = [];
  for (let k = 0; k <= 36; k++) {
    const b = (k * 10) * r;
    const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
    const l2 = l1 + Math.atan2(
      Math.sin(b) * Math.sin(d) * Math.cos(p1),
      Math.cos(d) - Math.sin(p1) * Math.sin(p2),
    );
    points.push([((l2 / r + 540) % 360) - 180, p2 / r]);
  }
  return points;
}

/**
 * Ground tracks over the last orbit of each satellite (of the ticks shown, this episode), and the ISL and
 * downlink links of the current tick.
 */
function drawTracksAndLinks(snapshot) {
  const tracks = $("map-tracks");
  const links = $("map-links");
  if (!tracks || !links) return;
  const last = state.tracks.at(-1);
  const paths = [];
  if (last) {
    const episode = state.tracks.filter((t) => t.episode === last.episode);
    const dtS = state.status?.dtS;
    for (let i = 0; i < last.lat.length; i++) {
      // The last orbit: a circular orbit's period at the satellite's altitude, in ticks of dtS.
      const period = orbitPeriodS(last.alt?.[i]);
      const since = period && dtS ? last.tick - Math.ceil(period / dtS) : -Infinity;
      const points = episode.filter((t) => t.tick >= since).map((t) => [t.lon[i], t.lat[i]]);
      const d = trackPath(points);
      if (d.includes("L")) paths.push(el("path", { d, class: "track", "data-sat": i }));
    }
  }
  const sats = snapshot?.satellites;
  const stations = snapshot?.stations;
  // Footprints: the ground each satellite sees above the lowest station elevation mask (what a station
  // inside it needs to be in view).
  const masks = (stations?.minElevationDeg ?? []).filter(Number.isFinite);
  const mask = masks.length ? Math.min(...masks) : undefined;
  if (sats && Array.isArray(sats.latDeg) && mask !== undefined) {
    for (let i = 0; i < sats.latDeg.length; i++) {
      const radius = footprintRadiusDeg(sats.altKm?.[i], mask);
      if (radius === undefined || !Number.isFinite(sats.latDeg[i])) continue;
      const d = trackPath(smallCircle(sats.latDeg[i], sats.lonDeg[i], radius));
      if (d.includes("L")) {
        paths.push(el("path", { d, class: "footprint", "data-sat": i, "data-radius": radius }));
      }
    }
  }
  tracks.replaceChildren(...paths);
  const lines = [];
  const seg = (lon1, lat1, lon2, lat2, cls) => {
    if (![lon1, lat1, lon2, lat2].every(Number.isFinite) || Math.abs(lon1 - lon2) > 180) return;
    lines.push(
      el("line", { x1: mx(lon1), y1: my(lat1), x2: mx(lon2), y2: my(lat2), class: cls }),
    );
  };
  if (sats && Array.isArray(sats.latDeg)) {
    (sats.islNeighbours ?? []).forEach((ns, i) => {
      for (const j of Array.isArray(ns) ? ns : []) {
        if (j > i) seg(sats.lonDeg[i], sats.latDeg[i], sats.lonDeg[j], sats.latDeg[j], "isl");
      }
    });
    const st = Array.isArray(stations?.latDeg) ? stations : undefined;
    (sats.stationInView ?? []).forEach((v, i) => {
      if (!v || !st || st.latDeg.length === 0) return;
      // The snapshot says a station is in view, not which: the nearest one is drawn.
      let best = 0;
      let bestAngle = Infinity;
      st.latDeg.forEach((lat, k) => {
        const a = angleDeg(sats.latDeg[i], sats.lonDeg[i], lat, st.lonDeg[k]);
        if (a < bestAngle) [best, bestAngle] = [k, a];
      });
      seg(sats.lonDeg[i], sats.latDeg[i], st.lonDeg[best], st.latDeg[best], "downlink");
    });
  }
  links.replaceChildren(...lines);
}

/** Draws a snapshot's columnar groups: {satellites, sensors, stations, events} with latDeg/lonDeg arrays. */
function drawMapLayers(snapshot) {
  const layer = $("map-points");
  if (!layer) return;
  drawTracksAndLinks(snapshot);
  const groups = [
    ["stations", "station", 4],
    ["events", "event", 3],
    ["sensors", "sensor", 3],
    ["satellites", "sat", 3.5],
  ];
  const nodes = [];
  let drawn = 0;
  for (const [key, cls, r] of groups) {
    const g = snapshot?.[key];
    if (!g || !Array.isArray(g.latDeg) || !Array.isArray(g.lonDeg)) continue;
    for (let i = 0; i < g.latDeg.length; i++) {
      const lat = g.latDeg[i];
      const lon = g.lonDeg[i];
      if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
      const status = Array.isArray(g.statusName) ? ` ${g.statusName[i]}` : "";
      const c = cls === "station"
        ? el("rect", { x: mx(lon) - r, y: my(lat) - r, width: 2 * r, height: 2 * r, class: cls })
        : el("circle", { cx: mx(lon).toFixed(1), cy: my(lat).toFixed(1), r, class: cls + status });
      const name = (g.id ?? g.name)?.[i] ?? `${key}[${i}]`;
      const alt = Array.isArray(g.altKm) ? `, ${Number(g.altKm[i]).toFixed(0)} km` : "";
      c.append(el("title", {}, `${name}: ${lat.toFixed(2)}°, ${lon.toFixed(2)}°${alt}`));
      nodes.push(c);
      drawn++;
    }
  }
  layer.replaceChildren(...nodes);
  $("map-empty").textContent = drawn === 0 && state.last
    ? "this scenario reports no node positions"
    : "";
}

// ---- start-up ----

async function main() {
  drawMapFrame();
  drawChart($("chart-reward"), []);
  drawChart($("chart-misses"), []);
  drawChart($("chart-latency"), []);
  setReplay(undefined);
  $("controls").addEventListener("submit", startRun);
  $("stop").addEventListener("click", stopRun);
  $("replay").addEventListener("input", onSlider);
  $("runs").addEventListener("change", async () => {
    const id = $("runs").value;
    if (!id) return;
    try {
      attach(await api(`/api/runs/${encodeURIComponent(id)}`));
    } catch (e) {
      message(e.message, true);
    }
  });
  const basemap = loadBasemap().catch((e) => message(`No basemap: ${e.message}`, true));
  try {
    await loadScenarios();
    const runs = await loadRuns();
    const live = runs.filter((r) => r.state === "running").at(-1);
    if (live) {
      $("runs").value = live.id;
      attach(live);
    }
  } catch (e) {
    message(`Cannot reach the server: ${e.message}`, true);
  }
  await basemap;
  document.body.dataset.ready = "true";
}

main();
