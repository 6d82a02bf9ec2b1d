/**
 * kube-scheduler: for each pending pod, filter the nodes (NodeUnschedulable, TaintToleration,
 * NodeResourcesFit on requests), score the feasible ones (LeastAllocated, BalancedAllocation,
 * ImageLocality, soft hostname spreading) with the default plugin weights, and bind to the best,
 * breaking ties at random from the seeded stream. Large clusters stop filtering once enough
 * feasible nodes are found (percentageOfNodesToScore), rotating the starting node as the real
 * scheduler does. Every decision keeps its explanation for the screens.
 */
import { K8S } from "./defaults.ts";
import { record, schedule } from "./core.ts";
import { cachedBytes } from "./images.ts";
import { startPod } from "./kubelet.ts";
import { nextFloat } from "./rng.ts";
import type { ClusterState, Image, NodeScore, NodeState, PodState } from "./types.ts";

/** How many feasible nodes to look for before scoring (numFeasibleNodesToFind). */
export function feasibleNodesToFind(total: number): number {
  if (total < K8S.minFeasibleNodesToFind) return total;
  const pct = Math.max(K8S.minFeasibleNodesPercentageToFind, 50 - Math.floor(total / 125));
  return Math.max(K8S.minFeasibleNodesToFind, Math.floor((total * pct) / 100));
}

/** The filter verdict for one node, in the words kube-scheduler uses; null when the pod fits. */
export function filterNode(s: ClusterState, node: NodeState, pod: PodState): string | null {
  if (node.unschedulable) return "node(s) were unschedulable";
  for (const t of node.taints) {
    // Pods tolerate not-ready/unreachable only with NoExecute (DefaultTolerationSeconds), never NoSchedule.
    if (t.effect === "NoSchedule") return `node(s) had untolerated taint {${t.key}: }`;
  }
  const req = pod.template.requests;
  if (node.podIds.length >= node.capacity.pods) return "Too many pods";
  if (node.requested.cpuMilli + req.cpuMilli > node.capacity.cpuMilli) return "Insufficient cpu";
  if (node.requested.memoryMiB + req.memoryMiB > node.capacity.memoryMiB) return "Insufficient memory";
  void s;
  return null;
}

/**
 * Pods per (node, app) for the spreading score, built lazily for the nodes a pass looks at and
 * updated on bind. Derived data: it lives for one scheduler pass, never in the state.
 */
export class AppCounts {
  private readonly byNode = new Map<string, Map<string, number>>();
  count(s: ClusterState, node: NodeState, app: string): number {
    let m = this.byNode.get(node.name);
    if (!m) {
      m = new Map();
      for (const name of node.podIds) {
        const a = s.pods[name]!.app;
        m.set(a, (m.get(a) ?? 0) + 1);
      }
      this.byNode.set(node.name, m);
    }
    return m.get(app) ?? 0;
  }
  bound(node: NodeState, app: string): void {
    const m = this.byNode.get(node.name);
    if (m) m.set(app, (m.get(app) ?? 0) + 1);
  }
}

interface ImageSpread {
  image: Image | undefined;
  spread: number;
}

function scoreNode(s: ClusterState, node: NodeState, pod: PodState, img: ImageSpread, apps: AppCounts): NodeScore {
  const req = pod.template.requests;
  const cap = node.capacity;
  const cpuAfter = node.requested.cpuMilli + req.cpuMilli;
  const memAfter = node.requested.memoryMiB + req.memoryMiB;
  const least = (((cap.cpuMilli - cpuAfter) * 100) / cap.cpuMilli + ((cap.memoryMiB - memAfter) * 100) / cap.memoryMiB) / 2;
  const balanced = (1 - Math.abs(cpuAfter / cap.cpuMilli - memAfter / cap.memoryMiB) / 2) * 100;
  let locality = 0;
  if (img.image) {
    const sum = cachedBytes(node, img.image) * img.spread;
    const min = K8S.imageLocalityMinBytes;
    const max = K8S.imageLocalityMaxBytes;
    locality = sum <= min ? 0 : sum >= max ? 100 : ((sum - min) * 100) / (max - min);
  }
  const sameApp = apps.count(s, node, pod.app);
  const parts = {
    NodeResourcesFit: Math.round(least),
    NodeResourcesBalancedAllocation: Math.round(balanced),
    ImageLocality: Math.round(locality),
    PodTopologySpread: sameApp,
  };
  return { node: node.name, total: 0, parts };
}

/** One scheduling attempt. Returns true when the pod was bound. */
export function scheduleOne(s: ClusterState, pod: PodState, apps: AppCounts = new AppCounts()): boolean {
  const order = s.nodeOrder;
  const total = order.length;
  const want = feasibleNodesToFind(total);
  const filtered: Record<string, number> = {};
  const feasible: NodeState[] = [];
  let examined = 0;
  const start = total > 0 ? s.schedulerNextStart % total : 0;
  for (; examined < total && feasible.length < want; examined++) {
    const node = s.nodes[order[(start + examined) % total]!]!;
    const why = filterNode(s, node, pod);
    if (why === null) feasible.push(node);
    else filtered[why] = (filtered[why] ?? 0) + 1;
  }
  s.schedulerNextStart = total > 0 ? (start + examined) % total : 0;

  if (feasible.length === 0) {
    failScheduling(s, pod, total, filtered, examined);
    return false;
  }

  const image = s.images[pod.template.image];
  let withImage = 0;
  if (image) for (const n of feasible) if (cachedBytes(n, image) > 0) withImage++;
  const img = { image, spread: feasible.length > 0 ? withImage / feasible.length : 0 };
  const scores = feasible.map((n) => scoreNode(s, n, pod, img, apps));
  // Soft spreading: fewer pods of the same app on a node scores higher, normalized to 0..100.
  let maxSame = 0;
  for (const sc of scores) maxSame = Math.max(maxSame, sc.parts.PodTopologySpread!);
  const w = K8S.scoreWeights;
  let best: NodeScore | null = null;
  let ties = 0;
  for (const sc of scores) {
    const same = sc.parts.PodTopologySpread!;
    sc.parts.PodTopologySpread = maxSame === 0 ? 100 : Math.round(((maxSame - same) * 100) / maxSame);
    sc.total =
      w.nodeResourcesFit * sc.parts.NodeResourcesFit! +
      w.balancedAllocation * sc.parts.NodeResourcesBalancedAllocation! +
      w.imageLocality * sc.parts.ImageLocality! +
      w.podTopologySpread * sc.parts.PodTopologySpread!;
    if (!best || sc.total > best.total) {
      best = sc;
      ties = 1;
    } else if (sc.total === best.total) {
      // Reservoir sampling over equal scores, as selectHost does: each tie has the same chance.
      ties++;
      if (nextFloat(s.rng.scheduler) * ties < 1) best = sc;
    }
  }
  const chosen = best!;
  const top = topThree(scores);
  const node = s.nodes[chosen.node]!;
  bind(s, pod, node);
  apps.bound(node, pod.app);
  pod.scheduling = {
    atMs: s.timeMs,
    chosen: chosen.node,
    examined,
    feasible: feasible.length,
    filtered,
    top: top.some((t) => t.node === chosen.node) ? top : [chosen, ...top.slice(0, 2)],
    message: `Successfully assigned default/${pod.name} to ${chosen.node}`,
  };
  return true;
}

/** The three best scores (ties by name), in one pass: a full sort of 500 candidates per pod adds up. */
function topThree(scores: NodeScore[]): NodeScore[] {
  const better = (a: NodeScore, b: NodeScore) => a.total > b.total || (a.total === b.total && a.node < b.node);
  const top: NodeScore[] = [];
  for (const sc of scores) {
    let i = top.length;
    while (i > 0 && better(sc, top[i - 1]!)) i--;
    if (i < 3) {
      top.splice(i, 0, sc);
      if (top.length > 3) top.pop();
    }
  }
  return top;
}

function bind(s: ClusterState, pod: PodState, node: NodeState): void {
  pod.nodeName = node.name;
  pod.scheduledAtMs = s.timeMs;
  pod.message = "";
  node.podIds.push(pod.name);
  node.requested.cpuMilli += pod.template.requests.cpuMilli;
  node.requested.memoryMiB += pod.template.requests.memoryMiB;
  record(s, "Normal", "Scheduled", `pod/${pod.name}`, `Successfully assigned default/${pod.name} to ${node.name}`, node.name);
  startPod(s, pod);
}

/** "0/12 nodes are available: 3 Insufficient cpu, 2 node(s) were unschedulable." (reasons sorted, as the scheduler prints them). */
export function unschedulableMessage(total: number, filtered: Record<string, number>): string {
  const reasons = Object.entries(filtered)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([why, n]) => `${n} ${why}`);
  return `0/${total} nodes are available${reasons.length ? ": " + reasons.join(", ") : ""}.`;
}

function failScheduling(s: ClusterState, pod: PodState, total: number, filtered: Record<string, number>, examined: number): void {
  const message = unschedulableMessage(total, filtered);
  pod.schedulerAttempts++;
  const backoff = Math.min(
    K8S.schedulerInitialBackoffSeconds * 1000 * 2 ** (pod.schedulerAttempts - 1),
    K8S.schedulerMaxBackoffSeconds * 1000,
  );
  pod.nextScheduleAtMs = s.timeMs + backoff;
  pod.message = message;
  pod.scheduling = { atMs: s.timeMs, chosen: null, examined, feasible: 0, filtered, top: [], message };
  record(s, "Warning", "FailedScheduling", `pod/${pod.name}`, message);
  schedule(s, pod.nextScheduleAtMs, "scheduleRetry", pod.name, pod.gen);
}

/** Try every pending pod whose back-off has expired, oldest first. */
export function runScheduler(s: ClusterState): void {
  s.dirty.scheduling = false;
  if (s.pending.length === 0) return;
  const still: string[] = [];
  const apps = new AppCounts();
  for (const name of s.pending) {
    const pod = s.pods[name];
    if (!pod || pod.nodeName !== null || pod.deletionAtMs !== null) continue;
    if (pod.nextScheduleAtMs > s.timeMs || !scheduleOne(s, pod, apps)) still.push(name);
  }
  s.pending = still;
}
