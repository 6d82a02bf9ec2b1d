/**
 * The API resources the console knows, with the names kubectl accepts for them (plural, singular,
 * short names, `plural.group`) and the spellings it prints them with (`deployment.apps/web` in
 * messages, `deployments.apps "web"` in NotFound errors).
 */

export type Kind =
  | "Pod"
  | "Node"
  | "Deployment"
  | "ReplicaSet"
  | "Service"
  | "HorizontalPodAutoscaler"
  | "PodDisruptionBudget"
  | "Event"
  | "Namespace";

export interface ResourceType {
  kind: Kind;
  plural: string;
  singular: string;
  short: string[];
  group: string;
  version: string;
  namespaced: boolean;
}

export const RESOURCES: readonly ResourceType[] = [
  { kind: "Pod", plural: "pods", singular: "pod", short: ["po"], group: "", version: "v1", namespaced: true },
  { kind: "Node", plural: "nodes", singular: "node", short: ["no"], group: "", version: "v1", namespaced: false },
  { kind: "Deployment", plural: "deployments", singular: "deployment", short: ["deploy"], group: "apps", version: "v1", namespaced: true },
  { kind: "ReplicaSet", plural: "replicasets", singular: "replicaset", short: ["rs"], group: "apps", version: "v1", namespaced: true },
  { kind: "Service", plural: "services", singular: "service", short: ["svc"], group: "", version: "v1", namespaced: true },
  {
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler",
    short: ["hpa"],
    group: "autoscaling",
    version: "v2",
    namespaced: true,
  },
  { kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", singular: "poddisruptionbudget", short: ["pdb"], group: "policy", version: "v1", namespaced: true },
  { kind: "Event", plural: "events", singular: "event", short: ["ev"], group: "", version: "v1", namespaced: true },
  { kind: "Namespace", plural: "namespaces", singular: "namespace", short: ["ns"], group: "", version: "v1", namespaced: false },
];

/**
 * Real resource types this city simply has none of: kubectl answers "No resources found" for them
 * rather than claiming the API server does not know them.
 */
export const EMPTY_TYPES: readonly { plural: string; singular: string; short: string[]; group: string; namespaced: boolean }[] = [
  { plural: "statefulsets", singular: "statefulset", short: ["sts"], group: "apps", namespaced: true },
  { plural: "daemonsets", singular: "daemonset", short: ["ds"], group: "apps", namespaced: true },
  { plural: "jobs", singular: "job", short: [], group: "batch", namespaced: true },
  { plural: "cronjobs", singular: "cronjob", short: ["cj"], group: "batch", namespaced: true },
  { plural: "ingresses", singular: "ingress", short: ["ing"], group: "networking.k8s.io", namespaced: true },
  { plural: "persistentvolumeclaims", singular: "persistentvolumeclaim", short: ["pvc"], group: "", namespaced: true },
  { plural: "persistentvolumes", singular: "persistentvolume", short: ["pv"], group: "", namespaced: false },
  { plural: "configmaps", singular: "configmap", short: ["cm"], group: "", namespaced: true },
  { plural: "secrets", singular: "secret", short: [], group: "", namespaced: true },
];

export type Resolved = { type: ResourceType } | { empty: (typeof EMPTY_TYPES)[number] } | { unknown: string };

function matches(word: string, r: { plural: string; singular: string; short: string[]; group: string }): boolean {
  if (word === r.plural || word === r.singular || r.short.includes(word)) return true;
  return r.group !== "" && (word === `${r.plural}.${r.group}` || word === `${r.singular}.${r.group}`);
}

export function resolveType(word: string): Resolved {
  const w = word.toLowerCase();
  const type = RESOURCES.find((r) => matches(w, r));
  if (type) return { type };
  const empty = EMPTY_TYPES.find((r) => matches(w, r));
  if (empty) return { empty };
  return { unknown: word };
}

export function typeByKind(kind: Kind): ResourceType {
  return RESOURCES.find((r) => r.kind === kind)!;
}

/** `deployment.apps`, `pod`: how kubectl names a type in `TYPE/NAME` output. */
export function qualifiedSingular(r: { singular: string; group: string }): string {
  return r.group ? `${r.singular}.${r.group}` : r.singular;
}

/** `deployments.apps`, `pods`: how the API server names a type in errors. */
export function qualifiedPlural(r: { plural: string; group: string }): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export function apiVersion(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function notFound(r: { plural: string; group: string }, name: string): string {
  return `Error from server (NotFound): ${qualifiedPlural(r)} "${name}" not found`;
}

export function unknownType(word: string): string {
  return `error: the server doesn't have a resource type "${word}"`;
}

export function noResources(namespace: string | null): string {
  return namespace === null ? "No resources found" : `No resources found in ${namespace} namespace.`;
}
