// NeuroEmoDynamics web app: the page behind `neuroemo app`.
// Plain JavaScript, no framework and nothing from the network. The server checks every
// request; this page only collects the form, shows the server's one-line errors, follows a
// run's Server-Sent Events and draws the summary, the runs list and the comparison.
"use strict";

const $ = (selector) => document.querySelector(selector);
const state = {
  config: null,       // /api/profiles
  base: null,         // name of the built-in profile the form started from
  nameTouched: false, // the user typed a profile name
  current: null,      // name of the run shown in the run panel
  status: null,       // its last status (with elapsed_s) and when it arrived
  statusAt: 0,
  source: null,       // EventSource of the current run
  logLines: 0,
  picks: [],          // runs ticked for comparison (at most two)
  runs: [],           // last /api/runs answer
};

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    return {ok: false, status: 0, data: {error: `The app does not answer (${err.message}); is neuroemo app still running?`}};
  }
  let data = {};
  try {
    data = await response.json();
  } catch (err) {
    data = {error: `Unexpected answer from the app (status ${response.status}).`};
  }
  return {ok: response.ok, status: response.status, data};
}

const fmt = (x, digits = 2) => (typeof x === "number" && isFinite(x)) ? x.toFixed(digits) : "–";
const label = (name) => name.replace(/_/g, " ").replace(" hz", " (Hz)");
const isLevel = (name) => state.config.modulators.includes(name);

// ---------------------------------------------------------------------------------------
// form
// ---------------------------------------------------------------------------------------

function buildForm() {
  const cfg = state.config;
  const profile = $("#profile");
  for (const name of Object.keys(cfg.profiles)) profile.append(el("option", {value: name}, name));
  const backend = $("#backend");
  for (const name of Object.keys(cfg.backends)) backend.append(el("option", {value: name}, name));
  const hint = () => { $("#backend-hint").textContent = cfg.backends[backend.value]; };
  backend.addEventListener("change", hint);
  hint();
  for (const name of cfg.numbers) {
    const limits = cfg.limits[name] || {};
    const number = el("input", {type: "number", id: `f-${name}`, step: isLevel(name) ? "0.05" : "0.1",
                                dataset: {field: name}});
    if (limits.min !== null && limits.min !== undefined) number.min = limits.min;
    if (limits.max !== null && limits.max !== undefined) number.max = limits.max;
    number.addEventListener("input", () => { syncRange(name); formEdited(); });
    let row;
    if (isLevel(name)) {
      const range = el("input", {type: "range", id: `r-${name}`, min: 0, max: 1, step: 0.01,
                                 "aria-label": name});
      range.addEventListener("input", () => { number.value = range.value; formEdited(); });
      row = el("div", {class: "number-row"}, el("label", {htmlFor: `f-${name}`}, label(name)), range, number);
      $("#levels").append(row);
    } else {
      row = el("div", {class: "number-row no-range"}, el("label", {htmlFor: `f-${name}`}, label(name)), number);
      $("#inputs").append(row);
    }
  }
  const table = $("#region-levels");
  table.append(el("tr", {}, el("th"), ...cfg.modulators.map((m) => el("th", {}, m))));
  for (const region of cfg.regions) {
    table.append(el("tr", {}, el("td", {}, region), ...cfg.modulators.map((m) => {
      const input = el("input", {type: "number", step: "0.05", min: 0, id: `rl-${region}-${m}`,
                                 dataset: {region, modulator: m}});
      input.addEventListener("input", formEdited);
      return el("td", {}, input);
    })));
  }
  $("#duration").min = cfg.duration_s.min;
  $("#duration").max = cfg.duration_s.max;
  $("#seed").max = cfg.max_seed;
  profile.addEventListener("change", () => loadProfile(profile.value));
  $("#reset-profile").addEventListener("click", () => loadProfile(state.base));
  $("#profile-name").addEventListener("input", () => { state.nameTouched = true; formEdited(); });
  $("#add-sentence").addEventListener("click", () => addSentence("", ""));
  $("#run-form").addEventListener("submit", (event) => { event.preventDefault(); submitRun(); });
  $("#root-info").textContent = `results: ${cfg.root}`;
  loadProfile(Object.keys(cfg.profiles)[0]);
}

function syncRange(name) {
  const range = $(`#r-${name}`);
  if (range) range.value = Math.min(1, Math.max(0, Number($(`#f-${name}`).value) || 0));
}

function loadProfile(name) {
  const profile = state.config.profiles[name];
  state.base = name;
  state.nameTouched = false;
  $("#profile").value = name;
  for (const key of state.config.numbers) {
    $(`#f-${key}`).value = profile[key];
    syncRange(key);
  }
  for (const input of document.querySelectorAll("#region-levels input")) {
    const levels = (profile.region_levels || {})[input.dataset.region] || {};
    input.value = levels[input.dataset.modulator] ?? "";
  }
  $("#profile-name").value = name;
  $("#profile-description").textContent = profile.description || "";
  formEdited();
}

function numberOf(input) {
  const text = input.value.trim();
  if (text === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : text;  // the server says what is wrong with text
}

function isEdited() {
  const profile = state.config.profiles[state.base];
  for (const key of state.config.numbers) {
    const value = numberOf($(`#f-${key}`));
    const changed = value !== profile[key];
    $(`#f-${key}`).classList.toggle("changed", changed);
    if (changed) return true;
  }
  for (const input of document.querySelectorAll("#region-levels input")) {
    const given = (profile.region_levels || {})[input.dataset.region] || {};
    if (numberOf(input) !== (given[input.dataset.modulator] ?? null)) return true;
  }
  return false;
}

function formEdited() {
  const edited = isEdited();
  $("#edited-badge").hidden = !edited;
  if (!state.nameTouched) $("#profile-name").value = edited ? `${state.base}-edited` : state.base;
  const modulators = state.config.modulators;
  for (const input of document.querySelectorAll("#region-levels input")) {
    const m = input.dataset.modulator;
    if (modulators.includes(m)) input.placeholder = $(`#f-${m}`).value;
  }
}

function addSentence(text, onset) {
  if (document.querySelectorAll("#sentences .sentence").length >= state.config.max_sentences) {
    showFormError(`At most ${state.config.max_sentences} sentences per run.`);
    return;
  }
  const row = el("div", {class: "sentence"},
    el("input", {type: "text", class: "sentence-text", value: text, placeholder: "i feel strong",
                 maxLength: state.config.max_sentence_chars, "aria-label": "sentence"}),
    el("input", {type: "number", class: "sentence-onset", value: onset, step: "0.1", min: 0,
                 placeholder: "onset s", "aria-label": "onset in seconds"}),
    el("button", {type: "button", class: "secondary remove-sentence", title: "remove"}, "×"));
  row.querySelector(".remove-sentence").addEventListener("click", () => row.remove());
  $("#sentences").append(row);
}

function collectRequest() {
  const profile = {base: state.base, name: $("#profile-name").value.trim(), region_levels: {}};
  for (const key of state.config.numbers) profile[key] = numberOf($(`#f-${key}`));
  for (const input of document.querySelectorAll("#region-levels input")) {
    const value = numberOf(input);
    if (value === null) continue;
    (profile.region_levels[input.dataset.region] ||= {})[input.dataset.modulator] = value;
  }
  return {
    profile,
    duration_s: numberOf($("#duration")),
    seed: numberOf($("#seed")),
    backend: $("#backend").value,
    sentences: [...document.querySelectorAll("#sentences .sentence")].map((row) => ({
      text: row.querySelector(".sentence-text").value,
      onset_s: numberOf(row.querySelector(".sentence-onset")),
    })),
  };
}

function showFormError(message) {
  $("#form-error").textContent = message || "";
}

async function submitRun() {
  const button = $("#run-button");
  button.disabled = true;
  showFormError("");
  const {ok, data} = await api("/api/runs", {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify(collectRequest()),
  });
  button.disabled = false;
  if (!ok) {
    showFormError(data.error || "The app refused the run.");
    return;
  }
  showRun(data.name);
  refreshRuns();
}

// ---------------------------------------------------------------------------------------
// the current run: progress, then the result
// ---------------------------------------------------------------------------------------

function appendLog(line) {
  const log = $("#log");
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  log.append(el("div", {class: line.startsWith("»") ? "app-line" : ""}, line));
  state.logLines += 1;
  log.dataset.lines = state.logLines;
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function renderStatus(run) {
  state.status = run;
  state.statusAt = performance.now();
  const badge = $("#run-status");
  badge.textContent = run.status;
  badge.dataset.status = run.status;
  $("#stage").textContent = ["queued", "running"].includes(run.status) ? run.stage : "";
  $("#cancel").hidden = !["queued", "running"].includes(run.status);
  $("#run-error").textContent = ["failed", "cancelled"].includes(run.status) ? (run.error || run.status) : "";
  tickElapsed();
}

function tickElapsed() {
  const run = state.status;
  if (!run || run.elapsed_s === null || run.elapsed_s === undefined) {
    $("#elapsed").textContent = run && run.status === "queued" ? "waiting for the run before it" : "";
    return;
  }
  const running = run.status === "running";
  const seconds = run.elapsed_s + (running ? (performance.now() - state.statusAt) / 1000 : 0);
  $("#elapsed").textContent = `${seconds.toFixed(running ? 0 : 1)} s`;
}

async function showRun(name) {
  if (state.source) { state.source.close(); state.source = null; }
  state.current = name;
  state.logLines = 0;
  $("#current-name").textContent = name;
  $("#current-name").classList.remove("muted");
  $("#log").replaceChildren();
  $("#result").hidden = true;
  $("#viewer-panel").hidden = true;
  $("#run-error").textContent = "";
  highlightCurrent();
  const {ok, data} = await api(`/api/runs/${encodeURIComponent(name)}`);
  if (state.current !== name) return;
  if (!ok) { $("#run-error").textContent = data.error; return; }
  for (const line of data.log || []) appendLog(line);
  renderStatus(data);
  if (["queued", "running"].includes(data.status)) follow(name);
  else renderResult(data);
}

function follow(name) {
  const source = new EventSource(`/api/runs/${encodeURIComponent(name)}/events?from=${state.logLines}`);
  state.source = source;
  source.addEventListener("log", (event) => { if (state.current === name) appendLog(event.data); });
  source.addEventListener("status", (event) => {
    if (state.current !== name) return;
    const run = JSON.parse(event.data);
    const changed = !state.status || state.status.status !== run.status;
    renderStatus(run);
    if (changed) refreshRuns();
  });
  source.addEventListener("end", async () => {
    source.close();
    if (state.source === source) state.source = null;
    if (state.current !== name) return;
    const {ok, data} = await api(`/api/runs/${encodeURIComponent(name)}`);
    if (ok && state.current === name) { renderStatus(data); renderResult(data); }
    refreshRuns();
  });
}

function bars(probabilities, winner) {
  const colors = state.config.emotion_colors;
  return el("div", {class: "bars"}, ...Object.entries(probabilities || {}).map(([emotion, p]) =>
    el("div", {class: "bar"}, el("span", {class: emotion === winner ? "win" : ""}, emotion),
      el("span", {class: "track"}, el("span", {class: "fill", style: `width:${(100 * p).toFixed(1)}%;background:${colors[emotion] || "#888"}`})),
      el("span", {class: "value"}, fmt(p)))));
}

function kvTable(rows) {
  return el("table", {class: "kv"}, ...rows.map(([k, v]) => el("tr", {}, el("td", {class: "muted"}, k), el("td", {}, v))));
}

function renderResult(run) {
  if (run.status !== "finished") {
    $("#result").hidden = true;
    $("#viewer-panel").hidden = true;
    return;
  }
  const colors = state.config.emotion_colors;
  const winner = el("div", {}, el("div", {class: "muted"}, "readout winner"),
    el("div", {class: "winner", id: "winner", style: `color:${colors[run.winner] || "inherit"}`}, run.winner || "–"),
    bars(run.probabilities, run.winner));
  const rates = el("div", {}, el("div", {class: "muted"}, "mean rate per region (Hz)"),
    kvTable(Object.entries(run.mean_rate_hz || {}).map(([r, v]) => [r, fmt(v)])));
  const numbers = Object.entries(run.profile_numbers || {}).map(([k, v]) => [label(k), fmt(v)]);
  const about = el("div", {}, el("div", {class: "muted"}, "run"),
    kvTable([["profile", run.profile], ["seed", run.seed], ["duration", `${fmt(run.duration_s, 3)} s`],
             ["backend", run.backend], ...numbers]));
  const sentences = (run.sentences || []).map((s) =>
    el("div", {class: "small"}, `“${s.text}” at ${fmt(s.onset_s)} s → `, el("b", {}, s.winner || "–")));
  $("#summary").replaceChildren(winner, rates, el("div", {}, about, ...sentences));
  const files = run.files || {};
  setImage($("#fig-rates"), files.rates);
  setImage($("#fig-readout"), files.readout);
  const viewer = $("#viewer");
  if (files.viewer && viewer.getAttribute("src") !== files.viewer) viewer.src = files.viewer;
  $("#viewer-panel").hidden = !files.viewer;
  $("#viewer-name").textContent = run.name;
  const links = [["viewer in its own tab", files.viewer], ["protocol file", files.protocol],
                 ["progress log", files.log]].filter(([, url]) => url)
    .map(([text, url]) => el("a", {href: url, target: "_blank"}, text));
  const parts = [`folder: ${state.config.root}/${run.name}`];
  $("#links").replaceChildren(parts[0], ...links.flatMap((a) => [" · ", a]));
  if (run.warning || run.error) $("#run-error").textContent = run.warning || run.error;
  $("#result").hidden = false;
}

function setImage(img, url) {
  if (url) { if (img.getAttribute("src") !== url) img.src = url; img.closest("figure").hidden = false; }
  else { img.removeAttribute("src"); img.closest("figure").hidden = true; }
}

// ---------------------------------------------------------------------------------------
// runs list and comparison
// ---------------------------------------------------------------------------------------

async function refreshRuns() {
  const {ok, data} = await api("/api/runs");
  if (!ok) { $("#runs-info").textContent = data.error; return; }
  state.runs = data.runs;
  const names = new Set(state.runs.map((r) => r.name));
  state.picks = state.picks.filter((n) => names.has(n));
  const body = $("#runs tbody");
  body.replaceChildren(...state.runs.map((run) => {
    const box = el("input", {type: "checkbox", class: "compare-pick", value: run.name,
                             checked: state.picks.includes(run.name), disabled: run.status !== "finished",
                             "aria-label": `compare ${run.name}`});
    box.addEventListener("change", () => pick(run.name, box.checked));
    const open = el("button", {type: "button", class: "open-run"}, run.name);
    open.addEventListener("click", () => showRun(run.name));
    return el("tr", {dataset: {name: run.name, status: run.status}},
      el("td", {}, box), el("td", {}, open), el("td", {}, run.profile), el("td", {}, run.seed),
      el("td", {}, run.duration_s ? `${fmt(run.duration_s, 3)} s` : "–"), el("td", {}, run.backend || ""),
      el("td", {}, run.winner || ""), el("td", {}, el("span", {class: "status", dataset: {status: run.status}}, run.status)),
      el("td", {class: "muted"}, (run.created || "").replace("T", " ")));
  }));
  $("#runs-info").textContent = `${state.runs.length} run${state.runs.length === 1 ? "" : "s"}`;
  highlightCurrent();
  updateCompareButton();
}

function highlightCurrent() {
  for (const row of document.querySelectorAll("#runs tbody tr")) {
    row.classList.toggle("current", row.dataset.name === state.current);
  }
}

function pick(name, on) {
  state.picks = state.picks.filter((n) => n !== name);
  if (on) state.picks.push(name);
  while (state.picks.length > 2) state.picks.shift();
  for (const box of document.querySelectorAll(".compare-pick")) box.checked = state.picks.includes(box.value);
  updateCompareButton();
}

function updateCompareButton() {
  $("#compare-button").disabled = state.picks.length !== 2;
}

async function compareRuns() {
  const answers = await Promise.all(state.picks.map((n) => api(`/api/runs/${encodeURIComponent(n)}`)));
  const failed = answers.find((a) => !a.ok);
  if (failed) { $("#runs-info").textContent = failed.data.error; return; }
  const [a, b] = answers.map((x) => x.data);
  const rows = [["profile", a.profile, b.profile], ["seed", a.seed, b.seed],
                ["duration (s)", a.duration_s, b.duration_s], ["backend", a.backend, b.backend],
                ["winner", a.winner, b.winner]];
  const numbers = [...new Set([...Object.keys(a.profile_numbers || {}), ...Object.keys(b.profile_numbers || {})])];
  for (const k of numbers) rows.push([label(k), a.profile_numbers[k], b.profile_numbers[k]]);
  for (const e of Object.keys(a.probabilities || {})) rows.push([`p(${e})`, a.probabilities[e], (b.probabilities || {})[e]]);
  for (const r of Object.keys(a.mean_rate_hz || {})) rows.push([`${r} rate (Hz)`, a.mean_rate_hz[r], (b.mean_rate_hz || {})[r]]);
  const cell = (v) => typeof v === "number" ? fmt(v, Number.isInteger(v) ? 0 : 3) : (v ?? "–");
  const table = $("#compare-table");
  table.replaceChildren(el("tr", {}, el("th", {}, ""), el("th", {}, `A: ${a.name}`), el("th", {}, `B: ${b.name}`), el("th", {}, "B − A")),
    ...rows.map(([what, x, y]) => {
      const numeric = typeof x === "number" && typeof y === "number";
      const differs = numeric ? Math.abs(x - y) > 1e-9 : x !== y;
      return el("tr", {class: differs ? "differs" : ""}, el("td", {}, what), el("td", {}, cell(x)),
        el("td", {}, cell(y)), el("td", {}, numeric && !Number.isInteger(x + y) ? fmt(y - x, 3) : (numeric ? y - x : "")));
    }));
  for (const [slot, run, letter] of [["#compare-a", a, "A"], ["#compare-b", b, "B"]]) {
    const figs = [["readout", "Striatal readout"], ["rates", "Population rates"]]
      .filter(([role]) => run.files && run.files[role])
      .map(([role, caption]) => el("figure", {}, el("img", {src: run.files[role], alt: `${caption} of ${run.name}`, class: `compare-${role}`}),
                                   el("figcaption", {}, caption)));
    $(slot).replaceChildren(el("h3", {}, `${letter}: ${run.name}`), el("div", {class: "small"}, `winner `, el("b", {}, run.winner || "–")), ...figs);
  }
  const panel = $("#compare");
  panel.hidden = false;
  panel.dataset.runs = `${a.name},${b.name}`;
  panel.scrollIntoView({behavior: "instant", block: "start"});
}

// ---------------------------------------------------------------------------------------

async function init() {
  const {ok, data} = await api("/api/profiles");
  if (!ok) { showFormError(data.error); return; }
  state.config = data;
  buildForm();
  $("#cancel").addEventListener("click", async () => {
    if (!state.current) return;
    const answer = await api(`/api/runs/${encodeURIComponent(state.current)}/cancel`, {method: "POST"});
    if (!answer.ok) $("#run-error").textContent = answer.data.error;
  });
  $("#compare-button").addEventListener("click", compareRuns);
  await refreshRuns();
  setInterval(tickElapsed, 500);
  setInterval(() => {
    if (state.runs.some((r) => ["queued", "running"].includes(r.status))) refreshRuns();
  }, 3000);
  document.body.dataset.ready = "1";
}

window.neuroemoApp = {state, showRun, refreshRuns, compareRuns, loadProfile, addSentence};
init();
