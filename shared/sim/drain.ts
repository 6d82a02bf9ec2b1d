/**
 * kubectl drain: cordon the node, then evict its pods through the Eviction API, which refuses an
 * eviction that would break a PodDisruptionBudget; refused pods are retried every 5 s, as kubectl does.
 */
import { record, schedule } from "./core.ts";
import { deletePod } from "./kubelet.ts";
import { cordon } from "./node-lifecycle.ts";
import type { ClusterState, NodeState, PodState } from "./types.ts";

const DRAIN_RETRY_MS = 5000;

/** How many more pods of this app may be disrupted now (PDB status.disruptionsAllowed). */
export function disruptionsAllowed(s: ClusterState, app: string): number {
  let min = -1;
  for (const name in s.pdbs) {
    const pdb = s.pdbs[name]!;
    if (pdb.app === app) min = Math.max(min, pdb.minAvailable);
  }
  if (min < 0) return Infinity;
  let healthy = 0;
  for (const name in s.pods) {
    const p = s.pods[name]!;
    if (p.app === app && p.ready && p.deletionAtMs === null) healthy++;
  }
  return healthy - min;
}

/** Evict one pod through the Eviction API; false when a disruption budget forbids it. */
export function evict(s: ClusterState, pod: PodState): boolean {
  if (disruptionsAllowed(s, pod.app) <= 0 && pod.ready) {
    record(s, "Warning", "EvictionBlocked", `pod/${pod.name}`, "Cannot evict pod as it would violate the pod's disruption budget.", pod.nodeName);
    return false;
  }
  record(s, "Normal", "Evicted", `pod/${pod.name}`, `Evicting pod ${pod.name} for node drain`, pod.nodeName);
  deletePod(s, pod);
  return true;
}

export function drain(s: ClusterState, node: NodeState): void {
  if (!node.unschedulable) cordon(s, node, true);
  node.draining = true;
  drainPass(s, node);
}

function drainPass(s: ClusterState, node: NodeState): void {
  let blocked = 0;
  for (const name of [...node.podIds]) {
    const p = s.pods[name];
    if (!p || p.deletionAtMs !== null || p.phase === "Failed") continue;
    if (!evict(s, p)) blocked++;
  }
  if (blocked > 0) {
    schedule(s, s.timeMs + DRAIN_RETRY_MS, "drainRetry", node.name);
    return;
  }
  node.draining = false;
  record(s, "Normal", "NodeDrained", `node/${node.name}`, `node/${node.name} drained`, node.name);
}

export function drainRetry(s: ClusterState, nodeName: string): void {
  const node = s.nodes[nodeName];
  if (node && node.draining) drainPass(s, node);
}
