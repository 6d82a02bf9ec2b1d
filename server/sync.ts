/**
 * Copies the simulation's plain state into the Colyseus schema. Each field is written only when
 * its value differs, so the encoder marks only real changes and a patch carries only what moved;
 * entities that vanished from the simulation are removed from the maps.
 */
import type { MapSchema } from "@colyseus/schema";
import type { ClusterState, NodeState, PodState } from "../shared/sim/index.ts";
import { backoffUntil, evictionAt, podStatus, schedulingLine } from "../shared/sim/views.ts";
import { pullProgress } from "../shared/sim/images.ts";
import { availability, errorBudgetRemaining } from "../shared/game/score.ts";
import {
  ComposeContainerView, DeploymentView, EventView, NodeView, PodView, ServiceView, type ClassState,
} from "./rooms/schema.ts";

const EVENTS_TAIL = 40;

/** Assign only on change: the schema setter would otherwise mark an unchanged field dirty. */
function set<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
  if (target[key] !== value) target[key] = value;
}

function upsert<V>(map: MapSchema<V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function prune<V>(map: MapSchema<V>, keep: (key: string) => boolean): void {
  for (const key of [...map.keys()]) if (!keep(key)) map.delete(key);
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
  set(v, "taints", n.taints.map((t) => `${t.key}:${t.effect}`).join(","));
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
  prune(v.containers, (k) => k in containers);
}

function syncPod(p: PodState, v: PodView): void {
  set(v, "name", p.name);
  set(v, "app", p.app);
  set(v, "version", p.version);
  set(v, "node", p.nodeName ?? "");
  set(v, "status", podStatus(p));
  set(v, "ready", p.ready);
  set(v, "running", p.running);
  set(v, "terminating", p.deletionAtMs !== null);
  set(v, "restarts", p.restartCount);
  set(v, "createdAtMs", p.createdAtMs);
  set(v, "backoffUntilMs", backoffUntil(p) ?? 0);
  set(v, "message", p.message);
  set(v, "why", schedulingLine(p));
  set(v, "servedRps", Math.round(p.servedLastSecond * 10) / 10);
  set(v, "cpuMilli", p.cpuMilli);
  set(v, "memoryMiB", Math.round(p.memoryMiB));
}

/** Bring the schema in line with the simulation. `owners` maps node name to its student. */
export function syncState(
  s: ClusterState,
  st: ClassState,
  owners: Map<string, StudentLink>,
  since: { requests: number; errors: number } = { requests: 0, errors: 0 },
): void {
  set(st, "clusterMs", s.timeMs);
  set(st, "registryDown", s.registryDown);
  s.nodeOrder.forEach((name, slot) => {
    syncNode(s, s.nodes[name]!, upsert(st.nodes, name, () => new NodeView()), slot, owners.get(name));
  });
  prune(st.nodes, (k) => k in s.nodes);

  for (const name in s.pods) syncPod(s.pods[name]!, upsert(st.pods, name, () => new PodView()));
  prune(st.pods, (k) => k in s.pods);

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
  prune(st.deployments, (k) => k in s.deployments);

  for (const name in s.services) {
    const svc = s.services[name]!;
    const v = upsert(st.services, name, () => new ServiceView());
    set(v, "name", svc.name);
    set(v, "rps", Math.round(svc.last.rps * 10) / 10);
    set(v, "served", Math.round(svc.last.served * 10) / 10);
    set(v, "errors", Math.round(svc.last.errors * 10) / 10);
    set(v, "p95Ms", svc.last.p95Ms);
    set(v, "endpoints", svc.last.endpoints);
  }
  prune(st.services, (k) => k in s.services);

  const requests = s.totals.requests - since.requests;
  const errors = s.totals.errors - since.errors;
  set(st, "requests", requests);
  set(st, "errors", errors);
  set(st, "availability", Math.round(availability(requests, errors) * 10000) / 10000);
  set(st, "errorBudget", Math.round(errorBudgetRemaining(requests, errors) * 1000) / 1000);
  syncEvents(s, st);
}

/** The feed: the last events by id; a repeated event updates its count in place. */
function syncEvents(s: ClusterState, st: ClassState): void {
  const tail = s.events.slice(-EVENTS_TAIL);
  const keep = new Set(tail.map((e) => String(e.id)));
  prune(st.events, (k) => keep.has(k));
  for (const e of tail) {
    const v = upsert(st.events, String(e.id), () => new EventView());
    set(v, "id", e.id);
    set(v, "type", e.type);
    set(v, "reason", e.reason);
    set(v, "object", e.object);
    set(v, "node", e.node ?? "");
    set(v, "message", e.message);
    set(v, "count", e.count);
    set(v, "atMs", e.lastMs);
  }
}
