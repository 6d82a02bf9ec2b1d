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
import { formatClock } from "../city/model.ts";
import { SyntheticCity } from "../city/synthetic.ts";
import { renderLegend } from "../city/legend.ts";
import type { LiveClassState } from "../state.ts";
import { closeReason, fragmentParams, joinAsDisplay, type Connection } from "../net/connection.ts";
import { catalog, language as appLanguage, t } from "../i18n/index.ts";
import { translator } from "../ui/format.ts";
import { displayLesson } from "./display-lesson.ts";
import { displayHud, setText } from "./display-hud.ts";

const params = fragmentParams();
const lang: CityLanguage = params.get("lang") === "vi" ? "vi" : params.get("lang") === "en" ? "en" : appLanguage();
document.documentElement.lang = lang;
const L = (key: CityLabelKey, vars?: Record<string, string | number>) => cityLabel(lang, key, vars);

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const el = {
  banner: $("banner"), title: $("title"), code: $("code"), phase: $("phase"),
  clusterLabel: $("clusterLabel"), clusterTime: $("clusterTime"), compression: $("compression"),
  wallLabel: $("wallLabel"), wallTime: $("wallTime"),
  join: $("join"), city: $("city"), legend: $("legend"),
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
document.title = L("display.title");
// Availability, budget, counts and the event feed: shared with the replay page.
const hud = displayHud(lang);

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

/** The header and the events: cheap DOM writes, only where the text changed. */
function renderHud(s: LiveClassState): void {
  setText(el.code, L("display.class", { code: s.code }));
  const phase = (["lobby", "running", "paused", "debrief", "ended"].includes(s.phase) ? s.phase : "running") as "lobby";
  setText(el.phase, `${{ lobby: "◷", running: "▶", paused: "⏸", debrief: "✎", ended: "■" }[phase]} ${L(`display.phase.${phase}`)}`);
  el.phase.dataset.phase = phase;
  setText(el.clusterTime, formatClock(s.clusterMs));
  setText(el.wallTime, formatClock(s.wallMs));
  setText(el.compression, L("display.compression", { k: Math.round(s.compression * 10) / 10 }));

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
  hud.render(s);
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
