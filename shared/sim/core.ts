/**
 * Small helpers every controller uses: scheduling a future event, recording a kubectl-style event,
 * marking a reconciler dirty. Kept here so controllers depend on one place, not on each other.
 */
import { heapPush } from "./heap.ts";
import { MODEL } from "./defaults.ts";
import type { ClusterState, EventKind, KubeEvent, PodState } from "./types.ts";

export function schedule(s: ClusterState, atMs: number, kind: EventKind, ref = "", gen = 0): void {
  heapPush(s.queue, { at: Math.max(atMs, s.timeMs), seq: s.seq++, kind, ref, gen });
}

/** Record an event; a repeat of the same reason and message on the same object bumps its count, as kubectl shows. */
export function record(
  s: ClusterState,
  type: KubeEvent["type"],
  reason: string,
  object: string,
  message: string,
  node: string | null = null,
): void {
  const ev = s.events;
  for (let i = ev.length - 1; i >= Math.max(0, ev.length - 12); i--) {
    const e = ev[i]!;
    if (e.object === object && e.reason === reason && e.message === message) {
      e.count++;
      e.lastMs = s.timeMs;
      ev.splice(i, 1);
      ev.push(e);
      return;
    }
  }
  ev.push({ id: s.seq++, type, reason, object, node, message, count: 1, firstMs: s.timeMs, lastMs: s.timeMs });
  if (ev.length > MODEL.eventsMax * 2) ev.splice(0, ev.length - MODEL.eventsMax);
}

export function markReplicaSet(s: ClusterState, name: string | null): void {
  if (name && !s.dirty.replicaSets.includes(name)) s.dirty.replicaSets.push(name);
}

export function markDeployment(s: ClusterState, name: string | null): void {
  if (name && !s.dirty.deployments.includes(name)) s.dirty.deployments.push(name);
}

/** A pod changed in a way its owners care about (readiness, termination, failure). */
export function podChanged(s: ClusterState, pod: PodState): void {
  markReplicaSet(s, pod.replicaSet);
  if (pod.replicaSet) markDeployment(s, s.replicaSets[pod.replicaSet]?.deployment ?? null);
}

/**
 * The pod leaves the Service's endpoints. What it served belongs to the second it was an endpoint,
 * so that figure is cleared too: screens never show traffic on a pod that no longer takes any.
 */
export function setUnready(s: ClusterState, pod: PodState): void {
  const was = pod.ready;
  pod.ready = false;
  pod.servedLastSecond = 0;
  if (was) readinessChanged(s, pod);
}

/**
 * A pod turned ready or unready. Only its Deployment cares (rollout pace and status), and a large
 * rollout flips thousands of pods at distinct milliseconds: refresh the Deployment once per cluster
 * second instead of rescanning all its pods for each one, as a controller's work queue would.
 */
export function readinessChanged(s: ClusterState, pod: PodState): void {
  const dep = pod.replicaSet ? s.replicaSets[pod.replicaSet]?.deployment : undefined;
  if (!dep || s.statusDue.includes(dep)) return;
  s.statusDue.push(dep);
  schedule(s, Math.floor(s.timeMs / 1000) * 1000 + 1000, "deploymentStatus", dep);
}

/** Active pods count toward a ReplicaSet: not being deleted and not finished (controller_utils FilterActivePods). */
export function isActive(p: PodState): boolean {
  return p.deletionAtMs === null && p.phase !== "Failed" && p.phase !== "Succeeded";
}

/** Available = ready for at least minReadySeconds. */
export function isAvailable(p: PodState, s: ClusterState, minReadySeconds: number): boolean {
  return p.ready && p.readyAtMs !== null && s.timeMs - p.readyAtMs >= minReadySeconds * 1000 && p.deletionAtMs === null;
}

/** Percent or absolute, as intstr: "25%" of 10 rounds up (surge) or down (unavailable). */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  const pct = Number(v.replace("%", ""));
  const raw = (pct * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

export function cpuText(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

export function ageText(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec < 120) return `${sec}s`;
  const min = Math.floor(sec / 60);
  if (min < 10) return `${min}m${sec % 60 ? `${sec % 60}s` : ""}`;
  if (min < 180) return `${min}m`;
  return `${Math.floor(min / 60)}h`;
}
