/**
 * The projector: the whole city, big, with what a room needs to read from the back: the class's
 * availability against its SLO and the error budget left, both clocks, the phase, and the latest
 * events in large type. It sends nothing; it only watches.
 *
 * `#code=...&key=...` joins a class as its display. `#bench=N` shows N synthetic buildings instead
 * (no server), for the client benchmark and for looking at the art.
 */
import "../csp.ts";
import { mountCity, type CityHandle } from "../city/index.ts";
import { cityLabel, type CityLabelKey, type CityLanguage } from "../city/labels.ts";
import { formatClock, formatRate } from "../city/model.ts";
import { SyntheticCity } from "../city/synthetic.ts";
import { renderLegend } from "../city/legend.ts";
import type { LiveClassState } from "../state.ts";
import { closeReason, fragmentParams, joinAsDisplay, type Connection } from "../net/connection.ts";
import { SLO_TARGET } from "../../../shared/game/score.ts";
import { catalog, language as appLanguage, t } from "../i18n/index.ts";
import { translator } from "../ui/format.ts";
import { displayLesson } from "./display-lesson.ts";

const params = fragmentParams();
const lang: CityLanguage = params.get("lang") === "vi" ? "vi" : params.get("lang") === "en" ? "en" : appLanguage();
document.documentElement.lang = lang;
const L = (key: CityLabelKey, vars?: Record<string, string | number>) => cityLabel(lang, key, vars);

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const el = {
  banner: $("banner"), title: $("title"), code: $("code"), phase: $("phase"),
  clusterLabel: $("clusterLabel"), clusterTime: $("clusterTime"), compression: $("compression"),
  wallLabel: $("wallLabel"), wallTime: $("wallTime"),
  availabilityLabel: $("availabilityLabel"), sloTarget: $("sloTarget"), availability: $("availability"), sloMark: $("sloMark"), sloWords: $("sloWords"),
  budgetLabel: $("budgetLabel"), budgetMeter: $("budgetMeter"), budgetFill: $("budgetFill"), budgetWords: $("budgetWords"),
  nodesLine: $("nodesLine"), podsLine: $("podsLine"), rpsLine: $("rpsLine"),
  join: $("join"), city: $("city"), eventsTitle: $("eventsTitle"), events: $<HTMLOListElement>("events"), legend: $("legend"),
};

// The lesson band and the leaderboard, in the projector's language (its #lang=, not the browser's).
const renderLesson = displayLesson(
  {
    band: $("lesson"), title: $("lessonTitle"), stepNo: $("lessonStepNo"), held: $("lessonHeld"), stepTitle: $("lessonStepTitle"),
    text: $("lessonText"), panels: $("lessonPanels"), board: $("board"), boardTitle: $("boardTitle"), boardBody: $("boardBody"),
  },
  translator(catalog(lang)),
  lang,
);

el.title.textContent = L("display.title");
el.clusterLabel.textContent = L("display.clusterTime");
el.wallLabel.textContent = L("display.wallTime");
el.availabilityLabel.textContent = L("display.availability");
el.sloTarget.textContent = L("display.slo", { target: pct(SLO_TARGET, 0) });
el.budgetLabel.textContent = L("display.budget");
el.eventsTitle.textContent = L("display.events");
document.title = L("display.title");

// The side panel has room for the pictures on screen now, not the whole legend. (`view` and
// `focus` in the fragment preview the other views with synthetic state; a class uses "city".)
const previewView = params.get("view");
const city: CityHandle = mountCity(el.city, {
  view: previewView === "building" || previewView === "minimap" ? previewView : "city",
  ...(params.get("focus") ? { focusNode: params.get("focus")! } : {}),
  ...(params.get("motion") === "reduced" ? { reducedMotion: true } : {}),
  language: lang,
  legend: false,
  onModel: (m) => renderLegend(el.legend, m.legend.filter((e) => e.present), lang),
});
window.addEventListener("resize", () => city.resize());

let current: LiveClassState | null = null;
let hudQueued = false;

function pct(v: number, digits = 2): string {
  return `${(v * 100).toFixed(digits)}%`;
}

function show(state: LiveClassState): void {
  current = state;
  city.update(state);
  if (!hudQueued) {
    hudQueued = true;
    requestAnimationFrame(() => {
      hudQueued = false;
      if (current) renderHud(current);
    });
  }
}

let lastEventsKey = "";

/** The header and the events: cheap DOM writes, only where the text changed. */
function renderHud(s: LiveClassState): void {
  setText(el.code, L("display.class", { code: s.code }));
  const phase = (["lobby", "running", "paused", "debrief", "ended"].includes(s.phase) ? s.phase : "running") as "lobby";
  setText(el.phase, `${{ lobby: "◷", running: "▶", paused: "⏸", debrief: "✎", ended: "■" }[phase]} ${L(`display.phase.${phase}`)}`);
  el.phase.dataset.phase = phase;
  setText(el.clusterTime, formatClock(s.clusterMs));
  setText(el.wallTime, formatClock(s.wallMs));
  setText(el.compression, L("display.compression", { k: Math.round(s.compression * 10) / 10 }));

  const met = s.availability >= SLO_TARGET;
  setText(el.availability, pct(s.availability));
  setText(el.sloMark, met ? "✓" : "✕");
  el.sloMark.dataset.ok = String(met);
  setText(el.sloWords, L(met ? "display.sloMet" : "display.sloMissed"));
  el.availability.parentElement!.dataset.ok = String(met);

  const budget = s.errorBudget;
  const width = Math.max(0, Math.min(1, budget));
  el.budgetFill.style.width = `${width * 100}%`;
  el.budgetFill.dataset.level = budget > 0.5 ? "ok" : budget > 0.2 ? "warn" : "bad";
  el.budgetMeter.setAttribute("aria-valuenow", String(Math.round(budget * 100)));
  setText(el.budgetWords, budget >= 0 ? L("display.budgetLeft", { pct: pct(budget, 0) }) : L("display.budgetSpent"));

  let readyNodes = 0;
  s.nodes.forEach((n) => {
    if (n.ready === "True") readyNodes++;
  });
  // What "pods" are depends on the round: containers on Docker hosts, apps on bare machines.
  let readyPods = 0;
  let livePods = 0;
  let podsKey: CityLabelKey = "display.pods";
  if (s.mode === "compose") {
    podsKey = "display.containers";
    s.nodes.forEach((n) => n.containers.forEach((c) => {
      livePods++;
      if (c.status === "running" && n.powered) readyPods++;
    }));
  } else if (s.mode === "bare") {
    podsKey = "display.apps";
    s.nodes.forEach((n) => {
      livePods++;
      if (n.bareStatus === "running" && n.powered) readyPods++;
    });
  } else {
    s.pods.forEach((p) => {
      if (p.terminating) return;
      livePods++;
      if (p.ready) readyPods++;
    });
  }
  let rps = 0;
  s.services.forEach((svc) => (rps += svc.rps));
  setText(el.nodesLine, L("display.nodes", { ready: readyNodes, total: s.nodes.size }));
  setText(el.podsLine, L(podsKey, { ready: readyPods, total: livePods }));
  setText(el.rpsLine, L("display.rps", { rps: formatRate(rps) }));

  const joinVisible = s.phase === "lobby";
  el.join.hidden = !joinVisible;
  if (joinVisible) {
    const text = L("display.join", { url: location.host, code: s.code });
    if (el.join.dataset.code !== s.code) {
      el.join.dataset.code = s.code;
      el.join.innerHTML = `<img alt="" src="/api/classes/${encodeURIComponent(s.code)}/qr.svg" width="160" height="160"><p></p>`;
    }
    setText(el.join.querySelector("p")!, text);
  }
  renderLesson(s);
  renderEvents(s);
}

/** Kubelet and controller chatter: counted in one line, so it never pushes a warning off screen. */
const ROUTINE = new Set(["Scheduled", "Pulling", "Pulled", "Created", "Started", "Killing", "SuccessfulCreate", "SuccessfulDelete"]);

function renderEvents(s: LiveClassState): void {
  const events: { id: number; type: string; reason: string; object: string; message: string; count: number; atMs: number }[] = [];
  s.events.forEach((e) => events.push(e));
  events.sort((a, b) => b.id - a.id);
  const notable = events.filter((e) => e.type === "Warning" || !ROUTINE.has(e.reason)).slice(0, 6);
  const routine = new Map<string, number>();
  for (const e of events) if (e.type !== "Warning" && ROUTINE.has(e.reason)) routine.set(e.reason, (routine.get(e.reason) ?? 0) + e.count);
  const key = notable.map((e) => `${e.id}:${e.count}`).join(",") + [...routine].join(",") + lang;
  if (key === lastEventsKey) return;
  lastEventsKey = key;
  el.events.replaceChildren();
  if (routine.size > 0) {
    const li = document.createElement("li");
    li.className = "cc-event-routine";
    li.textContent = L("display.routine", { list: [...routine].map(([r, n]) => `${r} ×${n}`).join(" · ") });
    el.events.append(li);
  }
  if (notable.length === 0 && routine.size === 0) {
    const li = document.createElement("li");
    li.className = "cc-event-empty";
    li.textContent = L("display.noEvents");
    el.events.append(li);
    return;
  }
  for (const e of notable) {
    const li = document.createElement("li");
    const warn = e.type === "Warning";
    li.className = warn ? "cc-event is-warning" : "cc-event";
    const head = document.createElement("div");
    head.className = "cc-event-head";
    const icon = document.createElement("span");
    icon.className = "cc-event-icon";
    icon.textContent = warn ? "⚠" : "•";
    icon.setAttribute("aria-label", e.type);
    const reason = document.createElement("b");
    reason.textContent = e.reason + (e.count > 1 ? ` ×${e.count}` : "");
    const when = document.createElement("time");
    when.textContent = formatClock(e.atMs);
    head.append(icon, reason, when);
    const msg = document.createElement("div");
    msg.className = "cc-event-msg";
    msg.textContent = e.message || e.object;
    li.append(head, msg);
    el.events.append(li);
  }
}

function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function banner(text: string | null, kind: "warn" | "bad" = "warn"): void {
  el.banner.hidden = text === null;
  el.banner.dataset.kind = kind;
  if (text !== null) el.banner.textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Live class

async function connect(code: string, key: string): Promise<void> {
  banner(L("display.connecting"));
  let conn: Connection;
  try {
    conn = await joinAsDisplay(code, key);
  } catch (err) {
    banner(L("display.joinFailed", { reason: err instanceof Error ? err.message : String(err) }), "bad");
    setTimeout(() => void connect(code, key), 5000);
    return;
  }
  banner(null);
  const room = conn.room;
  room.onStateChange((state: unknown) => show(state as LiveClassState));
  if (room.state) show(room.state as LiveClassState);
  room.onDrop(() => banner(t("conn.reconnecting")));
  room.onReconnect(() => banner(null));
  room.onLeave((codeNum: number) => {
    const why = closeReason(codeNum);
    if (why === "ended") banner(t("conn.ended"), "warn");
    else if (why === "lost" || why === "restarting") {
      // The SDK gave up reconnecting: join again as a new display, with the same link.
      banner(t("conn.reconnecting"));
      setTimeout(() => void connect(code, key), 3000);
    } else banner(t(`conn.${why}`), "bad");
  });
}

// ---------------------------------------------------------------------------------------------
// Benchmark / art preview: synthetic state, frame times measured in the page.

interface BenchStats {
  nodes: number;
  frames: number[];
  started: number;
  pods: number;
}

declare global {
  interface Window {
    __bench?: BenchStats;
    __city?: CityHandle;
  }
}

function bench(n: number): void {
  if (n === 0) {
    // The floor: the page and an empty city canvas, nothing to draw.
    const stats: BenchStats = { nodes: 0, frames: [], started: performance.now(), pods: 0 };
    window.__bench = stats;
    let last = performance.now();
    const frame = (now: number) => {
      stats.frames.push(now - last);
      last = now;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    return;
  }
  const mode = params.get("mode");
  const sim = new SyntheticCity(n, 7, mode === "compose" || mode === "bare" ? mode : "kubernetes");
  let pods = 0;
  sim.state.pods.forEach(() => pods++);
  const stats: BenchStats = { nodes: n, frames: [], started: performance.now(), pods };
  window.__bench = stats;
  banner(L("display.bench", { n }));
  setTimeout(() => banner(null), 3000);
  show(sim.state);
  // 10 Hz, as the server's patch rate; stepped by the time that really passed, so a busy page
  // (whose timers fire late) still plays the scenario at its real pace.
  let lastStep = performance.now();
  setInterval(() => {
    const now = performance.now();
    show(sim.step(Math.min(1000, now - lastStep)));
    lastStep = now;
  }, 100);
  let last = performance.now();
  const frame = (now: number) => {
    stats.frames.push(now - last);
    last = now;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

window.__city = city;
const benchN = Number(params.get("bench"));
const code = params.get("code");
const key = params.get("key");
if (params.has("bench") && Number.isFinite(benchN) && benchN >= 0) bench(Math.min(5000, Math.floor(benchN)));
else if (code && key) void connect(code, key);
else banner(L("display.missingKey"), "bad");
