/**
 * The city, mountable by any page: the projector (whole city), the host (click a building to
 * target it), a student's phone (one building big) or a small overview. One Phaser game per mount,
 * plus two pieces of DOM that the canvas cannot provide: an accessible list of the buildings and
 * their states (also what end-to-end tests read), and optionally the legend.
 */
import Phaser from "phaser";
import type { LiveClassState } from "../state.ts";
import { CityScene } from "./renderer.ts";
import type { SceneModel } from "./model.ts";
import { renderLegend } from "./legend.ts";
import { cityLabel, type CityLanguage } from "./labels.ts";
import { COLORS, css } from "./palette.ts";
import "../ui/city.css";

export type { SceneModel, BuildingModel, LegendEntry } from "./model.ts";
export { renderLegend } from "./legend.ts";
export { cityLabel } from "./labels.ts";
export type { CityLanguage } from "./labels.ts";

export interface CityOptions {
  /** Whole city (display/host), one building big (student), small overview. */
  view: "city" | "building" | "minimap";
  /** Building view: which node; city/minimap: highlight it. */
  focusNode?: string;
  /** No tweens, flicker or moving cars (defaults to the OS's prefers-reduced-motion). */
  reducedMotion?: boolean;
  /** Host page: click a building to target it. */
  onBuildingClick?: (nodeName: string) => void;
  language?: "en" | "vi";
  /**
   * The legend: true draws it in a corner of the mount (default for city and building views),
   * false hides it (default for the minimap), an element receives it (a page's side panel).
   */
  legend?: boolean | HTMLElement;
  /** Called after each rebuild of the scene model (at most ~7 times a second). */
  onModel?: (model: SceneModel) => void;
}

export interface CityHandle {
  /** Call on every state change; the city rebuilds at most every 150 ms. */
  update(state: LiveClassState): void;
  setFocus(nodeName: string | null): void;
  setReducedMotion(on: boolean): void;
  resize(): void;
  destroy(): void;
  setLanguage(lang: CityLanguage): void;
  /** The last scene model (null before the first update). */
  model(): SceneModel | null;
  /**
   * Main-thread milliseconds of each frame since the last call (Phaser step + render submission,
   * city code included), then cleared. For the benchmark: GPU time is not in it.
   */
  takeFrameCpuTimes(): number[];
}

const A11Y_INTERVAL_MS = 400;

function setData(el: HTMLElement, key: string, value: string): void {
  if (el.dataset[key] !== value) el.dataset[key] = value;
}

export function mountCity(parent: HTMLElement, opts: CityOptions): CityHandle {
  const root = document.createElement("div");
  root.className = "cc-city";
  root.dataset.view = opts.view;
  const canvasHost = document.createElement("div");
  canvasHost.className = "cc-city-canvas";
  const list = document.createElement("ul");
  list.className = "cc-city-a11y";
  let lang: CityLanguage = opts.language ?? "en";
  root.append(canvasHost, list);
  parent.append(root);

  let legendHost: HTMLElement | null = null;
  const legendOpt = opts.legend ?? opts.view !== "minimap";
  if (legendOpt instanceof HTMLElement) legendHost = legendOpt;
  else if (legendOpt) {
    const details = document.createElement("details");
    details.className = "cc-city-legend";
    details.open = opts.view === "city";
    const summary = document.createElement("summary");
    summary.textContent = cityLabel(lang, "legend.title");
    legendHost = document.createElement("div");
    details.append(summary, legendHost);
    root.append(details);
  }

  const reducedMotion = opts.reducedMotion ?? window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
  const items = new Map<string, HTMLLIElement>();
  let lastA11y = 0;
  let a11yTimer: ReturnType<typeof setTimeout> | null = null;
  let latest: SceneModel | null = null;

  const writeA11y = () => {
    a11yTimer = null;
    lastA11y = performance.now();
    const m = latest;
    if (!m) return;
    list.setAttribute("aria-label", cityLabel(lang, "a11y.list"));
    root.dataset.buildings = String(m.buildings.length);
    root.dataset.moves = String(m.moves);
    root.dataset.drones = String(m.drones.length);
    root.dataset.mode = m.mode;
    root.dataset.cars = String(scene.activeCars());
    root.dataset.staticDraws = `${scene.staticDraws}/${scene.staticFullDraws}`;
    for (const [name, li] of items) {
      if (!m.byName.has(name)) {
        li.remove();
        items.delete(name);
      }
    }
    // Kept in city order (by cell): only a new building is inserted; nothing else moves in the DOM.
    let prev: HTMLLIElement | null = null;
    for (const b of m.buildings) {
      let li = items.get(b.name);
      if (!li) {
        li = document.createElement("li");
        li.dataset.node = b.name;
        items.set(b.name, li);
      }
      const want: ChildNode | null = prev ? prev.nextSibling : list.firstChild;
      if (want !== li) list.insertBefore(li, want);
      prev = li;
      setData(li, "state", b.state);
      setData(li, "visuals", b.visuals.join(" "));
      setData(li, "pods", String(b.pods));
      setData(li, "focus", b.focus ? "true" : "false");
      if (li.textContent !== b.a11yText) li.textContent = b.a11yText;
    }
    if (legendHost) renderLegend(legendHost, m.legend, lang);
  };

  const scene = new CityScene({
    view: opts.view,
    focusNode: opts.focusNode ?? null,
    reducedMotion,
    language: lang,
    ...(opts.onBuildingClick ? { onBuildingClick: opts.onBuildingClick } : {}),
    onModel: (m) => {
      latest = m;
      opts.onModel?.(m);
      // A thousand list items rewritten twice a second would cost more than the map: slow down.
      const wait = Math.min(2000, Math.max(A11Y_INTERVAL_MS, m.buildings.length)) - (performance.now() - lastA11y);
      if (wait <= 0) writeA11y();
      else a11yTimer ??= setTimeout(writeA11y, wait);
    },
  });

  const game = new Phaser.Game({
    type: Phaser.AUTO,
    parent: canvasHost,
    backgroundColor: css(COLORS.background),
    scale: { mode: Phaser.Scale.RESIZE, width: canvasHost.clientWidth || 800, height: canvasHost.clientHeight || 600 },
    banner: false,
    audio: { noAudio: true },
    input: { keyboard: false, gamepad: false },
        // Linear texture filtering (text, the static layer) but no multisampling: the scene is mostly
    // axis-aligned rectangles, and MSAA costs a full-screen resolve every frame on weak GPUs.
    render: { antialias: true, antialiasGL: false, powerPreference: "high-performance" },
    scene,
  });
  let stepStart = 0;
  let cpuTimes: number[] = [];
  game.events.on(Phaser.Core.Events.PRE_STEP, () => {
    stepStart = performance.now();
  });
  game.events.on(Phaser.Core.Events.POST_RENDER, () => {
    if (cpuTimes.length < 10_000) cpuTimes.push(performance.now() - stepStart);
  });
  // Pages change the city's box without a window resize (a banner appears, a panel opens):
  // watch the box itself, so the canvas and the camera follow.
  // refresh() alone reuses the parent size Phaser measured last; measure first.
  const followBox = () => {
    game.scale.getParentBounds();
    game.scale.refresh();
    scene.refit();
  };
  const observer = typeof ResizeObserver === "function" ? new ResizeObserver(followBox) : null;
  observer?.observe(canvasHost);
  game.events.once(Phaser.Core.Events.READY, () => {
    root.dataset.renderer = game.renderer.type === Phaser.WEBGL ? "webgl" : "canvas";
  });
  root.dataset.reducedMotion = String(reducedMotion);

  return {
    update(state) {
      scene.setState(state);
    },
    setFocus(name) {
      scene.setFocus(name);
    },
    setReducedMotion(on) {
      root.dataset.reducedMotion = String(on);
      scene.setReducedMotion(on);
    },
    resize() {
      followBox();
    },
    destroy() {
      if (a11yTimer) clearTimeout(a11yTimer);
      observer?.disconnect();
      game.destroy(true);
      root.remove();
    },
    setLanguage(l) {
      lang = l;
      scene.setLanguage(l);
      const summary = root.querySelector(".cc-city-legend summary");
      if (summary) summary.textContent = cityLabel(l, "legend.title");
    },
    model() {
      return latest;
    },
    takeFrameCpuTimes() {
      const out = cpuTimes;
      cpuTimes = [];
      return out;
    },
  };
}
