/**
 * The city as files a student could take to a real cluster: Kubernetes manifests for the
 * Kubernetes round, a compose.yaml for the Compose round. The manifests are exactly what
 * `kubectl apply -f -` reads back (round trip), with three container-city/* annotations for what
 * real manifests cannot say (a release's behavior, its capacity, a Service's baseline traffic).
 */
import YAML from "yaml";
import { K8S } from "../sim/defaults.ts";
import type { ClusterState, ComposeServiceSpec, DeploymentState, HpaState, PdbState, ServiceState } from "../sim/types.ts";
import { CONTAINER_PORT } from "./model.ts";
import {
  BASELINE_ANNOTATION,
  BEHAVIOR_ANNOTATION,
  CAPACITY_ANNOTATION,
  DEFAULT_CAPACITY_RPS,
  hpaSpec,
  strategySpec,
  templateSpec,
  type Json,
} from "./objects.ts";
import { humanDuration } from "./text.ts";

const STRINGIFY = { indentSeq: false, lineWidth: 0, version: "1.1", aliasDuplicateObjects: false } as const;

function deploymentManifest(dep: DeploymentState): Json {
  const annotations: Record<string, string> = {};
  if (dep.template.behavior !== "healthy") annotations[BEHAVIOR_ANNOTATION] = dep.template.behavior;
  if (dep.template.capacityRps !== DEFAULT_CAPACITY_RPS) annotations[CAPACITY_ANNOTATION] = String(dep.template.capacityRps);
  const labels = { app: dep.name };
  const spec: Json = {
    replicas: dep.replicas,
    selector: { matchLabels: labels },
    strategy: strategySpec(dep),
  };
  if (dep.minReadySeconds !== K8S.minReadySeconds) spec["minReadySeconds"] = dep.minReadySeconds;
  if (dep.progressDeadlineSeconds !== K8S.progressDeadlineSeconds) spec["progressDeadlineSeconds"] = dep.progressDeadlineSeconds;
  spec["template"] = templateSpec(dep.template, labels, false);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: dep.name, labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec,
  };
}

function serviceManifest(svc: ServiceState): Json {
  const metadata: Json = { name: svc.name, labels: { app: svc.app } };
  if (svc.baselineRps > 0) metadata["annotations"] = { [BASELINE_ANNOTATION]: String(svc.baselineRps) };
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata,
    spec: { selector: { app: svc.app }, ports: [{ port: 80, targetPort: CONTAINER_PORT, protocol: "TCP" }] },
  };
}

function hpaManifest(hpa: HpaState): Json {
  return { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: hpa.name }, spec: hpaSpec(hpa) };
}

function pdbManifest(pdb: PdbState): Json {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: pdb.name },
    spec: { minAvailable: pdb.minAvailable, selector: { matchLabels: { app: pdb.app } } },
  };
}

export function exportManifests(state: ClusterState): string {
  const docs: Json[] = [];
  const services = new Set<string>();
  const hpas = new Set<string>();
  const pdbs = new Set<string>();
  // Each app together: its Deployment, then what points at it.
  for (const dep of Object.values(state.deployments)) {
    docs.push(deploymentManifest(dep));
    for (const svc of Object.values(state.services)) {
      if (svc.app === dep.name && !services.has(svc.name)) {
        docs.push(serviceManifest(svc));
        services.add(svc.name);
      }
    }
    for (const hpa of Object.values(state.hpas)) {
      if (hpa.target === dep.name) {
        docs.push(hpaManifest(hpa));
        hpas.add(hpa.name);
      }
    }
    for (const pdb of Object.values(state.pdbs)) {
      if (pdb.app === dep.name) {
        docs.push(pdbManifest(pdb));
        pdbs.add(pdb.name);
      }
    }
  }
  for (const svc of Object.values(state.services)) if (!services.has(svc.name)) docs.push(serviceManifest(svc));
  for (const hpa of Object.values(state.hpas)) if (!hpas.has(hpa.name)) docs.push(hpaManifest(hpa));
  for (const pdb of Object.values(state.pdbs)) if (!pdbs.has(pdb.name)) docs.push(pdbManifest(pdb));

  const header = `# Container City, exported at cluster time ${humanDuration(state.timeMs)}.\n# Apply with: kubectl apply -f <this file>\n`;
  if (docs.length === 0) return `${header}# (no workloads yet)\n`;
  return header + docs.map((d) => YAML.stringify(d, STRINGIFY)).join("---\n");
}

/** A plausible healthcheck command for the image each service runs. */
function healthTest(spec: ComposeServiceSpec): string[] {
  if (spec.image.startsWith("postgres")) return ["CMD-SHELL", "pg_isready -U postgres"];
  if (spec.image.startsWith("redis")) return ["CMD", "redis-cli", "ping"];
  return ["CMD", "wget", "-qO-", `http://localhost:${CONTAINER_PORT}/healthz`];
}

export function exportCompose(state: ClusterState): string {
  const services: Json = {};
  for (const spec of state.compose?.services ?? []) {
    const svc: Json = { image: spec.image, restart: spec.restart };
    if (spec.dependsOn.length) {
      const deps: Json = {};
      for (const d of spec.dependsOn) deps[d.service] = { condition: d.condition };
      svc["depends_on"] = deps;
    }
    if (spec.healthcheck) {
      svc["healthcheck"] = { test: healthTest(spec), interval: "30s", timeout: "30s", retries: 3 };
    }
    if (spec.public) svc["ports"] = [`${CONTAINER_PORT}:${CONTAINER_PORT}`];
    services[spec.name] = svc;
  }
  const doc = new YAML.Document({ services }, { version: "1.1" });
  // Short lists read better inline, as compose files usually write them.
  YAML.visit(doc, {
    Seq(_key, node, path) {
      const parent = path[path.length - 1];
      if (YAML.isPair(parent) && YAML.isScalar(parent.key) && (parent.key.value === "test" || parent.key.value === "ports")) node.flow = true;
    },
  });
  const header = "# Container City, Compose round: the project every student's machine runs.\n";
  return header + doc.toString({ indentSeq: false, lineWidth: 0 });
}
