/**
 * `kubectl apply -f -`: pasted YAML to simulation commands. Four kinds are understood
 * (apps/v1 Deployment, v1 Service, autoscaling/v2|v1 HorizontalPodAutoscaler, policy/v1
 * PodDisruptionBudget). Fields are checked the way the API server's strict decoding does: a
 * misspelt field is refused, a real field the city cannot honour (nodeSelector, volumes...) is
 * refused with that reason, and a real field that changes nothing here (env, command...) is
 * accepted with a warning. Either every document is valid and all commands are returned, or
 * none is: a class never ends up with half a manifest applied.
 */
import YAML from "yaml";
import type { CommandOf, Command } from "../sim/command-schema.ts";
import { K8S } from "../sim/defaults.ts";
import { templateFor } from "../sim/workloads.ts";
import type { Behavior, ClusterState, DeploymentState, PodTemplate } from "../sim/types.ts";
import { bool, parseFlags, str } from "./flags.ts";
import { NAMESPACE } from "./model.ts";
import { BASELINE_ANNOTATION, BEHAVIOR_ANNOTATION, CAPACITY_ANNOTATION } from "./objects.ts";
import { QUANTITY_ERROR, cpuMilli, imageParts, imageWarning, memoryMiB } from "./quantity.ts";
import { DRY_RUN_FLAG, dryRunOf, finish, type Access, type MutCtx, type Plan } from "./mutate.ts";
import { typeByKind, type Kind } from "./resources.ts";
import { done, failed, type KubectlResult } from "./result.ts";
import { usageFor } from "./help.ts";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "object") return "object";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

// ---- field shapes ----------------------------------------------------------------------------

/**
 * scalar: a value checked later; map: string to scalar (labels); any: a subtree whose presence is
 * what counts (probes); ignore: accepted and unused (status, server-set metadata); warn: a real
 * field that changes nothing here; refuse: a real field the city cannot honour.
 */
type Shape = "scalar" | "map" | "any" | "ignore" | "warn" | "refuse" | { each: Shape } | { [key: string]: Shape };

const META: Shape = {
  name: "scalar",
  namespace: "scalar",
  labels: "map",
  annotations: "map",
  uid: "ignore",
  resourceVersion: "ignore",
  creationTimestamp: "ignore",
  generation: "ignore",
  managedFields: "ignore",
  selfLink: "ignore",
  generateName: "ignore",
  finalizers: "refuse",
  ownerReferences: "refuse",
  deletionTimestamp: "ignore",
  deletionGracePeriodSeconds: "ignore",
};

const RESOURCE_LIST: Shape = { cpu: "scalar", memory: "scalar", "ephemeral-storage": "refuse" };

const CONTAINER: Shape = {
  name: "scalar",
  image: "scalar",
  imagePullPolicy: "scalar",
  ports: { each: { containerPort: "scalar", name: "scalar", protocol: "scalar", hostPort: "refuse", hostIP: "refuse" } },
  resources: { requests: RESOURCE_LIST, limits: RESOURCE_LIST, claims: "refuse" },
  livenessProbe: "any",
  readinessProbe: "any",
  startupProbe: "refuse",
  terminationMessagePath: "ignore",
  terminationMessagePolicy: "ignore",
  env: "warn",
  envFrom: "warn",
  command: "warn",
  args: "warn",
  workingDir: "warn",
  volumeMounts: "refuse",
  securityContext: "warn",
  lifecycle: "warn",
  stdin: "warn",
  tty: "warn",
};

const POD_SPEC: Shape = {
  containers: { each: CONTAINER },
  tolerations: { each: { key: "scalar", operator: "scalar", effect: "scalar", value: "scalar", tolerationSeconds: "scalar" } },
  restartPolicy: "scalar",
  terminationGracePeriodSeconds: "scalar",
  schedulerName: "scalar",
  dnsPolicy: "ignore",
  enableServiceLinks: "ignore",
  serviceAccountName: "warn",
  serviceAccount: "warn",
  automountServiceAccountToken: "warn",
  securityContext: "warn",
  imagePullSecrets: "warn",
  hostname: "warn",
  subdomain: "warn",
  priorityClassName: "warn",
  priority: "ignore",
  preemptionPolicy: "ignore",
  initContainers: "refuse",
  volumes: "refuse",
  nodeSelector: "refuse",
  nodeName: "refuse",
  affinity: "refuse",
  topologySpreadConstraints: "refuse",
  hostNetwork: "refuse",
  hostPID: "refuse",
  runtimeClassName: "refuse",
};

const DEPLOYMENT: Shape = {
  apiVersion: "scalar",
  kind: "scalar",
  metadata: META,
  spec: {
    replicas: "scalar",
    selector: { matchLabels: "map", matchExpressions: "refuse" },
    strategy: { type: "scalar", rollingUpdate: { maxSurge: "scalar", maxUnavailable: "scalar" } },
    minReadySeconds: "scalar",
    progressDeadlineSeconds: "scalar",
    revisionHistoryLimit: "scalar",
    paused: "refuse",
    template: { metadata: META, spec: POD_SPEC },
  },
  status: "ignore",
};

const SERVICE: Shape = {
  apiVersion: "scalar",
  kind: "scalar",
  metadata: META,
  spec: {
    selector: "map",
    type: "scalar",
    ports: { each: { port: "scalar", targetPort: "scalar", protocol: "scalar", name: "scalar", nodePort: "refuse", appProtocol: "ignore" } },
    clusterIP: "ignore",
    clusterIPs: "ignore",
    ipFamilies: "ignore",
    ipFamilyPolicy: "ignore",
    internalTrafficPolicy: "ignore",
    sessionAffinity: "scalar",
    externalTrafficPolicy: "refuse",
    externalIPs: "refuse",
    loadBalancerIP: "refuse",
    externalName: "refuse",
  },
  status: "ignore",
};

const HPA_V2: Shape = {
  apiVersion: "scalar",
  kind: "scalar",
  metadata: META,
  spec: {
    scaleTargetRef: { apiVersion: "scalar", kind: "scalar", name: "scalar" },
    minReplicas: "scalar",
    maxReplicas: "scalar",
    metrics: {
      each: {
        type: "scalar",
        resource: { name: "scalar", target: { type: "scalar", averageUtilization: "scalar", averageValue: "refuse", value: "refuse" } },
        pods: "refuse",
        object: "refuse",
        external: "refuse",
        containerResource: "refuse",
      },
    },
    behavior: "warn",
  },
  status: "ignore",
};

const HPA_V1: Shape = {
  apiVersion: "scalar",
  kind: "scalar",
  metadata: META,
  spec: {
    scaleTargetRef: { apiVersion: "scalar", kind: "scalar", name: "scalar" },
    minReplicas: "scalar",
    maxReplicas: "scalar",
    targetCPUUtilizationPercentage: "scalar",
  },
  status: "ignore",
};

const PDB: Shape = {
  apiVersion: "scalar",
  kind: "scalar",
  metadata: META,
  spec: {
    minAvailable: "scalar",
    maxUnavailable: "refuse",
    selector: { matchLabels: "map", matchExpressions: "refuse" },
    unhealthyPodEvictionPolicy: "warn",
  },
  status: "ignore",
};

interface Check {
  /** Strict-decoding failures (misspelt or misplaced fields, wrong JSON types). */
  decode: string[];
  refused: string[];
  warnings: string[];
}

function checkShape(value: unknown, shape: Shape, path: string, out: Check): void {
  if (shape === "ignore" || shape === "any") return;
  if (shape === "warn") {
    out.warnings.push(`Warning: ${path}: not simulated by Container City, ignored`);
    return;
  }
  if (shape === "refuse") {
    out.refused.push(path);
    return;
  }
  if (shape === "scalar") {
    if (isObj(value) || Array.isArray(value)) out.decode.push(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${path} of type string or number`);
    return;
  }
  if (shape === "map") {
    if (value === null || value === undefined) return;
    if (!isObj(value)) {
      out.decode.push(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${path} of type map[string]string`);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      if (isObj(v) || Array.isArray(v)) out.decode.push(`json: cannot unmarshal ${jsonType(v)} into Go struct field ${path}.${k} of type string`);
    }
    return;
  }
  if ("each" in shape && Object.keys(shape).length === 1) {
    if (value === null || value === undefined) return;
    if (!Array.isArray(value)) {
      out.decode.push(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${path} of type []`);
      return;
    }
    value.forEach((v, i) => checkShape(v, shape.each as Shape, `${path}[${i}]`, out));
    return;
  }
  if (value === null || value === undefined) return;
  if (!isObj(value)) {
    out.decode.push(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${path} of type object`);
    return;
  }
  const fields = shape as { [key: string]: Shape };
  for (const [k, v] of Object.entries(value)) {
    const sub = fields[k];
    const p = path ? `${path}.${k}` : k;
    if (sub === undefined) out.decode.push(`strict decoding error: unknown field "${p}"`);
    else checkShape(v, sub, p, out);
  }
}

// ---- value helpers ---------------------------------------------------------------------------

const get = (o: unknown, ...path: string[]): unknown => {
  let cur = o;
  for (const k of path) {
    if (Array.isArray(cur)) cur = cur[Number(k)] as unknown;
    else if (isObj(cur)) cur = cur[k];
    else return undefined;
  }
  return cur;
};

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** One object being turned into commands; collects the API server's complaints in its words. */
class Doc {
  readonly invalid: string[] = [];
  readonly decode: string[] = [];
  readonly kind: Kind;
  readonly version: string;
  readonly name: string;
  readonly raw: Obj;
  constructor(kind: Kind, version: string, name: string, raw: Obj) {
    this.kind = kind;
    this.version = version;
    this.name = name;
    this.raw = raw;
  }

  /** An int32/int64 field: absent is undefined; a wrong JSON type is a decoding error. */
  int(path: string[], goStruct: string, goType = "int32"): number | undefined {
    const v = get(this.raw, ...path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      const what = typeof v === "number" ? `number ${v}` : jsonType(v);
      this.decode.push(`json: cannot unmarshal ${what} into Go struct field ${goStruct}.${path.join(".")} of type ${goType}`);
      return undefined;
    }
    return v;
  }

  string(path: string[]): string | undefined {
    const v = get(this.raw, ...path);
    if (v === undefined || v === null) return undefined;
    return typeof v === "string" ? v : String(v);
  }

  invalidValue(path: string, value: unknown, why: string): void {
    const shown = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
    this.invalid.push(`${path}: Invalid value: ${shown}: ${why}`);
  }

  required(path: string): void {
    this.invalid.push(`${path}: Required value`);
  }

  /** `spec.replicas: Invalid value: -1: must be greater than or equal to 0` and friends. */
  range(path: string, v: number | undefined, min: number, max: number, minText = `must be greater than or equal to ${min}`): void {
    if (v === undefined) return;
    if (v < min) this.invalidValue(path, v, minText);
    else if (v > max) this.invalidValue(path, v, `must be less than or equal to ${max} in Container City`);
  }
}

function invalidMessage(doc: Doc): string {
  const head = `The ${doc.kind} "${doc.name}" is invalid: `;
  return doc.invalid.length === 1 ? head + doc.invalid[0]! : head + "\n" + doc.invalid.map((e) => `* ${e}`).join("\n");
}

function decodeMessage(doc: Doc, messages: string[]): string {
  return `Error from server (BadRequest): error when creating "STDIN": ${doc.kind} in version "${doc.version}" cannot be handled as a ${doc.kind}: ${messages[0]}`;
}

// ---- conversions -----------------------------------------------------------------------------

/** What the batch has created so far, so later documents can refer to earlier ones. */
interface Batch {
  deployments: Set<string>;
}

interface Converted {
  line: string;
  commands: Command[];
  warnings: string[];
  access: Access;
}

const BEHAVIORS: Behavior[] = ["healthy", "crashing", "failingReadiness", "slowStart"];

function annotations(raw: Obj): Record<string, unknown> {
  const a = get(raw, "metadata", "annotations");
  const t = get(raw, "spec", "template", "metadata", "annotations");
  return { ...(isObj(a) ? a : {}), ...(isObj(t) ? t : {}) };
}

/** intstr validation of maxSurge/maxUnavailable (ValidatePositiveIntOrPercent, IsNotMoreThan100Percent). */
function intOrPercent(doc: Doc, path: string, v: unknown, max100: boolean): number | string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") {
    if (!Number.isInteger(v)) doc.decode.push(`json: cannot unmarshal number ${v} into Go struct field ${path} of type intstr.IntOrString`);
    else if (v < 0) doc.invalidValue(path, v, "must be greater than or equal to 0");
    else if (v > 100_000) doc.invalidValue(path, v, "must be less than or equal to 100000 in Container City");
    else return v;
    return undefined;
  }
  if (typeof v !== "string") {
    doc.decode.push(`json: cannot unmarshal ${jsonType(v)} into Go struct field ${path} of type intstr.IntOrString`);
    return undefined;
  }
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    doc.invalidValue(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
    return undefined;
  }
  if (max100 && Number(m[1]) > 100) {
    doc.invalidValue(path, v, "must not be greater than 100%");
    return undefined;
  }
  if (Number(m[1]) > 999) {
    doc.invalidValue(path, v, "must be at most 999% in Container City");
    return undefined;
  }
  return `${Number(m[1])}%`;
}

function quantity(doc: Doc, path: string, raw: unknown, parse: (r: unknown) => number | null, min: number, max: number, unit: string): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const v = parse(raw);
  if (v === null) {
    doc.decode.push(QUANTITY_ERROR);
    return undefined;
  }
  if (v < min || v > max) {
    doc.invalidValue(path, raw, `Container City allows ${min}${unit} to ${max}${unit}`);
    return undefined;
  }
  return v;
}

function sameTemplate(a: PodTemplate, b: PodTemplate): boolean {
  return (
    a.version === b.version &&
    a.behavior === b.behavior &&
    a.requests.cpuMilli === b.requests.cpuMilli &&
    a.requests.memoryMiB === b.requests.memoryMiB &&
    a.limits.cpuMilli === b.limits.cpuMilli &&
    a.limits.memoryMiB === b.limits.memoryMiB &&
    a.pullPolicy === b.pullPolicy &&
    a.livenessProbe === b.livenessProbe &&
    a.readinessProbe === b.readinessProbe &&
    a.capacityRps === b.capacityRps &&
    a.tolerationSeconds === b.tolerationSeconds
  );
}


function deploymentChanged(dep: DeploymentState, c: CommandOf<"deploy">): boolean {
  if (!sameTemplate(templateFor(c, dep.template), dep.template)) return true;
  if (c.replicas !== undefined && c.replicas !== dep.replicas) return true;
  if (c.strategy !== dep.strategy.type) return true;
  if (dep.strategy.type === "RollingUpdate" && (c.maxSurge !== dep.strategy.maxSurge || c.maxUnavailable !== dep.strategy.maxUnavailable)) return true;
  return c.minReadySeconds !== dep.minReadySeconds || c.progressDeadlineSeconds !== dep.progressDeadlineSeconds;
}

function convertDeployment(s: ClusterState, doc: Doc, warnings: string[]): Converted | null {
  const raw = doc.raw;
  const name = doc.name;
  const C = "spec.template.spec.containers[0]";
  const replicas = doc.int(["spec", "replicas"], "DeploymentSpec");
  doc.range("spec.replicas", replicas, 0, 100_000);

  const matchLabels = get(raw, "spec", "selector", "matchLabels");
  const templateLabels = get(raw, "spec", "template", "metadata", "labels");
  if (!isObj(matchLabels) || Object.keys(matchLabels).length === 0) doc.required("spec.selector");
  else {
    const tl = isObj(templateLabels) ? templateLabels : {};
    if (Object.entries(matchLabels).some(([k, v]) => tl[k] !== v)) {
      doc.invalidValue("spec.template.metadata.labels", tl, "`selector` does not match template `labels`");
    } else if (matchLabels["app"] !== name) {
      doc.invalidValue("spec.selector.matchLabels", matchLabels, `Container City labels a deployment's pods app=<deployment name>: use app: ${name}`);
    }
  }

  const containers = get(raw, "spec", "template", "spec", "containers");
  if (!Array.isArray(containers) || containers.length === 0) {
    doc.required("spec.template.spec.containers");
    return null;
  }
  if (containers.length > 1) doc.invalidValue("spec.template.spec.containers", `${containers.length} containers`, "Container City runs one container per pod");
  const container = containers[0];
  const at = (...p: string[]): unknown => get(container, ...p);
  const cname = at("name");
  if (cname === undefined || cname === "") doc.required(`${C}.name`);
  else if (typeof cname !== "string" || !LABEL.test(cname)) doc.invalidValue(`${C}.name`, cname, LABEL_MESSAGE);
  const image = at("image");
  let version = "";
  if (image === undefined || image === "") doc.required(`${C}.image`);
  else {
    const parts = imageParts(String(image));
    if ("error" in parts) doc.invalidValue(`${C}.image`, image, parts.error);
    else {
      version = parts.version;
      const warn = imageWarning(name, String(image));
      if (warn) warnings.push(warn);
    }
  }
  const pullRaw = at("imagePullPolicy");
  let pullPolicy: "Always" | "IfNotPresent" = version === "latest" ? "Always" : "IfNotPresent";
  if (pullRaw !== undefined) {
    if (pullRaw === "Always" || pullRaw === "IfNotPresent") pullPolicy = pullRaw;
    else doc.invalid.push(`${C}.imagePullPolicy: Unsupported value: "${String(pullRaw)}": supported values: "Always", "IfNotPresent"`);
  }

  const req = (k: string) => at("resources", "requests", k);
  const lim = (k: string) => at("resources", "limits", k);
  const cpuLimit = quantity(doc, `${C}.resources.limits.cpu`, lim("cpu"), cpuMilli, 1, 64_000, "m");
  const memLimit = quantity(doc, `${C}.resources.limits.memory`, lim("memory"), memoryMiB, 1, 262_144, "Mi");
  // Only limits given: the API server defaults requests to the limits.
  const cpuRequest = quantity(doc, `${C}.resources.requests.cpu`, req("cpu"), cpuMilli, 1, 64_000, "m") ?? cpuLimit;
  const memRequest = quantity(doc, `${C}.resources.requests.memory`, req("memory"), memoryMiB, 1, 262_144, "Mi") ?? memLimit;
  if (cpuRequest !== undefined && cpuLimit !== undefined && cpuRequest > cpuLimit) {
    doc.invalidValue(`${C}.resources.requests`, String(req("cpu")), `must be less than or equal to cpu limit of ${String(lim("cpu"))}`);
  }
  if (memRequest !== undefined && memLimit !== undefined && memRequest > memLimit) {
    doc.invalidValue(`${C}.resources.requests`, String(req("memory")), `must be less than or equal to memory limit of ${String(lim("memory"))}`);
  }

  let tolerationSeconds: number = K8S.defaultTolerationSeconds;
  const tolerations = get(raw, "spec", "template", "spec", "tolerations");
  if (Array.isArray(tolerations)) {
    tolerations.forEach((t, i) => {
      const p = `spec.template.spec.tolerations[${i}]`;
      const key = get(t, "key");
      const effect = get(t, "effect");
      const op = get(t, "operator") ?? "Equal";
      if ((key !== "node.kubernetes.io/unreachable" && key !== "node.kubernetes.io/not-ready") || effect !== "NoExecute" || op !== "Exists") {
        doc.invalidValue(p, t, "Container City honours only node.kubernetes.io/unreachable and not-ready tolerations with operator Exists and effect NoExecute");
        return;
      }
      const secs = doc.int(["spec", "template", "spec", "tolerations", String(i), "tolerationSeconds"], "Toleration", "int64");
      doc.range(`${p}.tolerationSeconds`, secs, 0, 86_400);
      if (secs !== undefined && (key === "node.kubernetes.io/unreachable" || tolerationSeconds === K8S.defaultTolerationSeconds)) tolerationSeconds = secs;
    });
  }

  const restart = get(raw, "spec", "template", "spec", "restartPolicy");
  if (restart !== undefined && restart !== "Always") doc.invalid.push(`spec.template.spec.restartPolicy: Unsupported value: "${String(restart)}": supported values: "Always"`);
  const scheduler = get(raw, "spec", "template", "spec", "schedulerName");
  if (scheduler !== undefined && scheduler !== "default-scheduler") doc.invalidValue("spec.template.spec.schedulerName", scheduler, "Container City has one scheduler, default-scheduler");
  const grace = doc.int(["spec", "template", "spec", "terminationGracePeriodSeconds"], "PodSpec", "int64");
  if (grace !== undefined && grace !== K8S.terminationGraceSeconds) warnings.push(`Warning: spec.template.spec.terminationGracePeriodSeconds: Container City always uses ${K8S.terminationGraceSeconds}s, ignored`);
  const history = doc.int(["spec", "revisionHistoryLimit"], "DeploymentSpec");
  doc.range("spec.revisionHistoryLimit", history, 0, 1_000_000);
  if (history !== undefined && history !== K8S.revisionHistoryLimit) warnings.push(`Warning: spec.revisionHistoryLimit: Container City keeps ${K8S.revisionHistoryLimit} revisions, ignored`);

  const stratType = get(raw, "spec", "strategy", "type") ?? "RollingUpdate";
  const ru = get(raw, "spec", "strategy", "rollingUpdate");
  let maxSurge: number | string | undefined;
  let maxUnavailable: number | string | undefined;
  if (stratType !== "RollingUpdate" && stratType !== "Recreate") {
    doc.invalid.push(`spec.strategy.type: Unsupported value: "${String(stratType)}": supported values: "Recreate", "RollingUpdate"`);
  } else if (stratType === "Recreate") {
    if (ru !== undefined && ru !== null) doc.invalid.push("spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'");
  } else {
    maxSurge = intOrPercent(doc, "spec.strategy.rollingUpdate.maxSurge", get(ru, "maxSurge"), false) ?? K8S.maxSurge;
    maxUnavailable = intOrPercent(doc, "spec.strategy.rollingUpdate.maxUnavailable", get(ru, "maxUnavailable"), true) ?? K8S.maxUnavailable;
    const zero = (v: number | string) => v === 0 || v === "0%";
    if (zero(maxSurge) && zero(maxUnavailable)) doc.invalidValue("spec.strategy.rollingUpdate.maxUnavailable", maxUnavailable, "may not be 0 when `maxSurge` is 0");
  }
  const minReady = doc.int(["spec", "minReadySeconds"], "DeploymentSpec") ?? K8S.minReadySeconds;
  doc.range("spec.minReadySeconds", minReady, 0, 3600);
  const deadline = doc.int(["spec", "progressDeadlineSeconds"], "DeploymentSpec") ?? K8S.progressDeadlineSeconds;
  doc.range("spec.progressDeadlineSeconds", deadline, 1, 86_400);
  if (deadline <= minReady) doc.invalidValue("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds");

  const existing = s.deployments[name];
  const ann = annotations(raw);
  let behavior: Behavior = existing?.template.behavior ?? "healthy";
  const bRaw = ann[BEHAVIOR_ANNOTATION];
  if (bRaw !== undefined) {
    if (BEHAVIORS.includes(bRaw as Behavior)) behavior = bRaw as Behavior;
    else {
      doc.invalid.push(`metadata.annotations[${BEHAVIOR_ANNOTATION}]: Unsupported value: "${String(bRaw)}": supported values: ${BEHAVIORS.map((b) => `"${b}"`).join(", ")}`);
    }
  }
  let capacityRps: number | undefined;
  const capRaw = ann[CAPACITY_ANNOTATION];
  if (capRaw !== undefined) {
    const n = Number(capRaw);
    if (!Number.isFinite(n) || n < 0.1 || n > 100_000) doc.invalidValue(`metadata.annotations[${CAPACITY_ANNOTATION}]`, capRaw, "must be a number of requests per second between 0.1 and 100000");
    else capacityRps = n;
  }

  if (doc.invalid.length || doc.decode.length) return null;
  const cmd: CommandOf<"deploy"> = {
    type: "deploy",
    app: name,
    version,
    behavior,
    strategy: stratType === "Recreate" ? "Recreate" : "RollingUpdate",
    minReadySeconds: minReady,
    progressDeadlineSeconds: deadline,
    pullPolicy,
    livenessProbe: at("livenessProbe") !== undefined && at("livenessProbe") !== null,
    readinessProbe: at("readinessProbe") !== undefined && at("readinessProbe") !== null,
    tolerationSeconds,
  };
  if (replicas !== undefined) cmd.replicas = replicas;
  if (maxSurge !== undefined) cmd.maxSurge = maxSurge;
  if (maxUnavailable !== undefined) cmd.maxUnavailable = maxUnavailable;
  if (cpuRequest !== undefined) cmd.cpuRequestMilli = cpuRequest;
  if (cpuLimit !== undefined) cmd.cpuLimitMilli = cpuLimit;
  if (memRequest !== undefined) cmd.memoryRequestMiB = memRequest;
  if (memLimit !== undefined) cmd.memoryLimitMiB = memLimit;
  if (capacityRps !== undefined) cmd.capacityRps = capacityRps;
  const access: Access = { verb: existing ? "patch" : "create", type: typeByKind("Deployment"), name: existing ? name : null };
  if (!existing) return { line: `deployment.apps/${name} created`, commands: [cmd], warnings, access };
  if (!deploymentChanged(existing, cmd)) return { line: `deployment.apps/${name} unchanged`, commands: [], warnings, access };
  return { line: `deployment.apps/${name} configured`, commands: [cmd], warnings, access };
}

function baselineOf(doc: Doc): number | undefined {
  const raw = annotations(doc.raw)[BASELINE_ANNOTATION];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1_000_000) {
    doc.invalidValue(`metadata.annotations[${BASELINE_ANNOTATION}]`, raw, "must be a number of requests per second between 0 and 1000000");
    return undefined;
  }
  return n;
}

function convertService(s: ClusterState, doc: Doc, warnings: string[]): Converted | null {
  const name = doc.name;
  if (name === "kubernetes") {
    // The API server's own Service (it appears in `get svc -o yaml`): it is not the user's to change.
    return { line: "service/kubernetes unchanged", commands: [], warnings, access: { verb: "patch", type: typeByKind("Service"), name } };
  }
  const type = get(doc.raw, "spec", "type") ?? "ClusterIP";
  if (type !== "ClusterIP") doc.invalid.push(`spec.type: Unsupported value: "${String(type)}": supported values: "ClusterIP" (Container City)`);
  const selector = get(doc.raw, "spec", "selector");
  const app = isObj(selector) ? selector["app"] : undefined;
  if (!isObj(selector) || Object.keys(selector).length === 0) doc.invalidValue("spec.selector", selector ?? {}, "Container City routes a Service to pods by their app label: set spec.selector.app");
  else if (typeof app !== "string" || !LABEL.test(app)) doc.invalidValue("spec.selector.app", app ?? null, LABEL_MESSAGE);
  else if (Object.keys(selector).length > 1) doc.invalidValue("spec.selector", selector, "Container City selects pods by the app label only");
  const affinity = get(doc.raw, "spec", "sessionAffinity");
  if (affinity !== undefined && affinity !== "None") doc.invalid.push(`spec.sessionAffinity: Unsupported value: "${String(affinity)}": supported values: "None" (Container City)`);
  const baseline = baselineOf(doc);
  if (doc.invalid.length || doc.decode.length || typeof app !== "string") return null;
  const existing = s.services[name];
  const access: Access = { verb: existing ? "patch" : "create", type: typeByKind("Service"), name: existing ? name : null };
  if (!existing) {
    const cmd: CommandOf<"expose"> = { type: "expose", service: name, app };
    if (baseline !== undefined) cmd.baselineRps = baseline;
    return { line: `service/${name} created`, commands: [cmd], warnings, access };
  }
  if (existing.app !== app) {
    doc.invalidValue("spec.selector", { app }, `Container City cannot move an existing Service to other pods (it selects app=${existing.app})`);
    return null;
  }
  if (baseline !== undefined && baseline !== existing.baselineRps) {
    return { line: `service/${name} configured`, commands: [{ type: "setBaseline", service: name, rps: baseline }], warnings, access };
  }
  return { line: `service/${name} unchanged`, commands: [], warnings, access };
}

function convertHpa(s: ClusterState, doc: Doc, batch: Batch, warnings: string[]): Converted | null {
  const raw = doc.raw;
  const kind = get(raw, "spec", "scaleTargetRef", "kind");
  const target = get(raw, "spec", "scaleTargetRef", "name");
  if (kind !== "Deployment") doc.invalidValue("spec.scaleTargetRef.kind", kind ?? "", "Container City autoscales Deployments");
  if (typeof target !== "string" || target === "") doc.required("spec.scaleTargetRef.name");
  const min = doc.int(["spec", "minReplicas"], "HorizontalPodAutoscalerSpec");
  const max = doc.int(["spec", "maxReplicas"], "HorizontalPodAutoscalerSpec");
  if (min !== undefined && min < 1) doc.invalidValue("spec.minReplicas", min, "must be greater than or equal to 1");
  if (max === undefined) doc.required("spec.maxReplicas");
  else if (max < 1) doc.invalidValue("spec.maxReplicas", max, "must be greater than or equal to 1");
  else if (max > 100_000) doc.invalidValue("spec.maxReplicas", max, "must be less than or equal to 100000 in Container City");
  else if (min !== undefined && max < min) doc.invalidValue("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`");
  let cpu: number | undefined;
  if (doc.version === "autoscaling/v1") {
    cpu = doc.int(["spec", "targetCPUUtilizationPercentage"], "HorizontalPodAutoscalerSpec");
    if (cpu !== undefined && cpu < 1) doc.invalidValue("spec.targetCPUUtilizationPercentage", cpu, "must be greater than 0");
  } else {
    const metrics = get(raw, "spec", "metrics");
    if (Array.isArray(metrics)) {
      if (metrics.length > 1) doc.invalidValue("spec.metrics", `${metrics.length} metrics`, "Container City autoscales on one metric, cpu utilization");
      const m = metrics[0];
      if (m !== undefined) {
        const p = "spec.metrics[0]";
        if (get(m, "type") !== "Resource") doc.invalidValue(`${p}.type`, get(m, "type") ?? "", "Container City autoscales on Resource cpu");
        else if (get(m, "resource", "name") !== "cpu") doc.invalidValue(`${p}.resource.name`, get(m, "resource", "name") ?? "", "Container City autoscales on cpu only");
        else if (get(m, "resource", "target", "type") !== "Utilization") doc.invalidValue(`${p}.resource.target.type`, get(m, "resource", "target", "type") ?? "", "Container City supports Utilization targets");
        else {
          cpu = doc.int(["spec", "metrics", "0", "resource", "target", "averageUtilization"], "MetricTarget");
          if (cpu === undefined) doc.required(`${p}.resource.target.averageUtilization`);
          else if (cpu < 1) doc.invalidValue(`${p}.resource.target.averageUtilization`, cpu, "must be greater than 0");
        }
      }
    }
  }
  doc.range("spec.targetCPUUtilization", cpu, 1, 1000);
  if (doc.invalid.length || doc.decode.length || typeof target !== "string" || max === undefined) return null;
  if (!s.deployments[target] && !batch.deployments.has(target)) {
    doc.invalid.push(`spec.scaleTargetRef.name: Not found: "${target}" (Container City needs the Deployment first: apply it before or with its autoscaler)`);
    return null;
  }
  if (doc.name !== target) warnings.push(`Warning: Container City names an autoscaler after its deployment: "${doc.name}" is kept as "${target}"`);
  const cmd: CommandOf<"setHpa"> = { type: "setHpa", deployment: target, maxReplicas: max, minReplicas: min ?? 1, targetCpuUtilization: cpu ?? K8S.hpaDefaultCpuUtilization };
  const existing = s.hpas[target];
  const access: Access = { verb: existing ? "patch" : "create", type: typeByKind("HorizontalPodAutoscaler"), name: existing ? target : null };
  const shown = `horizontalpodautoscaler.autoscaling/${doc.name}`;
  if (!existing) return { line: `${shown} created`, commands: [cmd], warnings, access };
  const same = existing.minReplicas === cmd.minReplicas && existing.maxReplicas === cmd.maxReplicas && existing.targetCpuUtilization === cmd.targetCpuUtilization;
  return same ? { line: `${shown} unchanged`, commands: [], warnings, access } : { line: `${shown} configured`, commands: [cmd], warnings, access };
}

function convertPdb(s: ClusterState, doc: Doc, warnings: string[]): Converted | null {
  const raw = doc.raw;
  const minRaw = get(raw, "spec", "minAvailable");
  let min: number | undefined;
  if (minRaw === undefined || minRaw === null) doc.invalidValue("spec.minAvailable", null, "Container City budgets are written with minAvailable (a number of pods)");
  else if (typeof minRaw === "string") doc.invalidValue("spec.minAvailable", minRaw, "Container City budgets count pods: use a number, not a percentage");
  else {
    min = doc.int(["spec", "minAvailable"], "PodDisruptionBudgetSpec", "intstr.IntOrString");
    doc.range("spec.minAvailable", min, 0, 100_000);
  }
  const app = get(raw, "spec", "selector", "matchLabels", "app");
  const labels = get(raw, "spec", "selector", "matchLabels");
  if (typeof app !== "string" || !LABEL.test(app)) doc.invalidValue("spec.selector.matchLabels.app", app ?? null, "Container City budgets select pods by their app label");
  else if (isObj(labels) && Object.keys(labels).length > 1) doc.invalidValue("spec.selector.matchLabels", labels, "Container City selects pods by the app label only");
  if (doc.invalid.length || doc.decode.length || typeof app !== "string" || min === undefined) return null;
  if (doc.name !== app) warnings.push(`Warning: Container City names a disruption budget after its app: "${doc.name}" is kept as "${app}"`);
  const existing = s.pdbs[app];
  const access: Access = { verb: existing ? "patch" : "create", type: typeByKind("PodDisruptionBudget"), name: existing ? app : null };
  const shown = `poddisruptionbudget.policy/${doc.name}`;
  if (existing && existing.minAvailable === min) return { line: `${shown} unchanged`, commands: [], warnings, access };
  return { line: `${shown} ${existing ? "configured" : "created"}`, commands: [{ type: "setPdb", app, minAvailable: min }], warnings, access };
}

// ---- documents -------------------------------------------------------------------------------

const SUPPORTED: Record<string, { kind: Kind; shape: Shape }> = {
  "apps/v1/Deployment": { kind: "Deployment", shape: DEPLOYMENT },
  "v1/Service": { kind: "Service", shape: SERVICE },
  "autoscaling/v2/HorizontalPodAutoscaler": { kind: "HorizontalPodAutoscaler", shape: HPA_V2 },
  "autoscaling/v1/HorizontalPodAutoscaler": { kind: "HorizontalPodAutoscaler", shape: HPA_V1 },
  "policy/v1/PodDisruptionBudget": { kind: "PodDisruptionBudget", shape: PDB },
};

/** Real kinds (with their real apiVersion) the city does not simulate. */
const REAL_KINDS: Record<string, string> = {
  Pod: "v1",
  ReplicaSet: "apps/v1",
  StatefulSet: "apps/v1",
  DaemonSet: "apps/v1",
  Job: "batch/v1",
  CronJob: "batch/v1",
  ConfigMap: "v1",
  Secret: "v1",
  Namespace: "v1",
  Ingress: "networking.k8s.io/v1",
  PersistentVolumeClaim: "v1",
  ServiceAccount: "v1",
  Node: "v1",
};

/** Apply creates objects in an order the simulation can follow: Services before the Deployments that would create their own. */
const ORDER: Partial<Record<Command["type"], number>> = { expose: 0, deploy: 1, setBaseline: 2, setHpa: 3, setPdb: 4 };

/** The YAML library's message in go-yaml's words: "yaml: line 3: mapping values are not allowed in this context". */
function yamlError(err: YAML.YAMLError): string {
  const line = err.linePos?.[0]?.line;
  const first = (err.message.split("\n")[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, "");
  const text = first.charAt(0).toLowerCase() + first.slice(1);
  return `error: error parsing STDIN: error converting YAML to JSON: yaml: ${line !== undefined ? `line ${line}: ` : ""}${text}`;
}

export function parseManifests(stdin: string): { ok: true; objects: unknown[] } | { ok: false; error: string } {
  const docs = YAML.parseAllDocuments(stdin, { uniqueKeys: true });
  const objects: unknown[] = [];
  for (const d of docs) {
    const err = d.errors[0];
    if (err) return { ok: false, error: yamlError(err) };
    const v = d.toJS({ maxAliasCount: 100 }) as unknown;
    if (v === null || v === undefined) continue;
    // `kubectl get -o yaml` of several objects gives a List: apply takes its items.
    if (isObj(v) && v["kind"] === "List" && Array.isArray(v["items"])) objects.push(...(v["items"] as unknown[]));
    else objects.push(v);
  }
  return { ok: true, objects };
}

function errorFor(doc: Doc, decode: string[]): string | null {
  if (decode.length) return decodeMessage(doc, decode);
  if (doc.invalid.length) return invalidMessage(doc);
  return null;
}

export function runApply(ctx: MutCtx, args: string[]): KubectlResult {
  const p = parseFlags(
    args,
    [
      { name: "filename", short: "f", type: "string" },
      { name: "validate", type: "string", noOptValue: "strict" },
      { name: "server-side", type: "bool" },
      { name: "force", type: "bool" },
      { name: "prune", type: "bool" },
      { name: "kustomize", short: "k", type: "string" },
      { name: "record", type: "bool" },
      DRY_RUN_FLAG,
    ],
    "apply",
  );
  if (!p.ok) return failed(p.error);
  const f = p.flags;
  if (bool(f, "help")) return done(usageFor("apply"));
  const dry = dryRunOf(f);
  if (typeof dry !== "string") return failed(dry.error);
  if (bool(f, "server-side") || bool(f, "prune") || str(f, "kustomize") !== undefined) {
    return failed("error: this console applies with client-side apply only (no --server-side, --prune or -k)");
  }
  if (f.positional.length > 0) return failed(`error: Unexpected args: [${f.positional.join(" ")}]\nSee 'kubectl apply -h' for help and examples`);
  const file = str(f, "filename");
  if (file === undefined) return failed("error: must specify one of -f and -k");
  if (file !== "-") return failed(`error: the path "${file}" does not exist (paste the YAML under "kubectl apply -f -")`);
  const stdin = ctx.stdin ?? "";
  if (stdin.trim() === "") return failed("error: no objects passed to apply");

  const parsed = parseManifests(stdin);
  if (!parsed.ok) return failed(parsed.error);
  if (parsed.objects.length === 0) return failed("error: no objects passed to apply");

  const errors: string[] = [];
  const converted: Converted[] = [];
  // An autoscaler may come before its Deployment in the file; both are applied together.
  const batch: Batch = { deployments: new Set() };
  for (const obj of parsed.objects) {
    const name = get(obj, "metadata", "name");
    if (isObj(obj) && obj["kind"] === "Deployment" && typeof name === "string") batch.deployments.add(name);
  }
  for (const obj of parsed.objects) {
    if (!isObj(obj)) {
      errors.push(`error: unable to decode "STDIN": json: cannot unmarshal ${jsonType(obj)} into Go value of type map[string]interface {}`);
      continue;
    }
    const apiVersion = obj["apiVersion"];
    const kind = obj["kind"];
    const missing = [apiVersion === undefined || apiVersion === "" ? "apiVersion not set" : null, kind === undefined || kind === "" ? "kind not set" : null].filter((x) => x);
    if (missing.length) {
      errors.push(`error: error validating "STDIN": error validating data: [${missing.join(", ")}]; if you choose to ignore these errors, turn validation off with --validate=false`);
      continue;
    }
    const rawName = get(obj, "metadata", "name");
    const name = typeof rawName === "string" ? rawName : "";
    const ns = get(obj, "metadata", "namespace");
    const support = SUPPORTED[`${String(apiVersion)}/${String(kind)}`];
    if (!support) {
      if (REAL_KINDS[String(kind)] === apiVersion) {
        errors.push(`error: Container City does not simulate ${String(kind)} objects ("${name}"): apply Deployment, Service, HorizontalPodAutoscaler or PodDisruptionBudget`);
      } else {
        errors.push(
          `error: resource mapping not found for name: "${name}" namespace: "${typeof ns === "string" ? ns : ""}" from "STDIN": no matches for kind "${String(kind)}" in version "${String(apiVersion)}"\nensure CRDs are installed first`,
        );
      }
      continue;
    }
    if (name === "") {
      errors.push(`error: error when retrieving current configuration of "STDIN": resource name may not be empty`);
      continue;
    }
    if (typeof ns === "string" && ns !== "" && ns !== ctx.namespace) {
      errors.push(`error: the namespace from the provided object "${ns}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${ns}' to perform this operation.`);
      continue;
    }
    if (ctx.namespace !== NAMESPACE) {
      errors.push(`Error from server (NotFound): error when creating "STDIN": namespaces "${ctx.namespace}" not found`);
      continue;
    }
    const doc = new Doc(support.kind, String(apiVersion), name, obj);
    const check: Check = { decode: [], refused: [], warnings: [] };
    checkShape(obj, support.shape, "", check);
    if (check.decode.length) {
      errors.push(decodeMessage(doc, check.decode));
      continue;
    }
    if (check.refused.length) {
      errors.push(`error: Container City does not simulate ${check.refused.join(", ")} (${support.kind} "${name}"): remove ${check.refused.length > 1 ? "these fields" : "this field"} to apply`);
      continue;
    }
    if (!LABEL.test(name)) {
      doc.invalidValue("metadata.name", name, LABEL_MESSAGE);
      errors.push(invalidMessage(doc));
      continue;
    }
    const warnings = [...check.warnings];
    const out =
      support.kind === "Deployment"
        ? convertDeployment(ctx.s, doc, warnings)
        : support.kind === "Service"
          ? convertService(ctx.s, doc, warnings)
          : support.kind === "HorizontalPodAutoscaler"
            ? convertHpa(ctx.s, doc, batch, warnings)
            : convertPdb(ctx.s, doc, warnings);
    const err = errorFor(doc, doc.decode);
    if (err || !out) {
      errors.push(err ?? invalidMessage(doc));
      continue;
    }
    converted.push(out);
  }
  if (errors.length) return failed(errors.join("\n"));

  const commands = converted
    .flatMap((c) => c.commands)
    .map((c, i) => ({ c, i }))
    .sort((a, b) => (ORDER[a.c.type] ?? 9) - (ORDER[b.c.type] ?? 9) || a.i - b.i)
    .map((x) => x.c);
  const changing = converted.find((c) => c.commands.length > 0) ?? converted[0]!;
  const plan: Plan = {
    lines: converted.flatMap((c) => [...c.warnings.map((w) => ({ text: w, note: true })), { text: c.line }]),
    commands,
    access: changing.access,
  };
  return finish(ctx, dry, plan);
}
