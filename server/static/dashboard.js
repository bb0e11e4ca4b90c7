// fleetkd telemetry dashboard: run controls, a live numeric panel, a world map of the nodes and live
// charts, fed by the run's Server-Sent Events stream (EventSource resumes with Last-Event-ID by itself).
// Plain ES module, no dependencies, nothing loaded from elsewhere.

const SVG_NS = "http://www.w3.org/2000/svg";
/** Points kept per chart series. */
const WINDOW = 300;
const PALETTE = ["#4e9af1", "#f26b5b", "#5cc98a", "#f2b441", "#b07cf2", "#3cc7d6", "#e378c2"];

const $ = (id) => document.getElementById(id);

const state = {
  runId: "",
  source: null,
  /** Last tick event shown. */
  last: null,
  reward: [],
  cumulative: [],
  misses: new Map(),
  latency: new Map(),
  deadlines: new Map(),
  wallTimes: [],
  renderPending: false,
};

// ---- formatting (the e2e test formats the stream's numbers the same way) ----

/** A reward or other real number as shown: 3 decimals. */
export function fmtReal(x) {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(3) : "–";
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

async function loadScenarios() {
  const scenarios = await api("/api/scenarios");
  const select = $("scenario");
  select.replaceChildren(...scenarios.map((s) => {
    const o = new Option(s.id, s.id);
    o.title = s.description;
    return o;
  }));
  const fill = () => {
    const s = scenarios.find((x) => x.id === select.value);
    $("policy").replaceChildren(...(s?.policies ?? []).map((p) => {
      const o = new Option(p.id, p.id);
      o.title = p.description;
      return o;
    }));
  };
  select.addEventListener("change", fill);
  fill();
  document.body.dataset.ready = "true";
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
    attach(status, 0);
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
  state.cumulative = [];
  state.misses = new Map();
  state.latency = new Map();
  state.deadlines = new Map();
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
  drawMapPoints(undefined);
}

function showStatus(status) {
  setText("run-id", status.id);
  setText("state", status.state + (status.error ? `: ${status.error}` : ""));
  $("stop").disabled = status.state !== "running";
}

/** Follows run `status.id`'s stream from the event after `fromSeq`. */
function attach(status, fromSeq) {
  state.source?.close();
  state.runId = status.id;
  resetSeries();
  showStatus(status);
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
    connection("ended", "");
    try {
      showStatus(await api(`/api/runs/${encodeURIComponent(status.id)}`));
      await loadRuns(status.id);
    } catch (e) {
      message(e.message, true);
    }
  });
}

function push(list, point) {
  list.push(point);
  if (list.length > WINDOW) list.shift();
}

function onTick(ev) {
  if (ev.runId !== state.runId) return;
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
  push(state.cumulative, [ev.tick, ev.cumulativeReward]);
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
  if (w.length > 1 && w[w.length - 1] > w[0]) {
    setText("tick-rate", ((w.length - 1) / ((w[w.length - 1] - w[0]) / 1000)).toFixed(1));
  }
  drawChart($("chart-reward"), [
    { name: "team reward", points: state.reward, color: PALETTE[0] },
  ]);
  const classes = [...state.misses.keys()];
  drawChart(
    $("chart-misses"),
    classes.map((c, i) => ({ name: c, points: state.misses.get(c), color: PALETTE[i % 7] })),
    "no latency model for this policy",
  );
  drawChart(
    $("chart-latency"),
    classes.map((c, i) => ({ name: c, points: state.latency.get(c), color: PALETTE[i % 7] })),
    "no latency model for this policy",
    classes.map((c, i) => ({ y: state.deadlines.get(c), color: PALETTE[i % 7] })),
  );
  drawLatencyTable(ev.timings ?? []);
  drawMapPoints(ev.snapshot);
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

/** Line chart of `series` ({name, points: [x, y][], color}) into `svg`, with optional horizontal rules. */
function drawChart(svg, series, emptyText = "waiting for data", rules = []) {
  const W = 480;
  const H = 200;
  const L = 48;
  const R = 8;
  const T = 10;
  const B = 24;
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
    if (Number.isFinite(y) && y < y0) y0 = y;
    if (Number.isFinite(y) && y > y1) y1 = y;
  }
  for (const r of rules) {
    if (Number.isFinite(r.y)) {
      y0 = Math.min(y0, r.y);
      y1 = Math.max(y1, r.y);
    }
  }
  if (y0 === y1) {
    y0 -= 1;
    y1 += 1;
  }
  if (x0 === x1) x1 = x0 + 1;
  const sx = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);
  const sy = (y) => T + (y1 - y) / (y1 - y0) * (H - T - B);
  const nodes = [
    el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }),
    el("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }),
    el("text", { x: L - 4, y: T + 4, "text-anchor": "end", class: "tick" }, fmtAxis(y1)),
    el("text", { x: L - 4, y: H - B, "text-anchor": "end", class: "tick" }, fmtAxis(y0)),
    el("text", { x: L, y: H - 6, class: "tick" }, `tick ${x0}`),
    el("text", { x: W - R, y: H - 6, "text-anchor": "end", class: "tick" }, `${x1}`),
  ];
  for (const r of rules) {
    if (!Number.isFinite(r.y)) continue;
    nodes.push(
      el("line", { x1: L, x2: W - R, y1: sy(r.y), y2: sy(r.y), stroke: r.color, class: "rule" }),
    );
  }
  series.forEach((s, i) => {
    let d = "";
    for (const [x, y] of s.points) {
      if (!Number.isFinite(y)) continue;
      d += `${d ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
    }
    nodes.push(el("path", { d, stroke: s.color, class: "series", "data-points": s.points.length }));
    nodes.push(
      el("text", {
        x: W - R,
        y: T + 12 + 12 * i,
        "text-anchor": "end",
        fill: s.color,
        class: "legend-label",
      }, s.name),
    );
  });
  svg.replaceChildren(...nodes);
}

function fmtAxis(v) {
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

// ---- world map (equirectangular) ----

const MAP_W = 720;
const MAP_H = 360;
const mx = (lon) => (lon + 180) / 360 * MAP_W;
const my = (lat) => (90 - lat) / 180 * MAP_H;

function drawGraticule() {
  const svg = $("map");
  const nodes = [el("rect", { x: 0, y: 0, width: MAP_W, height: MAP_H, class: "ocean" })];
  for (let lon = -180; lon <= 180; lon += 30) {
    nodes.push(
      el("line", {
        x1: mx(lon),
        x2: mx(lon),
        y1: 0,
        y2: MAP_H,
        class: lon === 0 ? "grid major" : "grid",
      }),
    );
  }
  for (let lat = -90; lat <= 90; lat += 30) {
    nodes.push(
      el("line", {
        x1: 0,
        x2: MAP_W,
        y1: my(lat),
        y2: my(lat),
        class: lat === 0 ? "grid major" : "grid",
      }),
    );
  }
  for (let lon = -150; lon <= 150; lon += 60) {
    nodes.push(el("text", { x: mx(lon) + 2, y: MAP_H - 4, class: "tick" }, `${lon}°`));
  }
  for (let lat = -60; lat <= 60; lat += 30) {
    nodes.push(el("text", { x: 2, y: my(lat) - 2, class: "tick" }, `${lat}°`));
  }
  nodes.push(el("g", { id: "map-points" }));
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

/** Draws a snapshot's columnar groups: {satellites, sensors, stations, events} with latDeg/lonDeg arrays. */
function drawMapPoints(snapshot) {
  const layer = $("map-points");
  if (!layer) return;
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
  drawGraticule();
  drawChart($("chart-reward"), []);
  drawChart($("chart-misses"), []);
  drawChart($("chart-latency"), []);
  $("controls").addEventListener("submit", startRun);
  $("stop").addEventListener("click", stopRun);
  $("runs").addEventListener("change", async () => {
    const id = $("runs").value;
    if (!id) return;
    try {
      const status = await api(`/api/runs/${encodeURIComponent(id)}`);
      attach(status, Math.max(0, status.lastSeq - WINDOW));
    } catch (e) {
      message(e.message, true);
    }
  });
  try {
    await loadScenarios();
    const runs = await loadRuns();
    const live = runs.filter((r) => r.state === "running").at(-1);
    if (live) {
      $("runs").value = live.id;
      attach(live, Math.max(0, live.lastSeq - WINDOW));
    }
  } catch (e) {
    message(`Cannot reach the server: ${e.message}`, true);
  }
}

main();
