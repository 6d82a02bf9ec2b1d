/**
 * The kubelet: what happens to a pod once it is bound to a node. It pulls the image, starts the
 * container, runs probes, restarts crashed containers with back-off, and finishes deletions.
 *
 * Probes are not polled: a probe is a tick every periodSeconds from the container's start plus a
 * seeded jitter, so the moment a probe outcome changes is computed once and scheduled as one event.
 * Every scheduled event carries the pod's `gen`; bumping it cancels everything in flight.
 */
import { K8S, MODEL } from "./defaults.ts";
import { podChanged, readinessChanged, record, schedule, setUnready } from "./core.ts";
import { abortPull, requestImage } from "./images.ts";
import { nextInt } from "./rng.ts";
import type { ClusterState, NodeState, PodState } from "./types.ts";

const PERIOD_MS = K8S.probePeriodSeconds * 1000;

/** How long each kind of release needs before it answers requests. */
const STARTUP_MS = { healthy: 2000, slowStart: 15_000, crashing: 3000, failingReadiness: 2000 } as const;

/**
 * The kubelet can act on a pod only if the machine is on and reaches the API server. A student's
 * browser is the machine's network link: a closed laptop cuts the node off like a partition.
 */
export function kubeletReachable(node: NodeState | undefined): node is NodeState {
  return !!node && node.powered && !node.partitioned && node.connected;
}

export function podRef(pod: PodState): string {
  return `pod/${pod.name}`;
}

/** First probe tick at or after time t. */
export function nextProbeTick(pod: PodState, t: number): number {
  const origin = (pod.startedAtMs ?? t) + pod.probeOffsetMs;
  if (t <= origin) return origin;
  return origin + Math.ceil((t - origin) / PERIOD_MS) * PERIOD_MS;
}

/** Start (or resume) a pod bound to a node whose kubelet can act. */
export function startPod(s: ClusterState, pod: PodState): void {
  const node = pod.nodeName ? s.nodes[pod.nodeName] : undefined;
  if (!kubeletReachable(node) || pod.deletionAtMs !== null) return;
  pod.reason = "ContainerCreating";
  pod.container = "Waiting";
  if (requestImage(s, node, pod)) imageReady(s, pod);
}

export function imageReady(s: ClusterState, pod: PodState): void {
  pod.imageBackoffMs = 0;
  pod.reason = "ContainerCreating";
  pod.message = "";
  schedule(s, s.timeMs + MODEL.containerCreateMs, "containerStarted", pod.name, pod.gen);
}

export function containerStarted(s: ClusterState, pod: PodState): void {
  const node = s.nodes[pod.nodeName ?? ""];
  if (!node) return;
  const t = pod.template;
  pod.phase = "Running";
  pod.container = "Running";
  pod.reason = "";
  pod.message = "";
  pod.running = true;
  pod.serving = false;
  pod.hung = false;
  pod.startedAtMs = s.timeMs;
  pod.memoryMiB = t.baseMemoryMiB;
  pod.backlog = 0;
  pod.probeOffsetMs = nextInt(s.rng.jitter, PERIOD_MS);
  record(s, "Normal", "Created", podRef(pod), "Created container: app", node.name);
  record(s, "Normal", "Started", podRef(pod), "Started container app", node.name);
  const upAt = s.timeMs + Math.round(STARTUP_MS[t.behavior] / node.speed);
  if (t.behavior === "crashing") {
    schedule(s, upAt, "containerExit", pod.name, pod.gen);
    return;
  }
  // The liveness probe starts with the container: a slow start that misses three probes gets killed.
  const thirdTick = nextProbeTick(pod, s.timeMs) + 2 * PERIOD_MS;
  if (t.livenessProbe && thirdTick < upAt) {
    schedule(s, thirdTick, "livenessKill", pod.name, pod.gen);
    return;
  }
  if (t.behavior === "failingReadiness") {
    const firstFail = nextProbeTick(pod, upAt);
    if (t.readinessProbe) {
      record(s, "Warning", "Unhealthy", podRef(pod), "Readiness probe failed: HTTP probe failed with statuscode: 503", node.name);
      pod.message = `Readiness probe failing since ${Math.round(firstFail / 1000)}s`;
      return;
    }
  }
  // Without a readiness probe the pod is Ready as soon as the container runs (the real default).
  const readyAt = t.readinessProbe ? nextProbeTick(pod, upAt) : s.timeMs;
  schedule(s, readyAt, "podReady", pod.name, pod.gen);
}

export function podReady(s: ClusterState, pod: PodState): void {
  if (!pod.running || pod.deletionAtMs !== null) return;
  pod.serving = pod.template.behavior !== "failingReadiness";
  pod.ready = true;
  pod.readyAtMs = s.timeMs;
  readinessChanged(s, pod);
  const owner = pod.replicaSet ? s.replicaSets[pod.replicaSet] : undefined;
  const dep = owner ? s.deployments[owner.deployment] : undefined;
  if (dep && dep.minReadySeconds > 0) schedule(s, s.timeMs + dep.minReadySeconds * 1000, "minReadyCheck", dep.name);
}

/** The app stops answering (a deadlock): probes fail from the next tick; three failures in a row count. */
export function hangContainer(s: ClusterState, pod: PodState): void {
  pod.hung = true;
  pod.serving = false;
  const third = nextProbeTick(pod, s.timeMs) + 2 * PERIOD_MS;
  if (pod.template.readinessProbe) schedule(s, third, "readinessLost", pod.name, pod.gen);
  if (pod.template.livenessProbe) schedule(s, third, "livenessKill", pod.name, pod.gen);
}

export function readinessLost(s: ClusterState, pod: PodState): void {
  if (!pod.ready) return;
  record(s, "Warning", "Unhealthy", podRef(pod), "Readiness probe failed: context deadline exceeded", pod.nodeName);
  setUnready(s, pod);
}

export function livenessKill(s: ClusterState, pod: PodState): void {
  record(s, "Warning", "Unhealthy", podRef(pod), "Liveness probe failed: context deadline exceeded", pod.nodeName);
  record(s, "Normal", "Killing", podRef(pod), "Container app failed liveness probe, will be restarted", pod.nodeName);
  containerExit(s, pod, "Error");
}

/** The container process ended; restartPolicy Always brings it back after the crash-loop back-off. */
export function containerExit(s: ClusterState, pod: PodState, reason: "Error" | "OOMKilled"): void {
  pod.container = "Terminated";
  pod.reason = reason;
  pod.lastTerminationReason = reason;
  pod.running = false;
  pod.serving = false;
  setUnready(s, pod);
  pod.gen++;
  if (pod.deletionAtMs !== null) {
    // Being deleted already: a dead container ends the deletion instead of restarting.
    schedule(s, s.timeMs, "podTerminated", pod.name, pod.gen);
    return;
  }
  // client-go's back-off forgets a container that has not failed for twice the cap (10 minutes).
  if (pod.lastBackoffAtMs !== null && s.timeMs - pod.lastBackoffAtMs >= K8S.crashBackoffResetSeconds * 1000) {
    pod.crashBackoffMs = 0;
  }
  const delay = pod.crashBackoffMs;
  pod.crashBackoffMs = delay === 0 ? K8S.crashBackoffInitialSeconds * 1000 : Math.min(delay * 2, K8S.crashBackoffMaxSeconds * 1000);
  pod.lastBackoffAtMs = s.timeMs;
  if (delay > 0) {
    pod.container = "Waiting";
    pod.reason = "CrashLoopBackOff";
    pod.message = `back-off ${Math.round(delay / 1000)}s restarting failed container=app pod=${pod.name}`;
    record(s, "Warning", "BackOff", podRef(pod), "Back-off restarting failed container app in pod " + pod.name, pod.nodeName);
  }
  pod.restartAtMs = s.timeMs + delay;
  schedule(s, pod.restartAtMs, "restartContainer", pod.name, pod.gen);
}

export function restartContainer(s: ClusterState, pod: PodState): void {
  pod.restartCount++;
  pod.restartAtMs = null;
  pod.reason = "ContainerCreating";
  schedule(s, s.timeMs + MODEL.containerCreateMs, "containerStarted", pod.name, pod.gen);
}

/** Graceful deletion: the pod leaves the endpoints at once and its containers stop after SIGTERM. */
export function deletePod(s: ClusterState, pod: PodState): void {
  if (pod.deletionAtMs !== null) return;
  if (pod.nodeName === null) {
    removePod(s, pod);
    return;
  }
  pod.deletionAtMs = s.timeMs;
  setUnready(s, pod);
  podChanged(s, pod);
  const node = s.nodes[pod.nodeName];
  if (!kubeletReachable(node)) return; // stays Terminating until the kubelet is back or the node is deleted
  pod.gen++;
  if (pod.running) {
    record(s, "Normal", "Killing", podRef(pod), "Stopping container app", node.name);
    const grace = Math.min(K8S.terminationGraceSeconds * 1000, MODEL.appShutdownMs);
    schedule(s, s.timeMs + grace, "podTerminated", pod.name, pod.gen);
  } else {
    schedule(s, s.timeMs, "podTerminated", pod.name, pod.gen);
  }
}

/** A terminal pod no longer holds its requests on the node (the scheduler ignores finished pods). */
export function releaseRequests(s: ClusterState, pod: PodState): void {
  const node = pod.nodeName ? s.nodes[pod.nodeName] : undefined;
  if (!node || pod.phase === "Failed" || pod.phase === "Succeeded") return;
  node.requested.cpuMilli -= pod.template.requests.cpuMilli;
  node.requested.memoryMiB -= pod.template.requests.memoryMiB;
}

/** The API object goes away: every index that points to it is cleaned. */
export function removePod(s: ClusterState, pod: PodState): void {
  podChanged(s, pod);
  releaseRequests(s, pod);
  const node = pod.nodeName ? s.nodes[pod.nodeName] : undefined;
  if (node) node.podIds = node.podIds.filter((n) => n !== pod.name);
  const rs = pod.replicaSet ? s.replicaSets[pod.replicaSet] : undefined;
  if (rs) rs.podIds = rs.podIds.filter((n) => n !== pod.name);
  if (pod.nodeName === null) s.pending = s.pending.filter((n) => n !== pod.name);
  pod.gen++;
  delete s.pods[pod.name];
}

/** The node lost power: every container on it stops, but the API keeps its last word until the grace period. */
export function nodePoweredOff(s: ClusterState, node: NodeState): void {
  abortPull(s, node);
  node.gen++;
  node.pullQueue = [];
  for (const name of node.podIds) {
    const pod = s.pods[name]!;
    pod.running = false;
    pod.serving = false;
    pod.backlog = 0;
    pod.gen++;
  }
}

/** The node was cut off: containers go on running unseen; the kubelet's plans wait for the network. */
export function nodePartitioned(s: ClusterState, node: NodeState): void {
  abortPull(s, node);
  node.gen++;
  for (const name of node.podIds) s.pods[name]!.gen++;
}

/** The kubelet can talk to the API again: finish deletions it missed and bring its pods back. */
export function nodeRecovered(s: ClusterState, node: NodeState): void {
  node.pullQueue = [];
  for (const name of [...node.podIds]) {
    const pod = s.pods[name];
    if (!pod) continue;
    pod.gen++;
    if (pod.phase === "Failed") {
      if (pod.deletionAtMs !== null) removePod(s, pod);
      continue;
    }
    if (pod.deletionAtMs !== null) {
      if (pod.running) {
        record(s, "Normal", "Killing", podRef(pod), "Stopping container app", node.name);
        schedule(s, s.timeMs + MODEL.appShutdownMs, "podTerminated", pod.name, pod.gen);
      } else {
        removePod(s, pod);
      }
      continue;
    }
    if (pod.running) {
      // Partition healed: the containers never stopped; the kubelet reports them again.
      if (pod.hung) hangContainer(s, pod);
      else if (pod.serving && !pod.ready) podReady(s, pod);
      else if (!pod.serving) containerStarted(s, pod);
      continue;
    }
    if (pod.startedAtMs !== null) {
      // Power came back: the pod sandbox is recreated and the container starts again.
      pod.restartCount++;
      setUnready(s, pod);
    }
    startPod(s, pod);
  }
}
