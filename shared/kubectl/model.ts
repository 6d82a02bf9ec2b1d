/**
 * What kubectl reads that the simulation does not store as such: addresses, uids, labels, counts
 * a controller would publish in .status, container states, conditions. Everything is derived
 * from the state (addresses and ids from hashes of names), so a name keeps its IP across calls.
 */
import { hashString } from "../sim/hash.ts";
import { isActive, isAvailable, scaledValue } from "../sim/core.ts";
import { disruptionsAllowed } from "../sim/drain.ts";
import { K8S } from "../sim/defaults.ts";
import type {
  ClusterState,
  DeploymentState,
  HpaState,
  NodeState,
  PdbState,
  PodState,
  ReplicaSetState,
  ServiceState,
} from "../sim/types.ts";
import { humanDuration, rfc1123z, rfc3339 } from "./text.ts";

export const NAMESPACE = "default";
export const KUBERNETES_VERSION = "v1.33.1";
export const KUSTOMIZE_VERSION = "v5.6.0";
export const CONTAINER_NAME = "app";
export const CONTAINER_PORT = 8080;
export const OS_IMAGE = "Debian GNU/Linux 12 (bookworm)";
export const KERNEL_VERSION = "6.1.0-31-amd64";
export const CONTAINER_RUNTIME = "containerd://1.7.24";
/** Pods, Services and the default `kubernetes` Service live in these ranges, as on kubeadm clusters. */
export const KUBERNETES_SERVICE_IP = "10.96.0.1";

export interface Ctx {
  s: ClusterState;
  /** Unix ms of cluster time 0, for dates. */
  epochMs: number;
  namespace: string;
  allNamespaces: boolean;
}

export const now = (ctx: Ctx): number => ctx.s.timeMs;
export const age = (ctx: Ctx, clusterMs: number): string => humanDuration(ctx.s.timeMs - clusterMs);
export const date = (ctx: Ctx, clusterMs: number): string => rfc1123z(ctx.epochMs + clusterMs);
export const stamp = (ctx: Ctx, clusterMs: number): string => rfc3339(ctx.epochMs + clusterMs);

function hashNumber(text: string): number {
  return parseInt(hashString(text).slice(0, 8), 16);
}

function hex(text: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += hashString(`${text}#${i}`);
  return out.slice(0, length);
}

/** A stable RFC 4122-looking uid for an object. */
export function uid(kind: string, name: string, createdMs: number): string {
  const h = hex(`${kind}/${name}@${createdMs}`, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function containerId(pod: PodState): string {
  return `containerd://${hex(`container/${pod.name}/${pod.restartCount}`, 64)}`;
}

export function imageId(image: string): string {
  const repo = image.split(":")[0] ?? image;
  return `docker.io/library/${repo}@sha256:${hex(`image/${image}`, 64)}`;
}

function nodeOctet(nodeName: string): number {
  return (hashNumber(`cidr/${nodeName}`) % 254) + 1;
}

export function nodeIP(nodeName: string): string {
  const h = hashNumber(`node/${nodeName}`);
  return `10.0.${(h >>> 8) % 256}.${(h % 250) + 2}`;
}

export function podCIDR(nodeName: string): string {
  return `10.244.${nodeOctet(nodeName)}.0/24`;
}

/** The pod's address once its sandbox exists: in its node's /24, picked from the pod's name. */
export function podIP(pod: PodState): string | null {
  if (pod.nodeName === null || pod.startedAtMs === null) return null;
  return `10.244.${nodeOctet(pod.nodeName)}.${(hashNumber(`pod/${pod.name}`) % 253) + 2}`;
}

export function clusterIP(serviceName: string): string {
  const h = hashNumber(`svc/${serviceName}`);
  const third = (h >>> 8) % 256;
  const fourth = (h % 254) + 1;
  return third === 0 && fourth === 1 ? "10.96.0.2" : `10.96.${third}.${fourth}`;
}

export function replicaSetOf(s: ClusterState, pod: PodState): ReplicaSetState | undefined {
  return pod.replicaSet ? s.replicaSets[pod.replicaSet] : undefined;
}

export function podLabels(s: ClusterState, pod: PodState): Record<string, string> {
  const rs = replicaSetOf(s, pod);
  return rs ? { app: pod.app, "pod-template-hash": rs.templateHash } : { app: pod.app };
}

export function nodeLabels(node: NodeState): Record<string, string> {
  return {
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": node.name,
    "kubernetes.io/os": "linux",
  };
}

/** Sort names the way the API server lists objects (by key). */
export function byName<T extends { name: string }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function replicaSetsOf(s: ClusterState, dep: DeploymentState): ReplicaSetState[] {
  const out: ReplicaSetState[] = [];
  for (const name in s.replicaSets) {
    const rs = s.replicaSets[name]!;
    if (rs.deployment === dep.name) out.push(rs);
  }
  return out.sort((a, b) => a.revision - b.revision);
}

export function podsOfReplicaSet(s: ClusterState, rs: ReplicaSetState): PodState[] {
  const out: PodState[] = [];
  for (const name of rs.podIds) {
    const p = s.pods[name];
    if (p) out.push(p);
  }
  return out;
}

export interface RsStatus {
  replicas: number;
  ready: number;
  available: number;
}

/** ReplicaSet .status: counts over its active pods (not being deleted, not finished). */
export function rsStatus(s: ClusterState, rs: ReplicaSetState, minReadySeconds: number): RsStatus {
  const c = { replicas: 0, ready: 0, available: 0 };
  for (const p of podsOfReplicaSet(s, rs)) {
    if (!isActive(p)) continue;
    c.replicas++;
    if (p.ready) c.ready++;
    if (isAvailable(p, s, minReadySeconds)) c.available++;
  }
  return c;
}

export interface DeploymentStatus {
  replicas: number;
  updated: number;
  ready: number;
  available: number;
  unavailable: number;
  /** Sum of the ReplicaSets' spec.replicas, which unavailableReplicas is computed from. */
  specTotal: number;
}

/** Deployment .status as the controller computes it (calculateStatus in sync.go). */
export function deploymentStatus(s: ClusterState, dep: DeploymentState): DeploymentStatus {
  let replicas = 0;
  let specTotal = 0;
  let updated = 0;
  for (const rs of replicaSetsOf(s, dep)) {
    const st = rsStatus(s, rs, dep.minReadySeconds);
    replicas += st.replicas;
    specTotal += rs.replicas;
    if (rs.name === dep.currentReplicaSet) updated = st.replicas;
  }
  return {
    replicas,
    updated,
    ready: dep.readyReplicas,
    available: dep.availableReplicas,
    unavailable: Math.max(0, specTotal - dep.availableReplicas),
    specTotal,
  };
}

export function maxUnavailableOf(dep: DeploymentState): number {
  if (dep.strategy.type !== "RollingUpdate") return 0;
  const surge = scaledValue(dep.strategy.maxSurge, dep.replicas, true);
  const unavailable = scaledValue(dep.strategy.maxUnavailable, dep.replicas, false);
  return surge === 0 && unavailable === 0 ? 1 : unavailable;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastUpdateMs?: number;
  lastTransitionMs: number;
}

export function deploymentConditions(s: ClusterState, dep: DeploymentState): Condition[] {
  const rs = dep.currentReplicaSet ?? dep.name;
  const minAvailable = dep.replicas - maxUnavailableOf(dep);
  const available = dep.availableReplicas >= minAvailable;
  const p = dep.progressing;
  const progressMessage: Record<string, string> = {
    NewReplicaSetAvailable: `ReplicaSet "${rs}" has successfully progressed.`,
    ReplicaSetUpdated: `ReplicaSet "${rs}" is progressing.`,
    NewReplicaSetCreated: `Created new replica set "${rs}"`,
    FoundNewReplicaSet: `Found new replica set "${rs}"`,
    ProgressDeadlineExceeded: `ReplicaSet "${rs}" has timed out progressing.`,
  };
  return [
    {
      type: "Available",
      status: available ? "True" : "False",
      reason: available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
      message: available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
      lastUpdateMs: s.timeMs,
      lastTransitionMs: dep.createdAtMs,
    },
    {
      type: "Progressing",
      status: p.status,
      reason: p.reason,
      message: progressMessage[p.reason] ?? p.reason,
      lastUpdateMs: p.lastProgressMs,
      lastTransitionMs: p.lastProgressMs,
    },
  ];
}

/** Container state as the kubelet reports it in containerStatuses. */
export type ContainerState =
  | { state: "running"; startedMs: number }
  | { state: "waiting"; reason: string; message: string }
  | { state: "terminated"; reason: string; exitCode: number; startedMs: number | null; finishedMs: number };

export function exitCodeFor(reason: string): number {
  return reason === "OOMKilled" ? 137 : 1;
}

export function containerState(s: ClusterState, pod: PodState): ContainerState {
  if (pod.phase === "Failed") {
    return { state: "terminated", reason: "Error", exitCode: 137, startedMs: pod.startedAtMs, finishedMs: pod.lastBackoffAtMs ?? s.timeMs };
  }
  if (pod.container === "Running" && pod.reason === "" && pod.startedAtMs !== null) {
    return { state: "running", startedMs: pod.startedAtMs };
  }
  if (pod.container === "Terminated" && pod.reason !== "ContainerCreating" && pod.reason !== "") {
    return {
      state: "terminated",
      reason: pod.reason,
      exitCode: exitCodeFor(pod.reason),
      startedMs: pod.startedAtMs,
      finishedMs: pod.lastBackoffAtMs ?? s.timeMs,
    };
  }
  const reason = pod.reason || "ContainerCreating";
  return { state: "waiting", reason, message: reason === "ContainerCreating" ? "" : pod.message };
}

/** The previous termination, shown as Last State once a container has restarted or is waiting to. */
export function lastState(pod: PodState): { reason: string; exitCode: number; finishedMs: number | null } | null {
  if (pod.lastTerminationReason === "" || pod.phase === "Failed") return null;
  const current = pod.container === "Terminated" && pod.reason !== "ContainerCreating";
  if (current && pod.restartCount === 0) return null;
  return { reason: pod.lastTerminationReason, exitCode: exitCodeFor(pod.lastTerminationReason), finishedMs: pod.lastBackoffAtMs };
}

export function podConditions(pod: PodState): Condition[] {
  const scheduledAt = pod.scheduledAtMs ?? pod.createdAtMs;
  if (pod.nodeName === null) {
    return [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: pod.scheduling?.message ?? "", lastTransitionMs: pod.createdAtMs }];
  }
  const sandbox = pod.startedAtMs !== null || pod.running;
  const readyAt = pod.readyAtMs ?? pod.startedAtMs ?? scheduledAt;
  const readyCond = (type: string): Condition =>
    pod.ready
      ? { type, status: "True", reason: "", message: "", lastTransitionMs: readyAt }
      : { type, status: "False", reason: "ContainersNotReady", message: `containers with unready status: [${CONTAINER_NAME}]`, lastTransitionMs: readyAt };
  return [
    { type: "PodReadyToStartContainers", status: sandbox ? "True" : "False", reason: "", message: "", lastTransitionMs: pod.startedAtMs ?? scheduledAt },
    { type: "Initialized", status: "True", reason: "", message: "", lastTransitionMs: scheduledAt },
    readyCond("Ready"),
    readyCond("ContainersReady"),
    { type: "PodScheduled", status: "True", reason: "", message: "", lastTransitionMs: scheduledAt },
  ];
}

export function qosClass(pod: PodState): string {
  const t = pod.template;
  return t.requests.cpuMilli === t.limits.cpuMilli && t.requests.memoryMiB === t.limits.memoryMiB ? "Guaranteed" : "Burstable";
}

/** Whether the pod still counts on its node (describe node's "Non-terminated Pods"). */
export function nonTerminated(pod: PodState): boolean {
  return pod.phase !== "Failed" && pod.phase !== "Succeeded";
}

export function podsOnNode(s: ClusterState, node: NodeState): PodState[] {
  const out: PodState[] = [];
  for (const name of node.podIds) {
    const p = s.pods[name];
    if (p) out.push(p);
  }
  return out;
}

/** The last lease renewal the API server saw: on the kubelet's own 10 s phase while it is alive. */
export function lastRenewal(s: ClusterState, node: NodeState, alive: boolean): number {
  if (!alive) return node.lastLeaseMs;
  const period = K8S.leaseRenewSeconds * 1000;
  const since = (((s.timeMs - node.leaseOffsetMs) % period) + period) % period;
  return Math.max(node.joinedAtMs, s.timeMs - since);
}

export function nodeAlive(node: NodeState): boolean {
  return node.powered && !node.partitioned && node.connected;
}

/** STATUS of `kubectl get nodes`: NotReady covers Unknown; cordoning appends SchedulingDisabled. */
export function nodeStatus(node: NodeState): string {
  const base = node.ready === "True" ? "Ready" : "NotReady";
  return node.unschedulable ? `${base},SchedulingDisabled` : base;
}

export function nodeConditions(s: ClusterState, node: NodeState): Condition[] {
  const heartbeat = lastRenewal(s, node, nodeAlive(node));
  if (node.ready === "Unknown") {
    const since = node.notReadySinceMs ?? s.timeMs;
    const unknown = (type: string): Condition => ({
      type,
      status: "Unknown",
      reason: "NodeStatusUnknown",
      message: "Kubelet stopped posting node status.",
      lastUpdateMs: heartbeat,
      lastTransitionMs: since,
    });
    return [unknown("MemoryPressure"), unknown("DiskPressure"), unknown("PIDPressure"), unknown("Ready")];
  }
  const joined = node.joinedAtMs;
  return [
    node.memoryPressure
      ? { type: "MemoryPressure", status: "True", reason: "KubeletHasInsufficientMemory", message: "kubelet has insufficient memory available", lastUpdateMs: heartbeat, lastTransitionMs: node.lastPressureMs ?? joined }
      : { type: "MemoryPressure", status: "False", reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available", lastUpdateMs: heartbeat, lastTransitionMs: joined },
    { type: "DiskPressure", status: "False", reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure", lastUpdateMs: heartbeat, lastTransitionMs: joined },
    { type: "PIDPressure", status: "False", reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available", lastUpdateMs: heartbeat, lastTransitionMs: joined },
    node.ready === "True"
      ? { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastUpdateMs: heartbeat, lastTransitionMs: node.readySinceMs }
      : { type: "Ready", status: "False", reason: "KubeletNotReady", message: "container runtime is down", lastUpdateMs: heartbeat, lastTransitionMs: node.notReadySinceMs ?? joined },
  ];
}

/**
 * The simulation does not remember when a Service, an HPA or a PDB was created; they nearly
 * always come with their Deployment, so its creation time stands in (cluster start otherwise).
 */
export function createdAtOf(s: ClusterState, app: string): number {
  return s.deployments[app]?.createdAtMs ?? 0;
}

export function serviceCreatedAt(s: ClusterState, svc: ServiceState): number {
  return createdAtOf(s, svc.app);
}

export function hpaCreatedAt(s: ClusterState, hpa: HpaState): number {
  return createdAtOf(s, hpa.target);
}

export function pdbCreatedAt(s: ClusterState, pdb: PdbState): number {
  return createdAtOf(s, pdb.app);
}

export interface PdbStatus {
  expected: number;
  healthy: number;
  allowed: number;
}

export function pdbStatus(s: ClusterState, pdb: PdbState): PdbStatus {
  let expected = 0;
  let healthy = 0;
  for (const name in s.pods) {
    const p = s.pods[name]!;
    if (p.app !== pdb.app || !isActive(p)) continue;
    expected++;
    if (p.ready) healthy++;
  }
  const allowed = disruptionsAllowed(s, pdb.app);
  return { expected, healthy, allowed: Number.isFinite(allowed) ? Math.max(0, allowed) : 0 };
}

/** Pods a Service sends traffic to: ready, not being deleted, with the selected app label. */
export function endpointsOf(s: ClusterState, svc: ServiceState): PodState[] {
  const out: PodState[] = [];
  for (const name in s.pods) {
    const p = s.pods[name]!;
    if (p.app === svc.app && p.ready && p.deletionAtMs === null) out.push(p);
  }
  return byName(out);
}

export function hpaTargets(hpa: HpaState): string {
  const current = hpa.currentUtilization === null ? "<unknown>" : `${hpa.currentUtilization}%`;
  return `cpu: ${current}/${hpa.targetCpuUtilization}%`;
}
