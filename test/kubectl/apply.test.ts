/** kubectl apply -f - and the exports: YAML in, simulation commands out, and back again. */
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { applyCommand, createCluster, type ClusterState, type Command } from "../../shared/sim/index.ts";
import { exportCompose, exportManifests } from "../../shared/kubectl/index.ts";
import { Scenario } from "../sim/harness.ts";
import { city, lines, ok, run, teacher } from "./helpers.ts";

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  minReadySeconds: 5
  progressDeadlineSeconds: 120
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: web:v3
        ports:
        - containerPort: 8080
        resources:
          requests:
            cpu: "0.5"
            memory: 1Gi
          limits:
            cpu: "1"
            memory: 2Gi
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
`;

const SVC_HPA = `---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    container-city/baseline-rps: "30"
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 2
  maxReplicas: 9
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 60
`;

const applyLine = (s: ClusterState, yaml: string, opts = teacher) => run(s, "kubectl apply -f -", { ...opts, stdin: yaml });

function applyAll(s: ClusterState, commands: Command[]): void {
  for (const c of commands) expect(applyCommand(s, c)).toMatchObject({ ok: true });
}

const fresh = () => new Scenario(11).nodes(3).s;

describe("kubectl apply -f -", () => {
  it("turns a Deployment into one deploy command", () => {
    const s = fresh();
    const r = applyLine(s, WEB);
    expect(r).toEqual({
      ok: true,
      output: "deployment.apps/web created",
      commands: [
        {
          type: "deploy",
          app: "web",
          version: "v3",
          behavior: "healthy",
          strategy: "RollingUpdate",
          minReadySeconds: 5,
          progressDeadlineSeconds: 120,
          pullPolicy: "IfNotPresent",
          livenessProbe: false,
          readinessProbe: true,
          tolerationSeconds: 300,
          replicas: 3,
          maxSurge: 1,
          maxUnavailable: 0,
          cpuRequestMilli: 500,
          cpuLimitMilli: 1000,
          memoryRequestMiB: 1024,
          memoryLimitMiB: 2048,
        },
      ],
    });
    applyAll(s, r.commands);
    const dep = s.deployments["web"]!;
    expect(dep).toMatchObject({ replicas: 3, minReadySeconds: 5, progressDeadlineSeconds: 120, strategy: { type: "RollingUpdate", maxSurge: 1, maxUnavailable: 0 } });
    expect(dep.template).toMatchObject({ image: "web:v3", requests: { cpuMilli: 500, memoryMiB: 1024 }, limits: { cpuMilli: 1000, memoryMiB: 2048 } });
  });

  it("applies several documents in an order the simulation can follow, printing them in document order", () => {
    const s = fresh();
    const r = applyLine(s, SVC_HPA + "---\n" + WEB);
    expect(lines(r.output)).toEqual(["service/web created", "horizontalpodautoscaler.autoscaling/web created", "deployment.apps/web created"]);
    expect(r.commands.map((c) => c.type)).toEqual(["expose", "deploy", "setHpa"]);
    expect(r.commands[0]).toEqual({ type: "expose", service: "web", app: "web", baselineRps: 30 });
    expect(r.commands[2]).toEqual({ type: "setHpa", deployment: "web", maxReplicas: 9, minReplicas: 2, targetCpuUtilization: 60 });
    applyAll(s, r.commands);
    expect(s.services["web"]!.baselineRps).toBe(30);
    expect(s.hpas["web"]).toMatchObject({ minReplicas: 2, maxReplicas: 9, targetCpuUtilization: 60 });
  });

  it("says unchanged or configured on a second apply, and keeps a release's behavior", () => {
    const s = fresh();
    applyAll(s, applyLine(s, WEB.replace("name: web\nspec", "name: web\n  annotations:\n    container-city/behavior: crashing\nspec")).commands);
    expect(s.deployments["web"]!.template.behavior).toBe("crashing");
    expect(applyLine(s, WEB)).toEqual({ ok: true, output: "deployment.apps/web unchanged", commands: [] });
    const r = applyLine(s, WEB.replace("web:v3", "web:v4"));
    expect(r.output).toBe("deployment.apps/web configured");
    expect(r.commands[0]).toMatchObject({ type: "deploy", version: "v4", behavior: "crashing" });
  });

  it("defaults requests to limits and pull policy by tag, as the API server does", () => {
    const yaml = WEB.replace(/ {10}requests:\n.*\n.*\n/, "").replace("web:v3", "web:latest");
    const [cmd] = applyLine(fresh(), yaml).commands;
    expect(cmd).toMatchObject({ cpuRequestMilli: 1000, cpuLimitMilli: 1000, memoryRequestMiB: 2048, pullPolicy: "Always", version: "latest" });
  });

  it("accepts what `kubectl get -o yaml` prints and finds nothing to change", () => {
    const sc = city();
    expect(applyLine(sc.s, ok(sc.s, "get deploy web -o yaml"))).toEqual({ ok: true, output: "deployment.apps/web unchanged", commands: [] });
    expect(applyLine(sc.s, ok(sc.s, "get deploy,svc -o yaml"))).toEqual({
      ok: true,
      output: "deployment.apps/web unchanged\nservice/kubernetes unchanged\nservice/web unchanged",
      commands: [],
    });
  });

  it("warns about real fields that change nothing here and applies anyway", () => {
    const yaml = WEB.replace("      - name: web\n", "      - name: web\n        env:\n        - name: MODE\n          value: fast\n");
    const r = applyLine(fresh(), yaml);
    expect(r.ok).toBe(true);
    expect(lines(r.output)).toEqual(["Warning: spec.template.spec.containers[0].env: not simulated by Container City, ignored", "deployment.apps/web created"]);
    expect(r.commands).toHaveLength(1);
  });

  it("is read-only for students, and dry-runs for anyone", () => {
    const s = fresh();
    const r = applyLine(s, WEB, {});
    expect(r.ok).toBe(false);
    expect(lines(r.output)[0]).toBe('Error from server (Forbidden): deployments.apps is forbidden: User "student" cannot create resource "deployments" in API group "apps" in the namespace "default"');
    expect(run(s, "apply -f - --dry-run=client", { stdin: WEB })).toEqual({ ok: true, output: "deployment.apps/web created (dry run)", commands: [] });
  });
});

describe("kubectl apply errors", () => {
  const err = (yaml: string, s = fresh()) => {
    const r = applyLine(s, yaml);
    expect(r.ok).toBe(false);
    expect(r.commands).toEqual([]);
    return r.output;
  };

  it("refuses YAML that does not parse", () => {
    expect(err("apiVersion: v1\nkind: Service\nmetadata:\n  name: web: x\n")).toMatch(/^error: error parsing STDIN: error converting YAML to JSON: yaml: line 4: /);
    expect(err("- just\n- a list\n")).toBe(`error: unable to decode "STDIN": json: cannot unmarshal array into Go value of type map[string]interface {}`);
    expect(run(fresh(), "apply -f -", { ...teacher, stdin: "  \n" }).output).toBe("error: no objects passed to apply");
    expect(run(fresh(), "apply -f web.yaml", teacher).output).toMatch(/^error: the path "web.yaml" does not exist/);
    expect(run(fresh(), "apply", teacher).output).toBe("error: must specify one of -f and -k");
  });

  it("refuses kinds it does not know, like the API server", () => {
    expect(err("apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n")).toBe(
      'error: resource mapping not found for name: "x" namespace: "" from "STDIN": no matches for kind "Foo" in version "v1"\nensure CRDs are installed first',
    );
    expect(err("apiVersion: apps/v2\nkind: Deployment\nmetadata:\n  name: x\n")).toMatch(/no matches for kind "Deployment" in version "apps\/v2"/);
    expect(err("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n")).toMatch(/^error: Container City does not simulate StatefulSet objects/);
    expect(err("metadata:\n  name: x\n")).toBe(
      'error: error validating "STDIN": error validating data: [apiVersion not set, kind not set]; if you choose to ignore these errors, turn validation off with --validate=false',
    );
  });

  it("validates like the API server", () => {
    expect(err(WEB.replace("replicas: 3", "replicas: -1"))).toBe('The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect(err(WEB.replace("maxSurge: 1", "maxSurge: 0"))).toBe('The Deployment "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0');
    expect(err(WEB.replace('cpu: "0.5"', 'cpu: "2"'))).toBe('The Deployment "web" is invalid: spec.template.spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1');
    expect(err(WEB.replace("image: web:v3", "image: ''"))).toBe('The Deployment "web" is invalid: spec.template.spec.containers[0].image: Required value');
    expect(err(WEB.replace("name: web\nspec", "name: Web\nspec"))).toMatch(/^The Deployment "Web" is invalid: metadata.name: Invalid value: "Web": a lowercase RFC 1123 label/);
    expect(err(WEB.replace("progressDeadlineSeconds: 120", "progressDeadlineSeconds: 5"))).toBe(
      'The Deployment "web" is invalid: spec.progressDeadlineSeconds: Invalid value: 5: must be greater than minReadySeconds',
    );
    const two = err(WEB.replace("replicas: 3", "replicas: -1").replace("minReadySeconds: 5", "minReadySeconds: -2"));
    expect(lines(two)).toEqual([
      'The Deployment "web" is invalid: ',
      "* spec.replicas: Invalid value: -1: must be greater than or equal to 0",
      "* spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0",
    ]);
    expect(err(WEB.replace("      app: web\n  strategy", "      app: shop\n  strategy"))).toMatch(/spec.template.metadata.labels: Invalid value: .*: `selector` does not match template `labels`/);
  });

  it("decodes strictly: misspelt fields and wrong types", () => {
    expect(err(WEB.replace("replicas: 3", "replica: 3"))).toBe(
      'Error from server (BadRequest): error when creating "STDIN": Deployment in version "apps/v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"',
    );
    expect(err(WEB.replace("replicas: 3", 'replicas: "3"'))).toMatch(/json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32$/);
    expect(err(WEB.replace("memory: 1Gi", "memory: lots"))).toMatch(/quantities must match the regular expression/);
    expect(err(WEB.replace("      containers:", "      nodeSelector:\n        disk: ssd\n      containers:"))).toMatch(
      /^error: Container City does not simulate spec.template.spec.nodeSelector \(Deployment "web"\)/,
    );
  });

  it("applies nothing when any document is wrong", () => {
    expect(err(SVC_HPA + "---\n" + WEB.replace("replicas: 3", "replicas: -1"))).toMatch(/^The Deployment "web" is invalid/);
  });

  it("knows what the simulation needs for services, autoscalers and budgets", () => {
    expect(err(SVC_HPA.replace("  selector:\n    app: web\n", "  type: NodePort\n  selector:\n    app: web\n"))).toMatch(/spec.type: Unsupported value: "NodePort"/);
    expect(err(SVC_HPA.split("---\napiVersion: autoscaling")[0]!.replace("app: web", "app: web\n    tier: front"))).toMatch(/selects pods by the app label only/);
    const hpaOnly = "apiVersion: autoscaling/v2" + SVC_HPA.split("apiVersion: autoscaling/v2")[1]!;
    expect(err(hpaOnly)).toMatch(/spec.scaleTargetRef.name: Not found: "web"/);
    expect(err(hpaOnly.replace("minReplicas: 2", "minReplicas: 12"))).toMatch(/spec.maxReplicas: Invalid value: 9: must be greater than or equal to `minReplicas`/);
    const pdb = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 50%\n  selector:\n    matchLabels:\n      app: web\n";
    expect(err(pdb)).toMatch(/use a number, not a percentage/);
    const v1 = "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 4\n  targetCPUUtilizationPercentage: 70\n";
    expect(applyLine(city().s, v1).commands).toEqual([{ type: "setHpa", deployment: "web", maxReplicas: 4, minReplicas: 1, targetCpuUtilization: 70 }]);
    expect(applyLine(city().s, pdb.replace("50%", "2")).commands).toEqual([{ type: "setPdb", app: "web", minAvailable: 2 }]);
  });

  it("refuses other namespaces", () => {
    expect(err(WEB.replace("name: web\nspec", "name: web\n  namespace: prod\nspec"))).toBe(
      `error: the namespace from the provided object "prod" does not match the namespace "default". You must pass '--namespace=prod' to perform this operation.`,
    );
    expect(run(fresh(), "apply -f - -n prod", { ...teacher, stdin: WEB }).output).toBe('Error from server (NotFound): error when creating "STDIN": namespaces "prod" not found');
  });
});

describe("exportManifests", () => {
  it("is real multi-document YAML of Deployments, Services, HPAs and PDBs", () => {
    const sc = city().cmd({ type: "setHpa", deployment: "web", maxReplicas: 8, targetCpuUtilization: 65 }).cmd({ type: "setPdb", app: "web", minAvailable: 2 });
    const docs = YAML.parseAllDocuments(exportManifests(sc.s)).map((d) => d.toJS());
    expect(docs.map((d) => `${d.apiVersion}/${d.kind}`)).toEqual(["apps/v1/Deployment", "v1/Service", "autoscaling/v2/HorizontalPodAutoscaler", "policy/v1/PodDisruptionBudget"]);
    expect(docs[0]).toMatchObject({ metadata: { name: "web" }, spec: { replicas: 4, selector: { matchLabels: { app: "web" } } } });
    expect(docs[0].spec.template.spec.containers[0]).toMatchObject({ image: "web:v1", resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } } });
    expect(docs[0].status).toBeUndefined();
  });

  it("round-trips: export, apply on a fresh cluster, same deployments, replicas, services, HPAs and PDBs", () => {
    const sc = new Scenario(21)
      .nodes(3)
      .deploy("web", "v2", 5, { baselineRps: 40, cpuRequestMilli: 300, memoryLimitMiB: 700, maxSurge: 2, maxUnavailable: "10%", minReadySeconds: 3, capacityRps: 35 })
      .deploy("api", "v7", 2, { behavior: "failingReadiness", strategy: "Recreate", tolerationSeconds: 30, readinessProbe: false, pullPolicy: "Always" })
      .cmd({ type: "setHpa", deployment: "web", minReplicas: 3, maxReplicas: 12, targetCpuUtilization: 55 })
      .cmd({ type: "setPdb", app: "api", minAvailable: 1 })
      .cmd({ type: "expose", service: "api-public", app: "api", baselineRps: 5 })
      .run(30_000);
    const manifests = exportManifests(sc.s);

    const target = createCluster({ seed: 99 });
    const r = run(target, "apply -f -", { ...teacher, stdin: manifests });
    expect(r.ok, r.output).toBe(true);
    applyAll(target, r.commands);

    for (const [name, dep] of Object.entries(sc.s.deployments)) {
      const copy = target.deployments[name]!;
      expect(copy.replicas).toBe(dep.replicas);
      expect(copy.strategy).toEqual(dep.strategy);
      expect([copy.minReadySeconds, copy.progressDeadlineSeconds]).toEqual([dep.minReadySeconds, dep.progressDeadlineSeconds]);
      expect(copy.template).toEqual(dep.template);
    }
    expect(Object.keys(target.deployments)).toEqual(Object.keys(sc.s.deployments));
    const services = (s: ClusterState) => Object.values(s.services).map((x) => [x.name, x.app, x.baselineRps]).sort();
    expect(services(target)).toEqual(services(sc.s));
    const hpas = (s: ClusterState) => Object.values(s.hpas).map((h) => [h.name, h.target, h.minReplicas, h.maxReplicas, h.targetCpuUtilization]);
    expect(hpas(target)).toEqual(hpas(sc.s));
    expect(target.pdbs).toEqual(sc.s.pdbs);

    // And applied back onto the city it came from, nothing changes.
    const again = run(sc.s, "apply -f -", { ...teacher, stdin: manifests });
    expect(again.commands).toEqual([]);
    expect(lines(again.output).every((l) => l.endsWith(" unchanged"))).toBe(true);
  });
});

describe("exportCompose", () => {
  it("writes the Compose round's project: restart, depends_on conditions, healthchecks", () => {
    const s = new Scenario(3, "compose").nodes(2).s;
    const text = exportCompose(s);
    expect(text).toContain('restart: "no"');
    const file = YAML.parse(text);
    expect(Object.keys(file.services)).toEqual(["web", "db", "cache"]);
    expect(file.services.web).toMatchObject({
      image: "classroom/web:1.0",
      restart: "no",
      depends_on: { db: { condition: "service_healthy" }, cache: { condition: "service_started" } },
      healthcheck: { interval: "30s", timeout: "30s", retries: 3 },
      ports: ["8080:8080"],
    });
    expect(file.services.web.healthcheck.test[0]).toBe("CMD");
    expect(file.services.db).toMatchObject({ image: "postgres:16", restart: "always", healthcheck: { test: ["CMD-SHELL", "pg_isready -U postgres"] } });
    expect(file.services.cache).toEqual({ image: "redis:7", restart: "unless-stopped" });
  });
});
