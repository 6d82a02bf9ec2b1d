/**
 * Conditions and triggers, read from the cluster state and never written to it. "Something
 * happened" conditions compare with a baseline taken when the step's action began, so they fire
 * on what this step caused rather than on what an earlier step left behind.
 */
import { isActive } from "../sim/core.ts";
import { composeServing } from "../sim/compose.ts";
import { bareServing } from "../sim/bare.ts";
import type { ClusterState, PodState } from "../sim/types.ts";
import type { Condition, Trigger } from "./schema.ts";

/** What the cluster looked like when a step's action began (before its commands). */
export interface Baseline {
  atMs: number;
  /** spec.replicas of each Deployment. */
  replicas: Record<string, number>;
  /** Policy restarts so far, summed over hosts, per Compose service. */
  composeRestarts: Record<string, number>;
}

export function takeBaseline(c: ClusterState): Baseline {
  const replicas: Record<string, number> = {};
  for (const name in c.deployments) replicas[name] = c.deployments[name]!.replicas;
  const composeRestarts: Record<string, number> = {};
  for (const spec of c.compose?.services ?? []) composeRestarts[spec.name] = composeRestartCount(c, spec.name);
  return { atMs: c.timeMs, replicas, composeRestarts };
}

function composeRestartCount(c: ClusterState, service: string): number {
  let n = 0;
  for (const name of c.nodeOrder) n += c.nodes[name]?.compose?.containers[service]?.restartCount ?? 0;
  return n;
}

/** The pods of a Deployment, through its ReplicaSets (pods carry no back-reference to it). */
export function deploymentPods(c: ClusterState, deployment: string): PodState[] {
  const out: PodState[] = [];
  for (const rsName in c.replicaSets) {
    const rs = c.replicaSets[rsName]!;
    if (rs.deployment !== deployment) continue;
    for (const id of rs.podIds) {
      const p = c.pods[id];
      if (p) out.push(p);
    }
  }
  return out;
}

function allPodsReady(c: ClusterState, deployment: string): boolean {
  const d = c.deployments[deployment];
  if (!d) return false;
  let ready = 0;
  for (const p of deploymentPods(c, deployment)) {
    if (!isActive(p)) continue;
    // A rollout is only over when no pod of another version is left running.
    if (p.version !== d.template.version) return false;
    if (p.ready) ready++;
  }
  return ready >= d.replicas;
}

function matchesApp(p: PodState, app: string): boolean {
  return app === "any" || p.app === app;
}

function podsRescheduled(c: ClusterState, app: string, sinceMs: number): boolean {
  let placed = 0;
  for (const name in c.pods) {
    const p = c.pods[name]!;
    if (!matchesApp(p, app) || !isActive(p) || p.createdAtMs < sinceMs) continue;
    if (p.nodeName === null) return false;
    placed++;
  }
  return placed > 0;
}

function podsEvicted(c: ClusterState, app: string, sinceMs: number): boolean {
  const prefix = app === "any" ? "pod/" : `pod/${app}-`;
  return c.events.some((e) => (e.reason === "TaintManagerEviction" || e.reason === "Evicted") && e.lastMs >= sinceMs && e.object.startsWith(prefix));
}

/** Share of hosts that answer their users: the app in the early rounds, a Ready node in Kubernetes. */
export function servingHostsShare(c: ClusterState): number {
  if (c.nodeOrder.length === 0) return 0;
  let n = 0;
  for (const name of c.nodeOrder) {
    const node = c.nodes[name]!;
    const up = c.mode === "compose" ? composeServing(c, name)
      : c.mode === "bare" ? bareServing(c, name)
        : node.powered && node.ready === "True";
    if (up) n++;
  }
  return n / c.nodeOrder.length;
}

function latestAvailability(c: ClusterState, sinceMs: number): number | null {
  const last = c.history[c.history.length - 1];
  return last && last.t > sinceMs ? last.availability : null;
}

function nodeMatches(c: ClusterState, which: string, test: (n: ClusterState["nodes"][string]) => boolean): boolean {
  if (which !== "any") return !!c.nodes[which] && test(c.nodes[which]!);
  return c.nodeOrder.some((name) => test(c.nodes[name]!));
}

export function conditionHolds(cond: Condition, c: ClusterState, base: Baseline): boolean {
  switch (cond.type) {
    case "allPodsReady":
      return allPodsReady(c, cond.arg);
    case "progressDeadlineExceeded":
      return c.deployments[cond.arg]?.progressing.reason === "ProgressDeadlineExceeded";
    case "nodeNotReady":
      return nodeMatches(c, cond.arg, (n) => n.ready !== "True");
    case "nodePoweredOff":
      return nodeMatches(c, cond.arg, (n) => !n.powered);
    case "podsEvicted":
      return podsEvicted(c, cond.arg, base.atMs);
    case "podsRescheduled":
      return podsRescheduled(c, cond.arg, base.atMs);
    case "replicasAtLeast":
      return (c.deployments[cond.arg.deployment]?.replicas ?? -1) >= cond.arg.n;
    case "readyReplicasAtLeast":
      return deploymentPods(c, cond.arg.deployment).filter((p) => p.ready && isActive(p)).length >= cond.arg.n;
    case "hpaScaledUp":
    case "hpaScaledDown": {
      const d = c.deployments[cond.arg];
      const hpa = c.hpas[cond.arg];
      const before = base.replicas[cond.arg];
      // Only the autoscaler's own moves count, not a teacher's kubectl scale in between.
      if (!d || !hpa || before === undefined || hpa.lastScaleMs === null || hpa.lastScaleMs < base.atMs) return false;
      return cond.type === "hpaScaledUp" ? d.replicas > before : d.replicas < before;
    }
    case "availabilityBelow": {
      const a = latestAvailability(c, base.atMs);
      return a !== null && a < cond.arg;
    }
    case "availabilityAtLeast": {
      const a = latestAvailability(c, base.atMs);
      return a !== null && a >= cond.arg;
    }
    case "spikeOver": {
      const svc = c.services[cond.arg];
      return !!svc && svc.spikes.every((sp) => c.timeMs >= sp.startMs + 2 * sp.rampMs + sp.durationMs);
    }
    case "servingHostsAtLeast":
      return servingHostsShare(c) >= cond.arg;
    case "servingHostsBelow":
      return servingHostsShare(c) < cond.arg;
    case "composeAutoRestarted":
      return composeRestartCount(c, cond.arg) > (base.composeRestarts[cond.arg] ?? 0);
    case "event": {
      const { reason, objectContains, messageContains } = cond.arg;
      return c.events.some((e) =>
        e.reason === reason && e.lastMs >= base.atMs &&
        (objectContains === undefined || e.object.includes(objectContains)) &&
        (messageContains === undefined || e.message.includes(messageContains)));
    }
  }
}

export type TriggerOutcome = "condition" | "after" | "timeout" | null;

/** Has an automatic trigger fired? Teacher triggers never fire here: they wait for "next". */
export function triggerFired(t: Trigger, c: ClusterState, base: Baseline): TriggerOutcome {
  const elapsed = c.timeMs - base.atMs;
  switch (t.kind) {
    case "teacher":
      return null;
    case "after":
      return elapsed >= t.ms ? "after" : null;
    case "when":
      if (conditionHolds(t.condition, c, base)) return "condition";
      return t.timeoutMs !== null && elapsed >= t.timeoutMs ? "timeout" : null;
  }
}
