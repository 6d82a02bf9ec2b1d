/**
 * The city's scene model (client/src/city/model.ts): what each state of the class looks like, in
 * plain data. States are built with fromSnapshot from hand-made snapshots, as the pages get them.
 */
import { describe, it, expect } from "vitest";
import { fromSnapshot, type LiveClassState } from "../../client/src/state.ts";
import {
  CityModelBuilder, GEOMETRY, apartmentState, carRoute, cellPosition, fitCamera, formatClock, formatCountdown, towerShape,
  type SceneModel,
} from "../../client/src/city/model.ts";
import { CITY_LABEL_KEYS, cityCatalog } from "../../client/src/city/labels.ts";
import { versionPattern, APP_COLORS, VERSION_PATTERNS } from "../../client/src/city/palette.ts";
import { SyntheticCity } from "../../client/src/city/synthetic.ts";
import type { ClassSnapshot, NodeSnapshot, PodSnapshot } from "../../shared/protocol/snapshot.ts";

function node(name: string, slot: number, over: Partial<NodeSnapshot> = {}): NodeSnapshot {
  return {
    name, slot, student: name[0]!.toUpperCase() + name.slice(1), studentId: `id-${name}`,
    ready: "True", powered: true, partitioned: false, connected: true, cordoned: false, draining: false, memoryPressure: false,
    speed: 1, cpuCapacity: 4000, memoryCapacity: 8192, podCapacity: 110, cpuRequested: 0, memoryRequested: 0,
    pulling: "", pullProgress: 0, pullLayersDone: 0, pullLayersTotal: 0, notReadySinceMs: 0, evictAtMs: 0,
    runtimes: "", bareStatus: "", bareReason: "", containers: {},
    ...over,
  };
}

function pod(name: string, nodeName: string, over: Partial<PodSnapshot> = {}): PodSnapshot {
  return {
    name, app: "shop", version: "v1", node: nodeName, status: "Running", ready: true, running: true, terminating: false,
    restarts: 0, createdAtMs: 0, backoffUntilMs: 0, message: "", why: "",
    ...over,
  };
}

function cls(nodes: NodeSnapshot[], pods: PodSnapshot[], over: Partial<ClassSnapshot> = {}): LiveClassState {
  // Only what the city reads (the snapshot also carries lessons and options the city ignores).
  const s = {
    code: "ABC123", phase: "running", locked: false, mode: "kubernetes", compression: 20, clusterMs: 100_000, wallMs: 5000,
    availability: 1, errorBudget: 1, requests: 0, errors: 0, registryDown: false,
    nodes: Object.fromEntries(nodes.map((n) => [n.name, n])),
    pods: Object.fromEntries(pods.map((p) => [p.name, p])),
    deployments: {},
    services: { shop: { name: "shop", rps: 30, served: 30, errors: 0, p95Ms: 40, endpoints: 6 } },
    students: {},
    events: {},
    ...over,
  } satisfies Partial<ClassSnapshot> as ClassSnapshot;
  return fromSnapshot(s);
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `node-${i}`);
const lots = (m: SceneModel) => new Map(m.buildings.map((b) => [b.name, `${b.lot.x},${b.lot.y}`]));

describe("layout", () => {
  it("keeps every building where it is when a node leaves, and gives the hole to the next one", () => {
    const builder = new CityModelBuilder();
    const all = names(6).map((n, i) => node(n, i));
    const before = lots(builder.build(cls(all, []), { nowMs: 0 }));
    // The server's slot is an index into the join order: removing node-2 shifts the later slots.
    const left = all.filter((n) => n.name !== "node-2").map((n, i) => ({ ...n, slot: i }));
    const after = lots(builder.build(cls(left, []), { nowMs: 100 }));
    for (const [name, pos] of after) expect(pos).toBe(before.get(name));
    const joined = builder.build(cls([...left, node("late", left.length)], []), { nowMs: 200 });
    expect(lots(joined).get("late")).toBe(before.get("node-2"));
    for (const [name, pos] of lots(joined)) if (name !== "late") expect(pos).toBe(before.get(name));
  });

  it("never moves a building as the city grows from 1 to 500", () => {
    const builder = new CityModelBuilder();
    const seen = new Map<string, string>();
    for (const n of [1, 2, 3, 5, 8, 13, 30, 64, 100, 250, 500]) {
      const m = builder.build(cls(names(n).map((x, i) => node(x, i)), []), { nowMs: n });
      expect(m.buildings).toHaveLength(n);
      for (const [name, pos] of lots(m)) {
        if (seen.has(name)) expect(pos).toBe(seen.get(name));
        seen.set(name, pos);
      }
    }
    // Cells are unique and fill a rectangle that stays close to a screen's shape.
    const cells = new Set(Array.from({ length: 500 }, (_, i) => JSON.stringify(cellPosition(i))));
    expect(cells.size).toBe(500);
    const cols = Math.max(...Array.from({ length: 500 }, (_, i) => cellPosition(i).col)) + 1;
    const rows = Math.max(...Array.from({ length: 500 }, (_, i) => cellPosition(i).row)) + 1;
    const aspect = (cols * GEOMETRY.cellW) / (rows * GEOMETRY.cellH);
    expect(aspect).toBeGreaterThan(1.2);
    expect(aspect).toBeLessThan(2.2);
  });

  it("assigns the first cells by slot, whatever order the map holds the nodes in", () => {
    const m = new CityModelBuilder().build(cls([node("c", 2), node("a", 0), node("b", 1)], []), { nowMs: 0 });
    expect(m.buildings.map((b) => [b.name, b.cell])).toEqual([["a", 0], ["b", 1], ["c", 2]]);
  });

  it("sizes buildings by capacity: CPU gives the width, memory the floors", () => {
    expect(towerShape(4000, 8192, 0)).toEqual({ cols: 4, floors: 4, overflow: 0 });
    expect(towerShape(2000, 4096, 0)).toEqual({ cols: 2, floors: 2, overflow: 0 });
    expect(towerShape(16_000, 65_536, 0)).toEqual({ cols: 5, floors: 6, overflow: 0 });
    expect(towerShape(4000, 8192, 22)).toEqual({ cols: 4, floors: 6, overflow: 0 });
    expect(towerShape(4000, 8192, 30)).toEqual({ cols: 4, floors: 6, overflow: 6 });
    const m = new CityModelBuilder().build(cls([node("big", 0, { cpuCapacity: 8000, memoryCapacity: 16_384 }), node("small", 1, { cpuCapacity: 2000, memoryCapacity: 4096 })], []), { nowMs: 0 });
    const [big, small] = m.buildings;
    expect(big!.body.w).toBeGreaterThan(small!.body.w);
    expect(big!.body.h).toBeGreaterThan(small!.body.h);
    // Every building fits in its lot, above the street and right of the avenue.
    for (const b of m.buildings) {
      expect(b.body.x).toBeGreaterThanOrEqual(GEOMETRY.avenueW);
      expect(b.body.x + b.body.w).toBeLessThanOrEqual(GEOMETRY.cellW);
      expect(b.body.y + b.body.h).toBe(GEOMETRY.cellH - GEOMETRY.streetH);
      expect(b.body.y).toBeGreaterThan(0);
    }
  });
});

describe("apartments", () => {
  it("has one apartment per pod on the node, and none for pods elsewhere or pending", () => {
    const pods = [
      ...Array.from({ length: 7 }, (_, i) => pod(`a-${i}`, "alpha")),
      ...Array.from({ length: 3 }, (_, i) => pod(`b-${i}`, "beta")),
      pod("waiting", "", { status: "Pending", ready: false, running: false }),
    ];
    const m = new CityModelBuilder().build(cls([node("alpha", 0), node("beta", 1), node("gamma", 2)], pods), { nowMs: 0 });
    expect(m.byName.get("alpha")!.apartments).toHaveLength(7);
    expect(m.byName.get("beta")!.apartments).toHaveLength(3);
    expect(m.byName.get("gamma")!.apartments).toHaveLength(0);
    expect(m.byName.get("alpha")!.pods).toBe(7);
    expect(m.gate.pending).toBe(1);
    expect(m.gate.pendingText).toBe("Pending ×1");
  });

  it("keeps each apartment in its window when a neighbour moves out", () => {
    const builder = new CityModelBuilder();
    const pods = Array.from({ length: 5 }, (_, i) => pod(`p-${i}`, "alpha", { createdAtMs: i }));
    const first = builder.build(cls([node("alpha", 0)], pods), { nowMs: 0 });
    const where = new Map(first.byName.get("alpha")!.apartments.map((a) => [a.key, `${a.x},${a.y}`]));
    const second = builder.build(cls([node("alpha", 0)], pods.filter((p) => p.name !== "p-1")), { nowMs: 100 });
    for (const a of second.byName.get("alpha")!.apartments) expect(`${a.x},${a.y}`).toBe(where.get(a.key));
    // A newcomer takes the freed window.
    const third = builder.build(cls([node("alpha", 0)], [...pods.filter((p) => p.name !== "p-1"), pod("new", "alpha", { createdAtMs: 9 })]), { nowMs: 200 });
    const fresh = third.byName.get("alpha")!.apartments.find((a) => a.key === "new")!;
    expect(`${fresh.x},${fresh.y}`).toBe(where.get("p-1"));
  });

  it("colors apartments by app and patterns them by version, with the tag as a label", () => {
    const pods = [pod("s1", "n", { app: "shop", version: "v1" }), pod("s2", "n", { app: "shop", version: "v2" }), pod("c1", "n", { app: "cart", version: "v1" })];
    const m = new CityModelBuilder().build(cls([node("n", 0)], pods, {
      deployments: { shop: { name: "shop", version: "v2", behavior: "healthy", replicas: 2, updated: 1, ready: 2, available: 2, revision: 2, strategy: "", progressing: "", hpaMin: 0, hpaMax: 0, hpaTarget: 0, hpaCurrent: -1 } },
    }), { nowMs: 0 });
    const apts = new Map(m.byName.get("n")!.apartments.map((a) => [a.key, a]));
    expect(apts.get("s1")!.color).toBe(APP_COLORS[0]);
    expect(apts.get("c1")!.color).toBe(APP_COLORS[1]);
    expect(apts.get("s1")!.pattern).toBe("solid");
    expect(apts.get("s2")!.pattern).toBe("stripes");
    expect(apts.get("s2")!.label).toBe("v2");
    expect(versionPattern("v7")).toBe(versionPattern("v1"));
    // A tag without a number gets a pattern from its text: a real one, and not the same for every tag.
    const named = ["latest", "main", "canary"].map(versionPattern);
    for (const p of named) expect(VERSION_PATTERNS).toContain(p);
    expect(new Set(named).size).toBeGreaterThan(1);
  });

  it("maps pod statuses to window states", () => {
    const n = cls([node("n", 0)], []).nodes.get("n");
    const down = { ...n!, ready: "Unknown" };
    expect(apartmentState(pod("p", "n"), n)).toBe("ready");
    expect(apartmentState(pod("p", "n", { ready: false }), n)).toBe("starting");
    expect(apartmentState(pod("p", "n", { status: "ContainerCreating", running: false, ready: false }), n)).toBe("creating");
    expect(apartmentState(pod("p", "n", { status: "CrashLoopBackOff", running: false, ready: false }), n)).toBe("crashloop");
    expect(apartmentState(pod("p", "n", { status: "ImagePullBackOff", running: false, ready: false }), n)).toBe("pullError");
    expect(apartmentState(pod("p", "n", { status: "Terminating", terminating: true }), n)).toBe("terminating");
    expect(apartmentState(pod("p", "n", { status: "Evicted", running: false, ready: false }), n)).toBe("failed");
    expect(apartmentState(pod("p", "n", { ready: false }), down)).toBe("unknown");
  });
});

describe("building states: a picture and words for each", () => {
  const one = (n: NodeSnapshot, pods: PodSnapshot[] = [], over: Partial<ClassSnapshot> = {}, lang: "en" | "vi" = "en") =>
    new CityModelBuilder().build(cls([n], pods, over), { nowMs: 0, language: lang }).buildings[0]!;

  it("a healthy node is Ready", () => {
    const b = one(node("n", 0), [pod("p", "n")]);
    expect(b.state).toBe("ready");
    expect(b.statusText).toBe("Ready");
    expect(b.visuals).toEqual([]);
    expect(b.tone).toBe("ok");
  });

  it("pulling: scaffolding and a layer count", () => {
    const b = one(node("n", 0, { pulling: "shop:v2", pullLayersDone: 3, pullLayersTotal: 4, pullProgress: 0.8 }), [pod("p", "n", { status: "ContainerCreating", running: false, ready: false })]);
    expect(b.state).toBe("pulling");
    expect(b.visuals).toContain("scaffolding");
    expect(b.statusText).toBe("Pulling 3/4 layers");
    expect(b.pull).toEqual({ image: "shop:v2", done: 3, total: 4, progress: 0.8 });
    expect(b.apartments[0]!.state).toBe("creating");
  });

  it("CrashLoopBackOff: flicker and a countdown to the next restart", () => {
    const b = one(node("n", 0), [pod("p", "n", { status: "CrashLoopBackOff", running: false, ready: false, restarts: 3, backoffUntilMs: 108_000 })]);
    expect(b.visuals).toContain("crash");
    expect(b.tone).toBe("warn");
    expect(b.detailText).toBe("CrashLoopBackOff ×1 · restart in 0:08");
    expect(b.apartments[0]!.state).toBe("crashloop");
  });

  it("NotReady: dimmed, with the time left before its pods are evicted", () => {
    const b = one(node("n", 0, { ready: "Unknown", partitioned: true, notReadySinceMs: 95_000, evictAtMs: 112_000 }), [pod("p", "n", { ready: false })]);
    expect(b.state).toBe("partitioned");
    expect(b.visuals).toEqual(expect.arrayContaining(["cable", "dim"]));
    expect(b.statusText).toBe("Network cut");
    expect(b.detailText).toBe("pods move in 0:12");
    const plain = one(node("n", 0, { ready: "False", notReadySinceMs: 70_000 }), [pod("p", "n", { ready: false })]);
    expect(plain.state).toBe("notready");
    expect(plain.statusText).toBe("NotReady");
    expect(plain.detailText).toBe("NotReady for 0:30");
    expect(plain.apartments[0]!.state).toBe("unknown");
  });

  it("powered off: fire while its pods are still there, smoke once they are evicted", () => {
    const burning = one(node("n", 0, { powered: false, ready: "Unknown", evictAtMs: 110_000 }), [pod("p", "n", { ready: false })]);
    expect(burning.state).toBe("down");
    expect(burning.visuals).toContain("fire");
    expect(burning.statusText).toBe("Powered off");
    expect(burning.detailText).toBe("pods move in 0:10");
    expect(burning.tone).toBe("bad");
    const justKilled = one(node("n", 0, { powered: false }), [pod("p", "n")]);
    expect(justKilled.visuals).toContain("fire");
    expect(justKilled.visuals).not.toContain("dim");
    const burnt = one(node("n", 0, { powered: false, ready: "Unknown" }), [pod("p", "n", { terminating: true, status: "Terminating", ready: false })]);
    expect(burnt.state).toBe("burnt");
    expect(burnt.visuals).toContain("smoke");
    expect(burnt.visuals).not.toContain("fire");
    expect(burnt.statusText).toBe("Down");
    expect(burnt.detailText).toBe("pods moved out");
    expect(burnt.pods).toBe(0);
  });

  it("cordoned, draining, memory pressure, offline", () => {
    const cordoned = one(node("n", 0, { cordoned: true }));
    expect([cordoned.state, cordoned.statusText, cordoned.visuals]).toEqual(["cordoned", "Cordoned", ["cones"]]);
    const draining = one(node("n", 0, { cordoned: true, draining: true }));
    expect(draining.state).toBe("draining");
    expect(draining.visuals).toEqual(expect.arrayContaining(["boxes", "cones"]));
    const pressure = one(node("n", 0, { memoryPressure: true }));
    expect([pressure.state, pressure.statusText]).toEqual(["pressure", "MemoryPressure"]);
    expect(pressure.visuals).toContain("pressure");
    const offline = one(node("n", 0, { connected: false, ready: "Unknown" }));
    expect([offline.state, offline.statusText]).toEqual(["offline", "Device offline"]);
  });

  it("speaks Vietnamese too, keeping the Kubernetes words", () => {
    const b = one(node("n", 0, { powered: false, ready: "Unknown", evictAtMs: 110_000 }), [pod("p", "n", { ready: false })], {}, "vi");
    expect(b.statusText).toBe("Mất điện");
    expect(b.detailText).toBe("pod chuyển đi sau 0:10");
    const c = one(node("n", 0, { cordoned: true }), [], {}, "vi");
    expect(c.statusText).toBe("Đã cordon");
    expect(b.a11yText).toContain("node n");
  });

  it("writes a sentence per building for screen readers", () => {
    const b = new CityModelBuilder().build(cls([node("amara", 0, { student: "Amara" })], [pod("p", "amara")]), { nowMs: 0, focusNode: "amara" }).buildings[0]!;
    expect(b.a11yText).toBe("Amara (node amara): Ready. 1 pods. (your building)");
    expect(b.focus).toBe(true);
    expect(b.visuals).toContain("focus");
  });
});

describe("drones: evicted pods flown to their new building", () => {
  const killScenario = () => {
    const nodes = [node("a", 0), node("b", 1), node("c", 2)];
    const pods = [pod("shop-1", "a"), pod("shop-2", "a"), pod("shop-3", "b"), pod("cart-1", "a", { app: "cart" })];
    return { nodes, pods };
  };

  it("detects a move: a pod terminating on a dead node, a new one of the same app placed elsewhere", () => {
    const builder = new CityModelBuilder();
    const { nodes, pods } = killScenario();
    const m0 = builder.build(cls(nodes, pods), { nowMs: 0 });
    expect(m0.drones).toEqual([]);
    const dead = nodes.map((n) => (n.name === "a" ? { ...n, powered: false, ready: "Unknown" } : n));
    const evicted = pods.map((p) => (p.node === "a" ? { ...p, terminating: true, status: "Terminating", ready: false } : p));
    const replacements = [
      pod("shop-4", "b", { status: "ContainerCreating", running: false, ready: false }),
      pod("shop-5", "c", { status: "ContainerCreating", running: false, ready: false }),
      pod("cart-2", "c", { app: "cart", status: "ContainerCreating", running: false, ready: false }),
    ];
    const m1 = builder.build(cls(dead, [...evicted, ...replacements]), { nowMs: 1000 });
    expect(m1.moves).toBe(3);
    expect(m1.drones.map((d) => [d.app, d.fromNode, d.toNode]).sort()).toEqual([["cart", "a", "c"], ["shop", "a", "b"], ["shop", "a", "c"]]);
    const a = m1.byName.get("a")!;
    const b = m1.byName.get("b")!;
    const d = m1.drones.find((x) => x.toNode === "b")!;
    expect(d.from.x).toBeCloseTo(a.lot.x + a.body.x + a.body.w / 2);
    expect(d.to.x).toBeCloseTo(b.lot.x + b.body.x + b.body.w / 2);
    expect(d.endMs).toBeGreaterThan(d.startMs);
    // The carried pod is shown arriving, not already there.
    const carried = b.apartments.find((x) => x.key === "shop-4")!;
    expect(carried.state).toBe("incoming");
    expect(carried.arriveAtMs).toBe(d.endMs);
    expect(m1.legend.find((e) => e.id === "drone")!.present).toBe(true);
    // Once landed, the drones are gone and the pod is in.
    const m2 = builder.build(cls(dead, [...evicted, ...replacements]), { nowMs: 60_000 });
    expect(m2.drones).toEqual([]);
    expect(m2.byName.get("b")!.apartments.find((x) => x.key === "shop-4")!.state).toBe("creating");
  });

  it("detects a move when the replacement is scheduled in a later update", () => {
    const builder = new CityModelBuilder();
    const { nodes, pods } = killScenario();
    builder.build(cls(nodes, pods), { nowMs: 0 });
    const drained = nodes.map((n) => (n.name === "a" ? { ...n, draining: true, cordoned: true } : n));
    const evicted = pods.map((p) => (p.name === "shop-1" ? { ...p, terminating: true, status: "Terminating" } : p));
    const m1 = builder.build(cls(drained, [...evicted, pod("shop-9", "", { status: "Pending", running: false, ready: false })]), { nowMs: 100 });
    expect(m1.drones).toHaveLength(0);
    const m2 = builder.build(cls(drained, [...evicted, pod("shop-9", "c", { status: "ContainerCreating", running: false, ready: false })]), { nowMs: 300 });
    expect(m2.drones.map((d) => [d.fromNode, d.toNode])).toEqual([["a", "c"]]);
  });

  it("flies nothing for a rolling update on healthy nodes", () => {
    const builder = new CityModelBuilder();
    const { nodes, pods } = killScenario();
    builder.build(cls(nodes, pods), { nowMs: 0 });
    const rolled = pods.map((p) => (p.name === "shop-3" ? { ...p, terminating: true, status: "Terminating" } : p));
    const m = builder.build(cls(nodes, [...rolled, pod("shop-v2", "c", { version: "v2" })]), { nowMs: 100 });
    expect(m.drones).toEqual([]);
    expect(m.moves).toBe(0);
  });

  it("counts the pods of a removed node as moved", () => {
    const builder = new CityModelBuilder();
    const { nodes, pods } = killScenario();
    builder.build(cls(nodes, pods), { nowMs: 0 });
    const rest = nodes.filter((n) => n.name !== "a");
    const m = builder.build(cls(rest, [pod("shop-3", "b"), pod("shop-7", "b"), pod("shop-8", "c")]), { nowMs: 100 });
    expect(m.moves).toBe(2);
    // The source building is gone: the drones start off-map, above the destination.
    for (const d of m.drones) expect(d.from.y).toBeLessThan(d.to.y);
  });
});

describe("camera", () => {
  it("fits 1 to 500 buildings on a 1920x1080 projector and a phone", () => {
    for (const n of [1, 2, 4, 7, 12, 30, 64, 100, 199, 300, 500]) {
      const m = new CityModelBuilder().build(cls(names(n).map((x, i) => node(x, i)), []), { nowMs: 0 });
      for (const [w, h] of [[1920, 1080], [390, 844]] as const) {
        const fit = fitCamera(m.bounds, w, h, { padding: 16, maxZoom: 1.6 });
        expect(fit.zoom).toBeGreaterThan(0);
        expect(fit.zoom).toBeLessThanOrEqual(1.6);
        const halfW = w / 2 / fit.zoom;
        const halfH = h / 2 / fit.zoom;
        for (const b of m.buildings) {
          expect(b.lot.x).toBeGreaterThanOrEqual(fit.centerX - halfW - 1e-6);
          expect(b.lot.x + b.lot.w).toBeLessThanOrEqual(fit.centerX + halfW + 1e-6);
          expect(b.lot.y).toBeGreaterThanOrEqual(fit.centerY - halfH - 1e-6);
          expect(b.lot.y + b.lot.h).toBeLessThanOrEqual(fit.centerY + halfH + 1e-6);
        }
        const gate = m.gate.rect;
        expect(gate.x).toBeGreaterThanOrEqual(fit.centerX - halfW - 1e-6);
      }
    }
  });

  it("zooms out as the city grows, and a single building is not blown up past the limit", () => {
    const zooms = [1, 10, 100, 500].map((n) => {
      const m = new CityModelBuilder().build(cls(names(n).map((x, i) => node(x, i)), []), { nowMs: 0 });
      return fitCamera(m.bounds, 1920, 1080, { maxZoom: 1.6 }).zoom;
    });
    for (let i = 1; i < zooms.length; i++) expect(zooms[i]!).toBeLessThan(zooms[i - 1]!);
    expect(zooms[0]).toBeLessThanOrEqual(1.6);
    expect(fitCamera({ x: 0, y: 0, w: 100, h: 100 }, 1000, 1000, { maxZoom: 3 }).zoom).toBe(3);
  });
});

describe("traffic", () => {
  it("sends cars where pods serve, red cars towards broken nodes, and queues where load overflows", () => {
    const nodes = [node("a", 0, { servedRps: 10 }), node("b", 1, { powered: false, servedRps: 0 }), node("c", 2, { servedRps: 5 })];
    const pods = [pod("p1", "a"), pod("p2", "b"), pod("p3", "c")];
    const m = new CityModelBuilder().build(cls(nodes, pods, {
      services: { shop: { name: "shop", rps: 40, served: 15, errors: 25, p95Ms: 900, endpoints: 3 } },
    }), { nowMs: 0 });
    expect(m.byName.get("a")!.trafficWeight).toBe(10);
    // A student's state has no per-node load: cars follow the ready apartments instead.
    const bare = [node("a", 0), node("c", 2)];
    const m2 = new CityModelBuilder().build(cls(bare, [pod("p1", "a"), pod("p2", "a"), pod("p3", "c"), pod("p4", "c", { ready: false })]), { nowMs: 0 });
    expect(m2.byName.get("a")!.trafficWeight).toBe(2);
    expect(m2.byName.get("c")!.trafficWeight).toBe(1);
    expect(m.byName.get("b")!.errorWeight).toBe(1);
    expect(m.byName.get("a")!.queue).toBeGreaterThan(m.byName.get("c")!.queue);
    expect(m.byName.get("a")!.visuals).toContain("queue");
    expect(m.gate.rpsText).toBe("40 req/s");
    expect(m.gate.errorText).toBe("25 errors/s");
    const route = carRoute(m.gate, m.byName.get("c")!);
    expect(route[0]!.x).toBeLessThan(0);
    const last = route[route.length - 1]!;
    const c = m.byName.get("c")!;
    expect(last.x).toBeCloseTo(c.lot.x + c.door.x);
  });
});

describe("other rounds", () => {
  it("Compose: one building per host with its web/db/cache containers", () => {
    const containers = {
      web: { service: "web", status: "running", health: "healthy", restarts: 0 },
      db: { service: "db", status: "running", health: "unhealthy", restarts: 0 },
      cache: { service: "cache", status: "restarting", health: "none", restarts: 2 },
    };
    const m = new CityModelBuilder().build(cls([node("h1", 0, { containers }), node("h2", 1, { powered: false, containers })], [], { mode: "compose" }), { nowMs: 0 });
    const h1 = m.byName.get("h1")!;
    expect(h1.kind).toBe("host");
    expect(h1.apartments.map((a) => [a.label, a.state])).toEqual([["web", "ready"], ["db", "unhealthy"], ["cache", "crashloop"]]);
    expect(h1.detailText).toBe("cache restarting");
    const h2 = m.byName.get("h2")!;
    expect(h2.statusText).toBe("Host down");
    expect(h2.detailText).toBe("nothing moves away");
    expect(h2.visuals).toContain("fire");
    expect(m.legend.map((e) => e.id)).toContain("container");
    expect(m.legend.map((e) => e.id)).not.toContain("drone");
  });

  it("before containers: houses with whatever kitchen they have", () => {
    const m = new CityModelBuilder().build(cls([
      node("h1", 0, { runtimes: "node 18, python 3.9", bareStatus: "failed", bareReason: "python: command not found" }),
      node("h2", 1, { runtimes: "node 20", bareStatus: "running" }),
    ], [], { mode: "bare" }), { nowMs: 0 });
    const [h1, h2] = m.buildings;
    expect(h1!.kind).toBe("house");
    expect(h1!.statusText).toBe("App fails");
    expect(h1!.detailText).toBe("kitchen: node 18 · python 3.9");
    expect(h1!.a11yText).toContain("python: command not found");
    expect(h1!.bareReason).toBe("python: command not found");
    expect(h1!.visuals).toContain("smoke");
    expect(h2!.statusText).toBe("App runs");
    expect(h2!.trafficWeight).toBe(1);
  });
});

describe("words", () => {
  it("every city string exists in Vietnamese, and every legend entry has both words", () => {
    const vi = cityCatalog("vi");
    for (const k of CITY_LABEL_KEYS) expect(vi[k], k).toBeTruthy();
    const m = new CityModelBuilder().build(cls([node("n", 0)], [pod("p", "n")]), { nowMs: 0, language: "vi" });
    for (const e of m.legend) {
      expect(e.picture).not.toMatch(/^legend\./);
      expect(e.word).not.toMatch(/^legend\./);
    }
    expect(m.legend.find((e) => e.id === "apartment")).toMatchObject({ picture: "căn hộ", word: "pod", present: true });
  });

  it("formats clocks and countdowns", () => {
    expect(formatClock(0)).toBe("00:00");
    expect(formatClock(754_000)).toBe("12:34");
    expect(formatClock(3_723_000)).toBe("1:02:03");
    expect(formatCountdown(11_001)).toBe("0:12");
    expect(formatCountdown(-5)).toBe("0:00");
  });
});

describe("synthetic class (benchmark)", () => {
  it("builds N nodes with ten pods each and plays a node failure with moves", () => {
    const sim = new SyntheticCity(30);
    expect(sim.state.nodes.size).toBe(30);
    expect(sim.state.pods.size).toBe(300);
    const builder = new CityModelBuilder();
    let now = 0;
    let m = builder.build(sim.state, { nowMs: now });
    const states = new Set(m.buildings.map((b) => b.state));
    for (const s of ["ready", "cordoned", "draining", "pressure", "partitioned", "pulling"]) expect(states.has(s as never), s).toBe(true);
    for (let i = 0; i < 120; i++) {
      now += 100;
      m = builder.build(sim.step(100), { nowMs: now });
    }
    expect(m.moves).toBeGreaterThan(0);
  });
});
