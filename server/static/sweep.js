// The sweep page: polls /api/sweeps and /api/sweeps/:name every 2 s and redraws the tables.
const $ = (id) => document.getElementById(id);
const STATES = ["waiting", "queued", "running", "done", "failed", "blocked"];
const fmt = (
  v,
  digits = 3,
) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "-");

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
}

async function getJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return await res.json();
}

function draw(sweep) {
  $("engine").textContent = `${sweep.engine}${sweep.finished ? ", finished" : ""}`;
  $("updated").textContent = `updated ${sweep.updated}`;
  $("counts").replaceChildren(...STATES.map((s) => {
    const b = document.createElement("span");
    b.className = `badge state-${s}`;
    b.textContent = `${s} ${sweep.counts[s] ?? 0}`;
    return b;
  }));
  // What needs attention first: running, queued, failed, blocked, waiting, then done.
  const ORDER = ["running", "queued", "failed", "blocked", "waiting", "done"];
  const order = (j) => ORDER.indexOf(j.state);
  const jobs = [...sweep.jobs].sort((a, b) => order(a) - order(b) || a.key.localeCompare(b.key));
  $("jobs").tBodies[0].replaceChildren(...jobs.map((j) => {
    const tr = document.createElement("tr");
    cell(tr, j.key);
    cell(tr, j.kind);
    cell(tr, j.state, `state-${j.state}`);
    cell(tr, String(j.attempts));
    cell(tr, fmt(j.seconds, 1));
    cell(tr, j.error ?? "");
    return tr;
  }));
  const rows = sweep.jobs.filter((j) => j.kind === "evaluate" && j.state === "done");
  $("empty").hidden = rows.length > 0;
  $("results").tBodies[0].replaceChildren(...rows.map((j) => {
    // evaluate/<scenario>/<budget>/s<seed>/<method>/x<size>
    const [, scenario, budget, seed, method, size] = j.key.split("/");
    const policies = j.figures?.policies ?? [];
    const teacher = policies.find((p) => p.kind === "teacher");
    const student = policies.find((p) => p.kind === "students");
    const tr = document.createElement("tr");
    for (const t of [scenario, budget, seed?.slice(1), method, size]) cell(tr, t ?? "");
    cell(tr, fmt(teacher?.mean));
    cell(tr, fmt(student?.mean));
    cell(tr, fmt(student?.retention));
    cell(tr, fmt(student?.deployedRetention));
    return tr;
  }));
}

async function refresh() {
  try {
    const sweeps = await getJson("/api/sweeps");
    const select = $("sweep");
    const chosen = select.value || new URLSearchParams(location.search).get("name") ||
      sweeps[0]?.name;
    const names = sweeps.map((s) => s.name);
    if (
      select.options.length !== names.length ||
      [...select.options].some((o, i) => o.value !== names[i])
    ) {
      select.replaceChildren(...names.map((n) => new Option(n, n)));
    }
    if (chosen) {
      select.value = chosen;
      draw(await getJson(`/api/sweeps/${encodeURIComponent(chosen)}`));
    }
  } catch (e) {
    $("updated").textContent = String(e.message ?? e);
  }
}

$("sweep").addEventListener("change", refresh);
refresh();
setInterval(refresh, 2000);
