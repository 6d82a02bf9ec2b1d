/**
 * Copies the simulation's plain state into the Colyseus schema. Each field is written only when
 * its value differs, so the encoder marks only real changes and a patch carries only what moved;
 * entities that vanished from the simulation are removed from the maps.
 *
 * Figures that change on every tick (per-pod load, request totals, the clock) would make every
 * patch non-empty and cost every student bytes for numbers nobody reads ten times a second, so
 * they are written only on "slow" syncs (once a second) — except the clock, which also moves
 * whenever anything else does, so that a patch never pairs new objects with an old "now".
 */
import type { MapSchema } from "@colyseus/schema";
import type { ClusterState, NodeState, PodState } from "../shared/sim/index.ts";
import { backoffUntil, evictionAt, podStatus, schedulingLine, servedByNode } from "../shared/sim/views.ts";
import { pullProgress } from "../shared/sim/images.ts";
import { sloFigures } from "../shared/game/score.ts";
import { EVENTS_TAIL } from "../shared/replay/project.ts";
import {
  ComposeContainerView, DeploymentView, EventView, NodeView, PodView, ServiceView, type ClassState,
} from "./rooms/schema.ts";


/** Fields written by the sync in progress (module state: syncs never interleave). */
let changes = 0;

/** Assign only on change: the schema setter would otherwise mark an unchanged field dirty. */
function set<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
  if (target[key] !== value) {
    target[key] = value;
    changes++;
  }
}

function upsert<V>(map: MapSchema<V>, key: string, make: () => V, created?: (v: V) => void): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
    changes++;
    created?.(v);
  }
  return v;
}



/** Remove the keys the simulation no longer has. `count` is the simulation's size: equal means nothing to remove. */
function prune<V>(map: MapSchema<V>, count: number, keep: (key: string) => boolean): void {
  if (map.size === count) return;
  for (const key of [...map.keys()]) {
    if (!keep(key)) {
      map.delete(key);
      changes++;
    }
  }
}

export interface StudentLink {
  id: string;
  name: string;
}

function syncNode(s: ClusterState, n: NodeState, v: NodeView, slot: number, owner: StudentLink | undefined): void {
  set(v, "name", n.name);
  set(v, "slot", slot);
  set(v, "student", owner?.name ?? "");
  set(v, "studentId", owner?.id ?? "");
  set(v, "ready", n.ready);
  set(v, "powered", n.powered);
  set(v, "partitioned", n.partitioned);
  set(v, "connected", n.connected);
  set(v, "cordoned", n.unschedulable);
  set(v, "draining", n.draining);
  set(v, "memoryPressure", n.memoryPressure);
  set(v, "speed", n.speed);
  set(v, "cpuCapacity", n.capacity.cpuMilli);
  set(v, "memoryCapacity", n.capacity.memoryMiB);
  set(v, "podCapacity", n.capacity.pods);
  set(v, "cpuRequested", Math.max(0, n.requested.cpuMilli));
  set(v, "memoryRequested", Math.max(0, n.requested.memoryMiB));
  set(v, "pulling", n.pull?.image ?? "");
  set(v, "pullProgress", Math.round(pullProgress(s, n) * 100) / 100);
  set(v, "pullLayersTotal", n.pull?.layers.length ?? 0);
  set(v, "pullLayersDone", n.pull ? n.pull.layers.filter((l) => l.doneAtMs <= s.timeMs).length : 0);
  set(v, "notReadySinceMs", n.notReadySinceMs ?? 0);
  set(v, "evictAtMs", evictionAt(s, n) ?? 0);
  set(v, "runtimes", Object.entries(n.runtimes).map(([k, ver]) => `${k} ${ver}`).join(", "));
  set(v, "bareStatus", n.bare?.status ?? "");
  set(v, "bareReason", n.bare?.reason ?? "");
  const containers = n.compose?.containers ?? {};
  for (const [svc, c] of Object.entries(containers)) {
    const cv = upsert(v.containers, svc, () => new ComposeContainerView());
    set(cv, "service", svc);
    set(cv, "status", c.status);
    set(cv, "health", c.health);
    set(cv, "restarts", c.restartCount);
  }
  prune(v.containers, Object.keys(containers).length, (k) => k in containers);
}

/** One line per scheduling decision, built once: 10,000 pods would rebuild 10,000 strings a tick. */
const whyCache = new WeakMap<object, string>();

function why(p: PodState): string {
  if (!p.scheduling) return "";
  let line = whyCache.get(p.scheduling);
  if (line === undefined) whyCache.set(p.scheduling, (line = schedulingLine(p)));
  return line;
}

/** What a PodView is computed from, as last written: a pod that changed none of it needs no work. */
interface PodInputs {
  nodeName: string | null;
  phase: PodState["phase"];
  container: PodState["container"];
  reason: PodState["reason"];
  ready: boolean;
  running: boolean;
  deletionAtMs: number | null;
  restartCount: number;
  restartAtMs: number | null;
  createdAtMs: number;
  message: string;
  scheduling: PodState["scheduling"];
}

/**
 * Keyed by the view, so a pod removed from the state takes its entry with it. At 10,000 pods a tick
 * changes a few dozen: comparing twelve plain fields skips the strings and schema reads of the rest.
 */
const podInputs = new WeakMap<PodView, PodInputs>();

function podUnchanged(p: PodState, v: PodView): boolean {
  const x = podInputs.get(v);
  return x !== undefined && x.nodeName === p.nodeName && x.phase === p.phase && x.container === p.container && x.reason === p.reason
    && x.ready === p.ready && x.running === p.running && x.deletionAtMs === p.deletionAtMs && x.restartCount === p.restartCount
    && x.restartAtMs === p.restartAtMs && x.createdAtMs === p.createdAtMs && x.message === p.message && x.scheduling === p.scheduling;
}

function syncPod(p: PodState, v: PodView): void {
  if (podUnchanged(p, v)) return;
  podInputs.set(v, {
    nodeName: p.nodeName, phase: p.phase, container: p.container, reason: p.reason, ready: p.ready, running: p.running, deletionAtMs: p.deletionAtMs,
    restartCount: p.restartCount, restartAtMs: p.restartAtMs, createdAtMs: p.createdAtMs, message: p.message, scheduling: p.scheduling,
  });
  // What a pod is born with never changes; a new pod under a reused name has another birth time.
  if (v.createdAtMs !== p.createdAtMs || !v.name) {
    set(v, "name", p.name);
    set(v, "app", p.app);
    set(v, "version", p.version);
    set(v, "createdAtMs", p.createdAtMs);
  }
  set(v, "node", p.nodeName ?? "");
  set(v, "status", podStatus(p));
  set(v, "ready", p.ready);
  set(v, "running", p.running);
  set(v, "terminating", p.deletionAtMs !== null);
  set(v, "restarts", p.restartCount);
  set(v, "backoffUntilMs", backoffUntil(p) ?? 0);
  set(v, "message", p.message);
  set(v, "why", why(p));
}

export interface SyncOptions {
  /** Requests and errors before the class started: the SLO counts from there. */
  since?: { requests: number; errors: number };
  /** Also write the per-tick figures (pod load, service rates, the SLO). Default true. */
  slow?: boolean;
  /** Write the clock even if nothing else changed. Default true. */
  clock?: boolean;
  /** A node or event view was just created (the room shares it with the views that show it). */
  created?: (view: NodeView | EventView) => void;
  /** An event about a node was created or updated (the room tells that node's student). */
  nodeEvent?: (e: EventView) => void;
}

/**
 * Bring the schema in line with the simulation. `owners` maps node name to its student. Returns
 * the number of fields written (0: the next patch will be empty).
 */
export function syncState(s: ClusterState, st: ClassState, owners: Map<string, StudentLink>, opts: SyncOptions = {}): number {
  const since = opts.since ?? { requests: 0, errors: 0 };
  const slow = opts.slow ?? true;
  changes = 0;
  set(st, "registryDown", s.registryDown);
  const served = slow ? servedByNode(s) : null;
  s.nodeOrder.forEach((name, slot) => {
    const v = upsert(st.nodes, name, () => new NodeView(), opts.created);
    syncNode(s, s.nodes[name]!, v, slot, owners.get(name));
    if (served) set(v, "servedRps", Math.round((served.get(name) ?? 0) * 10) / 10);
  });
  prune(st.nodes, s.nodeOrder.length, (k) => k in s.nodes);

  let pods = 0;
  for (const name in s.pods) {
    syncPod(s.pods[name]!, upsert(st.pods, name, () => new PodView()));
    pods++;
  }
  prune(st.pods, pods, (k) => k in s.pods);

  for (const name in s.deployments) {
    const d = s.deployments[name]!;
    const v = upsert(st.deployments, name, () => new DeploymentView());
    set(v, "name", d.name);
    set(v, "version", d.template.version);
    set(v, "behavior", d.template.behavior);
    set(v, "replicas", d.replicas);
    set(v, "updated", d.updatedReplicas);
    set(v, "ready", d.readyReplicas);
    set(v, "available", d.availableReplicas);
    set(v, "revision", d.revision);
    set(v, "strategy", d.strategy.type === "RollingUpdate" ? `RollingUpdate ${d.strategy.maxSurge}/${d.strategy.maxUnavailable}` : "Recreate");
    set(v, "progressing", d.progressing.reason);
    const h = s.hpas[name];
    set(v, "hpaMin", h?.minReplicas ?? 0);
    set(v, "hpaMax", h?.maxReplicas ?? 0);
    set(v, "hpaTarget", h?.targetCpuUtilization ?? 0);
    set(v, "hpaCurrent", h?.currentUtilization ?? -1);
  }
  prune(st.deployments, Object.keys(s.deployments).length, (k) => k in s.deployments);

  for (const name in s.services) {
    const svc = s.services[name]!;
    const v = upsert(st.services, name, () => new ServiceView());
    set(v, "name", svc.name);
    set(v, "endpoints", svc.last.endpoints);
    if (!slow) continue;
    set(v, "rps", Math.round(svc.last.rps * 10) / 10);
    set(v, "served", Math.round(svc.last.served * 10) / 10);
    set(v, "errors", Math.round(svc.last.errors * 10) / 10);
    set(v, "p95Ms", svc.last.p95Ms);
  }
  prune(st.services, Object.keys(s.services).length, (k) => k in s.services);

  if (slow) {
    const slo = sloFigures(s.totals, since);
    set(st, "requests", slo.requests);
    set(st, "errors", slo.errors);
    set(st, "availability", slo.availability);
    set(st, "errorBudget", slo.errorBudget);
  }
  syncEvents(s, st, opts);
  if (changes > 0 || (opts.clock ?? true)) set(st, "clusterMs", s.timeMs);
  return changes;
}

/** The feed: the last events by id; a repeated event updates its count in place. */
function syncEvents(s: ClusterState, st: ClassState, opts: SyncOptions): void {
  const tail = s.events.slice(-EVENTS_TAIL);
  const keep = new Set(tail.map((e) => String(e.id)));
  prune(st.events, -1, (k) => keep.has(k));
  for (const e of tail) {
    const v = upsert(st.events, String(e.id), () => new EventView(), opts.created);
    const before = changes;
    set(v, "id", e.id);
    set(v, "type", e.type);
    set(v, "reason", e.reason);
    set(v, "object", e.object);
    set(v, "node", e.node ?? "");
    set(v, "message", e.message);
    set(v, "count", e.count);
    set(v, "atMs", e.lastMs);
    if (changes > before && e.node) opts.nodeEvent?.(v);
  }
}
