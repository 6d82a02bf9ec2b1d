/**
 * The ReplicaSet and Deployment controllers. A ReplicaSet keeps `replicas` active pods; a
 * Deployment owns one ReplicaSet per pod template and moves replicas between them with the
 * RollingUpdate fenceposts (surge rounded up, unavailable rounded down, both 0 => 1) or Recreate.
 * A stalled rollout is reported (ProgressDeadlineExceeded) and never rolled back automatically.
 */
import { K8S } from "./defaults.ts";
import { hashString } from "./hash.ts";
import { isActive, isAvailable, markDeployment, markReplicaSet, record, scaledValue, schedule } from "./core.ts";
import { deletePod } from "./kubelet.ts";
import { nextInt } from "./rng.ts";
import type { ClusterState, DeploymentState, PodState, PodTemplate, ReplicaSetState } from "./types.ts";
import type { CommandOf } from "./command-schema.ts";

/** Kubernetes' safe alphabet for generated names (no vowels, no look-alikes). */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function templateHash(t: PodTemplate): string {
  const h = hashString(JSON.stringify(t));
  let out = "";
  for (let i = 0; i < 10; i++) out += NAME_ALPHABET[parseInt(h.slice(i, i + 2) || "0", 16) % NAME_ALPHABET.length];
  return out;
}

function randomSuffix(s: ClusterState): string {
  let out = "";
  for (let i = 0; i < 5; i++) out += NAME_ALPHABET[nextInt(s.rng.names, NAME_ALPHABET.length)];
  return out;
}

export function newPod(s: ClusterState, name: string, template: PodTemplate, replicaSet: string | null): PodState {
  return {
    name,
    app: template.app,
    version: template.version,
    replicaSet,
    template,
    nodeName: null,
    phase: "Pending",
    container: "Waiting",
    reason: "",
    ready: false,
    serving: false,
    running: false,
    deletionAtMs: null,
    createdAtMs: s.timeMs,
    scheduledAtMs: null,
    startedAtMs: null,
    readyAtMs: null,
    restartCount: 0,
    lastTerminationReason: "",
    crashBackoffMs: 0,
    lastBackoffAtMs: null,
    restartAtMs: null,
    imageBackoffMs: 0,
    memoryMiB: 0,
    leakMiBPerSecond: 0,
    hung: false,
    cpuMilli: 0,
    backlog: 0,
    servedLastSecond: 0,
    schedulerAttempts: 0,
    nextScheduleAtMs: s.timeMs,
    scheduling: null,
    message: "",
    probeOffsetMs: 0,
    gen: 0,
  };
}

/** Which active pod goes first when scaling down (controller.ActivePods ordering, simplified). */
function deletionRank(p: PodState): number[] {
  return [
    p.nodeName === null ? 0 : 1,
    p.phase === "Pending" ? 0 : p.phase === "Unknown" ? 1 : 2,
    p.ready ? 1 : 0,
    p.restartCount > 0 ? 0 : 1,
    -(p.readyAtMs ?? p.createdAtMs),
  ];
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export function syncReplicaSet(s: ClusterState, rs: ReplicaSetState): void {
  const active: PodState[] = [];
  for (const name of rs.podIds) {
    const p = s.pods[name]!;
    if (isActive(p)) active.push(p);
  }
  const diff = rs.replicas - active.length;
  if (diff > 0) {
    for (let i = 0; i < diff; i++) {
      let name = `${rs.name}-${randomSuffix(s)}`;
      while (s.pods[name]) name = `${rs.name}-${randomSuffix(s)}`;
      s.pods[name] = newPod(s, name, rs.template, rs.name);
      rs.podIds.push(name);
      s.pending.push(name);
      record(s, "Normal", "SuccessfulCreate", `replicaset/${rs.name}`, `Created pod: ${name}`);
    }
    s.dirty.scheduling = true;
  } else if (diff < 0) {
    active.sort((a, b) => compareRank(deletionRank(a), deletionRank(b)));
    for (const p of active.slice(0, -diff)) {
      record(s, "Normal", "SuccessfulDelete", `replicaset/${rs.name}`, `Deleted pod: ${p.name}`);
      deletePod(s, p);
    }
  }
  markDeployment(s, rs.deployment);
}

interface RsCounts {
  active: number;
  ready: number;
  available: number;
  /** Pods that still exist, terminating ones included (Recreate waits for them). */
  existing: number;
}

function counts(s: ClusterState, rs: ReplicaSetState, minReady: number): RsCounts {
  const c = { active: 0, ready: 0, available: 0, existing: 0 };
  for (const name of rs.podIds) {
    const p = s.pods[name]!;
    // Finished pods hold nothing: Recreate does not wait for them (oldPodsRunning in recreate.go).
    if (p.phase !== "Failed" && p.phase !== "Succeeded") c.existing++;
    if (!isActive(p)) continue;
    c.active++;
    if (p.ready) c.ready++;
    if (isAvailable(p, s, minReady)) c.available++;
  }
  return c;
}

function scaleReplicaSet(s: ClusterState, dep: DeploymentState, rs: ReplicaSetState, to: number): void {
  if (rs.replicas === to) return;
  const verb = to > rs.replicas ? "up" : "down";
  record(s, "Normal", "ScalingReplicaSet", `deployment/${dep.name}`, `Scaled ${verb} replica set ${rs.name} from ${rs.replicas} to ${to}`);
  rs.replicas = to;
  markReplicaSet(s, rs.name);
}

function replicaSetsOf(s: ClusterState, dep: DeploymentState): ReplicaSetState[] {
  const out: ReplicaSetState[] = [];
  for (const name in s.replicaSets) {
    const rs = s.replicaSets[name]!;
    if (rs.deployment === dep.name) out.push(rs);
  }
  return out;
}

export function replicaSetsFor(s: ClusterState, deployment: string): ReplicaSetState[] {
  const dep = s.deployments[deployment];
  return dep ? replicaSetsOf(s, dep) : [];
}

function ensureNewReplicaSet(s: ClusterState, dep: DeploymentState, all: ReplicaSetState[]): ReplicaSetState {
  const hash = templateHash(dep.template);
  const maxRevision = all.reduce((m, r) => Math.max(m, r.revision), 0);
  let rs = all.find((r) => r.templateHash === hash);
  if (rs) {
    // Rolling back to an old template re-uses its ReplicaSet under a new revision number.
    if (rs.revision !== maxRevision) rs.revision = maxRevision + 1;
  } else {
    rs = {
      name: `${dep.name}-${hash}`,
      deployment: dep.name,
      templateHash: hash,
      revision: maxRevision + 1,
      replicas: 0,
      template: dep.template,
      podIds: [],
      createdAtMs: s.timeMs,
    };
    s.replicaSets[rs.name] = rs;
    all.push(rs);
    dep.progressing = { status: "True", reason: "NewReplicaSetCreated", lastProgressMs: s.timeMs };
    scheduleProgressCheck(s, dep);
  }
  if (dep.currentReplicaSet !== rs.name && dep.currentReplicaSet !== null && rs.createdAtMs !== s.timeMs) {
    // A new rollout (an undo included) starts its own progress clock.
    dep.progressing = { status: "True", reason: "FoundNewReplicaSet", lastProgressMs: s.timeMs };
    scheduleProgressCheck(s, dep);
  }
  dep.revision = rs.revision;
  dep.currentReplicaSet = rs.name;
  return rs;
}

export function syncDeployment(s: ClusterState, dep: DeploymentState): void {
  const all = replicaSetsOf(s, dep);
  const newRs = ensureNewReplicaSet(s, dep, all);
  const old = all.filter((r) => r !== newRs).sort((a, b) => a.revision - b.revision);
  const c = new Map(all.map((r) => [r.name, counts(s, r, dep.minReadySeconds)]));
  const before = c.get(newRs.name)!;

  if (dep.strategy.type === "Recreate") {
    for (const r of old) scaleReplicaSet(s, dep, r, 0);
    const oldLeft = old.some((r) => c.get(r.name)!.existing > 0);
    if (!oldLeft) scaleReplicaSet(s, dep, newRs, dep.replicas);
  } else {
    rollingUpdate(s, dep, newRs, old, c);
  }

  const total = all.reduce(
    (acc, r) => {
      const k = c.get(r.name)!;
      acc.ready += k.ready;
      acc.available += k.available;
      return acc;
    },
    { ready: 0, available: 0 },
  );
  const prevAvailable = dep.availableReplicas;
  const prevUpdated = dep.updatedReplicas;
  dep.updatedReplicas = before.active;
  dep.readyReplicas = total.ready;
  dep.availableReplicas = total.available;
  trackProgress(s, dep, newRs, old, c, prevAvailable !== total.available || prevUpdated !== before.active);
  cleanupHistory(s, dep, old);
}

function rollingUpdate(
  s: ClusterState,
  dep: DeploymentState,
  newRs: ReplicaSetState,
  old: ReplicaSetState[],
  c: Map<string, RsCounts>,
): void {
  if (dep.strategy.type !== "RollingUpdate") return;
  const replicas = dep.replicas;
  const surge = scaledValue(dep.strategy.maxSurge, replicas, true);
  let unavailable = scaledValue(dep.strategy.maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;

  // Scale up the new ReplicaSet within replicas + maxSurge (NewRSNewReplicas).
  const all = [newRs, ...old];
  const current = all.reduce((n, r) => n + r.replicas, 0);
  if (newRs.replicas > replicas) scaleReplicaSet(s, dep, newRs, replicas);
  else if (old.every((r) => r.replicas === 0)) scaleReplicaSet(s, dep, newRs, replicas);
  else {
    const room = replicas + surge - current;
    if (room > 0) scaleReplicaSet(s, dep, newRs, newRs.replicas + Math.min(room, replicas - newRs.replicas));
  }

  // Scale down old ReplicaSets without dropping below replicas - maxUnavailable (reconcileOldReplicaSets).
  const oldCount = old.reduce((n, r) => n + r.replicas, 0);
  if (oldCount === 0) return;
  const allPods = all.reduce((n, r) => n + r.replicas, 0);
  const minAvailable = replicas - unavailable;
  const newC = c.get(newRs.name)!;
  const newUnavailable = Math.max(0, newRs.replicas - newC.available);
  let maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return;
  // Unhealthy old replicas go first: they cost no availability.
  for (const r of old) {
    if (maxScaledDown <= 0) break;
    const k = c.get(r.name)!;
    const unhealthy = Math.max(0, r.replicas - k.available);
    const cut = Math.min(unhealthy, maxScaledDown, r.replicas);
    if (cut > 0) {
      scaleReplicaSet(s, dep, r, r.replicas - cut);
      maxScaledDown -= cut;
    }
  }
  const availableNow = all.reduce((n, r) => n + Math.min(c.get(r.name)!.available, r.replicas), 0);
  let canDrop = Math.min(availableNow - minAvailable, maxScaledDown);
  for (const r of old) {
    if (canDrop <= 0) break;
    const cut = Math.min(r.replicas, canDrop);
    if (cut > 0) {
      scaleReplicaSet(s, dep, r, r.replicas - cut);
      canDrop -= cut;
    }
  }
}

function trackProgress(
  s: ClusterState,
  dep: DeploymentState,
  newRs: ReplicaSetState,
  old: ReplicaSetState[],
  c: Map<string, RsCounts>,
  progressed: boolean,
): void {
  const newC = c.get(newRs.name)!;
  const complete =
    newRs.replicas === dep.replicas &&
    newC.available >= dep.replicas &&
    old.every((r) => r.replicas === 0 && c.get(r.name)!.active === 0);
  if (complete) {
    if (dep.progressing.reason !== "NewReplicaSetAvailable") {
      dep.progressing = { status: "True", reason: "NewReplicaSetAvailable", lastProgressMs: s.timeMs };
    }
    return;
  }
  if (progressed && dep.progressing.reason !== "ProgressDeadlineExceeded") {
    dep.progressing = { status: "True", reason: "ReplicaSetUpdated", lastProgressMs: s.timeMs };
    scheduleProgressCheck(s, dep);
  } else if (dep.progressing.reason === "NewReplicaSetAvailable") {
    // A scale or a lost pod reopens progress tracking.
    dep.progressing = { status: "True", reason: "ReplicaSetUpdated", lastProgressMs: s.timeMs };
    scheduleProgressCheck(s, dep);
  }
}

/** One pending deadline check per Deployment; when it fires early (progress moved on) it re-arms itself. */
export function scheduleProgressCheck(s: ClusterState, dep: DeploymentState): void {
  if (dep.progressCheckAtMs !== null) return;
  dep.progressCheckAtMs = Math.max(s.timeMs, dep.progressing.lastProgressMs + dep.progressDeadlineSeconds * 1000 + 1);
  schedule(s, dep.progressCheckAtMs, "progressCheck", dep.name);
}

/** Called when a progress deadline may have passed: report it, and nothing else (no automatic rollback). */
export function progressCheck(s: ClusterState, dep: DeploymentState): void {
  dep.progressCheckAtMs = null;
  const p = dep.progressing;
  if (p.status !== "True" || p.reason === "NewReplicaSetAvailable") return;
  if (s.timeMs - p.lastProgressMs <= dep.progressDeadlineSeconds * 1000) {
    scheduleProgressCheck(s, dep);
    return;
  }
  dep.progressing = { status: "False", reason: "ProgressDeadlineExceeded", lastProgressMs: p.lastProgressMs };
  const rs = dep.currentReplicaSet ?? "";
  record(s, "Warning", "ProgressDeadlineExceeded", `deployment/${dep.name}`, `ReplicaSet "${rs}" has timed out progressing.`);
}

/** Keep revisionHistoryLimit old ReplicaSets that have scaled to zero; older ones are deleted. */
function cleanupHistory(s: ClusterState, dep: DeploymentState, old: ReplicaSetState[]): void {
  const idle = old.filter((r) => r.replicas === 0 && r.podIds.length === 0);
  const extra = idle.length - dep.revisionHistoryLimit;
  for (let i = 0; i < extra; i++) delete s.replicaSets[idle[i]!.name];
}

export function newDeployment(s: ClusterState, name: string, template: PodTemplate, replicas: number): DeploymentState {
  return {
    name,
    replicas,
    strategy: { type: "RollingUpdate", maxSurge: K8S.maxSurge, maxUnavailable: K8S.maxUnavailable },
    minReadySeconds: K8S.minReadySeconds,
    progressDeadlineSeconds: K8S.progressDeadlineSeconds,
    revisionHistoryLimit: K8S.revisionHistoryLimit,
    template,
    revision: 0,
    currentReplicaSet: null,
    progressCheckAtMs: null,
    progressing: { status: "True", reason: "NewReplicaSetCreated", lastProgressMs: s.timeMs },
    updatedReplicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    createdAtMs: s.timeMs,
  };
}

/** The pod template a deploy command describes; unset fields keep the previous release's values. */
export function templateFor(c: CommandOf<"deploy">, prev: PodTemplate | undefined): PodTemplate {
  const cpuReq = c.cpuRequestMilli ?? prev?.requests.cpuMilli ?? 250;
  const memReq = c.memoryRequestMiB ?? prev?.requests.memoryMiB ?? 256;
  return {
    app: c.app,
    version: c.version,
    image: `${c.app}:${c.version}`,
    behavior: c.behavior ?? "healthy",
    requests: { cpuMilli: cpuReq, memoryMiB: memReq },
    limits: {
      cpuMilli: Math.max(cpuReq, c.cpuLimitMilli ?? prev?.limits.cpuMilli ?? cpuReq * 2),
      memoryMiB: Math.max(memReq, c.memoryLimitMiB ?? prev?.limits.memoryMiB ?? memReq * 2),
    },
    pullPolicy: c.pullPolicy ?? prev?.pullPolicy ?? "IfNotPresent",
    livenessProbe: c.livenessProbe ?? prev?.livenessProbe ?? true,
    readinessProbe: c.readinessProbe ?? prev?.readinessProbe ?? true,
    capacityRps: c.capacityRps ?? prev?.capacityRps ?? 20,
    baseMemoryMiB: Math.round(memReq * 0.5),
    tolerationSeconds: c.tolerationSeconds ?? prev?.tolerationSeconds ?? K8S.defaultTolerationSeconds,
  };
}
