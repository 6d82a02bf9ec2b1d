/**
 * The node lifecycle controller and the taint manager. A node's kubelet renews a Lease every 10 s
 * while the student is connected; the controller checks every 5 s and, after 50 s of silence,
 * marks the node Unknown, taints it and marks its pods not ready. NoExecute taints are added at a
 * limited rate, and pods are evicted when their 300 s toleration runs out.
 */
import { K8S } from "./defaults.ts";
import { podChanged, record, schedule, setUnready } from "./core.ts";
import { deletePod, kubeletReachable, nodePartitioned, nodePoweredOff, nodeRecovered, releaseRequests } from "./kubelet.ts";
import type { ClusterState, NodeState, PodState, Taint } from "./types.ts";

const LEASE_MS = K8S.leaseRenewSeconds * 1000;
export const UNREACHABLE = "node.kubernetes.io/unreachable";
export const UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
export const MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure";

/** The kubelet renews its lease only while the machine is on and reachable (see kubeletReachable). */
export function leaseAlive(node: NodeState): boolean {
  return kubeletReachable(node);
}

/** The last renewal tick at or before t, on this kubelet's own phase. */
function lastRenewalAt(node: NodeState, t: number): number {
  const since = (((t - node.leaseOffsetMs) % LEASE_MS) + LEASE_MS) % LEASE_MS;
  return t - since;
}

function hasTaint(node: NodeState, key: string, effect: Taint["effect"]): boolean {
  return node.taints.some((t) => t.key === key && t.effect === effect);
}

export function addTaint(s: ClusterState, node: NodeState, key: string, effect: Taint["effect"]): void {
  if (!hasTaint(node, key, effect)) node.taints.push({ key, effect, addedAtMs: s.timeMs });
}

export function removeTaint(node: NodeState, key: string): void {
  node.taints = node.taints.filter((t) => t.key !== key);
}

/** Apply a change to what feeds the kubelet (connection, power, network); `was*` are the values before it. */
export function kubeletInputsChanged(s: ClusterState, node: NodeState, wasOnline: boolean, wasPowered: boolean): void {
  const online = leaseAlive(node);
  if (wasPowered && !node.powered) nodePoweredOff(s, node);
  if (wasOnline && !online) {
    node.lastLeaseMs = lastRenewalAt(node, s.timeMs);
    if (node.powered) nodePartitioned(s, node);
  }
  if (!wasOnline && online) {
    node.lastLeaseMs = s.timeMs;
    if (node.ready !== "True") markReady(s, node);
    nodeRecovered(s, node);
  }
}

function markReady(s: ClusterState, node: NodeState): void {
  node.ready = "True";
  node.readySinceMs = s.timeMs;
  node.notReadySinceMs = null;
  removeTaint(node, UNREACHABLE);
  s.eviction.queue = s.eviction.queue.filter((n) => n !== node.name);
  record(s, "Normal", "NodeReady", `node/${node.name}`, `Node ${node.name} status is now: NodeReady`, node.name);
  s.dirty.scheduling = true;
}

/** Every 5 s: which silent nodes have passed the grace period, and which may be tainted for eviction now. */
export function nodeMonitor(s: ClusterState): void {
  const grace = K8S.nodeMonitorGraceSeconds * 1000;
  for (const name of s.nodeOrder) {
    const node = s.nodes[name]!;
    if (node.ready !== "True" || leaseAlive(node)) continue;
    if (s.timeMs - node.lastLeaseMs <= grace) continue;
    node.ready = "Unknown";
    node.notReadySinceMs = s.timeMs;
    addTaint(s, node, UNREACHABLE, "NoSchedule");
    record(s, "Normal", "NodeNotReady", `node/${node.name}`, `Node ${node.name} status is now: NodeNotReady`, node.name);
    for (const podName of node.podIds) markPodNotReady(s, s.pods[podName]!);
    if (!s.eviction.queue.includes(node.name)) s.eviction.queue.push(node.name);
  }
  taintQueuedNodes(s);
  schedule(s, s.timeMs + K8S.nodeMonitorPeriodSeconds * 1000, "nodeMonitor");
}

function markPodNotReady(s: ClusterState, pod: PodState): void {
  if (!pod.ready) return;
  record(s, "Warning", "NodeNotReady", `pod/${pod.name}`, "Node is not ready", pod.nodeName);
  setUnready(s, pod);
}

/**
 * Zone-aware rate limiting (k/w nodes.md "Reliability"): one zone here. If every node is down the
 * control plane suspects itself and stops; a mostly-down small cluster stops too; a large one slows.
 */
export function evictionRate(s: ClusterState): number {
  const total = s.nodeOrder.length;
  let notReady = 0;
  for (const name of s.nodeOrder) if (s.nodes[name]!.ready !== "True") notReady++;
  if (total === 0 || notReady === 0) return K8S.nodeEvictionRatePerSecond;
  if (notReady === total) return 0;
  if (notReady >= 2 && notReady / total >= K8S.unhealthyZoneThreshold) {
    return total <= K8S.largeClusterSizeThreshold ? 0 : K8S.secondaryNodeEvictionRatePerSecond;
  }
  return K8S.nodeEvictionRatePerSecond;
}

function taintQueuedNodes(s: ClusterState): void {
  const ev = s.eviction;
  ev.queue = ev.queue.filter((n) => s.nodes[n]?.ready !== "True" && s.nodes[n] !== undefined);
  if (ev.queue.length === 0) {
    ev.disrupted = false;
    return;
  }
  const rate = evictionRate(s);
  if (rate === 0 && s.nodeOrder.every((n) => s.nodes[n]!.ready !== "True")) {
    // Full disruption: the controller marks every node reachable again (no NoExecute taints).
    for (const n of s.nodeOrder) s.nodes[n]!.taints = s.nodes[n]!.taints.filter((t) => !(t.key === UNREACHABLE && t.effect === "NoExecute"));
  }
  if (rate === 0) {
    if (!ev.disrupted) {
      const down = s.nodeOrder.filter((n) => s.nodes[n]!.ready !== "True").length;
      record(s, "Warning", "EvictionsPaused", "cluster", `${down} of ${s.nodeOrder.length} nodes are not ready: the control plane stops evicting pods, suspecting its own network`);
    }
    ev.disrupted = true;
    return;
  }
  ev.disrupted = false;
  while (ev.queue.length > 0 && s.timeMs >= ev.nextAllowedMs) {
    const node = s.nodes[ev.queue.shift()!]!;
    addTaint(s, node, UNREACHABLE, "NoExecute");
    ev.nextAllowedMs = s.timeMs + Math.round(1000 / rate);
    scheduleTaintEviction(s, node);
  }
}

function scheduleTaintEviction(s: ClusterState, node: NodeState): void {
  const taint = node.taints.find((t) => t.key === UNREACHABLE && t.effect === "NoExecute");
  if (!taint) return;
  let next = Infinity;
  for (const podName of node.podIds) {
    const p = s.pods[podName]!;
    if (p.deletionAtMs === null && p.phase !== "Failed") next = Math.min(next, taint.addedAtMs + p.template.tolerationSeconds * 1000);
  }
  if (next !== Infinity) schedule(s, next, "taintEviction", node.name);
}

/** The taint manager: pods whose toleration of the NoExecute taint has run out are deleted. */
export function taintEviction(s: ClusterState, node: NodeState): void {
  const taint = node.taints.find((t) => t.key === UNREACHABLE && t.effect === "NoExecute");
  if (!taint) return;
  for (const podName of [...node.podIds]) {
    const p = s.pods[podName];
    if (!p || p.deletionAtMs !== null || p.phase === "Failed") continue;
    if (taint.addedAtMs + p.template.tolerationSeconds * 1000 > s.timeMs) continue;
    record(s, "Normal", "TaintManagerEviction", `pod/${p.name}`, `Marking for deletion Pod default/${p.name}`, node.name);
    deletePod(s, p);
  }
  scheduleTaintEviction(s, node);
}

/**
 * Every 10 s the kubelet compares memory in use with the eviction threshold (memory.available<100Mi)
 * and evicts the pod using most memory above its request; the condition is held 5 minutes after it clears.
 */
export function kubeletEviction(s: ClusterState): void {
  for (const name of s.nodeOrder) {
    const node = s.nodes[name]!;
    if (!node.powered) continue;
    // Without a memory hog or a leak, pods use less than they request and requests fit the node.
    if (node.systemMemoryMiB === 0 && !node.leaky && !node.memoryPressure) continue;
    let used = node.systemMemoryMiB;
    for (const podName of node.podIds) {
      const p = s.pods[podName]!;
      if (p.running) used += p.memoryMiB;
    }
    const available = node.capacity.memoryMiB - used;
    if (available < K8S.evictionHardMemoryMiB) {
      node.lastPressureMs = s.timeMs;
      if (!node.memoryPressure) {
        node.memoryPressure = true;
        addTaint(s, node, MEMORY_PRESSURE, "NoSchedule");
        record(s, "Warning", "EvictionThresholdMet", `node/${name}`, "Attempting to reclaim memory", name);
      }
      evictHungriest(s, node);
    } else if (node.memoryPressure && node.lastPressureMs !== null &&
      s.timeMs - node.lastPressureMs >= K8S.evictionPressureTransitionSeconds * 1000) {
      node.memoryPressure = false;
      removeTaint(node, MEMORY_PRESSURE);
      record(s, "Normal", "NodeHasSufficientMemory", `node/${name}`, `Node ${name} status is now: NodeHasSufficientMemory`, name);
      s.dirty.scheduling = true;
    }
  }
  schedule(s, s.timeMs + K8S.kubeletEvictionPeriodSeconds * 1000, "kubeletEviction");
}

function evictHungriest(s: ClusterState, node: NodeState): void {
  let victim: PodState | null = null;
  let worst = -Infinity;
  for (const podName of node.podIds) {
    const p = s.pods[podName]!;
    if (!p.running || p.phase === "Failed") continue;
    const over = p.memoryMiB - p.template.requests.memoryMiB;
    if (over > worst) {
      worst = over;
      victim = p;
    }
  }
  if (!victim) return;
  releaseRequests(s, victim);
  victim.phase = "Failed";
  victim.reason = "";
  victim.message = "The node was low on resource: memory.";
  victim.running = false;
  victim.serving = false;
  setUnready(s, victim);
  victim.container = "Terminated";
  victim.gen++;
  record(s, "Warning", "Evicted", `pod/${victim.name}`, "The node was low on resource: memory.", node.name);
  podChanged(s, victim);
  // A pod that was already being deleted is finished now that its container is gone.
  if (victim.deletionAtMs !== null && kubeletReachable(node)) schedule(s, s.timeMs, "podTerminated", victim.name, victim.gen);
}

export function cordon(s: ClusterState, node: NodeState, on: boolean): void {
  node.unschedulable = on;
  if (on) addTaint(s, node, UNSCHEDULABLE, "NoSchedule");
  else {
    removeTaint(node, UNSCHEDULABLE);
    node.draining = false;
    s.dirty.scheduling = true;
  }
  record(s, "Normal", on ? "NodeNotSchedulable" : "NodeSchedulable", `node/${node.name}`,
    `Node ${node.name} status is now: ${on ? "NodeNotSchedulable" : "NodeSchedulable"}`, node.name);
}
