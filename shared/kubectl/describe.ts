/**
 * `kubectl describe`: the same sections, in the same order, written with tabs and laid out by
 * the tabwriter with describe's settings (padding 2), so blocks align exactly as kubectl's do.
 */
import type { DeploymentState, HpaState, NodeState, PdbState, PodState, PodTemplate, ReplicaSetState, ServiceState } from "../sim/types.ts";
import { K8S } from "../sim/defaults.ts";
import { schedulingLine } from "../sim/views.ts";
import { bool, parseFlags, str, type FlagSpec } from "./flags.ts";
import {
  CONTAINER_NAME,
  CONTAINER_PORT,
  CONTAINER_RUNTIME,
  KERNEL_VERSION,
  KUBERNETES_VERSION,
  NAMESPACE,
  OS_IMAGE,
  age,
  byName,
  clusterIP,
  containerId,
  containerState,
  date,
  deploymentConditions,
  deploymentStatus,
  hpaCreatedAt,
  imageId,
  lastRenewal,
  lastState,
  nodeAlive,
  nodeConditions,
  nodeIP,
  nodeLabels,
  nonTerminated,
  pdbStatus,
  podCIDR,
  podConditions,
  podIP,
  podLabels,
  podsOfReplicaSet,
  podsOnNode,
  qosClass,
  replicaSetOf,
  replicaSetsOf,
  rsStatus,
  uid,
  endpointsOf,
  type Ctx,
} from "./model.ts";
import { eventSource, hpaConditions } from "./objects.ts";
import { ADAPTERS, findItem, type Item } from "./listing.ts";
import { notFound, type Kind } from "./resources.ts";
import { parseSelector } from "./selector.ts";
import { DESCRIBE_TABS, cpuQuantity, memQuantity, pct, tabwrite } from "./text.ts";
import { done, failed, type KubectlResult } from "./result.ts";
import { usageFor } from "./help.ts";
import { MAX_STRUCTURED, parseResourceArgs } from "./get.ts";

/** kubectl's PrefixWriter: each level indents by two spaces. */
class Writer {
  private readonly lines: string[] = [];
  w(level: number, text: string): void {
    this.lines.push("  ".repeat(level) + text);
  }
  text(): string {
    return tabwrite(this.lines.join("\n"), DESCRIBE_TABS);
  }
}

function multiline(out: Writer, title: string, entries: string[]): void {
  if (entries.length === 0) {
    out.w(0, `${title}:\t<none>`);
    return;
  }
  entries.forEach((e, i) => out.w(0, i === 0 ? `${title}:\t${e}` : `\t${e}`));
}

function labelLines(labels: Record<string, string>): string[] {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
}

function describeEvents(ctx: Ctx, out: Writer, object: string): void {
  const events = ctx.s.events.filter((e) => e.object === object);
  if (events.length === 0) {
    out.w(0, "Events:\t<none>");
    return;
  }
  out.w(0, "Events:");
  out.w(1, "Type\tReason\tAge\tFrom\tMessage");
  out.w(1, "----\t------\t----\t----\t-------");
  for (const e of events) {
    const interval = e.count > 1 ? `${age(ctx, e.lastMs)} (x${e.count} over ${age(ctx, e.firstMs)})` : age(ctx, e.firstMs);
    out.w(1, `${e.type}\t${e.reason}\t${interval}\t${eventSource(e)}\t${e.message.trim()}`);
  }
}

function probeLine(path: string): string {
  return `http-get http://:${CONTAINER_PORT}${path} delay=0s timeout=1s period=${K8S.probePeriodSeconds}s #success=${K8S.probeSuccessThreshold} #failure=${K8S.probeFailureThreshold}`;
}

function resourceLines(out: Writer, t: PodTemplate, level: number): void {
  out.w(level, "Limits:");
  out.w(level + 1, `cpu:\t${cpuQuantity(t.limits.cpuMilli)}`);
  out.w(level + 1, `memory:\t${memQuantity(t.limits.memoryMiB)}`);
  out.w(level, "Requests:");
  out.w(level + 1, `cpu:\t${cpuQuantity(t.requests.cpuMilli)}`);
  out.w(level + 1, `memory:\t${memQuantity(t.requests.memoryMiB)}`);
  if (t.livenessProbe) out.w(level, `Liveness:\t${probeLine("/healthz")}`);
  if (t.readinessProbe) out.w(level, `Readiness:\t${probeLine("/ready")}`);
  out.w(level, "Environment:\t<none>");
  out.w(level, "Mounts:\t<none>");
}

function tolerationLines(seconds: number): string[] {
  return ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map((k) => `${k}:NoExecute op=Exists for ${seconds}s`);
}

function describePod(ctx: Ctx, pod: PodState): string {
  const s = ctx.s;
  const out = new Writer();
  out.w(0, `Name:\t${pod.name}`);
  out.w(0, `Namespace:\t${NAMESPACE}`);
  out.w(0, "Priority:\t0");
  out.w(0, "Service Account:\tdefault");
  out.w(0, `Node:\t${pod.nodeName ? `${pod.nodeName}/${nodeIP(pod.nodeName)}` : "<none>"}`);
  if (pod.scheduledAtMs !== null) out.w(0, `Start Time:\t${date(ctx, pod.scheduledAtMs)}`);
  multiline(out, "Labels", labelLines(podLabels(s, pod)));
  out.w(0, "Annotations:\t<none>");
  if (pod.deletionAtMs !== null) {
    const until = pod.deletionAtMs + K8S.terminationGraceSeconds * 1000 - s.timeMs;
    const lasts = until < -1000 ? "<invalid>" : age(ctx, s.timeMs - until);
    out.w(0, `Status:\tTerminating (lasts ${lasts})`);
    out.w(0, `Termination Grace Period:\t${K8S.terminationGraceSeconds}s`);
  } else {
    out.w(0, `Status:\t${pod.phase}`);
  }
  if (pod.phase === "Failed" && pod.message) {
    out.w(0, `Reason:\t${pod.message.includes("low on resource") ? "Evicted" : "Error"}`);
    out.w(0, `Message:\t${pod.message}`);
  }
  const ip = podIP(pod);
  out.w(0, `IP:\t${ip ?? ""}`);
  if (ip) {
    out.w(0, "IPs:");
    out.w(1, `IP:\t${ip}`);
  } else out.w(0, "IPs:\t<none>");
  const rs = replicaSetOf(s, pod);
  if (rs) out.w(0, `Controlled By:\tReplicaSet/${rs.name}`);

  out.w(0, "Containers:");
  out.w(1, `${CONTAINER_NAME}:`);
  if (pod.startedAtMs !== null) out.w(2, `Container ID:\t${containerId(pod)}`);
  out.w(2, `Image:\t${pod.template.image}`);
  out.w(2, `Image ID:\t${pod.startedAtMs !== null ? imageId(pod.template.image) : ""}`);
  out.w(2, `Port:\t${CONTAINER_PORT}/TCP`);
  out.w(2, "Host Port:\t0/TCP");
  const cs = containerState(s, pod);
  if (pod.nodeName === null) out.w(2, "State:\tWaiting");
  else if (cs.state === "running") {
    out.w(2, "State:\tRunning");
    out.w(3, `Started:\t${date(ctx, cs.startedMs)}`);
  } else if (cs.state === "waiting") {
    out.w(2, "State:\tWaiting");
    out.w(3, `Reason:\t${cs.reason}`);
  } else {
    out.w(2, "State:\tTerminated");
    out.w(3, `Reason:\t${cs.reason}`);
    out.w(3, `Exit Code:\t${cs.exitCode}`);
    if (cs.startedMs !== null) out.w(3, `Started:\t${date(ctx, cs.startedMs)}`);
    out.w(3, `Finished:\t${date(ctx, cs.finishedMs)}`);
  }
  const last = lastState(pod);
  if (last) {
    out.w(2, "Last State:\tTerminated");
    out.w(3, `Reason:\t${last.reason}`);
    out.w(3, `Exit Code:\t${last.exitCode}`);
    if (last.finishedMs !== null) out.w(3, `Finished:\t${date(ctx, last.finishedMs)}`);
  }
  out.w(2, `Ready:\t${pod.ready ? "True" : "False"}`);
  out.w(2, `Restart Count:\t${pod.restartCount}`);
  resourceLines(out, pod.template, 2);

  out.w(0, "Conditions:");
  out.w(1, "Type\tStatus");
  for (const c of podConditions(pod)) out.w(1, `${c.type} \t${c.status} `);
  out.w(0, "Volumes:\t<none>");
  out.w(0, `QoS Class:\t${qosClass(pod)}`);
  out.w(0, "Node-Selectors:\t<none>");
  multiline(out, "Tolerations", tolerationLines(pod.template.tolerationSeconds));
  describeEvents(ctx, out, `pod/${pod.name}`);
  schedulingNote(out, pod);
  return out.text();
}

/** Not part of kubectl: the scheduler's reasoning the simulation keeps, for the lesson. */
function schedulingNote(out: Writer, pod: PodState): void {
  const e = pod.scheduling;
  if (!e) return;
  out.w(0, "Scheduling (Container City):");
  out.w(1, `Decision:\t${schedulingLine(pod)}`);
  if (e.chosen === null) return;
  out.w(1, `Nodes:\t${e.examined} examined, ${e.feasible} feasible`);
  const filtered = Object.entries(e.filtered);
  if (filtered.length) out.w(1, `Filtered out:\t${filtered.map(([why, n]) => `${n} ${why}`).join(", ")}`);
  e.top.forEach((t, i) => {
    const parts = Object.entries(t.parts)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    out.w(1, `${i === 0 ? "Top scores:" : ""}\t${t.node} ${t.total} (${parts})`);
  });
}

function describeNode(ctx: Ctx, node: NodeState): string {
  const s = ctx.s;
  const out = new Writer();
  out.w(0, `Name:\t${node.name}`);
  out.w(0, "Roles:\t<none>");
  multiline(out, "Labels", labelLines(nodeLabels(node)));
  multiline(out, "Annotations", ["node.alpha.kubernetes.io/ttl: 0", "volumes.kubernetes.io/controller-managed-attach-detach: true"]);
  out.w(0, `CreationTimestamp:\t${date(ctx, node.joinedAtMs)}`);
  multiline(out, "Taints", node.taints.map((t) => `${t.key}:${t.effect}`));
  out.w(0, `Unschedulable:\t${node.unschedulable}`);
  out.w(0, "Lease:");
  out.w(1, `HolderIdentity:\t${node.name}`);
  out.w(1, "AcquireTime:\t<unset>");
  out.w(1, `RenewTime:\t${date(ctx, lastRenewal(s, node, nodeAlive(node)))}`);
  out.w(0, "Conditions:");
  out.w(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage");
  out.w(1, "----\t------\t-----------------\t------------------\t------\t-------");
  for (const c of nodeConditions(s, node)) {
    out.w(1, `${c.type} \t${c.status} \t${date(ctx, c.lastUpdateMs ?? s.timeMs)} \t${date(ctx, c.lastTransitionMs)} \t${c.reason} \t${c.message}`);
  }
  out.w(0, "Addresses:");
  out.w(1, `InternalIP:\t${nodeIP(node.name)}`);
  out.w(1, `Hostname:\t${node.name}`);
  for (const title of ["Capacity", "Allocatable"]) {
    out.w(0, `${title}:`);
    out.w(1, `cpu:\t${cpuQuantity(node.capacity.cpuMilli)}`);
    out.w(1, `memory:\t${node.capacity.memoryMiB * 1024}Ki`);
    out.w(1, `pods:\t${node.capacity.pods}`);
  }
  const id = uid("Node", node.name, node.joinedAtMs);
  out.w(0, "System Info:");
  out.w(1, `Machine ID:\t${id.replace(/-/g, "")}`);
  out.w(1, `System UUID:\t${id}`);
  out.w(1, `Boot ID:\t${uid("Boot", node.name, node.joinedAtMs)}`);
  out.w(1, `Kernel Version:\t${KERNEL_VERSION}`);
  out.w(1, `OS Image:\t${OS_IMAGE}`);
  out.w(1, "Operating System:\tlinux");
  out.w(1, "Architecture:\tamd64");
  out.w(1, `Container Runtime Version:\t${CONTAINER_RUNTIME}`);
  out.w(1, `Kubelet Version:\t${KUBERNETES_VERSION}`);
  out.w(0, `PodCIDR:\t${podCIDR(node.name)}`);
  out.w(0, `PodCIDRs:\t${podCIDR(node.name)}`);
  const pods = byName(podsOnNode(s, node).filter(nonTerminated));
  const cap = node.capacity;
  out.w(0, `Non-terminated Pods:\t(${pods.length} in total)`);
  out.w(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge");
  out.w(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---");
  const sum = { cpuReq: 0, cpuLim: 0, memReq: 0, memLim: 0 };
  for (const p of pods) {
    const t = p.template;
    sum.cpuReq += t.requests.cpuMilli;
    sum.cpuLim += t.limits.cpuMilli;
    sum.memReq += t.requests.memoryMiB;
    sum.memLim += t.limits.memoryMiB;
    out.w(
      1,
      `${NAMESPACE}\t${p.name}\t\t${cpuQuantity(t.requests.cpuMilli)} (${pct(t.requests.cpuMilli, cap.cpuMilli)}%)\t` +
        `${cpuQuantity(t.limits.cpuMilli)} (${pct(t.limits.cpuMilli, cap.cpuMilli)}%)\t` +
        `${memQuantity(t.requests.memoryMiB)} (${pct(t.requests.memoryMiB, cap.memoryMiB)}%)\t` +
        `${memQuantity(t.limits.memoryMiB)} (${pct(t.limits.memoryMiB, cap.memoryMiB)}%)\t${age(ctx, p.createdAtMs)}`,
    );
  }
  out.w(0, "Allocated resources:");
  out.w(1, "(Total limits may be over 100 percent, i.e., overcommitted.)");
  out.w(1, "Resource\tRequests\tLimits");
  out.w(1, "--------\t--------\t------");
  out.w(1, `cpu\t${cpuQuantity(sum.cpuReq)} (${pct(sum.cpuReq, cap.cpuMilli)}%)\t${cpuQuantity(sum.cpuLim)} (${pct(sum.cpuLim, cap.cpuMilli)}%)`);
  out.w(1, `memory\t${memQuantity(sum.memReq)} (${pct(sum.memReq, cap.memoryMiB)}%)\t${memQuantity(sum.memLim)} (${pct(sum.memLim, cap.memoryMiB)}%)`);
  out.w(1, "ephemeral-storage\t0 (0%)\t0 (0%)");
  describeEvents(ctx, out, `node/${node.name}`);
  return out.text();
}

/** The "Pod Template:" section of describe deploy/rs, also what `rollout history --revision` prints. */
export function describeTemplate(t: PodTemplate, labels: Record<string, string>): string {
  const out = new Writer();
  podTemplate(out, t, labels);
  return out.text();
}

function podTemplate(out: Writer, t: PodTemplate, labels: Record<string, string>): void {
  out.w(0, "Pod Template:");
  multiline(out, "  Labels", labelLines(labels));
  out.w(1, "Containers:");
  out.w(1, ` ${CONTAINER_NAME}:`);
  out.w(2, `Image:\t${t.image}`);
  out.w(2, `Port:\t${CONTAINER_PORT}/TCP`);
  out.w(2, "Host Port:\t0/TCP");
  resourceLines(out, t, 2);
  out.w(1, "Volumes:\t<none>");
  out.w(1, "Node-Selectors:\t<none>");
  if (t.tolerationSeconds === K8S.defaultTolerationSeconds) out.w(1, "Tolerations:\t<none>");
  else multiline(out, "  Tolerations", tolerationLines(t.tolerationSeconds));
}

function rsSummary(ctx: Ctx, dep: DeploymentState, sets: ReplicaSetState[]): string {
  if (sets.length === 0) return "<none>";
  return sets.map((rs) => `${rs.name} (${rsStatus(ctx.s, rs, dep.minReadySeconds).replicas}/${rs.replicas} replicas created)`).join(", ");
}

function describeDeployment(ctx: Ctx, dep: DeploymentState): string {
  const s = ctx.s;
  const out = new Writer();
  const st = deploymentStatus(s, dep);
  out.w(0, `Name:\t${dep.name}`);
  out.w(0, `Namespace:\t${NAMESPACE}`);
  out.w(0, `CreationTimestamp:\t${date(ctx, dep.createdAtMs)}`);
  out.w(0, `Labels:\tapp=${dep.name}`);
  out.w(0, `Annotations:\tdeployment.kubernetes.io/revision: ${dep.revision}`);
  out.w(0, `Selector:\tapp=${dep.name}`);
  out.w(0, `Replicas:\t${dep.replicas} desired | ${st.updated} updated | ${st.replicas} total | ${st.available} available | ${st.unavailable} unavailable`);
  out.w(0, `StrategyType:\t${dep.strategy.type}`);
  out.w(0, `MinReadySeconds:\t${dep.minReadySeconds}`);
  if (dep.strategy.type === "RollingUpdate") {
    out.w(0, `RollingUpdateStrategy:\t${dep.strategy.maxUnavailable} max unavailable, ${dep.strategy.maxSurge} max surge`);
  }
  podTemplate(out, dep.template, { app: dep.name });
  out.w(0, "Conditions:");
  out.w(1, "Type\tStatus\tReason");
  out.w(1, "----\t------\t------");
  for (const c of deploymentConditions(s, dep)) out.w(1, `${c.type} \t${c.status}\t${c.reason}`);
  const sets = replicaSetsOf(s, dep);
  const current = sets.filter((rs) => rs.name === dep.currentReplicaSet);
  const old = sets.filter((rs) => rs.name !== dep.currentReplicaSet && rs.replicas > 0);
  out.w(0, `OldReplicaSets:\t${rsSummary(ctx, dep, old)}`);
  out.w(0, `NewReplicaSet:\t${rsSummary(ctx, dep, current)}`);
  describeEvents(ctx, out, `deployment/${dep.name}`);
  return out.text();
}

function describeReplicaSet(ctx: Ctx, rs: ReplicaSetState): string {
  const s = ctx.s;
  const out = new Writer();
  const labels = { app: rs.template.app, "pod-template-hash": rs.templateHash };
  const pods = podsOfReplicaSet(s, rs);
  const count = (pred: (p: PodState) => boolean) => pods.filter(pred).length;
  out.w(0, `Name:\t${rs.name}`);
  out.w(0, `Namespace:\t${NAMESPACE}`);
  out.w(0, `Selector:\tapp=${rs.template.app},pod-template-hash=${rs.templateHash}`);
  multiline(out, "Labels", labelLines(labels));
  multiline(out, "Annotations", [
    `deployment.kubernetes.io/desired-replicas: ${s.deployments[rs.deployment]?.replicas ?? rs.replicas}`,
    `deployment.kubernetes.io/revision: ${rs.revision}`,
  ]);
  if (s.deployments[rs.deployment]) out.w(0, `Controlled By:\tDeployment/${rs.deployment}`);
  out.w(0, `Replicas:\t${rsStatus(s, rs, 0).replicas} current / ${rs.replicas} desired`);
  out.w(
    0,
    `Pods Status:\t${count((p) => p.phase === "Running")} Running / ${count((p) => p.phase === "Pending")} Waiting / ${count((p) => p.phase === "Succeeded")} Succeeded / ${count((p) => p.phase === "Failed")} Failed`,
  );
  podTemplate(out, rs.template, labels);
  describeEvents(ctx, out, `replicaset/${rs.name}`);
  return out.text();
}

function describeService(ctx: Ctx, svc: ServiceState): string {
  const out = new Writer();
  const ip = clusterIP(svc.name);
  const eps = endpointsOf(ctx.s, svc).map((p) => `${podIP(p) ?? ""}:${CONTAINER_PORT}`);
  const shown = eps.slice(0, 3).join(",");
  out.w(0, `Name:\t${svc.name}`);
  out.w(0, `Namespace:\t${NAMESPACE}`);
  out.w(0, `Labels:\tapp=${svc.app}`);
  out.w(0, "Annotations:\t<none>");
  out.w(0, `Selector:\tapp=${svc.app}`);
  out.w(0, "Type:\tClusterIP");
  out.w(0, "IP Family Policy:\tSingleStack");
  out.w(0, "IP Families:\tIPv4");
  out.w(0, `IP:\t${ip}`);
  out.w(0, `IPs:\t${ip}`);
  out.w(0, "Port:\t<unset>  80/TCP");
  out.w(0, `TargetPort:\t${CONTAINER_PORT}/TCP`);
  out.w(0, `Endpoints:\t${eps.length === 0 ? "" : eps.length > 3 ? `${shown} + ${eps.length - 3} more...` : shown}`);
  out.w(0, "Session Affinity:\tNone");
  out.w(0, "Internal Traffic Policy:\tCluster");
  describeEvents(ctx, out, `service/${svc.name}`);
  return out.text();
}

function describeHpa(ctx: Ctx, hpa: HpaState): string {
  const s = ctx.s;
  const out = new Writer();
  const dep = s.deployments[hpa.target];
  let usage = "<unknown>";
  if (dep && hpa.currentUtilization !== null) {
    const ready = Object.values(s.pods).filter((p) => p.app === hpa.target && p.ready && p.running);
    const avg = ready.length ? Math.round(ready.reduce((n, p) => n + p.cpuMilli, 0) / ready.length) : 0;
    usage = `${hpa.currentUtilization}% (${avg}m)`;
  }
  out.w(0, `Name:\t${hpa.name}`);
  out.w(0, `Namespace:\t${NAMESPACE}`);
  out.w(0, "Labels:\t<none>");
  out.w(0, "Annotations:\t<none>");
  out.w(0, `CreationTimestamp:\t${date(ctx, hpaCreatedAt(s, hpa))}`);
  out.w(0, `Reference:\tDeployment/${hpa.target}`);
  out.w(0, "Metrics:\t( current / target )");
  out.w(1, `resource cpu on pods  (as a percentage of request):\t${usage} / ${hpa.targetCpuUtilization}%`);
  out.w(0, `Min replicas:\t${hpa.minReplicas}`);
  out.w(0, `Max replicas:\t${hpa.maxReplicas}`);
  out.w(0, `Deployment pods:\t${dep ? deploymentStatus(s, dep).replicas : 0} current / ${hpa.desiredReplicas} desired`);
  out.w(0, "Conditions:");
  out.w(1, "Type\tStatus\tReason\tMessage");
  out.w(1, "----\t------\t------\t-------");
  for (const c of hpaConditions(ctx, hpa)) out.w(1, `${c.type}\t${c.status}\t${c.reason}\t${c.message}`);
  describeEvents(ctx, out, `horizontalpodautoscaler/${hpa.name}`);
  return out.text();
}

function describePdb(ctx: Ctx, pdb: PdbState): string {
  const out = new Writer();
  const st = pdbStatus(ctx.s, pdb);
  out.w(0, `Name:\t${pdb.name}`);
  out.w(0, `Namespace:\t${NAMESPACE}`);
  out.w(0, `Min available:\t${pdb.minAvailable}`);
  out.w(0, `Selector:\tapp=${pdb.app}`);
  out.w(0, "Status:");
  out.w(2, `Allowed disruptions:\t${st.allowed}`);
  out.w(2, `Current:\t${st.healthy}`);
  out.w(2, `Desired:\t${pdb.minAvailable}`);
  out.w(2, `Total:\t${st.expected}`);
  describeEvents(ctx, out, `poddisruptionbudget/${pdb.name}`);
  return out.text();
}

const DESCRIBERS: Partial<Record<Kind, (ctx: Ctx, name: string) => string | null>> = {
  Pod: (ctx, n) => (ctx.s.pods[n] ? describePod(ctx, ctx.s.pods[n]) : null),
  Node: (ctx, n) => (ctx.s.nodes[n] ? describeNode(ctx, ctx.s.nodes[n]) : null),
  Deployment: (ctx, n) => (ctx.s.deployments[n] ? describeDeployment(ctx, ctx.s.deployments[n]) : null),
  ReplicaSet: (ctx, n) => (ctx.s.replicaSets[n] ? describeReplicaSet(ctx, ctx.s.replicaSets[n]) : null),
  Service: (ctx, n) => (ctx.s.services[n] ? describeService(ctx, ctx.s.services[n]) : null),
  HorizontalPodAutoscaler: (ctx, n) => (ctx.s.hpas[n] ? describeHpa(ctx, ctx.s.hpas[n]) : null),
  PodDisruptionBudget: (ctx, n) => (ctx.s.pdbs[n] ? describePdb(ctx, ctx.s.pdbs[n]) : null),
};

const DESCRIBE_FLAGS: FlagSpec[] = [
  { name: "all-namespaces", short: "A", type: "bool" },
  { name: "selector", short: "l", type: "string" },
  { name: "show-events", type: "bool" },
];

export function runDescribe(ctx: Ctx, args: string[]): KubectlResult {
  const parsed = parseFlags(args, DESCRIBE_FLAGS, "describe");
  if (!parsed.ok) return failed(parsed.error);
  const f = parsed.flags;
  if (bool(f, "help")) return done(usageFor("describe"));
  ctx.allNamespaces = bool(f, "all-namespaces");
  if (f.positional.length === 0) {
    return failed(`You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.\nerror: Required resource not specified.`);
  }
  const first = f.positional[0]!;
  if (!first.includes("/") && first.includes(",")) return failed("error: describe accepts one resource type at a time");
  const res = parseResourceArgs(f.positional, false);
  if (!res.ok) return failed(res.error);
  const sel = str(f, "selector");
  const selector = sel === undefined ? null : parseSelector(sel);
  if (selector && !selector.ok) return failed(selector.error);

  const texts: string[] = [];
  const errors: string[] = [];
  for (const req of res.requests) {
    if ("empty" in req) {
      if (req.names.length === 0) texts.push(`No resources found in ${ctx.namespace} namespace.`);
      for (const n of req.names) errors.push(notFound(req.empty, n));
      continue;
    }
    const describer = DESCRIBERS[req.type.kind];
    if (!describer) return failed(`error: this console does not describe ${req.type.plural}: try "kubectl get ${req.type.plural}"`);
    if (req.names.length === 0) {
      const items = ADAPTERS[req.type.kind].list(ctx);
      const chosen = selector && selector.ok ? items.filter((i) => selector.match(i.labels)) : items;
      if (chosen.length > MAX_STRUCTURED) {
        return failed(`error: this console describes at most ${MAX_STRUCTURED} objects at a time (this request matches ${chosen.length}): name one, or narrow the list with -l`);
      }
      if (chosen.length === 0) texts.push(req.type.namespaced ? `No resources found in ${ctx.namespace} namespace.` : "No resources found");
      for (const i of chosen) texts.push(describer(ctx, i.name) ?? "");
      continue;
    }
    for (const n of req.names) {
      // Like kubectl: an exact name wins, otherwise every object whose name starts with it.
      const exact = findItem(ctx, req.type.kind, n);
      const matched: Item[] = exact ? [exact] : ADAPTERS[req.type.kind].list(ctx).filter((i) => i.name.startsWith(n));
      if (matched.length > MAX_STRUCTURED) {
        return failed(`error: this console describes at most ${MAX_STRUCTURED} objects at a time ("${n}" matches ${matched.length}): give more of the name`);
      }
      if (matched.length === 0) errors.push(notFound(req.type, n));
      for (const i of matched) texts.push(describer(ctx, i.name) ?? "");
    }
  }
  const output = [texts.join("\n\n\n"), ...errors].filter((x) => x.length > 0).join("\n");
  return errors.length ? failed(output) : done(output);
}
