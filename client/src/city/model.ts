/**
 * The city as plain data: LiveClassState in, a scene model out (buildings, apartments, the gate,
 * drones, legend). Everything a picture means is decided here, in testable code; the Phaser layer
 * only draws what this says. No DOM, no Phaser, no clock: the caller passes the wall time.
 *
 * The builder keeps a little memory between updates, because the wire state alone cannot give
 * what the room needs to see:
 * - a building's cell is sticky (the server's `slot` is an index into the join order, which shifts
 *   when someone leaves), so buildings never jump; a new building takes the first free cell;
 * - an apartment's place in its building is sticky too, so a pod leaving does not shuffle the rest;
 * - evictions are detected across updates (a pod terminating on a broken node, then a new pod of
 *   the same app placed elsewhere) and become drone flights.
 */
import type { LiveClassState, LiveNode } from "../state.ts";
import type { PodSnapshot, ServiceSnapshot } from "../../../shared/protocol/snapshot.ts";
import { APP_COLORS, COLORS, versionPattern, type VersionPattern } from "./palette.ts";
import { cityLabel, type CityLabelKey, type CityLanguage } from "./labels.ts";

/** World geometry, in world units (the camera zooms; nothing here depends on the screen). */
export const GEOMETRY = {
  cellW: 260,
  cellH: 300,
  /** Street along the bottom of every row of lots. */
  streetH: 36,
  /** Avenue along the left of every column of lots. */
  avenueW: 30,
  /** Room above a building for its name. */
  labelH: 46,
  aptW: 34,
  aptH: 28,
  /** Facade margin around the windows. */
  pad: 10,
  roofH: 14,
  groundH: 26,
  /** Five windows wide at most, so everything drawn for a building stays inside its lot. */
  maxCols: 5,
  maxFloors: 6,
  gateW: 150,
  gateH: 170,
} as const;

/** Cells per row vs. rows the city grows towards (16:10 screens, in cells of cellW x cellH). */
const TARGET_CELL_ASPECT = 1.6 * (GEOMETRY.cellH / GEOMETRY.cellW);

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type BuildingKind = "tower" | "host" | "house";
export type BuildingState =
  | "ready" | "pulling" | "cordoned" | "draining" | "pressure" | "partitioned" | "offline" | "notready" | "down" | "burnt"
  | "hostUp" | "hostDown" | "bareWaiting" | "bareRunning" | "bareFailed";
export type Visual =
  | "fire" | "smoke" | "dim" | "cable" | "cones" | "boxes" | "pressure" | "scaffolding" | "crash" | "focus" | "slow" | "queue";
export type AptState =
  | "ready" | "starting" | "creating" | "crashloop" | "pullError" | "terminating" | "failed" | "unknown" | "unhealthy" | "incoming";
export type Tone = "ok" | "warn" | "bad";

export interface ApartmentModel {
  /** Pod name (container service in the Compose round). */
  key: string;
  index: number;
  /** Relative to the building's lot (top-left of the cell). */
  x: number;
  y: number;
  w: number;
  h: number;
  app: string;
  version: string;
  color: number;
  pattern: VersionPattern;
  state: AptState;
  /** Short text drawn in the window when it is big enough ("v2", "web"). */
  label: string;
  /** Wall time at which a pod carried by a drone lands (0: already here). */
  arriveAtMs: number;
}

export interface BuildingModel {
  name: string;
  displayName: string;
  kind: BuildingKind;
  cell: number;
  col: number;
  row: number;
  /** The lot (cell) in world coordinates. */
  lot: Rect;
  /** The building body, relative to the lot. */
  body: Rect;
  /** Door on the street, relative to the lot. */
  door: { x: number; y: number };
  cols: number;
  floors: number;
  state: BuildingState;
  tone: Tone;
  visuals: Visual[];
  statusText: string;
  detailText: string;
  a11yText: string;
  focus: boolean;
  apartments: ApartmentModel[];
  /** Pods that do not fit in the drawn floors. */
  overflow: number;
  /** Pods counted as living here (not terminating). */
  pods: number;
  pull: { image: string; done: number; total: number; progress: number } | null;
  /** Requests per second answered here; cars drive to buildings in proportion. */
  trafficWeight: number;
  /** Requests failing here (pods still listed as endpoints on a broken node). */
  errorWeight: number;
  /** Cars waiting at the door (overloaded pods). */
  queue: number;
  /** The Compose round's containers, or the bare round's runtimes and failure. */
  runtimes: string;
  bareReason: string;
}

export interface DroneModel {
  id: number;
  app: string;
  color: number;
  count: number;
  fromNode: string;
  toNode: string;
  from: { x: number; y: number };
  to: { x: number; y: number };
  startMs: number;
  endMs: number;
}

export interface GateModel {
  rect: Rect;
  /** Where cars leave the gate onto the city's streets. */
  exit: { x: number; y: number };
  rps: number;
  served: number;
  errors: number;
  p95Ms: number;
  endpoints: number;
  pending: number;
  registryDown: boolean;
  rpsText: string;
  errorText: string;
  pendingText: string;
}

export interface LegendEntry {
  id: string;
  picture: string;
  word: string;
  /** Something on screen right now shows this. */
  present: boolean;
}

export interface SceneModel {
  mode: "kubernetes" | "compose" | "bare";
  language: CityLanguage;
  clusterMs: number;
  buildings: BuildingModel[];
  byName: Map<string, BuildingModel>;
  gate: GateModel;
  drones: DroneModel[];
  /** Lots and gate together. */
  bounds: Rect;
  gridCols: number;
  gridRows: number;
  legend: LegendEntry[];
  /** Evictions seen so far (drone flights started). */
  moves: number;
  appColors: Map<string, number>;
}

export interface BuildOptions {
  focusNode?: string | null;
  language?: CityLanguage;
  /** Wall clock in ms (performance.now() in the page); drones are timed on it. */
  nowMs: number;
}

// ---------------------------------------------------------------------------------------------
// Layout

const cellOrder: { col: number; row: number }[] = [{ col: 0, row: 0 }];
let orderCols = 1;
let orderRows = 1;

/**
 * Where the n-th cell is. The city grows as a rectangle that adds a column on the right or a row
 * at the bottom, whichever keeps it closer to a screen's shape; cells already given out never
 * move, whatever the number of buildings.
 */
export function cellPosition(index: number): { col: number; row: number } {
  while (cellOrder.length <= index) {
    if (orderCols / orderRows < TARGET_CELL_ASPECT) {
      for (let r = 0; r < orderRows; r++) cellOrder.push({ col: orderCols, row: r });
      orderCols++;
    } else {
      for (let c = 0; c < orderCols; c++) cellOrder.push({ col: c, row: orderRows });
      orderRows++;
    }
  }
  return cellOrder[index]!;
}

export function lotRect(cell: number): Rect {
  const { col, row } = cellPosition(cell);
  return { x: col * GEOMETRY.cellW, y: row * GEOMETRY.cellH, w: GEOMETRY.cellW, h: GEOMETRY.cellH };
}

/** y of the street's middle below a row, and x of the avenue's middle left of a column. */
export const streetY = (row: number): number => (row + 1) * GEOMETRY.cellH - GEOMETRY.streetH / 2;
export const avenueX = (col: number): number => col * GEOMETRY.cellW + GEOMETRY.avenueW / 2;

/** Building size from capacity: CPU gives the width, memory the height (default node: 4 x 4). */
export function towerShape(cpuMilli: number, memoryMiB: number, pods: number): { cols: number; floors: number; overflow: number } {
  const cols = clamp(Math.round(cpuMilli / 1000), 2, GEOMETRY.maxCols);
  let floors = clamp(Math.round(memoryMiB / 2048), 2, GEOMETRY.maxFloors);
  if (pods > cols * floors) floors = Math.min(GEOMETRY.maxFloors, Math.ceil(pods / cols));
  return { cols, floors, overflow: Math.max(0, pods - cols * floors) };
}

function towerBody(cols: number, floors: number): Rect {
  const w = cols * GEOMETRY.aptW + 2 * GEOMETRY.pad;
  const h = floors * GEOMETRY.aptH + GEOMETRY.roofH + GEOMETRY.groundH + GEOMETRY.pad;
  const areaX = GEOMETRY.avenueW;
  const areaW = GEOMETRY.cellW - GEOMETRY.avenueW;
  const bottom = GEOMETRY.cellH - GEOMETRY.streetH;
  return { x: Math.round(areaX + (areaW - w) / 2), y: bottom - h, w, h };
}

// ---------------------------------------------------------------------------------------------
// Camera

export interface CameraFit {
  zoom: number;
  centerX: number;
  centerY: number;
}

/** Zoom and center so that `bounds` fills the view with a margin, within [minZoom, maxZoom]. */
export function fitCamera(bounds: Rect, viewW: number, viewH: number, opts: { padding?: number; minZoom?: number; maxZoom?: number } = {}): CameraFit {
  const padding = opts.padding ?? 24;
  const w = Math.max(1, viewW - 2 * padding);
  const h = Math.max(1, viewH - 2 * padding);
  const raw = Math.min(w / Math.max(1, bounds.w), h / Math.max(1, bounds.h));
  const zoom = clamp(raw, opts.minZoom ?? 0.01, opts.maxZoom ?? 3);
  return { zoom, centerX: bounds.x + bounds.w / 2, centerY: bounds.y + bounds.h / 2 };
}

/** Screen pixels a world length takes at a zoom; labels below ~9 px are not drawn. */
export const screenSize = (worldSize: number, zoom: number): number => worldSize * zoom;

// ---------------------------------------------------------------------------------------------
// Text helpers

/** Cluster or wall time as m:ss, or h:mm:ss from an hour. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${String(m).padStart(2, "0")}:${ss}`;
}

/** A countdown, rounded up so that "0:00" means now. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

// ---------------------------------------------------------------------------------------------
// Pods and nodes

const FAILED = new Set(["Error", "Evicted", "OOMKilled", "Completed", "ContainerStatusUnknown"]);
const PULL_ERRORS = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName"]);

/** How a pod looks. Terminating and crash-looping win over everything a node could say. */
export function apartmentState(p: PodSnapshot, node: LiveNode | undefined): AptState {
  if (p.terminating) return "terminating";
  if (p.status === "CrashLoopBackOff") return "crashloop";
  if (PULL_ERRORS.has(p.status)) return "pullError";
  if (FAILED.has(p.status) && !p.running) return "failed";
  if (p.status === "ContainerCreating" || p.status === "Pending" || p.status === "PodInitializing") return "creating";
  if (node && node.ready !== "True") return "unknown";
  if (p.running && p.ready) return "ready";
  if (p.running) return "starting";
  return "creating";
}

/** A node whose pods, once terminating, are being evicted (not replaced by a rollout). */
function evicting(n: LiveNode | undefined): boolean {
  return !n || !n.powered || n.partitioned || !n.connected || n.ready !== "True" || n.draining || n.memoryPressure;
}

interface PodMemo {
  app: string;
  node: string;
  terminating: boolean;
  failed: boolean;
  /** The build that last saw this pod. */
  gen: number;
}

interface Evicted {
  app: string;
  node: string;
  atMs: number;
}

const DRONE_MS = 2600;
const POOL_MS = 20_000;
const MAX_DRONES = 40;

// ---------------------------------------------------------------------------------------------
// Builder

export class CityModelBuilder {
  private cells = new Map<string, number>();
  private aptSlots = new Map<string, Map<string, number>>();
  private appColors = new Map<string, number>();
  private prevPods = new Map<string, PodMemo>();
  private pool: Evicted[] = [];
  private drones: DroneModel[] = [];
  private landing = new Map<string, number>();
  private initialized = false;
  private moves = 0;
  private nextDroneId = 1;
  private generation = 0;

  build(state: LiveClassState, opts: BuildOptions): SceneModel {
    const lang = opts.language ?? "en";
    const now = opts.nowMs;
    const mode = (state.mode === "compose" || state.mode === "bare" ? state.mode : "kubernetes") as SceneModel["mode"];
    this.assignCells(state);
    this.assignColors(state);

    const podsByNode = new Map<string, PodSnapshot[]>();
    let pending = 0;
    state.pods.forEach((p) => {
      if (!p.node) {
        if (!p.terminating && !FAILED.has(p.status)) pending++;
        return;
      }
      let list = podsByNode.get(p.node);
      if (!list) podsByNode.set(p.node, (list = []));
      list.push(p);
    });

    this.detectMoves(state, now);

    const buildings: BuildingModel[] = [];
    const byName = new Map<string, BuildingModel>();
    const focus = opts.focusNode ?? null;
    state.nodes.forEach((n) => {
      const cell = this.cells.get(n.name)!;
      const pods = podsByNode.get(n.name) ?? [];
      const b =
        mode === "compose" ? this.hostBuilding(n, cell, lang)
          : mode === "bare" ? this.houseBuilding(n, cell, lang)
            : this.towerBuilding(n, cell, pods, state.clusterMs, lang, now);
      b.focus = focus === n.name;
      if (b.focus) b.visuals.push("focus");
      b.a11yText = cityLabel(lang, "a11y.building", {
        name: b.displayName,
        node: n.name,
        status: b.statusText,
        detail: b.detailText ? ` · ${b.detailText}` : "",
        pods: cityLabel(lang, "detail.pods", { n: b.pods }),
      }) + (b.bareReason && b.state === "bareFailed" ? ` ${b.bareReason}.` : "") + (b.focus ? ` (${cityLabel(lang, "a11y.you")})` : "");
      buildings.push(b);
      byName.set(b.name, b);
    });
    for (const name of [...this.aptSlots.keys()]) if (!byName.has(name)) this.aptSlots.delete(name);
    buildings.sort((a, b) => a.cell - b.cell);

    this.applyTraffic(state, buildings, podsByNode);
    const drones = this.updateDrones(byName, now);

    let gridCols = 1;
    let gridRows = 1;
    for (const b of buildings) {
      gridCols = Math.max(gridCols, b.col + 1);
      gridRows = Math.max(gridRows, b.row + 1);
    }
    const gate = this.gate(state, gridRows, pending, lang);
    // The gate's labels are wider than the gate and hang below it: leave them room.
    const left = gate.rect.x - 80;
    const top = Math.min(-110, gate.rect.y - 110);
    const bounds = {
      x: left,
      y: top,
      w: gridCols * GEOMETRY.cellW - left,
      h: Math.max(gridRows * GEOMETRY.cellH, gate.rect.y + gate.rect.h + 180) - top,
    };
    const model: SceneModel = {
      mode, language: lang, clusterMs: state.clusterMs, buildings, byName, gate, drones, bounds, gridCols, gridRows,
      legend: [], moves: this.moves, appColors: new Map(this.appColors),
    };
    model.legend = legendFor(model);
    this.initialized = true;
    return model;
  }

  /** Sticky cells: known nodes keep theirs; new ones, in slot order, take the lowest free cell. */
  private assignCells(state: LiveClassState): void {
    for (const name of [...this.cells.keys()]) if (!state.nodes.get(name)) this.cells.delete(name);
    const fresh: LiveNode[] = [];
    state.nodes.forEach((n) => {
      if (!this.cells.has(n.name)) fresh.push(n);
    });
    if (fresh.length === 0) return;
    fresh.sort((a, b) => a.slot - b.slot || (a.name < b.name ? -1 : 1));
    const used = new Set(this.cells.values());
    let next = 0;
    for (const n of fresh) {
      while (used.has(next)) next++;
      this.cells.set(n.name, next);
      used.add(next);
    }
  }

  /** Apps keep the color they were first seen with (Deployments first, in their order). */
  private assignColors(state: LiveClassState): void {
    const add = (app: string) => {
      if (app && !this.appColors.has(app)) this.appColors.set(app, APP_COLORS[this.appColors.size % APP_COLORS.length]!);
    };
    state.deployments.forEach((d) => add(d.name));
    state.pods.forEach((p) => add(p.app));
  }

  colorOf(app: string): number {
    return this.appColors.get(app) ?? APP_COLORS[0];
  }

  private placeLot(cell: number): { lot: Rect; col: number; row: number } {
    const { col, row } = cellPosition(cell);
    return { lot: lotRect(cell), col, row };
  }

  private towerBuilding(n: LiveNode, cell: number, pods: PodSnapshot[], clusterMs: number, lang: CityLanguage, now: number): BuildingModel {
    const { lot, col, row } = this.placeLot(cell);
    // Sticky apartments: a leaving pod frees its window, nobody else moves.
    let slots = this.aptSlots.get(n.name);
    if (!slots) this.aptSlots.set(n.name, (slots = new Map()));
    let known = slots.size === pods.length;
    if (known) for (const p of pods) if (!slots.has(p.name)) known = false;
    if (!known) {
      // Something moved in or out (rare): free the windows of the departed, give out new ones oldest first.
      const here = new Set(pods.map((p) => p.name));
      for (const k of [...slots.keys()]) if (!here.has(k)) slots.delete(k);
      const fresh = pods.filter((p) => !slots.has(p.name)).sort((a, b) => a.createdAtMs - b.createdAtMs || (a.name < b.name ? -1 : 1));
      const used = new Set(slots.values());
      let next = 0;
      for (const p of fresh) {
        while (used.has(next)) next++;
        slots.set(p.name, next);
        used.add(next);
      }
    }
    let highest = 0;
    for (const i of slots.values()) if (i + 1 > highest) highest = i + 1;
    const shape = towerShape(n.cpuCapacity, n.memoryCapacity, highest);
    const body = towerBody(shape.cols, shape.floors);
    const apartments: ApartmentModel[] = [];
    let living = 0;
    let crash = 0;
    let crashNext = Infinity;
    let pullErr = 0;
    let pullReason = "";
    for (const p of pods) {
      const index = slots.get(p.name)!;
      const st = apartmentState(p, n);
      if (!p.terminating) living++;
      if (st === "crashloop") {
        crash++;
        if (p.backoffUntilMs > clusterMs) crashNext = Math.min(crashNext, p.backoffUntilMs - clusterMs);
      }
      if (st === "pullError") {
        pullErr++;
        pullReason = p.status;
      }
      if (index >= shape.cols * shape.floors) continue;
      const c = index % shape.cols;
      const f = Math.floor(index / shape.cols);
      const arrive = this.landing.get(p.name) ?? 0;
      apartments.push({
        key: p.name,
        index,
        x: body.x + GEOMETRY.pad + c * GEOMETRY.aptW + 2,
        y: body.y + body.h - GEOMETRY.groundH - (f + 1) * GEOMETRY.aptH + 2,
        w: GEOMETRY.aptW - 4,
        h: GEOMETRY.aptH - 4,
        app: p.app,
        version: p.version,
        color: this.colorOf(p.app),
        pattern: versionPattern(p.version),
        state: arrive > now ? "incoming" : st,
        label: p.version,
        arriveAtMs: arrive > now ? arrive : 0,
      });
    }

    const visuals: Visual[] = [];
    let state: BuildingState = "ready";
    let tone: Tone = "ok";
    let detail = "";
    const notReady = n.ready !== "True";
    const burnt = !n.powered && notReady && living === 0;
    if (!n.powered) {
      state = burnt ? "burnt" : "down";
      tone = "bad";
      visuals.push(burnt ? "smoke" : "fire");
    } else if (n.partitioned) {
      state = "partitioned";
      tone = "bad";
      visuals.push("cable");
    } else if (!n.connected) {
      state = "offline";
      tone = "bad";
      visuals.push("cable");
    } else if (notReady) {
      state = "notready";
      tone = "bad";
    }
    if (notReady) visuals.push("dim");
    if (burnt) detail = cityLabel(lang, "detail.movedOut");
    if (notReady && !burnt) {
      if (n.evictAtMs > clusterMs) detail = cityLabel(lang, "detail.evictIn", { t: formatCountdown(n.evictAtMs - clusterMs) });
      else if (n.notReadySinceMs > 0) detail = cityLabel(lang, "detail.notReadyFor", { t: formatCountdown(clusterMs - n.notReadySinceMs) });
    }
    if (n.draining) {
      visuals.push("boxes", "cones");
      if (state === "ready") {
        state = "draining";
        tone = "warn";
      }
    } else if (n.cordoned) {
      visuals.push("cones");
      if (state === "ready") {
        state = "cordoned";
        tone = "warn";
      }
    }
    if (n.memoryPressure) {
      visuals.push("pressure");
      if (state === "ready") {
        state = "pressure";
        tone = "warn";
      }
    }
    const pull = n.pulling ? { image: n.pulling, done: n.pullLayersDone, total: n.pullLayersTotal, progress: n.pullProgress } : null;
    if (pull && n.powered) {
      visuals.push("scaffolding");
      if (state === "ready") {
        state = "pulling";
        tone = "warn";
      }
    }
    if (crash > 0) {
      visuals.push("crash");
      if (tone === "ok") tone = "warn";
      if (!detail) {
        detail = crashNext < Infinity
          ? cityLabel(lang, "detail.crashloop", { n: crash, t: formatCountdown(crashNext) })
          : cityLabel(lang, "detail.crashloopNow", { n: crash });
      }
    }
    if (pullErr > 0 && !detail) {
      detail = cityLabel(lang, "detail.imagePull", { reason: pullReason, n: pullErr });
      if (tone === "ok") tone = "warn";
    }
    if (n.speed > 0 && n.speed < 0.99) {
      visuals.push("slow");
      if (!detail) detail = cityLabel(lang, "detail.slow", { pct: Math.round(n.speed * 100) });
    }
    const statusText = state === "pulling"
      ? cityLabel(lang, "status.pulling", { done: n.pullLayersDone, total: n.pullLayersTotal })
      : cityLabel(lang, `status.${state}` as CityLabelKey);
    return {
      name: n.name,
      displayName: n.student || n.name,
      kind: "tower",
      cell, col, row, lot, body,
      door: { x: body.x + body.w / 2, y: body.y + body.h },
      cols: shape.cols,
      floors: shape.floors,
      state, tone, visuals,
      statusText,
      detailText: detail,
      a11yText: "",
      focus: false,
      apartments,
      overflow: Math.max(0, living - apartments.filter((a) => a.state !== "terminating").length),
      pods: living,
      pull,
      trafficWeight: 0,
      errorWeight: 0,
      queue: 0,
      runtimes: "",
      bareReason: "",
    };
  }

  /** Compose round: a Docker host with its project's containers, one big window each. */
  private hostBuilding(n: LiveNode, cell: number, lang: CityLanguage): BuildingModel {
    const { lot, col, row } = this.placeLot(cell);
    const containers: { service: string; status: string; health: string; restarts: number }[] = [];
    n.containers.forEach((c) => containers.push(c));
    containers.sort((a, b) => serviceRank(a.service) - serviceRank(b.service) || (a.service < b.service ? -1 : 1));
    const per = 2;
    const cols = Math.max(3, containers.length) * per;
    const floors = 2;
    const body = towerBody(Math.min(GEOMETRY.maxCols, cols), floors);
    const slotW = (body.w - 2 * GEOMETRY.pad) / Math.max(3, containers.length);
    const apartments: ApartmentModel[] = containers.map((c, i) => {
      let st: AptState;
      if (!n.powered) st = "failed";
      else if (c.status === "restarting") st = "crashloop";
      else if (c.status === "exited") st = "failed";
      else if (c.status === "created") st = "creating";
      else if (c.health === "unhealthy") st = "unhealthy";
      else if (c.health === "starting") st = "starting";
      else st = "ready";
      return {
        key: c.service,
        index: i,
        x: body.x + GEOMETRY.pad + i * slotW + 3,
        y: body.y + body.h - GEOMETRY.groundH - floors * GEOMETRY.aptH + 3,
        w: slotW - 6,
        h: floors * GEOMETRY.aptH - 6,
        app: c.service,
        version: "",
        color: serviceColor(c.service),
        pattern: "solid",
        state: st,
        label: c.service,
        arriveAtMs: 0,
      };
    });
    const visuals: Visual[] = [];
    let state: BuildingState = "hostUp";
    let tone: Tone = "ok";
    let detail = "";
    if (!n.powered) {
      state = "hostDown";
      tone = "bad";
      visuals.push("fire");
      detail = cityLabel(lang, "detail.nothingMoves");
    } else {
      const bad = containers.find((c) => c.status === "restarting") ?? containers.find((c) => c.status === "exited") ?? containers.find((c) => c.health === "unhealthy");
      if (bad) {
        tone = "warn";
        detail = cityLabel(lang, bad.status === "restarting" ? "detail.restarting" : bad.status === "exited" ? "detail.exited" : "detail.unhealthy", { service: bad.service });
        if (bad.status === "restarting") visuals.push("crash");
      }
      if (n.partitioned || !n.connected) visuals.push("cable");
    }
    return {
      name: n.name, displayName: n.student || n.name, kind: "host", cell, col, row, lot, body,
      door: { x: body.x + body.w / 2, y: body.y + body.h },
      cols: Math.min(GEOMETRY.maxCols, cols), floors, state, tone, visuals,
      statusText: cityLabel(lang, `status.${state}` as CityLabelKey),
      detailText: detail, a11yText: "", focus: false, apartments, overflow: 0,
      pods: containers.filter((c) => c.status === "running").length,
      pull: null, trafficWeight: 0, errorWeight: 0, queue: 0, runtimes: "", bareReason: "",
    };
  }

  /** Before containers: a house whose kitchen has whatever runtimes happen to be installed. */
  private houseBuilding(n: LiveNode, cell: number, lang: CityLanguage): BuildingModel {
    const { lot, col, row } = this.placeLot(cell);
    const w = 170;
    const h = 110;
    const bottom = GEOMETRY.cellH - GEOMETRY.streetH;
    const body = { x: Math.round(GEOMETRY.avenueW + (GEOMETRY.cellW - GEOMETRY.avenueW - w) / 2), y: bottom - h, w, h };
    const visuals: Visual[] = [];
    let state: BuildingState = "bareWaiting";
    let tone: Tone = "ok";
    if (!n.powered) {
      visuals.push("fire");
      tone = "bad";
    }
    if (n.bareStatus === "running") state = "bareRunning";
    else if (n.bareStatus === "failed") {
      state = "bareFailed";
      tone = "bad";
      visuals.push("smoke");
    }
    // One runtime per line under the house (the renderer breaks details at " · ").
    const kitchen = n.runtimes ? cityLabel(lang, "detail.kitchen", { runtimes: n.runtimes.split(", ").join(" · ") }) : cityLabel(lang, "detail.noRuntimes");
    const app: ApartmentModel = {
      key: "app",
      index: 0,
      x: body.x + 18,
      y: body.y + 34,
      w: 56,
      h: 44,
      app: "app",
      version: "",
      color: APP_COLORS[0],
      pattern: "solid",
      state: n.bareStatus === "running" ? "ready" : n.bareStatus === "failed" ? "failed" : "creating",
      label: "",
      arriveAtMs: 0,
    };
    return {
      name: n.name, displayName: n.student || n.name, kind: "house", cell, col, row, lot, body,
      door: { x: body.x + body.w - 40, y: body.y + body.h },
      cols: 1, floors: 1, state, tone, visuals,
      statusText: cityLabel(lang, `status.${state}` as CityLabelKey),
      detailText: kitchen,
      a11yText: "", focus: false, apartments: [app], overflow: 0,
      pods: n.bareStatus === "running" ? 1 : 0,
      pull: null, trafficWeight: 0, errorWeight: 0, queue: 0,
      runtimes: n.runtimes, bareReason: n.bareReason,
    };
  }

  /**
   * An eviction is a pod that starts terminating (or vanishes) on a node that is broken, drained or
   * under pressure; its move is the next pod of the same app placed on another node. Rollouts also
   * terminate pods, but on healthy nodes, so they fly no drones.
   */
  private detectMoves(state: LiveClassState, now: number): void {
    const gen = ++this.generation;
    const placed: { name: string; app: string; node: string }[] = [];
    state.pods.forEach((p) => {
      const before = this.prevPods.get(p.name);
      const failed = p.status === "Evicted";
      if (this.initialized) {
        if (p.node && !p.terminating && (!before || !before.node)) placed.push({ name: p.name, app: p.app, node: p.node });
        const startedLeaving = (p.terminating && before && !before.terminating) || (failed && before && !before.failed);
        if (startedLeaving && p.node && evicting(state.nodes.get(p.node))) this.pool.push({ app: p.app, node: p.node, atMs: now });
      }
      if (before) {
        before.app = p.app;
        before.node = p.node;
        before.terminating = p.terminating;
        before.failed = failed;
        before.gen = gen;
      } else this.prevPods.set(p.name, { app: p.app, node: p.node, terminating: p.terminating, failed, gen });
    });
    for (const [name, memo] of this.prevPods) {
      if (memo.gen === gen) continue;
      // Gone without a goodbye: its node was removed, or it was deleted while its node was down.
      if (this.initialized && memo.node && !memo.terminating && evicting(state.nodes.get(memo.node))) {
        this.pool.push({ app: memo.app, node: memo.node, atMs: now });
      }
      this.prevPods.delete(name);
    }
    this.pool = this.pool.filter((e) => now - e.atMs < POOL_MS);
    for (const p of placed) {
      const i = this.pool.findIndex((e) => e.app === p.app && e.node !== p.node);
      if (i < 0) continue;
      const from = this.pool[i]!;
      this.pool.splice(i, 1);
      this.moves++;
      const merge = this.drones.length >= MAX_DRONES
        ? this.drones.find((d) => d.fromNode === from.node && d.toNode === p.node && d.app === p.app) ?? this.drones[this.drones.length - 1]
        : undefined;
      if (merge) {
        merge.count++;
        this.landing.set(p.name, merge.endMs);
        continue;
      }
      const d: DroneModel = {
        id: this.nextDroneId++,
        app: p.app,
        color: this.colorOf(p.app),
        count: 1,
        fromNode: from.node,
        toNode: p.node,
        from: { x: 0, y: 0 },
        to: { x: 0, y: 0 },
        // Several evictions from one node leave one after another, not as one blob.
        startMs: now + 180 * this.drones.filter((x) => x.fromNode === from.node && x.startMs > now - 1000).length,
        endMs: 0,
      };
      d.endMs = d.startMs + DRONE_MS;
      this.drones.push(d);
      this.landing.set(p.name, d.endMs);
    }
    for (const [name, at] of this.landing) if (at <= now || this.prevPods.get(name)?.gen !== gen) this.landing.delete(name);
  }

  private updateDrones(byName: Map<string, BuildingModel>, now: number): DroneModel[] {
    this.drones = this.drones.filter((d) => d.endMs > now);
    for (const d of this.drones) {
      const a = byName.get(d.fromNode);
      const b = byName.get(d.toNode);
      if (a) d.from = roofOf(a);
      if (b) d.to = roofOf(b);
      if (!a && b) d.from = { x: d.to.x - GEOMETRY.cellW, y: d.to.y - GEOMETRY.cellH };
    }
    return this.drones.map((d) => ({ ...d, from: { ...d.from }, to: { ...d.to } }));
  }

  /** Cars follow served requests; failing ones head for broken nodes; queues form where load overflows. */
  private applyTraffic(state: LiveClassState, buildings: BuildingModel[], podsByNode: Map<string, PodSnapshot[]>): void {
    const pressure = new Map<string, number>();
    state.services.forEach((s: ServiceSnapshot) => {
      if (s.rps <= 0) return;
      const errShare = s.errors / s.rps;
      const slow = clamp((s.p95Ms - 150) / 850, 0, 1);
      pressure.set(s.name, clamp(errShare * 2 + slow, 0, 1));
    });
    if (state.mode === "compose" || state.mode === "bare") {
      const total = serviceTotals(state);
      for (const b of buildings) {
        const up = b.kind === "house" ? b.state === "bareRunning" : b.state === "hostUp" && b.apartments.some((a) => a.key === "web" && a.state === "ready");
        b.trafficWeight = up ? 1 : 0;
        b.errorWeight = !up && total.errors > 0 ? 1 : 0;
      }
      return;
    }
    let maxServed = 0;
    for (const b of buildings) {
      // The teacher's and projector's states carry each node's load; a student's does not, and its
      // minimap sends cars in proportion to the ready apartments instead.
      const load = state.nodes.get(b.name)?.servedRps;
      let served = 0;
      let broken = 0;
      for (const p of podsByNode.get(b.name) ?? []) {
        if (p.terminating) continue;
        if (load === undefined && p.ready) served++;
        if (p.ready && (b.state === "down" || b.state === "partitioned" || b.state === "offline")) broken++;
      }
      if (load !== undefined) served = load;
      b.trafficWeight = served;
      b.errorWeight = broken;
      maxServed = Math.max(maxServed, served);
    }
    if (maxServed <= 0) return;
    for (const b of buildings) {
      if (b.trafficWeight <= 0) continue;
      let p = 0;
      for (const pod of podsByNode.get(b.name) ?? []) p = Math.max(p, pressure.get(pod.app) ?? 0);
      if (p > 0.05) {
        b.queue = Math.min(8, Math.round(p * 8 * (b.trafficWeight / maxServed)));
        if (b.queue > 0) b.visuals.push("queue");
      }
    }
  }

  private gate(state: LiveClassState, rows: number, pending: number, lang: CityLanguage): GateModel {
    const t = serviceTotals(state);
    const midRow = Math.floor((rows - 1) / 2);
    const exitY = streetY(midRow);
    const rect = { x: -GEOMETRY.gateW - 30, y: exitY - GEOMETRY.gateH + GEOMETRY.streetH / 2, w: GEOMETRY.gateW, h: GEOMETRY.gateH };
    return {
      rect,
      exit: { x: rect.x + rect.w, y: exitY },
      rps: t.rps, served: t.served, errors: t.errors, p95Ms: t.p95Ms, endpoints: t.endpoints,
      pending,
      registryDown: state.registryDown,
      rpsText: cityLabel(lang, "gate.rps", { rps: formatRate(t.rps) }),
      errorText: t.errors >= 0.05 ? cityLabel(lang, "gate.errors", { errors: formatRate(t.errors) }) : "",
      pendingText: pending > 0 ? cityLabel(lang, "gate.pending", { n: pending }) : "",
    };
  }
}

function roofOf(b: BuildingModel): { x: number; y: number } {
  return { x: b.lot.x + b.body.x + b.body.w / 2, y: b.lot.y + b.body.y - 10 };
}

function serviceTotals(state: LiveClassState): { rps: number; served: number; errors: number; p95Ms: number; endpoints: number } {
  let rps = 0;
  let served = 0;
  let errors = 0;
  let p95Ms = 0;
  let endpoints = 0;
  state.services.forEach((s) => {
    rps += s.rps;
    served += s.served;
    errors += s.errors;
    p95Ms = Math.max(p95Ms, s.p95Ms);
    endpoints += s.endpoints;
  });
  return { rps, served, errors, p95Ms, endpoints };
}

export function formatRate(v: number): string {
  return v >= 100 ? String(Math.round(v)) : v >= 10 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, "");
}

const SERVICE_ORDER = ["web", "db", "cache"];
function serviceRank(s: string): number {
  const i = SERVICE_ORDER.indexOf(s);
  return i < 0 ? SERVICE_ORDER.length : i;
}

/** Compose services keep fixed colors; their names are written in the window too. */
export function serviceColor(service: string): number {
  const i = serviceRank(service);
  return i < SERVICE_ORDER.length ? [APP_COLORS[0], APP_COLORS[4], APP_COLORS[1]][i]! : APP_COLORS[5];
}

// ---------------------------------------------------------------------------------------------
// Legend

interface LegendDef {
  id: string;
  modes: SceneModel["mode"][];
  present: (m: SceneModel) => boolean;
}

const anyVisual = (v: Visual) => (m: SceneModel) => m.buildings.some((b) => b.visuals.includes(v));
const anyApt = (s: AptState) => (m: SceneModel) => m.buildings.some((b) => b.apartments.some((a) => a.state === s));
const always = () => true;

const LEGEND: LegendDef[] = [
  { id: "building", modes: ["kubernetes"], present: (m) => m.buildings.length > 0 },
  { id: "apartment", modes: ["kubernetes"], present: (m) => m.buildings.some((b) => b.apartments.length > 0) },
  { id: "color", modes: ["kubernetes"], present: (m) => m.buildings.some((b) => b.apartments.length > 0) },
  { id: "pattern", modes: ["kubernetes"], present: (m) => m.buildings.some((b) => b.apartments.length > 0) },
  { id: "starting", modes: ["kubernetes"], present: (m) => anyApt("starting")(m) || anyApt("creating")(m) },
  { id: "scaffolding", modes: ["kubernetes"], present: anyVisual("scaffolding") },
  { id: "crash", modes: ["kubernetes"], present: anyVisual("crash") },
  { id: "ghost", modes: ["kubernetes"], present: anyApt("terminating") },
  { id: "dim", modes: ["kubernetes"], present: anyVisual("dim") },
  { id: "fire", modes: ["kubernetes", "compose"], present: anyVisual("fire") },
  { id: "smoke", modes: ["kubernetes"], present: anyVisual("smoke") },
  { id: "cable", modes: ["kubernetes", "compose"], present: anyVisual("cable") },
  { id: "cones", modes: ["kubernetes"], present: anyVisual("cones") },
  { id: "boxes", modes: ["kubernetes"], present: anyVisual("boxes") },
  { id: "pressure", modes: ["kubernetes"], present: anyVisual("pressure") },
  { id: "gate", modes: ["kubernetes", "compose", "bare"], present: always },
  { id: "car", modes: ["kubernetes", "compose", "bare"], present: (m) => m.gate.rps > 0 },
  { id: "redcar", modes: ["kubernetes", "compose", "bare"], present: (m) => m.gate.errors > 0 },
  { id: "queue", modes: ["kubernetes"], present: anyVisual("queue") },
  { id: "pending", modes: ["kubernetes"], present: (m) => m.gate.pending > 0 },
  // The renderer flags troubled buildings with badges once the city is too big to read (~60+).
  { id: "badge", modes: ["kubernetes", "compose", "bare"], present: (m) => m.buildings.length >= 60 && m.buildings.some((b) => b.tone !== "ok") },
  { id: "drone", modes: ["kubernetes"], present: (m) => m.drones.length > 0 },
  { id: "host", modes: ["compose"], present: (m) => m.buildings.length > 0 },
  { id: "container", modes: ["compose"], present: (m) => m.buildings.length > 0 },
  { id: "health", modes: ["compose"], present: always },
  { id: "restart", modes: ["compose"], present: anyVisual("crash") },
  { id: "house", modes: ["bare"], present: (m) => m.buildings.length > 0 },
  { id: "kitchen", modes: ["bare"], present: (m) => m.buildings.length > 0 },
  { id: "bareFail", modes: ["bare"], present: (m) => m.buildings.some((b) => b.state === "bareFailed") },
];

/** Every picture of the current round with its Kubernetes (or Docker) word. */
export function legendFor(m: SceneModel): LegendEntry[] {
  return LEGEND.filter((d) => d.modes.includes(m.mode)).map((d) => ({
    id: d.id,
    picture: cityLabel(m.language, `legend.${d.id}` as CityLabelKey),
    word: cityLabel(m.language, `legend.${d.id}.k8s` as CityLabelKey),
    present: d.present(m),
  }));
}

/** Point along a polyline at distance d (clamped), for cars. */
export function pointAlong(path: readonly { x: number; y: number }[], lengths: readonly number[], d: number, out: { x: number; y: number; angle: number }): void {
  let rest = d;
  for (let i = 1; i < path.length; i++) {
    const seg = lengths[i - 1]!;
    const a = path[i - 1]!;
    const b = path[i]!;
    if (rest <= seg || i === path.length - 1) {
      const t = seg > 0 ? clamp(rest / seg, 0, 1) : 1;
      out.x = a.x + (b.x - a.x) * t;
      out.y = a.y + (b.y - a.y) * t;
      out.angle = Math.atan2(b.y - a.y, b.x - a.x);
      return;
    }
    rest -= seg;
  }
  const last = path[path.length - 1] ?? { x: 0, y: 0 };
  out.x = last.x;
  out.y = last.y;
}

/**
 * A car's way from the gate to a building's door: out of the gate, along the first avenue to the
 * building's street, along the street, then up to the door. Cars keep to the right-hand lane.
 */
export function carRoute(gate: GateModel, b: BuildingModel, lane = 0): { x: number; y: number }[] {
  const avenue = avenueX(0) + lane;
  const street = streetY(b.row) + lane;
  const doorX = b.lot.x + b.door.x;
  const doorY = b.lot.y + b.door.y;
  return [
    { x: gate.exit.x - 20, y: gate.exit.y + lane },
    { x: avenue, y: gate.exit.y + lane },
    { x: avenue, y: street },
    { x: doorX, y: street },
    { x: doorX, y: doorY + 4 },
  ];
}

export function routeLengths(path: readonly { x: number; y: number }[]): { lengths: number[]; total: number } {
  const lengths: number[] = [];
  let total = 0;
  for (let i = 1; i < path.length; i++) {
    const l = Math.hypot(path[i]!.x - path[i - 1]!.x, path[i]!.y - path[i - 1]!.y);
    lengths.push(l);
    total += l;
  }
  return { lengths, total };
}

export { COLORS };
