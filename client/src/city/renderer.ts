/**
 * The Phaser side of the city: draws a SceneModel and animates between models. Nothing here
 * decides what a state means: model.ts does.
 *
 * Cost is kept flat as the class grows:
 * - ground and buildings are drawn with one Graphics into a screen-sized RenderTexture, and only
 *   redrawn where something changed: one lot (cell) per changed building, or everything after
 *   the camera moves. Each frame the GPU draws that texture as a single quad;
 * - what moves all the time (fire, smoke, flicker, drones, pull bars, trouble badges) is one small
 *   Graphics layer redrawn per frame, for the few buildings that have it;
 * - cars are pooled images of five generated textures, recycled, never created per request;
 * - labels exist only while they are big enough to read, and change only when their text does.
 */
import Phaser from "phaser";
import type { LiveClassState } from "../state.ts";
import {
  CityModelBuilder, GEOMETRY, avenueX, carRoute, cellPosition, fitCamera, routeLengths, pointAlong, streetY,
  type ApartmentModel, type BuildingModel, type CameraFit, type DroneModel, type SceneModel,
} from "./model.ts";
import { COLORS, css, inkOn } from "./palette.ts";
import { cityLabel, type CityLanguage } from "./labels.ts";

export type CityView = "city" | "building" | "minimap";

export interface SceneOptions {
  view: CityView;
  focusNode: string | null;
  reducedMotion: boolean;
  language: CityLanguage;
  onBuildingClick?: (nodeName: string) => void;
  onModel?: (model: SceneModel) => void;
}

const FONT = "'Atkinson Hyperlegible', 'Segoe UI', 'Noto Sans', 'DejaVu Sans', Roboto, Arial, sans-serif";
/** Rebuilding the model at most this often keeps 10 Hz patches of 3,000 pods cheap. */
const MIN_BUILD_INTERVAL_MS = 150;
const MAX_CARS = 500;
/** Smallest on-screen size, in px, at which a label is worth drawing. */
const MIN_LABEL_PX = 9;
const APT_FADE_MS = 450;
const RISE_MS = 700;
const LEAVE_MS = 600;

interface Labels {
  name: Phaser.GameObjects.Text;
  status: Phaser.GameObjects.Text;
  detail: Phaser.GameObjects.Text;
  badge: Phaser.GameObjects.Text;
  you: Phaser.GameObjects.Text;
}

interface BuildingView {
  m: BuildingModel;
  x: number;
  y: number;
  bornMs: number;
  leavingMs: number;
  labels: Labels | null;
}

interface Ghost {
  node: string;
  cell: number;
  apt: ApartmentModel;
  diedMs: number;
}

interface Car {
  img: Phaser.GameObjects.Image;
  path: { x: number; y: number }[];
  lengths: number[];
  total: number;
  d: number;
  speed: number;
  err: boolean;
  back: boolean;
  active: boolean;
}

interface Route {
  path: { x: number; y: number }[];
  lengths: number[];
  total: number;
}

const tmp = { x: 0, y: 0, angle: 0 };

export class CityScene extends Phaser.Scene {
  opts: SceneOptions;
  private builder = new CityModelBuilder();
  private state: LiveClassState | null = null;
  private statePending = false;
  private lastBuildMs = -Infinity;
  model: SceneModel | null = null;
  private ready = false;

  /** Ground and buildings, drawn only when they change, into... */
  private staticG!: Phaser.GameObjects.Graphics;
  /** ...a screen-sized texture that is all the GPU draws of them each frame. */
  private staticRT!: Phaser.GameObjects.RenderTexture;
  private staticView = { x: NaN, y: NaN, zoom: NaN, w: 0, h: 0 };
  private fx!: Phaser.GameObjects.Graphics;
  private gateTexts: Phaser.GameObjects.Text[] = [];
  private emptyText: Phaser.GameObjects.Text | null = null;
  private aptTexts: Phaser.GameObjects.Text[] = [];

  private views = new Map<string, BuildingView>();
  /** When each apartment appeared (or will, when a drone lands), and in which cell. */
  private aptBorn = new Map<string, { at: number; cell: number }>();
  private ghosts: Ghost[] = [];
  /** The whole static layer must be redrawn (camera, size, level of detail, gate, grid). */
  private fullDirty = true;
  /** Only these cells must be redrawn: what changed in one building stays in its lot. */
  private dirtyCells = new Set<number>();
  private signatures = new Map<string, string>();
  private gateSignature = "";
  private lod = -1;

  private cars: Car[] = [];
  private freeCars: Car[] = [];
  private routes = new Map<string, Route>();
  private spawnAcc = 0;
  private carSerial = 0;
  private pickTable: { name: string; w: number }[] = [];
  private pickTotal = 0;
  private errTable: { name: string; w: number }[] = [];
  private errTotal = 0;

  private cam: CameraFit = { zoom: 1, centerX: 0, centerY: 0 };
  private camTarget: CameraFit | null = null;
  private pendingFit = false;
  /** Static redraws so far (the benchmark reports them). */
  staticDraws = 0;
  staticFullDraws = 0;

  constructor(opts: SceneOptions) {
    super({ key: "city" });
    this.opts = opts;
  }

  // -------------------------------------------------------------------------------------------
  // Public, called by the handle

  setState(state: LiveClassState): void {
    this.state = state;
    this.statePending = true;
  }

  setFocus(name: string | null): void {
    this.opts.focusNode = name;
    this.statePending = true;
    this.lastBuildMs = -Infinity;
  }

  setReducedMotion(on: boolean): void {
    this.opts.reducedMotion = on;
    this.fullDirty = true;
    for (const c of this.cars) this.recycle(c);
  }

  setLanguage(lang: CityLanguage): void {
    this.opts.language = lang;
    this.statePending = true;
    this.lastBuildMs = -Infinity;
  }

  /** Cars on the streets right now (for tests and the benchmark). */
  activeCars(): number {
    return this.cars.length - this.freeCars.length;
  }

  refit(): void {
    this.fit(true);
  }

  // -------------------------------------------------------------------------------------------
  // Phaser lifecycle

  create(): void {
    // No camera background: the game's clear color is the same, without a full-screen fill per frame.
    this.makeTextures();
    this.staticG = this.make.graphics({}, false);
    this.staticRT = this.add.renderTexture(0, 0, Math.max(1, this.scale.width), Math.max(1, this.scale.height)).setOrigin(0, 0).setDepth(10);
    this.fx = this.add.graphics().setDepth(30);
    if (this.opts.view !== "minimap") {
      // Title, requests, errors (and registry), pending pods.
      for (const [size, color] of [[30, "#ffffff"], [30, "#ffffff"], [30, "#ffb08a"], [24, "#ffffff"]] as const) {
        this.gateTexts.push(this.add.text(0, 0, "", textStyle(size, color)).setOrigin(0.5, 0).setDepth(41).setAlign("center"));
      }
    }
    // Refit on the next update: the camera is resized by its own listener, which may run after this one.
    this.scale.on("resize", () => {
      this.fullDirty = true;
      this.pendingFit = true;
    });
    this.input.on("pointerdown", (p: Phaser.Input.Pointer) => {
      const hit = this.buildingAt(p);
      if (hit && this.opts.onBuildingClick) this.opts.onBuildingClick(hit.name);
    });
    this.input.on("pointermove", (p: Phaser.Input.Pointer) => {
      if (!this.opts.onBuildingClick) return;
      this.game.canvas.style.cursor = this.buildingAt(p) ? "pointer" : "default";
    });
    this.ready = true;
  }

  override update(_time: number, deltaMs: number): void {
    if (!this.ready) return;
    const now = performance.now();
    const dt = Math.min(100, deltaMs);
    if (this.state && this.statePending && now - this.lastBuildMs >= this.buildInterval()) this.rebuild(now);
    if (!this.model) return;
    if (this.pendingFit) {
      this.pendingFit = false;
      this.fit(true);
    }
    this.stepCamera(dt);
    this.stepAnimations(now);
    const lod = this.lodLevel();
    if (lod !== this.lod) {
      this.lod = lod;
      this.fullDirty = true;
    }
    const view = this.viewRect();
    const sv = this.staticView;
    if (view.x !== sv.x || view.y !== sv.y || this.cam.zoom !== sv.zoom || Math.round(this.scale.width) !== sv.w || Math.round(this.scale.height) !== sv.h) this.fullDirty = true;
    if (this.fullDirty || this.dirtyCells.size > 0) this.drawStatic(now);
    this.updateLabels();
    this.drawFx(now);
    this.stepCars(now, dt);
  }

  /** Big classes rebuild less often: a model of 10,000 pods costs more than a frame. */
  private buildInterval(): number {
    const pods = this.state?.pods.size ?? 0;
    return Math.min(1000, Math.max(MIN_BUILD_INTERVAL_MS, pods / 12));
  }

  // -------------------------------------------------------------------------------------------
  // Model

  private rebuild(now: number): void {
    this.statePending = false;
    this.lastBuildMs = now;
    const first = this.model === null;
    const m = this.builder.build(this.state!, { focusNode: this.opts.focusNode, language: this.opts.language, nowMs: now });
    const prev = this.model;
    this.model = m;

    // Buildings: new ones rise on their lot, gone ones sink; a changed one redraws its lot only.
    for (const b of m.buildings) {
      const v = this.views.get(b.name);
      if (v) {
        v.m = b;
        v.x = b.lot.x;
        v.y = b.lot.y;
        v.leavingMs = 0;
      } else {
        this.views.set(b.name, { m: b, x: b.lot.x, y: b.lot.y, bornMs: first || this.opts.reducedMotion ? now - RISE_MS : now, leavingMs: 0, labels: null });
      }
      const sig = signature(b);
      if (this.signatures.get(b.name) !== sig) {
        this.signatures.set(b.name, sig);
        this.dirtyCells.add(b.cell);
      }
    }
    for (const [name, v] of this.views) {
      if (!m.byName.has(name) && v.leavingMs === 0) {
        v.leavingMs = now;
        this.signatures.delete(name);
        this.dirtyCells.add(v.m.cell);
      }
    }

    // Apartments: note births (a carried pod is born when its drone lands); fade out the departed.
    const seen = new Set<string>();
    for (const b of m.buildings) {
      for (const a of b.apartments) {
        const key = `${b.name}\u0000${a.key}`;
        seen.add(key);
        if (!this.aptBorn.has(key)) this.aptBorn.set(key, { at: first ? now - APT_FADE_MS : Math.max(now, a.arriveAtMs), cell: b.cell });
      }
    }
    if (prev && !this.opts.reducedMotion) {
      for (const b of prev.buildings) {
        for (const a of b.apartments) {
          const key = `${b.name}\u0000${a.key}`;
          if (!seen.has(key) && this.aptBorn.has(key)) this.ghosts.push({ node: b.name, cell: b.cell, apt: a, diedMs: now });
        }
      }
    }
    for (const key of [...this.aptBorn.keys()]) if (!seen.has(key)) this.aptBorn.delete(key);

    const gateSig = `${m.gridCols}x${m.gridRows}|${m.mode}|${m.gate.pending}|${m.gate.rect.x},${m.gate.rect.y}`;
    if (gateSig !== this.gateSignature) {
      this.gateSignature = gateSig;
      this.fullDirty = true;
    }

    this.routes.clear();
    this.pickTable = [];
    this.pickTotal = 0;
    this.errTable = [];
    this.errTotal = 0;
    for (const b of m.buildings) {
      if (b.trafficWeight > 0) {
        this.pickTotal += b.trafficWeight;
        this.pickTable.push({ name: b.name, w: this.pickTotal });
      }
      if (b.errorWeight > 0) {
        this.errTotal += b.errorWeight;
        this.errTable.push({ name: b.name, w: this.errTotal });
      }
    }

    this.updateGateTexts(m);
    this.fit(first);
    this.opts.onModel?.(m);
  }

  // -------------------------------------------------------------------------------------------
  // Camera

  private targetFit(): CameraFit | null {
    const m = this.model;
    if (!m) return null;
    const w = this.scale.width;
    const h = this.scale.height;
    if (this.opts.view === "building" && this.opts.focusNode) {
      const b = m.byName.get(this.opts.focusNode);
      if (b) {
        // The lot and the labels stacked above it.
        const r = { x: b.lot.x + GEOMETRY.avenueW, y: b.lot.y - 100, w: GEOMETRY.cellW - GEOMETRY.avenueW, h: GEOMETRY.cellH + 100 };
        return fitCamera(r, w, h, { padding: 12, maxZoom: 6 });
      }
    }
    return fitCamera(m.bounds, w, h, { padding: this.opts.view === "minimap" ? 4 : 16, maxZoom: this.opts.view === "minimap" ? 1 : 1.6 });
  }

  private fit(immediate: boolean): void {
    const t = this.targetFit();
    if (!t) return;
    this.camTarget = t;
    if (immediate || this.opts.reducedMotion) {
      this.cam = { ...t };
      this.applyCamera();
    }
  }

  private stepCamera(dt: number): void {
    const t = this.camTarget;
    if (!t) return;
    const k = 1 - Math.exp(-dt / 220);
    const c = this.cam;
    if (Math.abs(c.zoom - t.zoom) < 1e-4 && Math.abs(c.centerX - t.centerX) < 0.5 && Math.abs(c.centerY - t.centerY) < 0.5) return;
    c.zoom += (t.zoom - c.zoom) * k;
    c.centerX += (t.centerX - c.centerX) * k;
    c.centerY += (t.centerY - c.centerY) * k;
    this.applyCamera();
  }

  private applyCamera(): void {
    const cam = this.cameras.main;
    if (cam.width !== this.scale.width || cam.height !== this.scale.height) cam.setSize(this.scale.width, this.scale.height);
    cam.setZoom(this.cam.zoom);
    cam.centerOn(this.cam.centerX, this.cam.centerY);
  }

  private lodLevel(): number {
    const aptPx = GEOMETRY.aptW * this.cam.zoom;
    return aptPx < 7 ? 0 : aptPx < 16 ? 1 : 2;
  }

  private buildingAt(p: Phaser.Input.Pointer): BuildingModel | null {
    if (!this.model) return null;
    const wp = this.cameras.main.getWorldPoint(p.x, p.y);
    for (const b of this.model.buildings) {
      if (wp.x >= b.lot.x && wp.x < b.lot.x + b.lot.w && wp.y >= b.lot.y && wp.y < b.lot.y + b.lot.h) return b;
    }
    return null;
  }

  // -------------------------------------------------------------------------------------------
  // Buildings

  /** Rising and sinking buildings, appearing and fading apartments: mark their cells for redraw. */
  private stepAnimations(now: number): void {
    const still = this.opts.reducedMotion;
    for (const [name, v] of this.views) {
      if (!still && now - v.bornMs < RISE_MS + 50) this.dirtyCells.add(v.m.cell);
      if (v.leavingMs > 0) {
        this.dirtyCells.add(v.m.cell);
        if (now - v.leavingMs >= LEAVE_MS || still) {
          this.destroyLabels(v);
          this.views.delete(name);
        }
      }
    }
    if (this.ghosts.length > 0) {
      for (const g of this.ghosts) this.dirtyCells.add(g.cell);
      this.ghosts = this.ghosts.filter((g) => now - g.diedMs < APT_FADE_MS);
    }
    for (const born of this.aptBorn.values()) {
      // Fading in, or a carried pod that has just landed (drawn hollow until then).
      if (now >= born.at && now - born.at < (still ? 50 : APT_FADE_MS + 50)) this.dirtyCells.add(born.cell);
    }
  }

  /** One cell of ground: its lot, the street below it, the avenue on its left, their lane marks. */
  private drawCellGround(g: Phaser.GameObjects.Graphics, col: number, row: number): void {
    const x = col * GEOMETRY.cellW;
    const y = row * GEOMETRY.cellH;
    g.fillStyle(COLORS.lot, 1);
    g.fillRect(x, y, GEOMETRY.cellW, GEOMETRY.cellH);
    g.fillStyle(COLORS.street, 1);
    g.fillRect(x, y + GEOMETRY.cellH - GEOMETRY.streetH, GEOMETRY.cellW, GEOMETRY.streetH);
    g.fillRect(x, y, GEOMETRY.avenueW, GEOMETRY.cellH);
    // Lane marks only where they are bigger than a pixel or two: thousands of specks cost and show nothing.
    if (this.opts.view === "minimap" || this.cam.zoom < 0.3) return;
    g.fillStyle(COLORS.streetLine, 0.3);
    const sy = streetY(row) - 1.5;
    // Marks follow one global rhythm, so neighbouring cells drawn at different times still line up.
    for (let mx = Math.ceil((x - 8) / 28) * 28 + 8; mx < x + GEOMETRY.cellW; mx += 28) g.fillRect(mx, sy, Math.min(14, x + GEOMETRY.cellW - mx), 3);
    const ax = avenueX(col) - 1.5;
    for (let my = Math.ceil((y - 8) / 28) * 28 + 8; my < y + GEOMETRY.cellH; my += 28) g.fillRect(ax, my, 3, Math.min(14, y + GEOMETRY.cellH - my));
  }

  /**
   * Redraw ground and buildings into the static texture, for the part of the world the camera
   * shows now (one texel per screen pixel); the texture is then placed back in the world at that
   * view. A full redraw after camera moves; otherwise only the cells whose building changed.
   */
  private drawStatic(now: number): void {
    this.staticDraws++;
    const m = this.model!;
    const g = this.staticG;
    const view = this.viewRect();
    const z = this.cam.zoom;
    const w = Math.max(1, Math.round(this.scale.width));
    const h = Math.max(1, Math.round(this.scale.height));
    const rt = this.staticRT;
    const full = this.fullDirty || rt.width !== w || rt.height !== h;
    if (full) this.staticFullDraws++;
    const detail = this.opts.view !== "minimap" && this.lod > 0;
    g.clear();
    if (full) {
      if (rt.width !== w || rt.height !== h) rt.resize(w, h);
      rt.clear();
      // The road from the gate into the city, then every cell of the grid, then the gate.
      g.fillStyle(COLORS.street, 1);
      g.fillRect(m.gate.rect.x, m.gate.exit.y - GEOMETRY.streetH / 2, -m.gate.rect.x, GEOMETRY.streetH);
      for (let r = 0; r < m.gridRows; r++) for (let c = 0; c < m.gridCols; c++) this.drawCellGround(g, c, r);
      this.drawGate(g, m);
      for (const v of this.views.values()) this.drawBuilding(g, v, now, detail);
      for (const gh of this.ghosts) this.drawGhost(g, gh, now);
    } else {
      const cells = this.dirtyCells;
      for (const cell of cells) {
        const { col, row } = cellPosition(cell);
        if (col >= m.gridCols || row >= m.gridRows) {
          // A lot outside the grid (the city shrank): just clear it.
        } else this.drawCellGround(g, col, row);
        // Clear exactly the pixels whose centers lie in the lot: the redraw covers the same ones.
        const x0 = Math.round((col * GEOMETRY.cellW - view.x) * z);
        const y0 = Math.round((row * GEOMETRY.cellH - view.y) * z);
        const x1 = Math.round(((col + 1) * GEOMETRY.cellW - view.x) * z);
        const y1 = Math.round(((row + 1) * GEOMETRY.cellH - view.y) * z);
        if (x1 > 0 && y1 > 0 && x0 < w && y0 < h) rt.clear(x0, y0, x1 - x0, y1 - y0);
      }
      for (const v of this.views.values()) if (cells.has(v.m.cell)) this.drawBuilding(g, v, now, detail);
      for (const gh of this.ghosts) if (cells.has(gh.cell)) this.drawGhost(g, gh, now);
    }
    g.setScale(z).setPosition(-view.x * z, -view.y * z);
    rt.draw(g);
    rt.render();
    rt.setPosition(view.x, view.y).setScale(1 / z);
    this.staticView = { x: view.x, y: view.y, zoom: z, w, h };
    this.fullDirty = false;
    this.dirtyCells.clear();
  }

  /** The world rectangle the camera shows, from our own camera state (the camera's worldView lags a frame). */
  private viewRect(): { x: number; y: number } {
    const z = this.cam.zoom;
    return { x: this.cam.centerX - this.scale.width / (2 * z), y: this.cam.centerY - this.scale.height / (2 * z) };
  }

  private drawBuilding(g: Phaser.GameObjects.Graphics, v: BuildingView, now: number, detail: boolean): void {
    let rise = 1;
    let alpha = 1;
    if (!this.opts.reducedMotion) {
      rise = easeOut(Math.min(1, (now - v.bornMs) / RISE_MS));
      if (v.leavingMs > 0) alpha = Math.max(0, 1 - (now - v.leavingMs) / LEAVE_MS);
    }
    if (v.leavingMs > 0 && (this.opts.reducedMotion || alpha <= 0)) return;
    if (v.m.kind === "house") this.drawHouse(g, v, rise, alpha, detail);
    else this.drawTower(g, v, rise, alpha, detail, now);
  }

  private drawGhost(g: Phaser.GameObjects.Graphics, gh: Ghost, now: number): void {
    const v = this.views.get(gh.node);
    if (!v) return;
    const a = 1 - (now - gh.diedMs) / APT_FADE_MS;
    if (a <= 0) return;
    g.fillStyle(gh.apt.color, 0.8 * a);
    g.fillRect(v.x + gh.apt.x, v.y + gh.apt.y, gh.apt.w, gh.apt.h);
  }

  private drawGate(g: Phaser.GameObjects.Graphics, m: SceneModel): void {
    const r = m.gate.rect;
    const pillar = 30;
    g.fillStyle(0x000000, 0.3);
    g.fillRect(r.x + 6, r.y + 6, r.w, r.h);
    g.fillStyle(COLORS.gate, 1);
    g.fillRect(r.x, r.y + 30, pillar, r.h - 30);
    g.fillRect(r.x + r.w - pillar, r.y + 30, pillar, r.h - 30);
    g.fillRect(r.x - 8, r.y, r.w + 16, 46);
    // Battlements make it read as a gate, not a building, at any size.
    for (let x = r.x - 8; x < r.x + r.w + 8; x += 22) g.fillRect(x, r.y - 12, 12, 12);
    g.fillStyle(0xffffff, 1);
    g.fillTriangle(r.x + r.w / 2 - 14, r.y + 60, r.x + r.w / 2 + 14, r.y + 60, r.x + r.w / 2, r.y + 80);
    if (m.gate.pending > 0) {
      // Pending pods wait by the gate as crates (under its numbers): no building has room for them.
      const n = Math.min(8, m.gate.pending);
      for (let i = 0; i < n; i++) {
        const x = r.x + r.w / 2 - 60 + (i % 4) * 30;
        const y = r.y + r.h + 84 + Math.floor(i / 4) * 26;
        g.fillStyle(COLORS.box, 1);
        g.fillRect(x, y, 24, 20);
        g.lineStyle(2, 0x5b4322, 1);
        g.strokeRect(x, y, 24, 20);
        g.lineBetween(x, y + 10, x + 24, y + 10);
      }
    }
  }

  private drawTower(g: Phaser.GameObjects.Graphics, v: BuildingView, rise: number, alpha: number, detail: boolean, now: number): void {
    const b = v.m;
    const bx = v.x + b.body.x;
    const bottom = v.y + b.body.y + b.body.h;
    const h = b.body.h * rise;
    const by = bottom - h;
    const dim = b.visuals.includes("dim");
    const burnt = b.state === "burnt";
    const down = b.state === "down" || b.state === "hostDown";

    if (b.focus) {
      g.lineStyle(8, COLORS.focus, alpha);
      g.strokeRect(v.x + GEOMETRY.avenueW + 4, v.y + 6, GEOMETRY.cellW - GEOMETRY.avenueW - 8, GEOMETRY.cellH - GEOMETRY.streetH - 8);
    }
    if (detail) {
      g.fillStyle(0x000000, 0.35 * alpha);
      g.fillRect(bx + 7, by + 7, b.body.w, h);
    }
    g.fillStyle(burnt || down ? COLORS.facadeBurnt : dim ? COLORS.facadeDim : COLORS.facade, alpha);
    g.fillRect(bx, by, b.body.w, h);
    g.fillStyle(COLORS.roof, alpha);
    g.fillRect(bx - 4, by, b.body.w + 8, GEOMETRY.roofH);
    if (rise < 1) return;
    // Ground floor: door and awning.
    const doorW = 22;
    const dx = bx + b.body.w / 2 - doorW / 2;
    g.fillStyle(COLORS.frame, alpha);
    g.fillRect(dx, bottom - GEOMETRY.groundH + 4, doorW, GEOMETRY.groundH - 4);
    g.fillStyle(b.kind === "host" ? 0x0072b2 : 0x56b4e9, alpha);
    g.fillRect(dx - 8, bottom - GEOMETRY.groundH, doorW + 16, 5);

    // Empty windows for every apartment the building has room for.
    const ox = bx + GEOMETRY.pad;
    const aptBottom = bottom - GEOMETRY.groundH;
    if (b.kind === "tower") {
      g.fillStyle(COLORS.windowEmpty, alpha);
      for (let f = 0; f < b.floors; f++) {
        for (let c = 0; c < b.cols; c++) g.fillRect(ox + c * GEOMETRY.aptW + 2, aptBottom - (f + 1) * GEOMETRY.aptH + 2, GEOMETRY.aptW - 4, GEOMETRY.aptH - 4);
      }
    }
    for (const a of b.apartments) this.drawApartment(g, v.x + a.x, v.y + a.y, a, alpha, detail, now, b.name);
    if (dim && !burnt) {
      g.fillStyle(0x000000, 0.35 * alpha);
      g.fillRect(bx, by, b.body.w, h);
      // The "?" of an unknown node: its badge circle (the mark itself is a label).
      g.fillStyle(0xffffff, alpha);
      g.fillCircle(bx + b.body.w - 4, by + 6, 22);
      g.lineStyle(4, COLORS.frame, alpha);
      g.strokeCircle(bx + b.body.w - 4, by + 6, 22);
    }
    if (b.overflow > 0) {
      g.fillStyle(COLORS.frame, alpha);
      g.fillRect(bx + b.body.w - 46, by - 20, 46, 20);
    }
    if (b.visuals.includes("scaffolding")) this.drawScaffolding(g, bx, by, b.body.w, h, alpha);
    if (b.visuals.includes("cones")) this.drawCones(g, bx, bottom, b.body.w, alpha);
    if (b.visuals.includes("boxes")) this.drawBoxes(g, bx, bottom, alpha);
    if (b.visuals.includes("pressure")) this.drawTank(g, bx + b.body.w - 36, by, alpha, detail);
    if (b.visuals.includes("cable")) this.drawCutCable(g, v.x, v.y, bx, by, alpha);
    if (b.queue > 0 && this.opts.view !== "minimap") this.drawQueue(g, v);
  }

  private drawApartment(g: Phaser.GameObjects.Graphics, x: number, y: number, a: ApartmentModel, alpha: number, detail: boolean, now: number, node: string): void {
    let al = alpha;
    const born = this.aptBorn.get(`${node}\u0000${a.key}`)?.at;
    if (born !== undefined && !this.opts.reducedMotion && now >= born) al *= Math.min(1, (now - born) / APT_FADE_MS);
    const state = a.arriveAtMs > now ? "incoming" : a.state === "incoming" ? "ready" : a.state;
    const { w, h, color } = a;
    const ink = inkOn(color);
    switch (state) {
      case "ready":
        g.fillStyle(color, al);
        g.fillRect(x, y, w, h);
        if (detail) drawPattern(g, a.pattern, x, y, w, h, ink, 0.5 * al);
        break;
      case "unhealthy":
        g.fillStyle(color, al);
        g.fillRect(x, y, w, h);
        drawBang(g, x + w / 2, y + h / 2, Math.min(w, h) * 0.7, 0x000000, al);
        break;
      case "starting":
      case "creating":
      case "incoming":
        // Hollow: the apartment is reserved, nobody answers the door yet.
        g.fillStyle(color, (state === "starting" ? 0.35 : 0.12) * al);
        g.fillRect(x, y, w, h);
        g.lineStyle(3, color, al);
        g.strokeRect(x + 1.5, y + 1.5, w - 3, h - 3);
        if (detail && state !== "incoming") drawDots(g, x + w / 2, y + h / 2, Math.min(w, h), 0xffffff, al);
        break;
      case "crashloop":
        g.fillStyle(COLORS.frame, al);
        g.fillRect(x, y, w, h);
        g.lineStyle(3, color, al);
        g.strokeRect(x + 1.5, y + 1.5, w - 3, h - 3);
        drawBolt(g, x + w / 2, y + h / 2, Math.min(w, h) * 0.8, COLORS.fireCore, al);
        break;
      case "pullError":
        g.fillStyle(color, 0.15 * al);
        g.fillRect(x, y, w, h);
        g.lineStyle(3, color, al);
        g.strokeRect(x + 1.5, y + 1.5, w - 3, h - 3);
        drawCross(g, x + w / 2, y + h / 2, Math.min(w, h) * 0.55, 0xffffff, al);
        break;
      case "terminating":
        g.fillStyle(color, 0.3 * al);
        g.fillRect(x, y, w, h);
        drawCross(g, x + w / 2, y + h / 2, Math.min(w, h) * 0.7, 0x000000, 0.8 * al);
        break;
      case "failed":
        g.fillStyle(COLORS.frame, al);
        g.fillRect(x, y, w, h);
        drawCross(g, x + w / 2, y + h / 2, Math.min(w, h) * 0.6, COLORS.bad, al);
        break;
      case "unknown":
        g.fillStyle(color, 0.45 * al);
        g.fillRect(x, y, w, h);
        if (detail) drawPattern(g, a.pattern, x, y, w, h, ink, 0.35 * al);
        break;
    }
    if (state === "ready" && a.label && detail && (a.label === "web" || a.label === "db" || a.label === "cache" || a.version === "")) {
      // Compose containers: health as a shape, so it never depends on the window's color.
      drawCheck(g, x + w - 12, y + 12, 14, 0x000000, al);
    }
  }

  private drawHouse(g: Phaser.GameObjects.Graphics, v: BuildingView, rise: number, alpha: number, detail: boolean): void {
    const b = v.m;
    const bx = v.x + b.body.x;
    const bottom = v.y + b.body.y + b.body.h;
    const h = b.body.h * rise;
    const by = bottom - h;
    if (b.focus) {
      g.lineStyle(8, COLORS.focus, alpha);
      g.strokeRect(v.x + GEOMETRY.avenueW + 4, v.y + 6, GEOMETRY.cellW - GEOMETRY.avenueW - 8, GEOMETRY.cellH - GEOMETRY.streetH - 8);
    }
    g.fillStyle(0x000000, 0.35 * alpha);
    g.fillRect(bx + 7, by + 7, b.body.w, h);
    g.fillStyle(b.visuals.includes("fire") ? COLORS.facadeBurnt : 0xe9dcc4, alpha);
    g.fillRect(bx, by, b.body.w, h);
    g.fillStyle(0xa65a3a, alpha);
    g.fillTriangle(bx - 14, by, bx + b.body.w + 14, by, bx + b.body.w / 2, by - 60 * rise);
    if (rise < 1) return;
    // Chimney.
    g.fillRect(bx + b.body.w - 40, by - 44, 16, 30);
    g.fillStyle(COLORS.frame, alpha);
    g.fillRect(bx + b.body.w - 52, bottom - 50, 26, 50);
    const a = b.apartments[0];
    if (a) {
      const x = v.x + a.x;
      const y = v.y + a.y;
      if (a.state === "ready") {
        g.fillStyle(a.color, alpha);
        g.fillRect(x, y, a.w, a.h);
        drawCheck(g, x + a.w / 2, y + a.h / 2, 26, 0x000000, alpha);
      } else if (a.state === "failed") {
        g.fillStyle(COLORS.frame, alpha);
        g.fillRect(x, y, a.w, a.h);
        drawCross(g, x + a.w / 2, y + a.h / 2, 26, COLORS.bad, alpha);
      } else {
        g.fillStyle(COLORS.windowEmpty, alpha);
        g.fillRect(x, y, a.w, a.h);
      }
    }
    // The kitchen: a stove with pots, one per installed runtime.
    const kx = bx + 86;
    const ky = by + 40;
    g.fillStyle(0x444c58, alpha);
    g.fillRect(kx, ky, 64, 40);
    const pots = Math.max(0, b.runtimes ? b.runtimes.split(",").length : 0);
    const potColors = [0x56b4e9, 0xe69f00, 0x009e73, 0xcc79a7];
    for (let i = 0; i < Math.min(4, pots); i++) {
      g.fillStyle(potColors[i]!, alpha);
      g.fillRect(kx + 4 + i * 15, ky - 12, 12, 12);
    }
    if (!detail) return;
    g.fillStyle(0xffffff, alpha);
    g.fillRect(kx + 8, ky + 10, 10, 4);
    g.fillRect(kx + 30, ky + 10, 10, 4);
  }

  private drawScaffolding(g: Phaser.GameObjects.Graphics, bx: number, by: number, w: number, h: number, alpha: number): void {
    g.lineStyle(4, COLORS.scaffold, alpha);
    const left = bx - 8;
    const right = bx + w + 8;
    g.lineBetween(left, by - 14, left, by + h);
    g.lineBetween(right, by - 14, right, by + h);
    g.lineBetween(bx + w / 2, by - 14, bx + w / 2, by + h);
    for (let y = by + h - 2; y > by - 14; y -= 2 * GEOMETRY.aptH) g.lineBetween(left - 4, y, right + 4, y);
    g.lineStyle(2, COLORS.scaffold, 0.8 * alpha);
    for (let y = by + h; y - 2 * GEOMETRY.aptH > by - 20; y -= 2 * GEOMETRY.aptH) {
      g.lineBetween(left, y, bx + w / 2, y - 2 * GEOMETRY.aptH);
      g.lineBetween(right, y, bx + w / 2, y - 2 * GEOMETRY.aptH);
    }
  }

  /** Layers bar above the scaffolding: one segment per image layer, filled as each arrives. */
  private drawPullBar(g: Phaser.GameObjects.Graphics, v: BuildingView): void {
    const b = v.m;
    const p = b.pull;
    if (!p) return;
    const left = v.x + b.body.x - 8;
    const total = Math.max(1, p.total);
    const barW = b.body.w + 16;
    const segW = barW / total;
    const y = v.y + b.body.y - 34;
    g.fillStyle(COLORS.frame, 1);
    g.fillRect(left, y - 2, barW + 4, 18);
    for (let i = 0; i < total; i++) {
      const fill = i < p.done ? 1 : i === p.done ? Math.max(0, Math.min(1, p.progress * total - p.done)) : 0;
      g.fillStyle(COLORS.windowEmpty, 1);
      g.fillRect(left + 2 + i * segW + 1, y, segW - 2, 14);
      if (fill > 0) {
        g.fillStyle(COLORS.progress, 1);
        g.fillRect(left + 2 + i * segW + 1, y, (segW - 2) * fill, 14);
      }
    }
  }

  private drawCones(g: Phaser.GameObjects.Graphics, bx: number, bottom: number, w: number, alpha: number): void {
    const y = bottom + 2;
    // Inside the building's width: nothing drawn for a building leaves its lot.
    for (const x of [bx + 8, bx + w * 0.3, bx + w * 0.7, bx + w - 8]) {
      g.fillStyle(COLORS.frame, alpha);
      g.fillRect(x - 13, y + 22, 26, 6);
      g.fillStyle(COLORS.cone, alpha);
      g.fillTriangle(x - 11, y + 22, x + 11, y + 22, x, y - 10);
      g.fillStyle(COLORS.coneStripe, alpha);
      g.fillRect(x - 6, y + 6, 12, 5);
    }
  }

  private drawBoxes(g: Phaser.GameObjects.Graphics, bx: number, bottom: number, alpha: number): void {
    const x = bx + 4;
    const y = bottom - 2;
    for (const [ox, oy, s] of [[0, -24, 24], [26, -24, 24], [12, -46, 22]] as const) {
      g.fillStyle(COLORS.box, alpha);
      g.fillRect(x + ox, y + oy, s, s);
      g.lineStyle(2, 0x5b4322, alpha);
      g.strokeRect(x + ox, y + oy, s, s);
      g.lineBetween(x + ox + s / 2, y + oy, x + ox + s / 2, y + oy + s * 0.4);
    }
  }

  private drawTank(g: Phaser.GameObjects.Graphics, x: number, roofY: number, alpha: number, detail: boolean): void {
    g.fillStyle(COLORS.frame, alpha);
    g.fillRect(x - 2, roofY - 34, 34, 34);
    g.fillStyle(COLORS.pressure, alpha);
    g.fillRect(x + 2, roofY - 40, 26, 36);
    // Overflow: water over the brim and down the wall.
    g.fillRect(x - 6, roofY - 44, 38, 6);
    g.fillRect(x + 30, roofY - 40, 5, 60);
    g.fillRect(x - 8, roofY - 40, 5, 44);
    if (detail) {
      g.fillStyle(0x000000, alpha);
      g.fillRect(x + 13, roofY - 34, 4, 14);
      g.fillRect(x + 13, roofY - 16, 4, 4);
    }
  }

  private drawCutCable(g: Phaser.GameObjects.Graphics, lx: number, ly: number, bx: number, by: number, alpha: number): void {
    const poleX = lx + GEOMETRY.avenueW + 10;
    const poleTop = ly + 40;
    g.fillStyle(0x5b4a3a, alpha);
    g.fillRect(poleX - 4, poleTop, 8, GEOMETRY.cellH - GEOMETRY.streetH - 40);
    g.fillRect(poleX - 14, poleTop, 28, 5);
    const ex = bx + 4;
    const ey = by + 10;
    const mx = (poleX + ex) / 2;
    const my = (poleTop + ey) / 2 + 18;
    g.lineStyle(5, COLORS.cable, alpha);
    g.lineBetween(poleX, poleTop + 2, mx - 12, my);
    g.lineBetween(mx + 12, my - 4, ex, ey);
    // Sparks at both cut ends.
    g.lineStyle(3, COLORS.cableSpark, alpha);
    for (const [sx, sy] of [[mx - 12, my], [mx + 12, my - 4]] as const) {
      g.lineBetween(sx - 7, sy - 7, sx + 7, sy + 7);
      g.lineBetween(sx - 7, sy + 7, sx + 7, sy - 7);
      g.lineBetween(sx, sy - 9, sx, sy + 9);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Labels

  private updateGateTexts(m: SceneModel): void {
    if (this.gateTexts.length === 0) return;
    const r = m.gate.rect;
    const [title, rps, err, pending] = this.gateTexts as [Phaser.GameObjects.Text, Phaser.GameObjects.Text, Phaser.GameObjects.Text, Phaser.GameObjects.Text];
    let svc = "";
    this.state?.services.forEach((s) => (svc = svc ? `${svc}, ${s.name}` : s.name));
    title.setText(svc ? `${cityLabel(m.language, "gate.title")}\n${svc}` : cityLabel(m.language, "gate.title")).setPosition(r.x + r.w / 2, r.y - 92);
    rps.setText(m.gate.rpsText).setPosition(r.x + r.w / 2, r.y + r.h + 4);
    err.setText(m.gate.errorText + (m.gate.registryDown ? `${m.gate.errorText ? "\n" : ""}${cityLabel(m.language, "gate.registryDown")}` : ""));
    err.setPosition(r.x + r.w / 2, r.y + r.h + 40);
    pending.setText(m.gate.pendingText).setPosition(r.x + r.w / 2, r.y + r.h + 140);
    if (this.emptyText === null && m.buildings.length === 0) {
      this.emptyText = this.add.text(GEOMETRY.cellW / 2, GEOMETRY.cellH / 2, cityLabel(m.language, "city.empty"), textStyle(30, "#ffffff")).setOrigin(0.5).setDepth(41);
    }
    if (this.emptyText) this.emptyText.setVisible(m.buildings.length === 0);
  }

  private makeLabels(): Labels {
    const add = (size: number, color: string) => this.add.text(0, 0, "", textStyle(size, color)).setOrigin(0.5, 1).setDepth(40);
    const badge = this.add.text(0, 0, "?", { fontFamily: FONT, fontSize: "34px", fontStyle: "bold", color: "#1d2430" }).setOrigin(0.5).setDepth(40);
    const you = this.add.text(0, 0, "", { fontFamily: FONT, fontSize: "26px", fontStyle: "bold", color: "#1d2430", backgroundColor: css(COLORS.focus), padding: { x: 8, y: 2 } }).setOrigin(0.5, 1).setDepth(42);
    const detail = add(23, "#ffffff").setAlign("center").setLineSpacing(-4);
    return { name: add(36, "#ffffff"), status: add(26, "#ffffff"), detail, badge, you };
  }

  private destroyLabels(v: BuildingView): void {
    if (!v.labels) return;
    for (const t of Object.values(v.labels)) t.destroy();
    v.labels = null;
  }

  /** Names and states above each building; hidden when they would be too small to read. */
  private updateLabels(): void {
    const m = this.model!;
    const z = this.cam.zoom;
    const showNames = this.opts.view !== "minimap" && 36 * z >= MIN_LABEL_PX;
    const showStatus = this.opts.view !== "minimap" && 26 * z >= MIN_LABEL_PX;
    const res = Math.min(4, Math.max(1, Math.ceil(z * (window.devicePixelRatio || 1) * 2) / 2));
    for (const v of this.views.values()) {
      const b = v.m;
      if (!showNames) {
        if (v.labels) for (const t of Object.values(v.labels)) t.setVisible(false);
        continue;
      }
      const L = (v.labels ??= this.makeLabels());
      const cx = v.x + b.body.x + b.body.w / 2;
      let top = v.y + b.body.y - (b.kind === "house" ? 64 : b.pull ? 44 : 10) - (b.visuals.includes("pressure") ? 36 : 0);
      const maxChars = 24;
      const alpha = v.leavingMs > 0 ? Math.max(0, 1 - (performance.now() - v.leavingMs) / LEAVE_MS) : 1;
      // Details break at " · " onto a second line rather than being cut off.
      const detail = showStatus && b.detailText ? b.detailText.split(" · ").slice(0, 3).map((s) => truncate(s, 30)).join("\n") : "";
      setLabel(L.detail, detail, cx, top, res, alpha, toneColor(b.tone));
      if (L.detail.visible) top -= 2 + 25 * (detail.split("\n").length);
      setLabel(L.status, showStatus ? truncate(b.statusText, 28) : "", cx, top, res, alpha, toneColor(b.tone));
      if (L.status.visible) top -= 30;
      setLabel(L.name, truncate(b.displayName, maxChars), cx, top, res, alpha, "#ffffff");
      top -= 40;
      const dim = b.visuals.includes("dim") && b.state !== "burnt" && b.kind === "tower";
      L.badge.setVisible(dim).setPosition(v.x + b.body.x + b.body.w - 4, v.y + b.body.y + 6).setAlpha(alpha);
      if (dim && L.badge.style.resolution !== res) L.badge.setResolution(res);
      // "YOU" on top of the stack: the frame says it as a shape, the tag in words.
      L.you.setVisible(b.focus && this.opts.view === "city");
      if (b.focus) {
        L.you.setText(cityLabel(m.language, "city.you")).setPosition(cx, top);
        if (L.you.style.resolution !== res) L.you.setResolution(res);
      }
    }
    this.updateAptLabels(z, res);
    for (const t of this.gateTexts) {
      t.setVisible(this.opts.view !== "minimap" && 30 * z >= MIN_LABEL_PX);
      if (t.style.resolution !== res) t.setResolution(res);
    }
  }

  /** Version tags and container names inside windows, only when zoomed in enough to read. */
  private updateAptLabels(z: number, res: number): void {
    const m = this.model!;
    const size = m.mode === "compose" ? 20 : 13;
    let used = 0;
    if (this.opts.view !== "minimap" && size * z >= MIN_LABEL_PX) {
      for (const v of this.views.values()) {
        if (v.leavingMs > 0 || v.m.kind === "house") continue;
        for (const a of v.m.apartments) {
          if (!a.label || a.state === "incoming") continue;
          if (used >= 400) break;
          let t = this.aptTexts[used];
          if (!t) {
            t = this.add.text(0, 0, "", { fontFamily: FONT, fontSize: `${size}px`, fontStyle: "bold", color: "#000000" }).setOrigin(0.5, 1).setDepth(35);
            this.aptTexts.push(t);
          }
          // Every setter re-renders the text's canvas: only call them on a real change.
          if (t.style.fontSize !== `${size}px`) t.setFontSize(size);
          const onDark = a.state === "crashloop" || a.state === "failed" || a.state === "creating" || a.state === "pullError";
          const color = onDark ? "#ffffff" : css(inkOn(a.color));
          if (t.style.color !== color) t.setColor(color);
          if (t.text !== a.label) t.setText(a.label);
          t.setPosition(v.x + a.x + a.w / 2, v.y + a.y + a.h - 1).setVisible(true);
          if (t.style.resolution !== res) t.setResolution(res);
          used++;
        }
      }
    }
    for (let i = used; i < this.aptTexts.length; i++) this.aptTexts[i]!.setVisible(false);
  }

  // -------------------------------------------------------------------------------------------
  // Effects: redrawn every frame, but only for the buildings that have them.

  private drawFx(now: number): void {
    const g = this.fx;
    g.clear();
    const m = this.model!;
    const still = this.opts.reducedMotion;
    const t = still ? 0 : now;
    const mini = this.opts.view === "minimap";
    for (const v of this.views.values()) {
      const b = v.m;
      if (b.visuals.length === 0) continue;
      const bx = v.x + b.body.x;
      const by = v.y + b.body.y;
      if (b.visuals.includes("fire")) drawFire(g, bx, by, b.body.w, b.body.h, t);
      if (b.visuals.includes("smoke")) drawSmoke(g, bx + b.body.w / 2, by, t, b.body.w);
      if (b.pull && b.visuals.includes("scaffolding") && !mini) this.drawPullBar(g, v);
      if (b.visuals.includes("crash") && !mini) {
        for (const a of b.apartments) {
          if (a.state !== "crashloop") continue;
          // Flicker: the window lights up as the container starts, then dies again.
          const on = still ? true : Math.floor(now / 260 + a.index * 0.7) % 3 === 0;
          if (on) {
            g.fillStyle(0xffffff, 0.55);
            g.fillRect(v.x + a.x, v.y + a.y, a.w, a.h);
          }
        }
      }
    }
    // Zoomed far out (hundreds of buildings) the pictures get small: flag every building in
    // trouble with a badge of constant size on screen, a cross for down, a bang for a warning.
    const z = this.cam.zoom;
    if (z < 0.35) {
      const r = 11 / z;
      for (const v of this.views.values()) {
        const b = v.m;
        if (b.tone === "ok" || v.leavingMs > 0) continue;
        const x = v.x + b.body.x + b.body.w / 2;
        const y = v.y + b.body.y - r * 1.2;
        g.fillStyle(0x0b111a, 1);
        g.fillCircle(x, y, r * 1.25);
        g.fillStyle(b.tone === "bad" ? COLORS.bad : COLORS.focus, 1);
        g.fillCircle(x, y, r);
        if (b.tone === "bad") drawCross(g, x, y, r * 1.05, 0x000000, 1);
        else drawBang(g, x, y, r * 1.4, 0x000000, 1);
      }
    }
    for (const d of m.drones) this.drawDrone(g, d, now);
  }

  /** Cars waiting at the door (on the static layer: it changes with the load, not every frame). */
  private drawQueue(g: Phaser.GameObjects.Graphics, v: BuildingView): void {
    const b = v.m;
    const y = v.y + GEOMETRY.cellH - GEOMETRY.streetH / 2 + 6;
    const doorX = v.x + b.door.x;
    // A long queue stops at the edge of the lot rather than spilling into the next one.
    const room = Math.max(1, Math.floor((doorX - v.x - 20) / 32));
    for (let i = 0; i < Math.min(b.queue, room); i++) {
      const x = doorX - 34 - i * 32;
      g.fillStyle(0x0b111a, 1);
      g.fillRect(x - 14, y - 9, 28, 18);
      g.fillStyle(COLORS.car, 1);
      g.fillRect(x - 12, y - 6, 24, 12);
      g.fillStyle(0x27364a, 1);
      g.fillRect(x + 3, y - 4, 5, 8);
    }
    // Waiting marks above the queue: three dots, time passing.
    g.fillStyle(COLORS.focus, 1);
    for (let i = 0; i < 3; i++) g.fillRect(doorX - 37 - i * 11, y - 22, 7, 7);
  }

  private drawDrone(g: Phaser.GameObjects.Graphics, d: DroneModel, now: number): void {
    if (now < d.startMs) return;
    const p = Math.min(1, (now - d.startMs) / (d.endMs - d.startMs));
    if (this.opts.reducedMotion) {
      // No flight: a dashed line shows where the pod went while the move is fresh.
      g.lineStyle(8, COLORS.drone, 0.9);
      const n = 12;
      for (let i = 0; i < n; i += 2) {
        const a = i / n;
        const b = (i + 1) / n;
        g.lineBetween(lerp(d.from.x, d.to.x, a), lerp(d.from.y, d.to.y, a), lerp(d.from.x, d.to.x, b), lerp(d.from.y, d.to.y, b));
      }
      crate(g, d.to.x, d.to.y - 14, d.color, 1);
      return;
    }
    const e = p < 0.5 ? 2 * p * p : 1 - (-2 * p + 2) ** 2 / 2;
    const lift = 90 + 0.25 * Math.hypot(d.to.x - d.from.x, d.to.y - d.from.y);
    const cx = (d.from.x + d.to.x) / 2;
    // Arc up, but not off the top of the city.
    const cy = Math.max(this.model!.bounds.y + 140, Math.min(d.from.y, d.to.y) - lift);
    const x = (1 - e) ** 2 * d.from.x + 2 * (1 - e) * e * cx + e * e * d.to.x;
    const y = (1 - e) ** 2 * d.from.y + 2 * (1 - e) * e * cy + e * e * d.to.y - 40;
    const k = 1.6;
    // Shadow on the ground, so the drone reads as flying.
    g.fillStyle(0x000000, 0.3);
    g.fillEllipse(x, y + 90, 60, 14);
    g.lineStyle(4, COLORS.drone, 1);
    g.lineBetween(x - 8 * k, y + 6 * k, x - 8 * k, y + 16 * k);
    g.lineBetween(x + 8 * k, y + 6 * k, x + 8 * k, y + 16 * k);
    crate(g, x, y + 26 * k, d.color, 1, k);
    g.lineBetween(x - 22 * k, y - 10 * k, x + 22 * k, y + 10 * k);
    g.lineBetween(x - 22 * k, y + 10 * k, x + 22 * k, y - 10 * k);
    g.fillStyle(COLORS.drone, 1);
    g.fillRect(x - 10 * k, y - 6 * k, 20 * k, 12 * k);
    g.fillStyle(COLORS.frame, 1);
    g.fillRect(x - 4 * k, y - 3 * k, 8 * k, 6 * k);
    const spin = Math.abs(Math.sin(now / 40));
    for (const [rx, ry] of [[-22, -10], [22, -10], [-22, 10], [22, 10]] as const) {
      g.fillStyle(COLORS.drone, 0.55);
      g.fillEllipse(x + rx * k, y + ry * k, (10 + 16 * spin) * k, 6 * k);
    }
    if (d.count > 1) {
      g.fillStyle(COLORS.frame, 1);
      g.fillCircle(x + 22 * k, y + 28 * k, 12 * k);
      g.fillStyle(0xffffff, 1);
      for (let i = 0; i < Math.min(4, d.count); i++) g.fillRect(x + (15 + (i % 2) * 8) * k, y + (21 + Math.floor(i / 2) * 8) * k, 6 * k, 6 * k);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Cars

  private makeTextures(): void {
    // Neutral bodies, so traffic does not read as a colored bar; errors are vermillion with a cross.
    const bodies = ["#eef2f7", "#c9d3df", "#e9dfc9", "#b9c8d8"];
    const make = (key: string, body: string, err: boolean) => {
      if (this.textures.exists(key)) return;
      const tex = this.textures.createCanvas(key, 44, 26);
      if (!tex) return;
      const c = tex.getContext();
      c.fillStyle = "#0b111a";
      c.fillRect(8, 1, 7, 24);
      c.fillRect(29, 1, 7, 24);
      c.fillStyle = body;
      roundRect(c, 2, 4, 40, 18, 6);
      c.fill();
      c.strokeStyle = "#0b111a";
      c.lineWidth = 2;
      c.stroke();
      c.fillStyle = "#27364a";
      roundRect(c, 25, 7, 9, 12, 2);
      c.fill();
      roundRect(c, 8, 7, 6, 12, 2);
      c.fill();
      if (err) {
        // A black cross on the roof: an error car differs in shape, not only in color.
        c.strokeStyle = "#000000";
        c.lineWidth = 4;
        c.beginPath();
        c.moveTo(13, 5);
        c.lineTo(27, 21);
        c.moveTo(27, 5);
        c.lineTo(13, 21);
        c.stroke();
      }
      tex.refresh();
    };
    bodies.forEach((b, i) => make(`cc-car-${i}`, b, false));
    make("cc-car-err", css(COLORS.carError), true);
  }

  private routeTo(name: string): Route | null {
    let r = this.routes.get(name);
    if (r) return r;
    const b = this.model?.byName.get(name);
    if (!b || !this.model) return null;
    const path = carRoute(this.model.gate, b, 6);
    const { lengths, total } = routeLengths(path);
    r = { path, lengths, total };
    this.routes.set(name, r);
    return r;
  }

  private pick(table: { name: string; w: number }[], total: number): string | null {
    if (table.length === 0 || total <= 0) return null;
    const x = Math.random() * total;
    let lo = 0;
    let hi = table.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (table[mid]!.w < x) lo = mid + 1;
      else hi = mid;
    }
    return table[lo]!.name;
  }

  private takeCar(err: boolean): Car | null {
    let c = this.freeCars.pop();
    if (!c) {
      if (this.cars.length >= MAX_CARS) return null;
      const img = this.add.image(0, 0, "cc-car-0").setDepth(20).setScale(0.7);
      c = { img, path: [], lengths: [], total: 0, d: 0, speed: 0, err, back: false, active: false };
      this.cars.push(c);
    }
    c.err = err;
    c.img.setTexture(err ? "cc-car-err" : `cc-car-${(this.carSerial++ & 3)}`).setVisible(true).setAlpha(1);
    c.active = true;
    c.back = false;
    c.d = 0;
    return c;
  }

  private recycle(c: Car): void {
    if (!c.active) return;
    c.active = false;
    c.img.setVisible(false);
    this.freeCars.push(c);
  }

  /**
   * Requests become cars: as many per second as requests (up to what the streets can show), each
   * to a building picked in proportion to what its pods served. Failing requests are red cars that
   * drive to a broken building (or stop at the gate when nobody answers) and turn back.
   */
  private stepCars(now: number, dt: number): void {
    const m = this.model!;
    if (this.opts.view === "minimap" || this.opts.reducedMotion) {
      this.parkCars(m);
      return;
    }
    const speed = Math.max(260, (m.bounds.w + m.bounds.h) / 5.5);
    const rps = m.gate.rps;
    // One car per request up to 30 a second, then growing with the square root (the curves meet
    // at 30): the exact number is written at the gate, the cars show where the requests go.
    const rate = Math.min(rps <= 30 ? rps : 5.5 * Math.sqrt(rps), MAX_CARS / 1.2);
    // Random gaps (exponential, as arrivals are) instead of a metronome, so cars do not form trains.
    this.spawnAcc += ((rate * dt) / 1000) * (0.2 + 1.6 * Math.random());
    const errShare = rps > 0 ? Math.min(1, m.gate.errors / rps) : 0;
    while (this.spawnAcc >= 1) {
      this.spawnAcc -= 1;
      const err = Math.random() < errShare;
      const dest = err ? this.pick(this.errTable, this.errTotal) ?? this.pick(this.pickTable, this.pickTotal) : this.pick(this.pickTable, this.pickTotal);
      const c = this.takeCar(err);
      if (!c) break;
      const route = dest ? this.routeTo(dest) : null;
      if (route) {
        c.path = route.path;
        c.lengths = route.lengths;
        c.total = route.total;
      } else {
        // Nobody to answer: the car gets as far as the gate and turns around.
        const gx = m.gate.exit.x;
        const gy = m.gate.exit.y + 6;
        c.path = [{ x: m.gate.rect.x - 80, y: gy }, { x: gx, y: gy }];
        const r = routeLengths(c.path);
        c.lengths = r.lengths;
        c.total = r.total;
      }
      c.speed = speed * (0.7 + Math.random() * 0.6);
    }
    for (const c of this.cars) {
      if (!c.active) continue;
      c.d += (c.speed * dt) / 1000;
      if (c.d >= c.total) {
        if (c.err && !c.back) {
          // Turned away: drive back out along the other lane.
          c.back = true;
          c.path = c.path.map((p) => ({ x: p.x, y: p.y - 12 })).reverse();
          c.lengths = [...c.lengths].reverse();
          c.d = 0;
        } else {
          this.recycle(c);
          continue;
        }
      }
      pointAlong(c.path, c.lengths, c.d, tmp);
      c.img.setPosition(tmp.x, tmp.y).setRotation(tmp.angle);
      if (c.back) c.img.setAlpha(Math.max(0.2, 1 - c.d / c.total));
    }
    void now;
  }

  /** Reduced motion: one parked car at each door that answers, a red one where requests fail. */
  private parkCars(m: SceneModel): void {
    for (const c of this.cars) this.recycle(c);
    if (this.opts.view === "minimap" || m.gate.rps <= 0) return;
    for (const b of m.buildings) {
      if (b.trafficWeight <= 0 && b.errorWeight <= 0) continue;
      const c = this.takeCar(b.errorWeight > 0);
      if (!c) break;
      c.img.setPosition(b.lot.x + b.door.x - 26, b.lot.y + GEOMETRY.cellH - GEOMETRY.streetH / 2 + 6).setRotation(0);
    }
  }
}

/**
 * Everything about a building that its static drawing depends on. Traffic, flicker, timers and
 * the pull progress live on other layers, so a new number there redraws nothing here.
 */
function signature(b: BuildingModel): string {
  let s = `${b.cell}|${b.kind}|${b.state}|${b.visuals.join(",")}|${b.queue}|${b.focus}|${b.overflow}|${b.cols}x${b.floors}|${b.runtimes}`;
  for (const a of b.apartments) s += `|${a.key}:${a.state}:${a.index}:${a.color}:${a.pattern}:${a.arriveAtMs}`;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Drawing helpers

function textStyle(size: number, color: string): Phaser.Types.GameObjects.Text.TextStyle {
  return { fontFamily: FONT, fontSize: `${size}px`, fontStyle: "bold", color, stroke: "#0b111a", strokeThickness: Math.max(4, Math.round(size / 5)) };
}

function toneColor(tone: BuildingModel["tone"]): string {
  return tone === "bad" ? "#ffb08a" : tone === "warn" ? "#f0e442" : "#d9f2e6";
}

/** Widest a label may be: its lot, less a margin. Wider text is squeezed, not cut. */
const LABEL_MAX_W = GEOMETRY.cellW - 12;

function setLabel(t: Phaser.GameObjects.Text, text: string, x: number, y: number, res: number, alpha: number, color: string): void {
  if (!text) {
    t.setVisible(false);
    return;
  }
  if (t.style.color !== color) t.setColor(color);
  if (t.style.resolution !== res) t.setResolution(res);
  if (t.text !== text) {
    t.setText(text);
    t.setScale(Math.min(1, LABEL_MAX_W / Math.max(1, t.width)));
  }
  t.setPosition(x, y).setVisible(true).setAlpha(alpha);
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
const easeOut = (t: number) => 1 - (1 - t) ** 3;

function roundRect(c: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  c.beginPath();
  c.moveTo(x + r, y);
  c.arcTo(x + w, y, x + w, y + h, r);
  c.arcTo(x + w, y + h, x, y + h, r);
  c.arcTo(x, y + h, x, y, r);
  c.arcTo(x, y, x + w, y, r);
  c.closePath();
}

/** Version patterns, drawn in the ink that contrasts with the app's color. */
function drawPattern(g: Phaser.GameObjects.Graphics, p: ApartmentModel["pattern"], x: number, y: number, w: number, h: number, ink: number, alpha: number): void {
  switch (p) {
    case "solid":
      return;
    case "stripes": {
      g.lineStyle(3, ink, alpha);
      // Diagonal lines clipped to the window.
      for (let s = -h + 8; s < w; s += 9) {
        let x0 = x + s;
        let y0 = y + h;
        let x1 = x + s + h;
        let y1 = y;
        if (x0 < x) {
          y0 -= x - x0;
          x0 = x;
        }
        if (x1 > x + w) {
          y1 += x1 - (x + w);
          x1 = x + w;
        }
        if (x1 > x0) g.lineBetween(x0, y0, x1, y1);
      }
      return;
    }
    case "dots":
      g.fillStyle(ink, alpha);
      for (const [fx, fy] of [[0.28, 0.3], [0.72, 0.3], [0.28, 0.72], [0.72, 0.72]] as const) g.fillRect(x + w * fx - 2.5, y + h * fy - 2.5, 5, 5);
      return;
    case "bars":
      g.fillStyle(ink, alpha);
      g.fillRect(x, y + h * 0.25 - 1.5, w, 3);
      g.fillRect(x, y + h * 0.62 - 1.5, w, 3);
      return;
    case "columns":
      g.fillStyle(ink, alpha);
      g.fillRect(x + w * 0.33 - 1.5, y, 3, h);
      g.fillRect(x + w * 0.67 - 1.5, y, 3, h);
      return;
    case "checks":
      g.fillStyle(ink, alpha);
      g.fillRect(x, y, w / 2, h / 2);
      g.fillRect(x + w / 2, y + h / 2, w / 2, h / 2);
      return;
  }
}

function drawCross(g: Phaser.GameObjects.Graphics, cx: number, cy: number, s: number, color: number, alpha: number): void {
  g.lineStyle(Math.max(2, s / 5), color, alpha);
  g.lineBetween(cx - s / 2, cy - s / 2, cx + s / 2, cy + s / 2);
  g.lineBetween(cx - s / 2, cy + s / 2, cx + s / 2, cy - s / 2);
}

function drawCheck(g: Phaser.GameObjects.Graphics, cx: number, cy: number, s: number, color: number, alpha: number): void {
  g.lineStyle(Math.max(2, s / 5), color, alpha);
  g.lineBetween(cx - s / 2, cy, cx - s / 8, cy + s / 2.5);
  g.lineBetween(cx - s / 8, cy + s / 2.5, cx + s / 2, cy - s / 2.5);
}

function drawBang(g: Phaser.GameObjects.Graphics, cx: number, cy: number, s: number, color: number, alpha: number): void {
  g.fillStyle(color, alpha);
  g.fillRect(cx - s / 12, cy - s / 2, s / 6, s * 0.62);
  g.fillRect(cx - s / 12, cy + s * 0.3, s / 6, s / 6);
}

function drawDots(g: Phaser.GameObjects.Graphics, cx: number, cy: number, s: number, color: number, alpha: number): void {
  g.fillStyle(color, alpha);
  const r = Math.max(1.5, s / 12);
  for (const dx of [-s / 4, 0, s / 4]) g.fillRect(cx + dx - r, cy - r, 2 * r, 2 * r);
}

function drawBolt(g: Phaser.GameObjects.Graphics, cx: number, cy: number, s: number, color: number, alpha: number): void {
  g.fillStyle(color, alpha);
  g.fillTriangle(cx + s * 0.15, cy - s / 2, cx - s * 0.3, cy + s * 0.08, cx + s * 0.05, cy + s * 0.08);
  g.fillTriangle(cx - s * 0.1, cy + s / 2, cx + s * 0.3, cy - s * 0.08, cx - s * 0.05, cy - s * 0.08);
}

function crate(g: Phaser.GameObjects.Graphics, x: number, y: number, color: number, alpha: number, k = 1): void {
  g.fillStyle(color, alpha);
  g.fillRect(x - 12 * k, y - 10 * k, 24 * k, 20 * k);
  g.lineStyle(2 * k, COLORS.frame, alpha);
  g.strokeRect(x - 12 * k, y - 10 * k, 24 * k, 20 * k);
  g.lineBetween(x - 12 * k, y, x + 12 * k, y);
}

function drawFire(g: Phaser.GameObjects.Graphics, bx: number, by: number, w: number, h: number, t: number): void {
  // Glow behind the building.
  g.fillStyle(COLORS.fire, 0.18 + (t ? 0.06 * Math.sin(t / 120) : 0));
  g.fillEllipse(bx + w / 2, by + h * 0.3, w * 1.5, h * 1.4);
  // Flames on the roof: tall, uneven, moving, so a burning machine reads from across the room.
  const n = Math.max(3, Math.round(w / 30));
  for (let i = 0; i < n; i++) {
    const x = bx + ((i + 0.5) * w) / n;
    const flick = t ? 0.78 + 0.22 * Math.sin(t / 90 + i * 1.9) + 0.1 * Math.sin(t / 37 + i) : 1;
    const fh = (h * 0.38 + (i % 2) * h * 0.2 + 18) * flick;
    const fw = (w / n) * 0.7;
    const sway = t ? Math.sin(t / 140 + i) * 8 : 0;
    g.fillStyle(COLORS.fire, 1);
    g.fillTriangle(x - fw, by + 6, x + fw, by + 6, x + sway, by - fh);
    g.fillStyle(COLORS.fireCore, 1);
    g.fillTriangle(x - fw * 0.5, by + 6, x + fw * 0.5, by + 6, x + sway * 0.5, by - fh * 0.5);
  }
  // Flames out of the windows too: the whole machine is gone, not just its roof.
  const rows = Math.max(1, Math.floor(h / 60));
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < 2; i++) {
      const x = bx + w * (0.3 + 0.4 * i) + (r % 2) * 8;
      const y = by + 28 + r * 56;
      const f = t ? 0.75 + 0.25 * Math.sin(t / 70 + i * 2.3 + r) : 1;
      g.fillStyle(COLORS.fire, 1);
      g.fillTriangle(x - 16, y + 14, x + 16, y + 14, x, y - 30 * f);
      g.fillStyle(COLORS.fireCore, 1);
      g.fillTriangle(x - 8, y + 14, x + 8, y + 14, x, y - 12 * f);
    }
  }
}

function drawSmoke(g: Phaser.GameObjects.Graphics, cx: number, roofY: number, t: number, w: number): void {
  // Dark puffs that rise, drift and thin out: the fire is over, nothing lives here any more.
  const n = 7;
  for (let i = 0; i < n; i++) {
    const phase = t ? (t / 3000 + i / n) % 1 : i / n;
    const x = cx + Math.sin(phase * 4 + i) * (w * 0.15) + phase * 40;
    const y = roofY - 6 - phase * 170;
    const r = 18 + phase * 38;
    g.fillStyle(i % 2 ? 0x6b7280 : COLORS.smoke, 0.85 * (1 - phase) + 0.1);
    g.fillCircle(x, y, r);
  }
}
