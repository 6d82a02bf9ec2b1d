/**
 * Read-only views of the state in the words people see: kubectl's STATUS column, one line on a
 * scheduling decision, when a node's pods will be moved. Screens, the server and kubectl share them.
 */
import type { ClusterState, NodeState, PodState } from "./types.ts";

/** The STATUS column of `kubectl get pods`. */
export function podStatus(p: PodState): string {
  if (p.deletionAtMs !== null) return "Terminating";
  if (p.phase === "Failed") return p.message.includes("low on resource") ? "Evicted" : "Error";
  if (p.nodeName === null) return "Pending";
  if (p.container === "Waiting" && p.reason) return p.reason;
  if (p.container === "Terminated" && p.reason) return p.reason;
  if (p.phase === "Pending") return p.reason || "Pending";
  return p.phase;
}

/** READY column: "1/1" or "0/1". */
export function podReadyColumn(p: PodState): string {
  return p.ready ? "1/1" : "0/1";
}

/** One line explaining the last scheduling decision. */
export function schedulingLine(p: PodState): string {
  const e = p.scheduling;
  if (!e) return "";
  if (!e.chosen) return e.message;
  const best = e.top.find((t) => t.node === e.chosen);
  return `${e.chosen}: ${e.feasible} of ${e.examined} nodes fit, score ${best?.total ?? "?"}`;
}

/** Cluster time at which the taint manager will evict the first pods of this node, or null. */
export function evictionAt(s: ClusterState, node: NodeState): number | null {
  const taint = node.taints.find((t) => t.key === "node.kubernetes.io/unreachable" && t.effect === "NoExecute");
  if (!taint) return null;
  let at: number | null = null;
  for (const name of node.podIds) {
    const p = s.pods[name];
    if (!p || p.deletionAtMs !== null || p.phase === "Failed") continue;
    const t = taint.addedAtMs + p.template.tolerationSeconds * 1000;
    if (at === null || t < at) at = t;
  }
  return at;
}

/** When a crash-looping container restarts next, or null. */
export function backoffUntil(p: PodState): number | null {
  return p.reason === "CrashLoopBackOff" ? p.restartAtMs : null;
}

/** Requests per second answered by each node's pods over the last second. */
export function servedByNode(s: ClusterState): Map<string, number> {
  const out = new Map<string, number>();
  for (const name in s.pods) {
    const p = s.pods[name]!;
    if (p.nodeName && p.servedLastSecond > 0) out.set(p.nodeName, (out.get(p.nodeName) ?? 0) + p.servedLastSecond);
  }
  return out;
}
