/**
 * The cluster's objects as the API server would serve them (`-o yaml`, `-o json`): apiVersion,
 * kind, metadata, spec and a realistic subset of status. The manifests export reuses the spec
 * builders, so what `get -o yaml` shows and what `apply` reads agree.
 */
import type {
  ClusterState,
  DeploymentState,
  HpaState,
  KubeEvent,
  NodeState,
  PdbState,
  PodState,
  PodTemplate,
  ReplicaSetState,
  ServiceState,
} from "../sim/types.ts";
import { K8S } from "../sim/defaults.ts";
import {
  CONTAINER_NAME,
  CONTAINER_PORT,
  CONTAINER_RUNTIME,
  KERNEL_VERSION,
  KUBERNETES_SERVICE_IP,
  KUBERNETES_VERSION,
  NAMESPACE,
  OS_IMAGE,
  clusterIP,
  containerId,
  containerState,
  deploymentConditions,
  deploymentStatus,
  imageId,
  lastState,
  nodeConditions,
  nodeIP,
  nodeLabels,
  podCIDR,
  podConditions,
  podIP,
  podLabels,
  pdbCreatedAt,
  pdbStatus,
  endpointsOf,
  hpaCreatedAt,
  qosClass,
  replicaSetOf,
  rsStatus,
  serviceCreatedAt,
  stamp,
  uid,
  type Condition,
  type Ctx,
} from "./model.ts";
import { cpuQuantity, memQuantity } from "./text.ts";

export type Json = { [key: string]: unknown };

/** Annotations that carry what a real manifest cannot say about a release (see apply.ts). */
export const BEHAVIOR_ANNOTATION = "container-city/behavior";
export const CAPACITY_ANNOTATION = "container-city/capacity-rps";
export const BASELINE_ANNOTATION = "container-city/baseline-rps";
export const DEFAULT_CAPACITY_RPS = 20;

function probe(path: string): Json {
  return {
    failureThreshold: K8S.probeFailureThreshold,
    httpGet: { path, port: CONTAINER_PORT, scheme: "HTTP" },
    periodSeconds: K8S.probePeriodSeconds,
    successThreshold: K8S.probeSuccessThreshold,
    timeoutSeconds: 1,
  };
}

export function containerSpec(t: PodTemplate, full: boolean): Json {
  const c: Json = {
    name: CONTAINER_NAME,
    image: t.image,
    imagePullPolicy: t.pullPolicy,
    ports: [{ containerPort: CONTAINER_PORT, protocol: "TCP" }],
    resources: {
      requests: { cpu: cpuQuantity(t.requests.cpuMilli), memory: memQuantity(t.requests.memoryMiB) },
      limits: { cpu: cpuQuantity(t.limits.cpuMilli), memory: memQuantity(t.limits.memoryMiB) },
    },
  };
  if (t.livenessProbe) c["livenessProbe"] = probe("/healthz");
  if (t.readinessProbe) c["readinessProbe"] = probe("/ready");
  if (full) {
    c["terminationMessagePath"] = "/dev/termination-log";
    c["terminationMessagePolicy"] = "File";
  }
  return c;
}

/** The two tolerations DefaultTolerationSeconds adds to every pod. */
export function defaultTolerations(seconds: number): Json[] {
  return ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map((key) => ({
    effect: "NoExecute",
    key,
    operator: "Exists",
    tolerationSeconds: seconds,
  }));
}

/** The pod template as a Deployment carries it; tolerations only when they differ from the default. */
export function templateSpec(t: PodTemplate, labels: Record<string, string>, full: boolean): Json {
  const spec: Json = { containers: [containerSpec(t, full)] };
  if (t.tolerationSeconds !== K8S.defaultTolerationSeconds) spec["tolerations"] = defaultTolerations(t.tolerationSeconds);
  if (full) {
    spec["dnsPolicy"] = "ClusterFirst";
    spec["restartPolicy"] = "Always";
    spec["schedulerName"] = "default-scheduler";
    spec["terminationGracePeriodSeconds"] = K8S.terminationGraceSeconds;
  }
  return { metadata: { labels }, spec };
}

function meta(ctx: Ctx, kind: string, name: string, createdMs: number, extra: Json = {}, namespaced = true): Json {
  return {
    name,
    ...(namespaced ? { namespace: NAMESPACE } : {}),
    uid: uid(kind, name, createdMs),
    creationTimestamp: stamp(ctx, createdMs),
    ...extra,
  };
}

function condition(ctx: Ctx, c: Condition, withUpdate: "lastProbeTime" | "lastUpdateTime" | "lastHeartbeatTime" | null): Json {
  const out: Json = { type: c.type, status: c.status, lastTransitionTime: stamp(ctx, c.lastTransitionMs) };
  if (withUpdate === "lastProbeTime") out["lastProbeTime"] = null;
  else if (withUpdate && c.lastUpdateMs !== undefined) out[withUpdate] = stamp(ctx, c.lastUpdateMs);
  if (c.reason) out["reason"] = c.reason;
  if (c.message) out["message"] = c.message;
  return out;
}

function ownerRef(kind: string, name: string, createdMs: number): Json {
  return {
    apiVersion: "apps/v1",
    blockOwnerDeletion: true,
    controller: true,
    kind,
    name,
    uid: uid(kind, name, createdMs),
  };
}

export function podObject(ctx: Ctx, pod: PodState): Json {
  const s = ctx.s;
  const rs = replicaSetOf(s, pod);
  const extra: Json = { labels: podLabels(s, pod) };
  if (rs) {
    extra["generateName"] = `${rs.name}-`;
    extra["ownerReferences"] = [ownerRef("ReplicaSet", rs.name, rs.createdAtMs)];
  }
  if (pod.deletionAtMs !== null) {
    extra["deletionGracePeriodSeconds"] = K8S.terminationGraceSeconds;
    extra["deletionTimestamp"] = stamp(ctx, pod.deletionAtMs + K8S.terminationGraceSeconds * 1000);
  }
  const spec: Json = {
    containers: [containerSpec(pod.template, true)],
    dnsPolicy: "ClusterFirst",
    restartPolicy: "Always",
    schedulerName: "default-scheduler",
    serviceAccountName: "default",
    terminationGracePeriodSeconds: K8S.terminationGraceSeconds,
    tolerations: defaultTolerations(pod.template.tolerationSeconds),
  };
  if (pod.nodeName) spec["nodeName"] = pod.nodeName;

  const status: Json = {
    phase: pod.phase,
    conditions: podConditions(pod).map((c) => condition(ctx, c, "lastProbeTime")),
    qosClass: qosClass(pod),
  };
  if (pod.phase === "Failed" && pod.message) {
    status["reason"] = pod.message.includes("low on resource") ? "Evicted" : "Error";
    status["message"] = pod.message;
  }
  if (pod.nodeName) {
    status["hostIP"] = nodeIP(pod.nodeName);
    status["hostIPs"] = [{ ip: nodeIP(pod.nodeName) }];
    status["startTime"] = stamp(ctx, pod.scheduledAtMs ?? pod.createdAtMs);
    const ip = podIP(pod);
    if (ip) {
      status["podIP"] = ip;
      status["podIPs"] = [{ ip }];
    }
    status["containerStatuses"] = [containerStatus(ctx, pod)];
  }
  return { apiVersion: "v1", kind: "Pod", metadata: meta(ctx, "Pod", pod.name, pod.createdAtMs, extra), spec, status };
}

function containerStatus(ctx: Ctx, pod: PodState): Json {
  const cs = containerState(ctx.s, pod);
  let state: Json;
  if (cs.state === "running") state = { running: { startedAt: stamp(ctx, cs.startedMs) } };
  else if (cs.state === "waiting") state = { waiting: cs.message ? { message: cs.message, reason: cs.reason } : { reason: cs.reason } };
  else {
    state = {
      terminated: {
        exitCode: cs.exitCode,
        finishedAt: stamp(ctx, cs.finishedMs),
        reason: cs.reason,
        ...(cs.startedMs !== null ? { startedAt: stamp(ctx, cs.startedMs) } : {}),
      },
    };
  }
  const last = lastState(pod);
  const out: Json = {
    name: CONTAINER_NAME,
    image: pod.template.image,
    imageID: pod.startedAtMs !== null ? imageId(pod.template.image) : "",
    ready: pod.ready,
    restartCount: pod.restartCount,
    started: cs.state === "running",
    state,
    lastState: last
      ? { terminated: { exitCode: last.exitCode, reason: last.reason, ...(last.finishedMs !== null ? { finishedAt: stamp(ctx, last.finishedMs) } : {}) } }
      : {},
  };
  if (pod.startedAtMs !== null) out["containerID"] = containerId(pod);
  return out;
}

export function nodeObject(ctx: Ctx, node: NodeState): Json {
  const spec: Json = { podCIDR: podCIDR(node.name), podCIDRs: [podCIDR(node.name)] };
  if (node.taints.length) {
    spec["taints"] = node.taints.map((t) => ({ effect: t.effect, key: t.key, timeAdded: stamp(ctx, t.addedAtMs) }));
  }
  if (node.unschedulable) spec["unschedulable"] = true;
  const resources = {
    cpu: cpuQuantity(node.capacity.cpuMilli),
    memory: `${node.capacity.memoryMiB * 1024}Ki`,
    pods: String(node.capacity.pods),
  };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: meta(ctx, "Node", node.name, node.joinedAtMs, { labels: nodeLabels(node) }, false),
    spec,
    status: {
      addresses: [
        { address: nodeIP(node.name), type: "InternalIP" },
        { address: node.name, type: "Hostname" },
      ],
      allocatable: resources,
      capacity: resources,
      conditions: nodeConditions(ctx.s, node).map((c) => condition(ctx, c, "lastHeartbeatTime")),
      nodeInfo: {
        architecture: "amd64",
        containerRuntimeVersion: CONTAINER_RUNTIME,
        kernelVersion: KERNEL_VERSION,
        kubeletVersion: KUBERNETES_VERSION,
        operatingSystem: "linux",
        osImage: OS_IMAGE,
      },
    },
  };
}

export function strategySpec(dep: DeploymentState): Json {
  return dep.strategy.type === "Recreate"
    ? { type: "Recreate" }
    : { type: "RollingUpdate", rollingUpdate: { maxSurge: dep.strategy.maxSurge, maxUnavailable: dep.strategy.maxUnavailable } };
}

export function deploymentObject(ctx: Ctx, dep: DeploymentState): Json {
  const s = ctx.s;
  const st = deploymentStatus(s, dep);
  const labels = { app: dep.name };
  const status: Json = {
    availableReplicas: st.available,
    conditions: deploymentConditions(s, dep).map((c) => condition(ctx, c, "lastUpdateTime")),
    observedGeneration: dep.revision,
    readyReplicas: st.ready,
    replicas: st.replicas,
    updatedReplicas: st.updated,
  };
  if (st.unavailable > 0) status["unavailableReplicas"] = st.unavailable;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(ctx, "Deployment", dep.name, dep.createdAtMs, {
      annotations: { "deployment.kubernetes.io/revision": String(dep.revision) },
      generation: dep.revision,
      labels,
    }),
    spec: {
      minReadySeconds: dep.minReadySeconds,
      progressDeadlineSeconds: dep.progressDeadlineSeconds,
      replicas: dep.replicas,
      revisionHistoryLimit: dep.revisionHistoryLimit,
      selector: { matchLabels: labels },
      strategy: strategySpec(dep),
      template: templateSpec(dep.template, labels, true),
    },
    status,
  };
}

export function replicaSetObject(ctx: Ctx, rs: ReplicaSetState): Json {
  const s = ctx.s;
  const dep = s.deployments[rs.deployment];
  const st = rsStatus(s, rs, dep?.minReadySeconds ?? 0);
  const labels = { app: rs.template.app, "pod-template-hash": rs.templateHash };
  const extra: Json = {
    annotations: {
      "deployment.kubernetes.io/desired-replicas": String(dep?.replicas ?? rs.replicas),
      "deployment.kubernetes.io/revision": String(rs.revision),
    },
    generation: 1,
    labels,
  };
  if (dep) extra["ownerReferences"] = [ownerRef("Deployment", dep.name, dep.createdAtMs)];
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: meta(ctx, "ReplicaSet", rs.name, rs.createdAtMs, extra),
    spec: {
      replicas: rs.replicas,
      selector: { matchLabels: labels },
      template: templateSpec(rs.template, labels, true),
    },
    status: {
      availableReplicas: st.available,
      fullyLabeledReplicas: st.replicas,
      observedGeneration: 1,
      readyReplicas: st.ready,
      replicas: st.replicas,
    },
  };
}

export function serviceObject(ctx: Ctx, svc: ServiceState): Json {
  const ip = clusterIP(svc.name);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(ctx, "Service", svc.name, serviceCreatedAt(ctx.s, svc), { labels: { app: svc.app } }),
    spec: {
      clusterIP: ip,
      clusterIPs: [ip],
      internalTrafficPolicy: "Cluster",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      ports: [{ port: 80, protocol: "TCP", targetPort: CONTAINER_PORT }],
      selector: { app: svc.app },
      sessionAffinity: "None",
      type: "ClusterIP",
    },
    status: { loadBalancer: {} },
  };
}

/** The `kubernetes` Service every cluster has in default: the API server's own address. */
export function kubernetesServiceObject(ctx: Ctx): Json {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(ctx, "Service", "kubernetes", 0, { labels: { component: "apiserver", provider: "kubernetes" } }),
    spec: {
      clusterIP: KUBERNETES_SERVICE_IP,
      clusterIPs: [KUBERNETES_SERVICE_IP],
      internalTrafficPolicy: "Cluster",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }],
      sessionAffinity: "None",
      type: "ClusterIP",
    },
    status: { loadBalancer: {} },
  };
}

export function hpaSpec(hpa: HpaState): Json {
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: hpa.target },
    minReplicas: hpa.minReplicas,
    maxReplicas: hpa.maxReplicas,
    metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: hpa.targetCpuUtilization } } }],
  };
}

export function hpaObject(ctx: Ctx, hpa: HpaState): Json {
  const s = ctx.s;
  const dep = s.deployments[hpa.target];
  const status: Json = {
    currentReplicas: dep?.replicas ?? 0,
    desiredReplicas: hpa.desiredReplicas,
    conditions: hpaConditions(ctx, hpa).map((c) => condition(ctx, c, null)),
  };
  if (hpa.currentUtilization !== null) {
    status["currentMetrics"] = [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: hpa.currentUtilization } } }];
  }
  if (hpa.lastScaleMs !== null) status["lastScaleTime"] = stamp(ctx, hpa.lastScaleMs);
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: meta(ctx, "HorizontalPodAutoscaler", hpa.name, hpaCreatedAt(s, hpa)),
    spec: hpaSpec(hpa),
    status,
  };
}

export function hpaConditions(ctx: Ctx, hpa: HpaState): Condition[] {
  const s = ctx.s;
  const created = hpaCreatedAt(s, hpa);
  const dep = s.deployments[hpa.target];
  const conds: Condition[] = [
    { type: "AbleToScale", status: "True", reason: "ReadyForNewScale", message: "recommended size matches current size", lastTransitionMs: created },
  ];
  if (hpa.currentUtilization === null) {
    conds.push({
      type: "ScalingActive",
      status: "False",
      reason: "FailedGetResourceMetric",
      message: "the HPA was unable to compute the replica count: failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)",
      lastTransitionMs: created,
    });
  } else {
    conds.push({
      type: "ScalingActive",
      status: "True",
      reason: "ValidMetricFound",
      message: "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
      lastTransitionMs: created,
    });
  }
  const replicas = dep?.replicas ?? 0;
  const limited = replicas >= hpa.maxReplicas || replicas <= hpa.minReplicas;
  conds.push(
    limited
      ? {
          type: "ScalingLimited",
          status: "True",
          reason: replicas >= hpa.maxReplicas ? "TooManyReplicas" : "TooFewReplicas",
          message: replicas >= hpa.maxReplicas ? "the desired replica count is more than the maximum replica count" : "the desired replica count is less than the minimum replica count",
          lastTransitionMs: hpa.lastScaleMs ?? created,
        }
      : { type: "ScalingLimited", status: "False", reason: "DesiredWithinRange", message: "the desired count is within the acceptable range", lastTransitionMs: hpa.lastScaleMs ?? created },
  );
  return conds;
}

export function pdbObject(ctx: Ctx, pdb: PdbState): Json {
  const st = pdbStatus(ctx.s, pdb);
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: meta(ctx, "PodDisruptionBudget", pdb.name, pdbCreatedAt(ctx.s, pdb)),
    spec: { minAvailable: pdb.minAvailable, selector: { matchLabels: { app: pdb.app } } },
    status: {
      currentHealthy: st.healthy,
      desiredHealthy: pdb.minAvailable,
      disruptionsAllowed: st.allowed,
      expectedPods: st.expected,
      observedGeneration: 1,
    },
  };
}

/** kind of an event's object, from the simulation's `kind/name` reference. */
const EVENT_KINDS: Record<string, string> = {
  pod: "Pod",
  node: "Node",
  deployment: "Deployment",
  replicaset: "ReplicaSet",
  horizontalpodautoscaler: "HorizontalPodAutoscaler",
  container: "Container",
  service: "Service",
};

export function eventTarget(e: KubeEvent): { kind: string; name: string } {
  const slash = e.object.indexOf("/");
  if (slash < 0) return { kind: e.object.charAt(0).toUpperCase() + e.object.slice(1), name: "" };
  const prefix = e.object.slice(0, slash);
  return { kind: EVENT_KINDS[prefix] ?? prefix, name: e.object.slice(slash + 1) };
}

/** The component that reports an event, by reason, as describe's From column shows it. */
export function eventSource(e: KubeEvent): string {
  switch (e.reason) {
    case "Scheduled":
    case "FailedScheduling":
      return "default-scheduler";
    case "SuccessfulCreate":
    case "SuccessfulDelete":
      return "replicaset-controller";
    case "ScalingReplicaSet":
    case "ProgressDeadlineExceeded":
    case "DeploymentRollback":
      return "deployment-controller";
    case "SuccessfulRescale":
      return "horizontal-pod-autoscaler";
    case "TaintManagerEviction":
      return "taint-eviction-controller";
    case "RegisteredNode":
    case "RemovingNode":
    case "NodeNotReady":
      return "node-controller";
    case "EvictionBlocked":
    case "NodeDrained":
      return "kubectl-drain";
    case "Evicted":
      return e.message.includes("node drain") ? "kubectl-drain" : "kubelet";
    case "NodePoweredOff":
    case "NetworkPartition":
    case "NodeRestored":
    case "NodeSlow":
    case "RegistryDown":
    case "RegistryUp":
    case "EvictionsPaused":
      return "container-city";
    default:
      return e.object.startsWith("container/") ? "docker" : "kubelet";
  }
}

/** `<object>.<hex UnixNano>` as the event recorder names events; the id keeps same-millisecond events apart. */
export function eventName(ctx: Ctx, e: KubeEvent): string {
  const t = eventTarget(e);
  const nanos = BigInt(ctx.epochMs + e.firstMs) * 1_000_000n + BigInt(e.id % 1_000_000);
  return `${t.name || t.kind.toLowerCase()}.${nanos.toString(16)}`;
}

export function eventObject(ctx: Ctx, e: KubeEvent): Json {
  const t = eventTarget(e);
  const name = eventName(ctx, e);
  const involved: Json = { kind: t.kind, name: t.name };
  if (t.kind !== "Node" && t.name) involved["namespace"] = NAMESPACE;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: meta(ctx, "Event", name, e.firstMs),
    count: e.count,
    firstTimestamp: stamp(ctx, e.firstMs),
    involvedObject: involved,
    lastTimestamp: stamp(ctx, e.lastMs),
    message: e.message,
    reason: e.reason,
    source: e.node ? { component: eventSource(e), host: e.node } : { component: eventSource(e) },
    type: e.type,
  };
}

export function namespaceObject(ctx: Ctx, name: string): Json {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, uid: uid("Namespace", name, 0), creationTimestamp: stamp(ctx, 0), labels: { "kubernetes.io/metadata.name": name } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

/** Endpoints are not listed as a resource here, but describe svc shows them. */
export function endpointAddresses(s: ClusterState, svc: ServiceState): string[] {
  return endpointsOf(s, svc).map((p) => `${podIP(p) ?? "<none>"}:${CONTAINER_PORT}`);
}
