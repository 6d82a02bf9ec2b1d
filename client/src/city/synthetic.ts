/**
 * A made-up class for the client benchmark and for looking at the art without a server: N nodes,
 * ten pods each, traffic, and every state the city can show, cycling over time (a node burns and
 * its pods fly elsewhere, another pulls an image, one crash-loops...). It is built once with
 * fromSnapshot and then changed in place, as the SDK changes room.state.
 */
import { fromSnapshot, type LiveClassState, type LiveNode } from "../state.ts";
import type { ClassSnapshot, NodeSnapshot, PodSnapshot } from "../../../shared/protocol/snapshot.ts";

const APPS = ["shop", "cart", "search"] as const;
const PODS_PER_NODE = 10;
const NAMES = ["Amara", "Bao", "Chi", "Duc", "Elif", "Farah", "Giang", "Hana", "Ivan", "Jun", "Khanh", "Linh", "Minh", "Nam", "Oanh", "Phuc", "Quang", "Rosa", "Son", "Thao", "Uyen", "Vy", "Wen", "Xuan", "Yen", "Zoe"];

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function node(i: number): NodeSnapshot {
  const name = `${(NAMES[i % NAMES.length] ?? "n").toLowerCase()}-${i + 1}`;
  return {
    name, slot: i, student: `${NAMES[i % NAMES.length]} ${i + 1}`, studentId: `s${i}`,
    ready: "True", powered: true, partitioned: false, connected: true, cordoned: false, draining: false, memoryPressure: false,
    speed: 1, cpuCapacity: 4000, memoryCapacity: 8192, podCapacity: 110, cpuRequested: 0, memoryRequested: 0,
    pulling: "", pullProgress: 0, pullLayersDone: 0, pullLayersTotal: 0, notReadySinceMs: 0, evictAtMs: 0,
    runtimes: "", bareStatus: "", bareReason: "", containers: {},
  };
}

function pod(name: string, app: string, version: string, nodeName: string, createdAtMs: number): PodSnapshot {
  return {
    name, app, version, node: nodeName, status: "Running", ready: true, running: true, terminating: false, restarts: 0,
    createdAtMs, backoffUntilMs: 0, message: "", why: "",
  };
}

interface Fire {
  node: string;
  killedMs: number;
  evicted: boolean;
}

export class SyntheticCity {
  readonly state: LiveClassState;
  private rand: () => number;
  private wallMs = 0;
  private seq = 0;
  private fires: Fire[] = [];
  private nextKillMs = 3000;
  private nodeNames: string[];
  private eventId = 0;

  readonly mode: "kubernetes" | "compose" | "bare";

  constructor(nodes: number, seed = 7, mode: "kubernetes" | "compose" | "bare" = "kubernetes") {
    this.rand = rng(seed);
    this.mode = mode;
    // Only the fields the city reads; the snapshot grows with the game (lessons, options), and a
    // made-up city should not need to follow every one of them.
    const snap = {
      code: "BENCH1", phase: "running", locked: false, mode, compression: 20, clusterMs: 0, wallMs: 0,
      availability: 0.995, errorBudget: 0.6, requests: 0, errors: 0, registryDown: false,
      nodes: {}, pods: {}, deployments: {}, services: {}, students: {}, events: {},
    } satisfies Partial<ClassSnapshot> as ClassSnapshot;
    for (let i = 0; i < nodes; i++) {
      const n = node(i);
      snap.nodes[n.name] = n;
      snap.students[n.studentId] = { id: n.studentId, name: n.student, nodeName: n.name, connected: true, points: 0 };
    }
    this.nodeNames = Object.keys(snap.nodes);
    if (mode !== "kubernetes") {
      this.otherRound(snap);
      this.state = fromSnapshot(snap);
      return;
    }
    for (const app of APPS) {
      snap.deployments[app] = {
        name: app, version: "v2", behavior: "healthy", replicas: 0, updated: 0, ready: 0, available: 0, revision: 2,
        strategy: "RollingUpdate 25%/25%", progressing: "NewReplicaSetAvailable", hpaMin: 0, hpaMax: 0, hpaTarget: 0, hpaCurrent: -1,
      };
      snap.services[app] = { name: app, rps: 0, served: 0, errors: 0, p95Ms: 80, endpoints: 0 };
    }
    this.nodeNames.forEach((n, i) => {
      for (let k = 0; k < PODS_PER_NODE; k++) {
        const app = APPS[(i + k) % APPS.length]!;
        const p = pod(this.podName(app), app, k % 3 === 0 ? "v1" : "v2", n, k);
        snap.pods[p.name] = p;
      }
    });
    this.state = fromSnapshot(snap);
    this.decorate();
    this.traffic();
  }

  /** The Compose round (hosts with web/db/cache) or the bare round (houses and their runtimes). */
  private otherRound(snap: ClassSnapshot): void {
    const runtimes = ["node 18", "node 20", "python 3.9", "python 3.12", "java 17"];
    this.nodeNames.forEach((name, i) => {
      const n = snap.nodes[name]!;
      if (this.mode === "compose") {
        const web = { service: "web", status: "running", health: "healthy", restarts: 0 };
        const db = { service: "db", status: "running", health: i % 7 === 3 ? "unhealthy" : i % 9 === 5 ? "starting" : "healthy", restarts: 0 };
        const cache = { service: "cache", status: i % 6 === 2 ? "restarting" : i % 11 === 4 ? "exited" : "running", health: "none", restarts: i % 6 === 2 ? 3 : 0 };
        n.containers = { web, db, cache };
        if (i % 8 === 6) n.powered = false;
      } else {
        const have = runtimes.filter((_, k) => (i + k) % 3 === 0).slice(0, 2);
        n.runtimes = have.join(", ");
        const ok = have.includes("python 3.12");
        n.bareStatus = i % 5 === 4 ? "" : ok ? "running" : "failed";
        n.bareReason = ok ? "python 3.12 found, same as on the developer's machine" : "python: command not found";
      }
    });
    snap.services.shop = { name: "shop", rps: this.nodeNames.length * 3, served: this.nodeNames.length * 2.7, errors: this.nodeNames.length * 0.3, p95Ms: 120, endpoints: this.nodeNames.length };
  }

  private podName(app: string): string {
    return `${app}-${(this.seq++).toString(36).padStart(5, "0")}`;
  }

  private nodeAt(i: number): LiveNode | undefined {
    const name = this.nodeNames[i];
    return name ? this.state.nodes.get(name) : undefined;
  }

  /** Standing conditions on the first few buildings, so every picture is on screen at once. */
  private decorate(): void {
    const n = this.nodeNames.length;
    if (n < 8) return;
    this.nodeAt(1)!.cordoned = true;
    const d = this.nodeAt(2)!;
    d.draining = true;
    d.cordoned = true;
    this.nodeAt(3)!.memoryPressure = true;
    const part = this.nodeAt(4)!;
    part.partitioned = true;
    part.ready = "Unknown";
    part.notReadySinceMs = 0;
    this.nodeAt(5)!.pulling = "shop:v3";
    this.nodeAt(5)!.pullLayersTotal = 4;
    const crash = [...this.state.pods.values()].filter((p) => p.node === this.nodeNames[6]).slice(0, 2);
    for (const p of crash) {
      p.status = "CrashLoopBackOff";
      p.ready = false;
      p.running = false;
      p.restarts = 4;
    }
    const starting = [...this.state.pods.values()].filter((p) => p.node === this.nodeNames[7]).slice(0, 2);
    for (const p of starting) {
      p.ready = false;
      p.version = "v3";
    }
  }

  /** Advance the made-up class by a wall-clock step. */
  step(dtMs: number): LiveClassState {
    const s = this.state;
    this.wallMs += dtMs;
    s.wallMs = this.wallMs;
    s.clusterMs += dtMs * s.compression;
    if (this.mode !== "kubernetes") return s;
    const n = this.nodeNames.length;

    // Image pull progress and crash-loop timers cycle.
    const pullNode = n >= 8 ? this.nodeAt(5) : undefined;
    if (pullNode) {
      const p = (this.wallMs % 8000) / 8000;
      pullNode.pullProgress = p;
      pullNode.pullLayersDone = Math.floor(p * 4);
    }
    s.pods.forEach((p) => {
      if (p.status === "CrashLoopBackOff" && p.backoffUntilMs < s.clusterMs) p.backoffUntilMs = s.clusterMs + 40_000;
      if (!p.terminating && !p.running && p.status === "ContainerCreating" && s.clusterMs - p.createdAtMs > 20_000) {
        p.status = "Running";
        p.running = true;
      }
      if (p.running && !p.ready && p.status === "Running" && s.clusterMs - p.createdAtMs > 50_000 && p.version !== "v3") p.ready = true;
    });

    // Every few seconds a machine loses power; its pods are evicted and fly elsewhere.
    if (this.wallMs >= this.nextKillMs && n >= 10) {
      this.nextKillMs = this.wallMs + 4000;
      const candidates = this.nodeNames.filter((name, i) => i >= 8 && s.nodes.get(name)!.powered && !this.fires.some((f) => f.node === name));
      const victim = candidates[Math.floor(this.rand() * candidates.length)];
      if (victim) {
        const v = s.nodes.get(victim)!;
        v.powered = false;
        this.fires.push({ node: victim, killedMs: this.wallMs, evicted: false });
        this.event("Warning", "NodePoweredOff", `node/${victim}`, `Machine ${victim} lost power`, victim);
      }
    }
    for (const f of this.fires) {
      const v = s.nodes.get(f.node)!;
      const age = this.wallMs - f.killedMs;
      if (age > 1000 && v.ready === "True") {
        v.ready = "Unknown";
        v.notReadySinceMs = s.clusterMs;
        v.evictAtMs = s.clusterMs + 40_000;
      }
      if (!f.evicted && v.evictAtMs > 0 && s.clusterMs >= v.evictAtMs) {
        f.evicted = true;
        v.evictAtMs = 0;
        this.evict(f.node);
      }
    }
    // Burnt machines come back after a while, empty.
    this.fires = this.fires.filter((f) => {
      if (this.wallMs - f.killedMs < 9000) return true;
      const v = s.nodes.get(f.node)!;
      v.powered = true;
      v.ready = "True";
      v.notReadySinceMs = 0;
      s.pods.forEach((p, key) => {
        if (p.node === f.node && p.terminating) (s.pods as Map<string, PodSnapshot>).delete(key);
      });
      return false;
    });
    this.traffic();
    return s;
  }

  private evict(nodeName: string): void {
    const s = this.state;
    const healthy = this.nodeNames.filter((name, i) => i >= 8 && name !== nodeName && s.nodes.get(name)!.powered);
    const moved: PodSnapshot[] = [];
    s.pods.forEach((p) => {
      if (p.node === nodeName && !p.terminating) {
        p.terminating = true;
        p.status = "Terminating";
        p.ready = false;
        moved.push(p);
      }
    });
    for (const old of moved) {
      const to = healthy[Math.floor(this.rand() * healthy.length)];
      if (!to) break;
      const p = pod(this.podName(old.app), old.app, old.version, to, s.clusterMs);
      p.status = "ContainerCreating";
      p.running = false;
      p.ready = false;
      (s.pods as Map<string, PodSnapshot>).set(p.name, p);
    }
    this.event("Normal", "TaintManagerEviction", `node/${nodeName}`, `Marking for deletion ${moved.length} pods`, nodeName);
  }

  private event(type: string, reason: string, object: string, message: string, nodeName: string): void {
    const id = ++this.eventId;
    const events = this.state.events as Map<string, ClassSnapshot["events"][string]>;
    events.set(String(id), { id, type, reason, object, node: nodeName, message, count: 1, atMs: this.state.clusterMs });
    if (events.size > 40) events.delete(events.keys().next().value!);
  }

  /** About ten requests per second per building, 2% failing, and the totals for the SLO panel. */
  private traffic(): void {
    const s = this.state;
    const perApp = new Map<string, { ready: number }>();
    s.pods.forEach((p) => {
      const a = perApp.get(p.app) ?? { ready: 0 };
      if (p.ready) a.ready++;
      perApp.set(p.app, a);
    });
    const total = this.nodeNames.length * 10;
    let rps = 0;
    let errors = 0;
    s.services.forEach((svc) => {
      svc.rps = total / APPS.length;
      svc.errors = svc.rps * (this.fires.length > 0 ? 0.006 : 0.001);
      svc.served = svc.rps - svc.errors;
      svc.endpoints = perApp.get(svc.name)?.ready ?? 0;
      svc.p95Ms = this.fires.length > 0 ? 420 : 90;
      rps += svc.rps;
      errors += svc.errors;
    });
    const load = new Map<string, number>();
    s.pods.forEach((p) => {
      const a = perApp.get(p.app);
      const rps = p.ready && a && a.ready > 0 ? total / APPS.length / a.ready : 0;
      load.set(p.node, (load.get(p.node) ?? 0) + rps);
    });
    s.nodes.forEach((n) => (n.servedRps = load.get(n.name) ?? 0));
    s.requests += rps;
    s.errors += errors;
    s.availability = s.requests > 0 ? (s.requests - s.errors) / s.requests : 1;
    s.errorBudget = Math.max(-1, 1 - s.errors / Math.max(1, s.requests * 0.01));
  }
}
