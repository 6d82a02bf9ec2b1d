/**
 * One adapter per resource type: how to list it, find it by name, label it, print its table row
 * and serve it as an API object. `get`, `describe`, `delete` and the others all go through here,
 * so a name kubectl can list is a name every verb can find.
 */
import type { KubeEvent, NodeState, PodState } from "../sim/types.ts";
import { podStatus } from "../sim/views.ts";
import {
  CONTAINER_NAME,
  CONTAINER_RUNTIME,
  KERNEL_VERSION,
  KUBERNETES_SERVICE_IP,
  KUBERNETES_VERSION,
  NAMESPACE,
  OS_IMAGE,
  age,
  byName,
  clusterIP,
  deploymentStatus,
  hpaCreatedAt,
  hpaTargets,
  nodeIP,
  nodeLabels,
  nodeStatus,
  pdbCreatedAt,
  pdbStatus,
  podIP,
  podLabels,
  rsStatus,
  serviceCreatedAt,
  type Ctx,
} from "./model.ts";
import {
  deploymentObject,
  eventName,
  eventObject,
  eventSource,
  eventTarget,
  hpaObject,
  kubernetesServiceObject,
  namespaceObject,
  nodeObject,
  pdbObject,
  podObject,
  replicaSetObject,
  serviceObject,
  type Json,
} from "./objects.ts";
import { typeByKind, type Kind, type ResourceType } from "./resources.ts";
import { formatLabels } from "./selector.ts";

export interface Item {
  type: ResourceType;
  name: string;
  labels: Record<string, string>;
  row(wide: boolean): string[];
  object(): Json;
}

export interface Adapter {
  type: ResourceType;
  headers(wide: boolean): string[];
  list(ctx: Ctx): Item[];
  /** A direct lookup for the types a class can have thousands of, so naming one object stays cheap. */
  find?(ctx: Ctx, name: string): Item | undefined;
}

export const NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"];

/** RESTARTS: "3 (45s ago)" once a container has restarted, as kubectl 1.22+ prints it. */
function restarts(ctx: Ctx, pod: PodState): string {
  if (pod.restartCount === 0 || pod.lastBackoffAtMs === null) return String(pod.restartCount);
  return `${pod.restartCount} (${age(ctx, pod.lastBackoffAtMs)} ago)`;
}

function podItem(ctx: Ctx, pod: PodState): Item {
  return {
    type: typeByKind("Pod"),
    name: pod.name,
    labels: podLabels(ctx.s, pod),
    row(wide) {
      const base = [pod.name, pod.ready ? "1/1" : "0/1", podStatus(pod), restarts(ctx, pod), age(ctx, pod.createdAtMs)];
      return wide ? [...base, podIP(pod) ?? "<none>", pod.nodeName ?? "<none>", "<none>", "<none>"] : base;
    },
    object: () => podObject(ctx, pod),
  };
}

function nodeItem(ctx: Ctx, node: NodeState): Item {
  return {
    type: typeByKind("Node"),
    name: node.name,
    labels: nodeLabels(node),
    row(wide) {
      const base = [node.name, nodeStatus(node), "<none>", age(ctx, node.joinedAtMs), KUBERNETES_VERSION];
      return wide ? [...base, nodeIP(node.name), "<none>", OS_IMAGE, KERNEL_VERSION, CONTAINER_RUNTIME] : base;
    },
    object: () => nodeObject(ctx, node),
  };
}

/** Events the kubelet reports about the container rather than the pod (they carry a fieldPath). */
const CONTAINER_REASONS = new Set(["Pulling", "Pulled", "Failed", "BackOff", "Created", "Started", "Killing", "Unhealthy"]);

function eventItem(ctx: Ctx, e: KubeEvent): Item {
  const t = eventTarget(e);
  const target = t.name ? `${t.kind.toLowerCase()}/${t.name}` : t.kind.toLowerCase();
  return {
    type: typeByKind("Event"),
    name: eventName(ctx, e),
    labels: {},
    row(wide) {
      const last = age(ctx, e.lastMs);
      if (!wide) return [last, e.type, e.reason, target, e.message.trim()];
      const source = e.node ? `${eventSource(e)}, ${e.node}` : eventSource(e);
      const sub = t.kind === "Pod" && CONTAINER_REASONS.has(e.reason) ? `spec.containers{${CONTAINER_NAME}}` : "";
      return [last, e.type, e.reason, target, sub, source, e.message.trim(), age(ctx, e.firstMs), String(e.count), eventName(ctx, e)];
    },
    object: () => eventObject(ctx, e),
  };
}

const inNamespace = (ctx: Ctx): boolean => ctx.allNamespaces || ctx.namespace === NAMESPACE;

export const ADAPTERS: Record<Kind, Adapter> = {
  Pod: {
    type: typeByKind("Pod"),
    headers: (wide) =>
      wide ? ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"] : ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
    list: (ctx) => (inNamespace(ctx) ? byName(Object.values(ctx.s.pods)).map((p) => podItem(ctx, p)) : []),
    find: (ctx, name) => {
      const pod = inNamespace(ctx) ? ctx.s.pods[name] : undefined;
      return pod ? podItem(ctx, pod) : undefined;
    },
  },
  Node: {
    type: typeByKind("Node"),
    headers: (wide) =>
      wide
        ? ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]
        : ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
    list: (ctx) => byName(Object.values(ctx.s.nodes)).map((n) => nodeItem(ctx, n)),
    find: (ctx, name) => {
      const node = ctx.s.nodes[name];
      return node ? nodeItem(ctx, node) : undefined;
    },
  },
  Deployment: {
    type: typeByKind("Deployment"),
    headers: (wide) =>
      wide ? ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"] : ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
    list: (ctx) =>
      !inNamespace(ctx)
        ? []
        : byName(Object.values(ctx.s.deployments)).map((dep) => ({
            type: typeByKind("Deployment"),
            name: dep.name,
            labels: { app: dep.name },
            row(wide: boolean) {
              const st = deploymentStatus(ctx.s, dep);
              const base = [dep.name, `${st.ready}/${dep.replicas}`, String(st.updated), String(st.available), age(ctx, dep.createdAtMs)];
              return wide ? [...base, CONTAINER_NAME, dep.template.image, `app=${dep.name}`] : base;
            },
            object: () => deploymentObject(ctx, dep),
          })),
  },
  ReplicaSet: {
    type: typeByKind("ReplicaSet"),
    headers: (wide) =>
      wide ? ["NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"] : ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
    list: (ctx) =>
      !inNamespace(ctx)
        ? []
        : byName(Object.values(ctx.s.replicaSets)).map((rs) => ({
            type: typeByKind("ReplicaSet"),
            name: rs.name,
            labels: { app: rs.template.app, "pod-template-hash": rs.templateHash },
            row(wide: boolean) {
              const st = rsStatus(ctx.s, rs, ctx.s.deployments[rs.deployment]?.minReadySeconds ?? 0);
              const base = [rs.name, String(rs.replicas), String(st.replicas), String(st.ready), age(ctx, rs.createdAtMs)];
              return wide ? [...base, CONTAINER_NAME, rs.template.image, `app=${rs.template.app},pod-template-hash=${rs.templateHash}`] : base;
            },
            object: () => replicaSetObject(ctx, rs),
          })),
  },
  Service: {
    type: typeByKind("Service"),
    headers: (wide) =>
      wide ? ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"] : ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
    list: (ctx) => {
      if (!inNamespace(ctx)) return [];
      const kube: Item = {
        type: typeByKind("Service"),
        name: "kubernetes",
        labels: { component: "apiserver", provider: "kubernetes" },
        row: (wide) => {
          const base = ["kubernetes", "ClusterIP", KUBERNETES_SERVICE_IP, "<none>", "443/TCP", age(ctx, 0)];
          return wide ? [...base, "<none>"] : base;
        },
        object: () => kubernetesServiceObject(ctx),
      };
      const items: Item[] = Object.values(ctx.s.services)
        .filter((svc) => svc.name !== "kubernetes")
        .map((svc) => ({
          type: typeByKind("Service"),
          name: svc.name,
          labels: { app: svc.app },
          row(wide: boolean) {
            const base = [svc.name, "ClusterIP", clusterIP(svc.name), "<none>", "80/TCP", age(ctx, serviceCreatedAt(ctx.s, svc))];
            return wide ? [...base, `app=${svc.app}`] : base;
          },
          object: () => serviceObject(ctx, svc),
        }));
      return byName([kube, ...items]);
    },
  },
  HorizontalPodAutoscaler: {
    type: typeByKind("HorizontalPodAutoscaler"),
    headers: () => ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"],
    list: (ctx) =>
      !inNamespace(ctx)
        ? []
        : byName(Object.values(ctx.s.hpas)).map((hpa) => ({
            type: typeByKind("HorizontalPodAutoscaler"),
            name: hpa.name,
            labels: {},
            row: () => [
              hpa.name,
              `Deployment/${hpa.target}`,
              hpaTargets(hpa),
              String(hpa.minReplicas),
              String(hpa.maxReplicas),
              String(ctx.s.deployments[hpa.target]?.replicas ?? 0),
              age(ctx, hpaCreatedAt(ctx.s, hpa)),
            ],
            object: () => hpaObject(ctx, hpa),
          })),
  },
  PodDisruptionBudget: {
    type: typeByKind("PodDisruptionBudget"),
    headers: () => ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"],
    list: (ctx) =>
      !inNamespace(ctx)
        ? []
        : byName(Object.values(ctx.s.pdbs)).map((pdb) => ({
            type: typeByKind("PodDisruptionBudget"),
            name: pdb.name,
            labels: {},
            row: () => [pdb.name, String(pdb.minAvailable), "N/A", String(pdbStatus(ctx.s, pdb).allowed), age(ctx, pdbCreatedAt(ctx.s, pdb))],
            object: () => pdbObject(ctx, pdb),
          })),
  },
  Event: {
    type: typeByKind("Event"),
    headers: (wide) =>
      wide
        ? ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"]
        : ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
    // Oldest first, by when they were last seen: the order `--sort-by=.lastTimestamp` gives.
    list: (ctx) => (inNamespace(ctx) ? ctx.s.events.map((e) => eventItem(ctx, e)) : []),
  },
  Namespace: {
    type: typeByKind("Namespace"),
    headers: () => ["NAME", "STATUS", "AGE"],
    list: (ctx) =>
      NAMESPACES.map((name) => ({
        type: typeByKind("Namespace"),
        name,
        labels: { "kubernetes.io/metadata.name": name },
        row: () => [name, "Active", age(ctx, 0)],
        object: () => namespaceObject(ctx, name),
      })),
  },
};

/** Find one object by exact name. */
export function findItem(ctx: Ctx, kind: Kind, name: string): Item | undefined {
  const a = ADAPTERS[kind];
  return a.find ? a.find(ctx, name) : a.list(ctx).find((i) => i.name === name);
}

export function withLabelsColumn(row: string[], item: Item): string[] {
  return [...row, formatLabels(item.labels)];
}
