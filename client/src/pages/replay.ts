/**
 * replay.html: a finished (or running) class replayed on the projector. The page fetches the class's
 * seed and command log, rebuilds the run in the browser (shared/replay/player.ts explains why
 * there), and shows any moment of it with the live display's own city, header and event feed.
 * A timeline with the incidents marked on it, play/pause at a few speeds of cluster time, steps
 * to the previous/next incident, and keys a presentation remote sends (Space, arrows, Page Up/Down).
 *
 * Opened as `replay.html?code=XXXXXX#key=...` (teacher key) or `#display=...` (display key): see
 * takeKey in replay-model.ts for where the key goes and why the address bar loses it at once.
 */
import { mountCity } from "../city/index.ts";
import { cityLabel, type CityLabelKey, type CityLanguage } from "../city/labels.ts";
import { formatClock } from "../city/model.ts";
import { renderLegend } from "../city/legend.ts";
import { fromSnapshot } from "../state.ts";
import { catalog, language as appLanguage, type MessageKey } from "../i18n/index.ts";
import { translator } from "../ui/format.ts";
import { labelRows } from "../ui/history.ts";
import { normalizeClassCode } from "../../../shared/protocol/class-code.ts";
import type { ReplayData } from "../../../shared/protocol/replay.ts";
import { ReplayPlayer, adjacentMarker, type Marker, type MarkerKind } from "../../../shared/replay/index.ts";
import { displayHud, setText } from "./display-hud.ts";
import {
  DEFAULT_SPEED, SPEEDS, buildingsSentence, currentMarker, keyStorageName, ownersOf, snapshotAt, stepMsFor, takeKey,
} from "./replay-model.ts";
import "../ui/replay.css";

const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
const lang: CityLanguage = fragment.get("lang") === "vi" ? "vi" : fragment.get("lang") === "en" ? "en" : appLanguage();
document.documentElement.lang = lang;
const L = (key: CityLabelKey, vars?: Record<string, string | number>) => cityLabel(lang, key, vars);
const t = translator(catalog(lang));

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const el = {
  banner: $("banner"), title: $("title"), code: $("code"), phase: $("phase"),
  clusterLabel: $("clusterLabel"), clusterTime: $("clusterTime"), totalTime: $("totalTime"),
  city: $("city"), legend: $("legend"), controls: $("controls"), now: $("now"), markers: $<HTMLOListElement>("markers"),
  scrubber: $<HTMLInputElement>("scrubber"), prev: $<HTMLButtonElement>("prev"), back: $<HTMLButtonElement>("back"),
  play: $<HTMLButtonElement>("play"), forward: $<HTMLButtonElement>("forward"), next: $<HTMLButtonElement>("next"),
  speedLabel: $("speedLabel"), speed: $<HTMLSelectElement>("speed"), position: $("position"), verified: $("verified"), keys: $("keys"),
};

el.title.textContent = L("display.title");
el.clusterLabel.textContent = L("display.clusterTime");
setText(el.phase, `⟲ ${t("replay.title")}`);
document.title = `${t("replay.title")} · ${L("display.title")}`;
const hud = displayHud(lang);

function banner(text: string | null, kind: "warn" | "bad" = "warn"): void {
  el.banner.hidden = text === null;
  el.banner.dataset.kind = kind;
  if (text !== null) el.banner.textContent = text;
}

/** Glyphs beside each marker's words, so the kinds differ by shape and text as well as colour. */
const GLYPH: Record<MarkerKind, string> = {
  kill: "✕", partition: "✂", restore: "↺", slow: "◔", pressure: "▲", crash: "✱", leak: "◍", registry: "⊘",
  spike: "↑", release: "◆", badRelease: "⚠", rollback: "↶", podDelete: "−",
};

function markerWords(m: Marker): string {
  return `${GLYPH[m.kind]} ${t(`replay.kind.${m.kind}` as MessageKey)}${m.target ? ` ${m.target}` : ""}`;
}

async function load(code: string): Promise<void> {
  const key = takeKey(location.hash, code, globalThis.sessionStorage);
  // Out of the address bar before anything is drawn: the projector shows only ?code=.
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  setText(el.code, t("replay.class", { code }));
  if (!key) {
    banner(t("replay.missingKey"), "bad");
    return;
  }
  banner(t("replay.loading"));
  let data: ReplayData;
  try {
    const res = await fetch(`/api/classes/${encodeURIComponent(code)}/replay.json`, { headers: { [key.header]: key.value }, cache: "no-store" });
    if (res.status === 404) {
      // A key that opens nothing is forgotten: a reload then asks for the right link.
      globalThis.sessionStorage?.removeItem(keyStorageName(code));
      banner(t("replay.notFound"), "bad");
      return;
    }
    if (!res.ok) throw new Error(((await res.json().catch(() => null)) as { error?: string } | null)?.error ?? `HTTP ${res.status}`);
    data = (await res.json()) as ReplayData;
  } catch (err) {
    banner(t("replay.failed", { reason: err instanceof Error ? err.message : String(err) }), "bad");
    return;
  }
  banner(t("replay.building"));
  // Let the banner paint before the one long pass over the log.
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  let player: ReplayPlayer;
  try {
    player = new ReplayPlayer(data);
  } catch (err) {
    banner(t("replay.failed", { reason: err instanceof Error ? err.message : String(err) }), "bad");
    return;
  }
  banner(null);
  start(data, player);
}

function start(data: ReplayData, player: ReplayPlayer): void {
  const owners = ownersOf(data);
  const end = player.endMs;
  const stepMs = stepMsFor(end);
  let pos = 0;
  let speed = DEFAULT_SPEED;
  let playing = false;
  let lastFrame = 0;
  let lastDraw = 0;

  const city = mountCity(el.city, {
    view: "city",
    language: lang,
    legend: false,
    onModel: (m) => renderLegend(el.legend, m.legend.filter((e) => e.present), lang),
  });
  window.addEventListener("resize", () => city.resize());

  // ---- static parts -------------------------------------------------------------------------
  el.controls.hidden = false;
  city.resize();
  setText(el.totalTime, t("replay.position", { time: "", total: formatClock(end) }).trim());
  el.scrubber.max = String(Math.ceil(end / 1000));
  el.scrubber.setAttribute("aria-label", t("replay.timeline"));
  el.speedLabel.textContent = t("replay.speed");
  for (const k of SPEEDS) {
    const o = document.createElement("option");
    o.value = String(k);
    o.textContent = t("replay.speedOption", { k });
    o.selected = k === speed;
    el.speed.append(o);
  }
  el.prev.textContent = `⏮ ${t("replay.prev")}`;
  el.next.textContent = `${t("replay.next")} ⏭`;
  el.back.textContent = `« ${t("replay.back", { s: stepMs / 1000 })}`;
  el.forward.textContent = `${t("replay.forward", { s: stepMs / 1000 })} »`;
  el.keys.textContent = t("replay.keys", { s: stepMs / 1000 });
  document.body.dataset.stepMs = String(stepMs);
  const verified = data.finalHash === null ? "unverified" : data.finalHash === player.finalHash ? "verified" : "mismatch";
  el.verified.dataset.state = verified;
  el.verified.textContent = `${verified === "verified" ? "✓" : "⚠"} ${t(`replay.${verified}`)}`;
  el.markers.setAttribute("aria-label", t("replay.incidents"));

  // Markers: labelled flags above the timeline, stacked in rows so labels do not overlap.
  const markerButtons: HTMLButtonElement[] = [];
  if (player.markers.length === 0) {
    const li = document.createElement("li");
    li.className = "rp-marker-empty";
    li.textContent = t("replay.noIncidents");
    el.markers.append(li);
  }
  for (const m of player.markers) {
    const li = document.createElement("li");
    li.className = "rp-marker";
    li.style.left = `${end > 0 ? (m.atMs / end) * 100 : 0}%`;
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.kind = m.kind;
    b.dataset.atMs = String(m.atMs);
    b.textContent = markerWords(m);
    b.setAttribute("aria-label", t("replay.marker", { kind: t(`replay.kind.${m.kind}` as MessageKey), target: m.target, time: formatClock(m.atMs) }));
    b.addEventListener("click", () => {
      pause();
      seek(m.atMs);
    });
    li.append(b);
    el.markers.append(li);
    markerButtons.push(b);
  }
  const layoutMarkers = () => {
    const width = el.markers.clientWidth;
    if (!width || !markerButtons.length) return;
    const rows = labelRows(player.markers.map((m, i) => ({ x: (m.atMs / Math.max(1, end)) * width, width: markerButtons[i]!.offsetWidth })), 8, 3);
    markerButtons.forEach((b, i) => {
      const li = b.parentElement!;
      li.dataset.row = String(rows[i] ?? 0);
      // A flag near the right edge opens to the left, so it stays on screen.
      li.classList.toggle("is-flipped", (player.markers[i]!.atMs / Math.max(1, end)) * width + b.offsetWidth > width);
    });
  };
  new ResizeObserver(layoutMarkers).observe(el.markers);

  // ---- drawing ------------------------------------------------------------------------------
  function draw(announce: boolean): void {
    const snap = snapshotAt(player, data, owners, pos);
    const live = fromSnapshot(snap);
    city.update(live);
    hud.render(live);
    setText(el.clusterTime, formatClock(pos));
    el.scrubber.value = String(Math.round(pos / 1000));
    el.scrubber.setAttribute("aria-valuetext", t("replay.position", { time: formatClock(pos), total: formatClock(end) }));
    setText(el.position, t("replay.position", { time: formatClock(pos), total: formatClock(end) }));
    document.body.dataset.clusterMs = String(pos);
    const current = currentMarker(player.markers, pos);
    markerButtons.forEach((b, i) => {
      const on = player.markers[i] === current;
      if (on) b.setAttribute("aria-current", "true");
      else b.removeAttribute("aria-current");
    });
    // Spoken and shown: what is broken now. While playing it would talk over the teacher, so
    // the live region speaks only where the replay stops.
    const sentence = t("replay.now", { time: formatClock(pos), nodes: buildingsSentence(snap, lang) });
    el.now.setAttribute("aria-live", announce ? "polite" : "off");
    setText(el.now, sentence);
  }

  function seek(ms: number): void {
    pos = Math.max(0, Math.min(end, ms));
    draw(!playing);
  }

  function setPlayIcon(): void {
    el.play.textContent = playing ? `⏸ ${t("replay.pause")}` : `▶ ${t("replay.play")}`;
    el.play.setAttribute("aria-pressed", String(playing));
    document.body.dataset.playing = String(playing);
  }

  function play(): void {
    if (playing) return;
    if (pos >= end) pos = 0;
    playing = true;
    lastFrame = performance.now();
    setPlayIcon();
    requestAnimationFrame(frame);
  }

  function pause(): void {
    if (!playing) return;
    playing = false;
    setPlayIcon();
    draw(true);
  }

  function frame(now: number): void {
    if (!playing) return;
    pos = Math.min(end, pos + (now - lastFrame) * speed);
    lastFrame = now;
    // The live display gets 10 patches a second: drawing more often only costs the laptop.
    if (now - lastDraw >= 100 || pos >= end) {
      lastDraw = now;
      draw(false);
    }
    if (pos >= end) pause();
    else requestAnimationFrame(frame);
  }

  function jump(dir: 1 | -1): void {
    const m = adjacentMarker(player.markers, pos, dir);
    pause();
    seek(m ? m.atMs : dir > 0 ? end : 0);
  }

  el.play.addEventListener("click", () => (playing ? pause() : play()));
  el.prev.addEventListener("click", () => jump(-1));
  el.next.addEventListener("click", () => jump(1));
  el.back.addEventListener("click", () => seek(pos - stepMs));
  el.forward.addEventListener("click", () => seek(pos + stepMs));
  el.speed.addEventListener("change", () => {
    speed = Number(el.speed.value) || DEFAULT_SPEED;
  });
  el.scrubber.addEventListener("input", () => {
    pause();
    seek(Number(el.scrubber.value) * 1000);
  });

  // A presentation remote sends Page Up/Down (or arrows) and sometimes Space: all work anywhere
  // on the page, also while the timeline has focus (its own arrow steps are replaced by ours).
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (ev.target instanceof HTMLSelectElement) return;
    const act: Record<string, () => void> = {
      " ": () => (playing ? pause() : play()),
      k: () => (playing ? pause() : play()),
      ArrowLeft: () => seek(pos - stepMs),
      ArrowRight: () => seek(pos + stepMs),
      ArrowUp: () => jump(-1),
      PageUp: () => jump(-1),
      ArrowDown: () => jump(1),
      PageDown: () => jump(1),
      Home: () => seek(0),
      End: () => seek(end),
    };
    const fn = act[ev.key];
    if (!fn) return;
    ev.preventDefault();
    fn();
  });

  setPlayIcon();
  seek(0);
  requestAnimationFrame(layoutMarkers);
  // For tests and curious teachers: the player behind the page.
  window.__replay = { player, seek, play, pause, markers: player.markers, speed: (k: number) => (speed = k) };
}

declare global {
  interface Window {
    __replay?: { player: ReplayPlayer; seek(ms: number): void; play(): void; pause(): void; markers: readonly Marker[]; speed(k: number): void };
  }
}

const code = normalizeClassCode(new URLSearchParams(location.search).get("code") ?? "");
if (!code) {
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  banner(t("replay.missingKey"), "bad");
} else void load(code);
