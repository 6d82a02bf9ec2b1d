/**
 * Services and traffic, once per cluster second. A Service's endpoints are its ready pods; the
 * gate (kube-proxy in iptables mode) sends each request to an endpoint picked at random, with no
 * retry, so a pod that died before the API noticed turns its share into errors. Each pod serves
 * up to its capacity; overflow waits in a queue and times out after a second. Latency follows
 * utilization (M/M/1-like) plus queueing delay; p95 comes from a log-bucket histogram.
 */
import { MODEL } from "./defaults.ts";
import { record, schedule } from "./core.ts";
import { containerExit, kubeletReachable } from "./kubelet.ts";
import { nextGaussian, nextInt } from "./rng.ts";
import type { ClusterState, NodeState, PodState, ReplicaSetState, ServiceState, Spike, TrafficSample } from "./types.ts";
import { composeServing } from "./compose.ts";
import { bareServing } from "./bare.ts";

const BASE_LATENCY_MS = 20;
const BUCKETS = 90;
const BUCKET_GROWTH = 1.1;
const LOG_GROWTH = Math.log(BUCKET_GROWTH);
/** A Docker host or a bare server in the early rounds answers this many requests per second. */
const HOST_CAPACITY_RPS = 60;

/** The spike's multiplier at time t: linear ramp up, hold for its duration, linear ramp down. */
export function spikeFactor(sp: Spike, t: number): number {
  const rel = t - sp.startMs;
  const end = sp.rampMs + sp.durationMs;
  if (rel < 0 || rel >= end + sp.rampMs) return 1;
  const extra = sp.multiplier - 1;
  if (rel < sp.rampMs) return 1 + (extra * rel) / Math.max(1, sp.rampMs);
  if (rel < end) return sp.multiplier;
  return 1 + (extra * (end + sp.rampMs - rel)) / Math.max(1, sp.rampMs);
}

export function currentRps(svc: ServiceState, t: number): number {
  let f = 1;
  for (const sp of svc.spikes) f = Math.max(f, spikeFactor(sp, t));
  return svc.baselineRps * f;
}

/** Spread n requests over k endpoints at random: exactly for small counts, by a normal approximation beyond. */
export function spreadRequests(s: ClusterState, n: number, k: number): number[] {
  const out = new Array<number>(k).fill(0);
  if (k === 0 || n <= 0) return out;
  if (n <= 2000) {
    for (let i = 0; i < n; i++) out[nextInt(s.rng.traffic, k)]!++;
    return out;
  }
  const p = 1 / k;
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  for (let i = 0; i < k; i++) out[i] = Math.max(0, Math.round(mean + sd * nextGaussian(s.rng.traffic)));
  return out;
}

class Histogram {
  counts = new Float64Array(BUCKETS);
  total = 0;
  add(latencyMs: number, n: number): void {
    if (n <= 0) return;
    const b = Math.min(BUCKETS - 1, Math.max(0, Math.ceil(Math.log(Math.max(1, latencyMs)) / LOG_GROWTH)));
    this.counts[b]! += n;
    this.total += n;
  }
  p95(): number {
    if (this.total === 0) return 0;
    const want = this.total * 0.95;
    let acc = 0;
    for (let i = 0; i < BUCKETS; i++) {
      acc += this.counts[i]!;
      if (acc >= want) return Math.round(BUCKET_GROWTH ** i);
    }
    return Math.round(BUCKET_GROWTH ** (BUCKETS - 1));
  }
}

function emptySample(rps: number): TrafficSample {
  return { rps, served: 0, errors: 0, p95Ms: 0, endpoints: 0 };
}

/** One pod answers its share of the second; returns requests served and failed. */
function servePod(pod: PodState, node: NodeState, n: number, hist: Histogram): { served: number; errors: number } {
  const t = pod.template;
  if (!pod.serving || !kubeletReachable(node)) {
    pod.servedLastSecond = 0;
    return { served: 0, errors: n };
  }
  const cap = Math.max(1, t.capacityRps * node.speed);
  const load = n + pod.backlog;
  const served = Math.min(load, cap);
  let backlog = load - served;
  let errors = 0;
  const maxQueue = cap * (MODEL.requestTimeoutMs / 1000);
  if (backlog > maxQueue) {
    errors = backlog - maxQueue;
    backlog = maxQueue;
  }
  pod.backlog = backlog;
  pod.servedLastSecond = served;
  const rho = Math.min(0.95, n / cap);
  const latency = (BASE_LATENCY_MS / node.speed) / (1 - rho) + (backlog / cap) * 1000;
  hist.add(latency, served);
  pod.cpuMilli = Math.min(t.limits.cpuMilli, Math.round(t.requests.cpuMilli * 0.1 + (served / cap) * t.limits.cpuMilli));
  return { served, errors };
}

/**
 * Pod objects per ReplicaSet, remembered between ticks: looking 100,000 names up in the pods record
 * every second costs more than the traffic model itself. Derived data outside the state; it is
 * rebuilt whenever the ReplicaSet's pod list changes (a new array, or a push that changes length).
 */
const podCache = new WeakMap<ReplicaSetState, { ids: string[]; length: number; pods: PodState[] }>();

function podsOf(s: ClusterState, rs: ReplicaSetState): PodState[] {
  const c = podCache.get(rs);
  if (c && c.ids === rs.podIds && c.length === rs.podIds.length && (c.length === 0 || s.pods[rs.podIds[0]!] === c.pods[0])) return c.pods;
  const pods = rs.podIds.map((id) => s.pods[id]!);
  podCache.set(rs, { ids: rs.podIds, length: rs.podIds.length, pods });
  return pods;
}

/** Every pod, in a stable order that is cheap to walk: ReplicaSets own them in creation order. */
function forEachPod(s: ClusterState, fn: (pod: PodState) => void): void {
  for (const rsName in s.replicaSets) {
    const pods = podsOf(s, s.replicaSets[rsName]!);
    for (let i = 0; i < pods.length; i++) fn(pods[i]!);
  }
}

/** Kubernetes rounds: pods, their memory, and the gate's requests. */
function kubernetesTraffic(s: ClusterState): void {
  const endpoints = new Map<string, PodState[]>();
  forEachPod(s, (pod) => {
    pod.servedLastSecond = 0;
    pod.cpuMilli = pod.running ? Math.round(pod.template.requests.cpuMilli * 0.1) : 0;
    if (pod.running && pod.leakMiBPerSecond > 0) {
      pod.memoryMiB += pod.leakMiBPerSecond * (MODEL.trafficTickMs / 1000);
      if (pod.memoryMiB > pod.template.limits.memoryMiB) {
        record(s, "Warning", "OOMKilling", `pod/${pod.name}`, `Memory cgroup out of memory: killed process in container app (limit ${pod.template.limits.memoryMiB}Mi)`, pod.nodeName);
        containerExit(s, pod, "OOMKilled");
        return;
      }
    }
    // Endpoints are what the API believes ready, dead or not: that gap is where requests fail.
    if (!pod.ready || pod.deletionAtMs !== null) return;
    let list = endpoints.get(pod.app);
    if (!list) endpoints.set(pod.app, (list = []));
    list.push(pod);
  });
  for (const svcName in s.services) {
    const svc = s.services[svcName]!;
    const rps = currentRps(svc, s.timeMs);
    const eps = endpoints.get(svc.app) ?? [];
    const n = Math.round(rps);
    const share = spreadRequests(s, n, eps.length);
    const hist = new Histogram();
    const sample = emptySample(rps);
    sample.endpoints = eps.length;
    if (eps.length === 0) sample.errors = n;
    for (let i = 0; i < eps.length; i++) {
      const pod = eps[i]!;
      const r = servePod(pod, s.nodes[pod.nodeName!]!, share[i]!, hist);
      sample.served += r.served;
      sample.errors += r.errors;
    }
    sample.p95Ms = hist.p95();
    svc.last = sample;
  }
}

/** Compose and "before containers" rounds: users of each host hit that host, whether it works or not. */
function hostTraffic(s: ClusterState, serving: (s: ClusterState, node: string) => boolean): void {
  for (const svcName in s.services) {
    const svc = s.services[svcName]!;
    const rps = currentRps(svc, s.timeMs);
    const n = Math.round(rps);
    const hosts = s.nodeOrder;
    const share = spreadRequests(s, n, hosts.length);
    const hist = new Histogram();
    const sample = emptySample(rps);
    if (hosts.length === 0) sample.errors = n;
    for (let i = 0; i < hosts.length; i++) {
      const node = s.nodes[hosts[i]!]!;
      const k = share[i]!;
      if (!serving(s, node.name)) {
        sample.errors += k;
        continue;
      }
      sample.endpoints++;
      const cap = HOST_CAPACITY_RPS * node.speed;
      const served = Math.min(k, cap);
      sample.served += served;
      sample.errors += k - served;
      hist.add((BASE_LATENCY_MS / node.speed) / (1 - Math.min(0.95, k / cap)), served);
    }
    sample.p95Ms = hist.p95();
    svc.last = sample;
  }
}

export function trafficTick(s: ClusterState): void {
  if (s.mode === "kubernetes") kubernetesTraffic(s);
  else hostTraffic(s, s.mode === "compose" ? composeServing : bareServing);
  for (const svcName in s.services) {
    const svc = s.services[svcName]!;
    svc.spikes = svc.spikes.filter((sp) => s.timeMs < sp.startMs + 2 * sp.rampMs + sp.durationMs);
  }
  sampleHistory(s);
  schedule(s, s.timeMs + MODEL.trafficTickMs, "trafficTick");
}

function sampleHistory(s: ClusterState): void {
  const w = s.window;
  for (const svcName in s.services) {
    const svc = s.services[svcName]!;
    const l = svc.last;
    w.rps += l.rps;
    w.served += l.served;
    w.errors += l.errors;
    w.p95Ms = Math.max(w.p95Ms, l.p95Ms);
    s.totals.requests += l.served + l.errors;
    s.totals.served += l.served;
    s.totals.errors += l.errors;
    if (!svc.launched && l.endpoints > 0) svc.launched = true;
    if (!svc.launched) {
      s.totals.prelaunchRequests = (s.totals.prelaunchRequests ?? 0) + l.served + l.errors;
      s.totals.prelaunchErrors = (s.totals.prelaunchErrors ?? 0) + l.errors;
    }
  }
  w.samples++;
  if (s.timeMs % MODEL.historySampleMs !== 0) return;
  let desired = 0;
  let ready = 0;
  if (s.mode === "kubernetes") {
    for (const d in s.deployments) {
      desired += s.deployments[d]!.replicas;
      ready += s.deployments[d]!.readyReplicas;
    }
  } else {
    desired = s.nodeOrder.length;
    const serving = s.mode === "compose" ? composeServing : bareServing;
    for (const n of s.nodeOrder) if (serving(s, n)) ready++;
  }
  let readyNodes = 0;
  for (const n of s.nodeOrder) if (s.nodes[n]!.ready === "True") readyNodes++;
  const attempts = w.served + w.errors;
  s.history.push({
    t: s.timeMs,
    rps: Math.round(w.rps / Math.max(1, w.samples)),
    served: Math.round(w.served),
    errors: Math.round(w.errors),
    p95Ms: w.p95Ms,
    availability: attempts === 0 ? 1 : Math.round((w.served / attempts) * 10000) / 10000,
    desiredReplicas: desired,
    readyReplicas: ready,
    readyNodes,
    totalNodes: s.nodeOrder.length,
  });
  if (s.history.length > MODEL.historyMaxSamples) s.history.splice(0, s.history.length - MODEL.historyMaxSamples);
  s.window = { rps: 0, served: 0, errors: 0, p95Ms: 0, samples: 0 };
}
