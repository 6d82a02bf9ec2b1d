/**
 * The engine: a discrete-event loop over the state's queue. Periodic controllers (node monitor,
 * HPA, kubelet eviction, traffic) are events that re-schedule themselves; watch-driven controllers
 * (ReplicaSet, Deployment, scheduler) run after every batch of same-time events until nothing is
 * dirty. Time jumps from event to event, so no timer is bent to a tick grid.
 */
import { K8S, MODEL } from "./defaults.ts";
import { heapPop } from "./heap.ts";
import { markDeployment, schedule } from "./core.ts";
import { seedRng } from "./rng.ts";
import { finishPull, retryPull } from "./images.ts";
import {
  containerExit, containerStarted, imageReady, livenessKill, podReady, readinessLost, removePod, restartContainer,
} from "./kubelet.ts";
import { kubeletEviction, nodeMonitor, taintEviction } from "./node-lifecycle.ts";
import { runScheduler } from "./scheduler.ts";
import { progressCheck, syncDeployment, syncReplicaSet } from "./workloads.ts";
import { hpaSync } from "./hpa.ts";
import { trafficTick } from "./traffic.ts";
import { handleComposeEvent } from "./compose.ts";
import { drainRetry } from "./drain.ts";
import type { ClusterState, Mode, RngStream, SimEvent } from "./types.ts";

export interface ClusterOptions {
  seed: number;
  mode?: Mode;
}

const STREAMS: RngStream[] = ["scheduler", "traffic", "jitter", "names", "chaos"];

export function createCluster(opts: ClusterOptions): ClusterState {
  const seed = opts.seed >>> 0;
  const rng = {} as ClusterState["rng"];
  for (const stream of STREAMS) rng[stream] = seedRng(seed, stream);
  const s: ClusterState = {
    schema: 1,
    mode: opts.mode ?? "kubernetes",
    seed,
    timeMs: 0,
    seq: 0,
    rng,
    nodes: {},
    nodeOrder: [],
    schedulerNextStart: 0,
    pods: {},
    images: {},
    deployments: {},
    replicaSets: {},
    services: {},
    hpas: {},
    pdbs: {},
    registryDown: false,
    compose: null,
    bare: null,
    queue: [],
    dirty: { replicaSets: [], deployments: [], scheduling: false },
    statusDue: [],
    pending: [],
    eviction: { queue: [], nextAllowedMs: 0, disrupted: false },
    events: [],
    history: [],
    window: { rps: 0, served: 0, errors: 0, p95Ms: 0, samples: 0 },
    totals: { requests: 0, served: 0, errors: 0 },
  };
  schedule(s, K8S.nodeMonitorPeriodSeconds * 1000, "nodeMonitor");
  schedule(s, MODEL.trafficTickMs, "trafficTick");
  schedule(s, K8S.hpaSyncPeriodSeconds * 1000, "hpaSync");
  schedule(s, K8S.kubeletEvictionPeriodSeconds * 1000, "kubeletEviction");
  return s;
}

function dispatch(s: ClusterState, ev: SimEvent): void {
  switch (ev.kind) {
    case "nodeMonitor":
      return nodeMonitor(s);
    case "trafficTick":
      return trafficTick(s);
    case "hpaSync":
      return hpaSync(s);
    case "kubeletEviction":
      return kubeletEviction(s);
    case "taintEviction": {
      const node = s.nodes[ev.ref];
      if (node) taintEviction(s, node);
      return;
    }
    case "pullDone": {
      const node = s.nodes[ev.ref];
      if (!node || node.gen !== ev.gen) return;
      for (const pod of finishPull(s, node)) imageReady(s, pod);
      return;
    }
    case "progressCheck": {
      const dep = s.deployments[ev.ref];
      // Only the check the Deployment is waiting for counts: a changed deadline re-arms a new one.
      if (dep && dep.progressCheckAtMs === ev.at) progressCheck(s, dep);
      return;
    }
    case "deploymentStatus":
      s.statusDue = s.statusDue.filter((d) => d !== ev.ref);
      if (s.deployments[ev.ref]) markDeployment(s, ev.ref);
      return;
    case "minReadyCheck":
      if (s.deployments[ev.ref]) markDeployment(s, ev.ref);
      return;
    case "drainRetry":
      return drainRetry(s, ev.ref);
    case "composeExit":
    case "composeStart":
    case "composeHealth":
    case "composeRestart":
      return handleComposeEvent(s, ev);
    default:
      return dispatchPod(s, ev);
  }
}

function dispatchPod(s: ClusterState, ev: SimEvent): void {
  const pod = s.pods[ev.ref];
  if (!pod || pod.gen !== ev.gen) return;
  switch (ev.kind) {
    case "containerStarted":
      return containerStarted(s, pod);
    case "podReady":
      return podReady(s, pod);
    case "containerExit":
      return containerExit(s, pod, "Error");
    case "livenessKill":
      return livenessKill(s, pod);
    case "readinessLost":
      return readinessLost(s, pod);
    case "restartContainer":
      return restartContainer(s, pod);
    case "podTerminated":
      return removePod(s, pod);
    case "retryPull":
      if (retryPull(s, pod)) imageReady(s, pod);
      return;
    case "scheduleRetry":
      s.dirty.scheduling = true;
      return;
  }
}

/** Run the watch-driven controllers until the state settles (bounded, in case of a feedback loop). */
export function reconcile(s: ClusterState): void {
  for (let round = 0; round < 50; round++) {
    const d = s.dirty;
    if (d.replicaSets.length === 0 && d.deployments.length === 0 && !d.scheduling) return;
    const deps = d.deployments;
    d.deployments = [];
    for (const name of deps) {
      const dep = s.deployments[name];
      if (dep) syncDeployment(s, dep);
    }
    const rss = d.replicaSets;
    d.replicaSets = [];
    for (const name of rss) {
      const rs = s.replicaSets[name];
      if (rs) syncReplicaSet(s, rs);
    }
    if (d.scheduling) runScheduler(s);
  }
}

/** Advance cluster time by dtMs, running every event that falls due, in order. */
export function advance(s: ClusterState, dtMs: number): ClusterState {
  const target = s.timeMs + Math.max(0, Math.floor(dtMs));
  reconcile(s);
  for (;;) {
    const top = s.queue[0];
    if (!top || top.at > target) break;
    s.timeMs = top.at;
    while (s.queue.length > 0 && s.queue[0]!.at === s.timeMs) dispatch(s, heapPop(s.queue)!);
    reconcile(s);
  }
  s.timeMs = target;
  return s;
}

/** The time of the next scheduled event, for fast-forwarding through quiet stretches. */
export function nextEventAt(s: ClusterState): number | null {
  return s.queue[0]?.at ?? null;
}
