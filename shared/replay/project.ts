/**
 * The simulation's state as a client sees the class (shared/protocol/snapshot.ts), computed in one
 * pure pass. The live room gets there differently: server/sync.ts writes the same values field by
 * field into the Colyseus schema, only where they changed, so patches stay small. A replay has no
 * schema and no patches, it needs a fresh picture of any moment, so it uses this instead; a test
 * (test/replay/project.test.ts) holds the two equal on real runs, so the replay shows what the
 * live display showed. The two share what must round alike (the SLO figures, the event shape and
 * tail); the per-field writes stay in sync.ts, whose change-only writes are the hot path.
 */
import type { ClusterState, NodeState, PodState } from "../sim/index.ts";
import { backoffUntil, evictionAt, podStatus, schedulingLine, servedByNode } from "../sim/views.ts";
import { pullProgress } from "../sim/images.ts";
import { sloFigures } from "../game/score.ts";
import type {
  ClassSnapshot, DeploymentSnapshot, EventSnapshot, NodeSnapshot, PodSnapshot, ServiceSnapshot,
} from "../protocol/snapshot.ts";

/** As many events as the live feed keeps (server/sync.ts uses this too). */
export const EVENTS_TAIL = 40;

export interface Owner {
  id: string;
  name: string;
}

/** What of the class snapshot the simulation alone decides. */
export type ClusterSnapshot = Pick<
  ClassSnapshot,
  "clusterMs" | "registryDown" | "nodes" | "pods" | "deployments" | "services" | "events" | "requests" | "errors" | "availability" | "errorBudget"
>;

function nodeSnapshot(s: ClusterState, n: NodeState, slot: number, owner: Owner | undefined, served: number): NodeSnapshot {
  const containers: NodeSnapshot["containers"] = {};
  for (const [svc, c] of Object.entries(n.compose?.containers ?? {})) {
    containers[svc] = { service: svc, status: c.status, health: c.health, restarts: c.restartCount };
  }
  return {
    name: n.name,
    slot,
    student: owner?.name ?? "",
    studentId: owner?.id ?? "",
    ready: n.ready,
    powered: n.powered,
    partitioned: n.partitioned,
    connected: n.connected,
    cordoned: n.unschedulable,
    draining: n.draining,
    memoryPressure: n.memoryPressure,
    speed: n.speed,
    cpuCapacity: n.capacity.cpuMilli,
    memoryCapacity: n.capacity.memoryMiB,
    podCapacity: n.capacity.pods,
    cpuRequested: Math.max(0, n.requested.cpuMilli),
    memoryRequested: Math.max(0, n.requested.memoryMiB),
    pulling: n.pull?.image ?? "",
    pullProgress: Math.round(pullProgress(s, n) * 100) / 100,
    pullLayersDone: n.pull ? n.pull.layers.filter((l) => l.doneAtMs <= s.timeMs).length : 0,
    pullLayersTotal: n.pull?.layers.length ?? 0,
    notReadySinceMs: n.notReadySinceMs ?? 0,
    evictAtMs: evictionAt(s, n) ?? 0,
    runtimes: Object.entries(n.runtimes).map(([k, ver]) => `${k} ${ver}`).join(", "),
    bareStatus: n.bare?.status ?? "",
    bareReason: n.bare?.reason ?? "",
    containers,
    servedRps: Math.round(served * 10) / 10,
  };
}

function podSnapshot(p: PodState): PodSnapshot {
  return {
    name: p.name,
    app: p.app,
    version: p.version,
    node: p.nodeName ?? "",
    status: podStatus(p),
    ready: p.ready,
    running: p.running,
    terminating: p.deletionAtMs !== null,
    restarts: p.restartCount,
    createdAtMs: p.createdAtMs,
    backoffUntilMs: backoffUntil(p) ?? 0,
    message: p.message,
    why: schedulingLine(p),
  };
}

/**
 * The cluster part of the class snapshot. `owners` maps node name to its student; `since` are the
 * totals when the class started (the SLO counts from there, as in the live room).
 */
export function projectCluster(s: ClusterState, owners: ReadonlyMap<string, Owner>, since: { requests: number; errors: number } = { requests: 0, errors: 0 }): ClusterSnapshot {
  const nodes: Record<string, NodeSnapshot> = {};
  const served = servedByNode(s);
  s.nodeOrder.forEach((name, slot) => {
    nodes[name] = nodeSnapshot(s, s.nodes[name]!, slot, owners.get(name), served.get(name) ?? 0);
  });
  const pods: Record<string, PodSnapshot> = {};
  for (const name in s.pods) pods[name] = podSnapshot(s.pods[name]!);
  const deployments: Record<string, DeploymentSnapshot> = {};
  for (const name in s.deployments) {
    const d = s.deployments[name]!;
    const h = s.hpas[name];
    deployments[name] = {
      name: d.name,
      version: d.template.version,
      behavior: d.template.behavior,
      replicas: d.replicas,
      updated: d.updatedReplicas,
      ready: d.readyReplicas,
      available: d.availableReplicas,
      revision: d.revision,
      strategy: d.strategy.type === "RollingUpdate" ? `RollingUpdate ${d.strategy.maxSurge}/${d.strategy.maxUnavailable}` : "Recreate",
      progressing: d.progressing.reason,
      hpaMin: h?.minReplicas ?? 0,
      hpaMax: h?.maxReplicas ?? 0,
      hpaTarget: h?.targetCpuUtilization ?? 0,
      hpaCurrent: h?.currentUtilization ?? -1,
    };
  }
  const services: Record<string, ServiceSnapshot> = {};
  for (const name in s.services) {
    const svc = s.services[name]!;
    services[name] = {
      name: svc.name,
      rps: Math.round(svc.last.rps * 10) / 10,
      served: Math.round(svc.last.served * 10) / 10,
      errors: Math.round(svc.last.errors * 10) / 10,
      p95Ms: svc.last.p95Ms,
      endpoints: svc.last.endpoints,
    };
  }
  const events: Record<string, EventSnapshot> = {};
  for (const e of s.events.slice(-EVENTS_TAIL)) events[String(e.id)] = eventSnapshot(e);
  return {
    clusterMs: s.timeMs,
    registryDown: s.registryDown,
    nodes,
    pods,
    deployments,
    services,
    events,
    ...sloFigures(s.totals, since),
  };
}

/** An event as clients see it (the state's feed, a student's `nodeEvents`). */
export function eventSnapshot(e: ClusterState["events"][number]): EventSnapshot {
  return { id: e.id, type: e.type, reason: e.reason, object: e.object, node: e.node ?? "", message: e.message, count: e.count, atMs: e.lastMs };
}
