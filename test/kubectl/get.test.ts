import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { createCluster } from "../../shared/sim/index.ts";
import { Scenario } from "../sim/harness.ts";
import { AGE, city, expectTable, lines, ok, run } from "./helpers.ts";

const POD_HEADERS = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"];
const POD_WIDE = [...POD_HEADERS, "IP", "NODE", "NOMINATED NODE", "READINESS GATES"];

describe("kubectl get nodes", () => {
  it("prints NAME STATUS ROLES AGE VERSION, aligned, under every alias", () => {
    const sc = city();
    const out = ok(sc.s, "kubectl get nodes");
    const rows = expectTable(out, ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    expect(rows.map((r) => r[0])).toEqual(["node-1", "node-2", "node-3"]);
    for (const r of rows) {
      expect(r[1]).toBe("Ready");
      expect(r[2]).toBe("<none>");
      expect(r[3]).toBe("60s");
      expect(r[4]).toMatch(/^v1\.\d+\.\d+$/);
    }
    expect(ok(sc.s, "get no")).toBe(out);
    expect(ok(sc.s, "get node")).toBe(out);
    expect(lines(out)[0]).toBe("NAME     STATUS   ROLES    AGE   VERSION");
  });

  it("shows cordoned and unreachable nodes as kubectl does", () => {
    const sc = city().cmd({ type: "cordon", node: "node-1" }).cmd({ type: "partitionNode", node: "node-2" }).run(70_000);
    const rows = expectTable(ok(sc.s, "get nodes"), ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    expect(rows.map((r) => r[1])).toEqual(["Ready,SchedulingDisabled", "NotReady", "Ready"]);
  });

  it("adds the wide columns", () => {
    const rows = expectTable(ok(city().s, "get nodes -o wide"), [
      "NAME",
      "STATUS",
      "ROLES",
      "AGE",
      "VERSION",
      "INTERNAL-IP",
      "EXTERNAL-IP",
      "OS-IMAGE",
      "KERNEL-VERSION",
      "CONTAINER-RUNTIME",
    ]);
    for (const r of rows) {
      expect(r[5]).toMatch(/^10\.0\.\d+\.\d+$/);
      expect(r[6]).toBe("<none>");
      expect(r[9]).toMatch(/^containerd:\/\//);
    }
  });
});

describe("kubectl get pods", () => {
  it("lists pods sorted by name with READY, STATUS, RESTARTS, AGE", () => {
    const sc = city();
    const rows = expectTable(ok(sc.s, "get pods"), POD_HEADERS);
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r[0])).toEqual([...rows.map((r) => r[0])].sort());
    for (const r of rows) {
      expect(r[0]).toMatch(/^web-[a-z0-9]{10}-[a-z0-9]{5}$/);
      expect(r.slice(1)).toEqual(["1/1", "Running", "0", "60s"]);
    }
    expect(ok(sc.s, "get po")).toBe(ok(sc.s, "get pod"));
  });

  it("-o wide adds IP, NODE, NOMINATED NODE, READINESS GATES with stable invented IPs", () => {
    const sc = city().deploy("big", "v1", 1, { cpuRequestMilli: 8000 }).run(1000);
    const out = ok(sc.s, "get pods -o wide");
    const rows = expectTable(out, POD_WIDE);
    const nodes = new Set(["node-1", "node-2", "node-3"]);
    for (const r of rows) {
      if (r[0]!.startsWith("big-")) {
        expect(r.slice(1, 3)).toEqual(["0/1", "Pending"]);
        expect(r.slice(5)).toEqual(["<none>", "<none>", "<none>", "<none>"]);
        continue;
      }
      expect(r[5]).toMatch(/^10\.244\.\d{1,3}\.\d{1,3}$/);
      expect(nodes.has(r[6]!)).toBe(true);
      expect(r.slice(7)).toEqual(["<none>", "<none>"]);
    }
    // Pods on one node share its /24, as with a real pod CIDR per node.
    const byNode = new Map<string, Set<string>>();
    for (const r of rows.filter((x) => x[6] !== "<none>")) byNode.set(r[6]!, (byNode.get(r[6]!) ?? new Set()).add(r[5]!.split(".").slice(0, 3).join(".")));
    for (const subnets of byNode.values()) expect(subnets.size).toBe(1);
    expect(ok(sc.s, "get pods -o wide")).toBe(out);
  });

  it("finds pods by name, TYPE/NAME and label, and reports the missing ones", () => {
    const sc = city();
    const name = Object.keys(sc.s.pods)[0]!;
    const one = expectTable(ok(sc.s, `get pod ${name}`), POD_HEADERS);
    expect(one.map((r) => r[0])).toEqual([name]);
    expect(ok(sc.s, `get pod/${name}`)).toBe(ok(sc.s, `get pod ${name}`));
    expect(expectTable(ok(sc.s, "get pods -l app=web"), POD_HEADERS)).toHaveLength(4);
    expect(ok(sc.s, "get pods -l app=api")).toBe("No resources found in default namespace.");

    const missing = run(sc.s, "get pods nope");
    expect(missing).toMatchObject({ ok: false, output: 'Error from server (NotFound): pods "nope" not found', commands: [] });
    const partly = run(sc.s, `get pods ${name} nope`);
    expect(partly.ok).toBe(false);
    expect(lines(partly.output).at(-1)).toBe('Error from server (NotFound): pods "nope" not found');
    expect(lines(partly.output)[1]).toContain(name);
  });

  it("--show-labels and -o name", () => {
    const sc = city();
    const rows = expectTable(ok(sc.s, "get pods --show-labels"), [...POD_HEADERS, "LABELS"]);
    for (const r of rows) expect(r[5]).toMatch(/^app=web,pod-template-hash=[a-z0-9]{10}$/);
    for (const l of lines(ok(sc.s, "get pods -o name"))) expect(l).toMatch(/^pod\/web-/);
    expect(ok(sc.s, "get deploy -o name")).toBe("deployment.apps/web");
  });
});

describe("kubectl get for workloads", () => {
  it("deployments: NAME READY UP-TO-DATE AVAILABLE AGE, and wide", () => {
    const sc = city();
    expect(expectTable(ok(sc.s, "get deploy"), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"])).toEqual([["web", "4/4", "4", "4", "60s"]]);
    expect(ok(sc.s, "get deployments")).toBe(ok(sc.s, "get deployment.apps"));
    const wide = expectTable(ok(sc.s, "get deploy -o wide"), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
    expect(wide[0]!.slice(5)).toEqual(["app", "web:v1", "app=web"]);
  });

  it("replicasets: NAME DESIRED CURRENT READY AGE", () => {
    const rows = expectTable(ok(city().s, "get rs"), ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
    expect(rows).toHaveLength(1);
    expect(rows[0]![0]).toMatch(/^web-[a-z0-9]{10}$/);
    expect(rows[0]!.slice(1)).toEqual(["4", "4", "4", "60s"]);
  });

  it("services: the kubernetes Service and each app's ClusterIP", () => {
    const rows = expectTable(ok(city().s, "get svc"), ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
    expect(rows[0]).toEqual(["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "60s"]);
    expect(rows[1]![0]).toBe("web");
    expect(rows[1]![2]).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(rows[1]!.slice(3)).toEqual(["<none>", "80/TCP", "60s"]);
    expect(ok(city(99).s, "get services")).toContain(rows[1]![2]!);
  });

  it("hpa: TARGETS as cpu: current/target", () => {
    const sc = city().cmd({ type: "setHpa", deployment: "web", minReplicas: 2, maxReplicas: 8, targetCpuUtilization: 50 });
    const headers = ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"];
    expect(expectTable(ok(sc.s, "get hpa"), headers)[0]!.slice(0, 6)).toEqual(["web", "Deployment/web", "cpu: <unknown>/50%", "2", "8", "4"]);
    sc.run(16_000);
    expect(expectTable(ok(sc.s, "get hpa"), headers)[0]![2]).toMatch(/^cpu: \d+%\/50%$/);
  });

  it("pdb: MIN AVAILABLE, MAX UNAVAILABLE, ALLOWED DISRUPTIONS", () => {
    const sc = city().cmd({ type: "setPdb", app: "web", minAvailable: 3 });
    expect(expectTable(ok(sc.s, "get pdb"), ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"])).toEqual([["web", "3", "N/A", "1", "60s"]]);
  });

  it("get all prints one block per type with type/name names", () => {
    const out = ok(city().s, "get all");
    const blocks = out.split("\n\n");
    expect(blocks).toHaveLength(4);
    expect(expectTable(blocks[0]!, POD_HEADERS).every((r) => r[0]!.startsWith("pod/web-"))).toBe(true);
    expect(expectTable(blocks[1]!, ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]).map((r) => r[0])).toEqual(["service/kubernetes", "service/web"]);
    expect(expectTable(blocks[2]!, ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"])[0]![0]).toBe("deployment.apps/web");
    expect(expectTable(blocks[3]!, ["NAME", "DESIRED", "CURRENT", "READY", "AGE"])[0]![0]).toMatch(/^replicaset\.apps\/web-/);
  });

  it("several types at once print with their kinds", () => {
    const out = ok(city().s, "get deploy,svc");
    expect(out).toContain("deployment.apps/web");
    expect(out).toContain("service/kubernetes");
  });
});

describe("kubectl get events", () => {
  it("prints LAST SEEN TYPE REASON OBJECT MESSAGE, and COUNT with -o wide", () => {
    const sc = new Scenario(5).nodes(2).deploy("api", "v1", 2, { behavior: "crashing" }).run(90_000);
    const rows = expectTable(ok(sc.s, "get events"), ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    expect(rows.some((r) => r[2] === "ScalingReplicaSet" && r[3] === "deployment/api" && r[4] === "Scaled up replica set " + Object.keys(sc.s.replicaSets)[0] + " from 0 to 2")).toBe(true);
    expect(rows.some((r) => r[1] === "Warning" && r[2] === "BackOff" && r[3]!.startsWith("pod/api-"))).toBe(true);
    for (const r of rows) expect(r[0]).toMatch(AGE);

    const wide = expectTable(ok(sc.s, "get events -o wide"), ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"], { allowEmpty: true });
    const repeated = sc.s.events.find((e) => e.count > 1)!;
    expect(wide.some((r) => r[2] === repeated.reason && r[8] === String(repeated.count))).toBe(true);
  });

  it("kubectl events shows repeats as (xN over AGE)", () => {
    const sc = new Scenario(5).nodes(2).deploy("api", "v1", 1, { behavior: "crashing" }).run(120_000);
    const pod = Object.keys(sc.s.pods)[0]!;
    const rows = expectTable(ok(sc.s, `events --for pod/${pod}`), ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    expect(rows.every((r) => r[3] === `Pod/${pod}`)).toBe(true);
    expect(rows.some((r) => /^\d+s \(x\d+ over \d+s\)$/.test(r[0]!))).toBe(true);
    expect(ok(sc.s, "events --types=Warning")).not.toContain("Normal");
  });
});

describe("output formats", () => {
  it("-o yaml of one object parses back with its kind, name and replicas", () => {
    const sc = city();
    const dep = YAML.parse(ok(sc.s, "get deploy web -o yaml"));
    expect(dep).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: { replicas: 4 } });
    expect(dep.spec.template.spec.containers[0]).toMatchObject({ name: "app", image: "web:v1", resources: { requests: { cpu: "250m", memory: "256Mi" } } });
    expect(dep.status).toMatchObject({ replicas: 4, readyReplicas: 4, availableReplicas: 4, updatedReplicas: 4 });
    expect(dep.metadata.creationTimestamp).toBe("2025-09-01T08:00:00Z");

    const name = Object.keys(sc.s.pods)[0]!;
    const pod = YAML.parse(ok(sc.s, `get pod ${name} -o yaml`));
    expect(pod).toMatchObject({ kind: "Pod", metadata: { name, labels: { app: "web" } }, status: { phase: "Running", containerStatuses: [{ ready: true, restartCount: 0 }] } });
    expect(pod.metadata.ownerReferences[0]).toMatchObject({ kind: "ReplicaSet", controller: true });
    expect(pod.spec.tolerations).toContainEqual({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
  });

  it("-o yaml of a list is a v1 List; -o json parses too", () => {
    const sc = city();
    const list = YAML.parse(ok(sc.s, "get pods -o yaml"));
    expect(list.kind).toBe("List");
    expect(list.items).toHaveLength(4);
    expect(list.items.every((i: { kind: string }) => i.kind === "Pod")).toBe(true);
    const nodes = JSON.parse(ok(sc.s, "get nodes -o json"));
    expect(nodes.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(["node-1", "node-2", "node-3"]);
    expect(YAML.parse(ok(sc.s, "get svc web -o yaml")).spec).toMatchObject({ type: "ClusterIP", selector: { app: "web" } });
    const hpa = city().cmd({ type: "setHpa", deployment: "web", maxReplicas: 6 });
    expect(YAML.parse(ok(hpa.s, "get hpa web -o yaml"))).toMatchObject({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", spec: { maxReplicas: 6 } });
  });

  it("refuses unknown output formats", () => {
    expect(run(city().s, "get pods -o jsonpath={.items}").output).toMatch(/^error: unable to match a printer suitable for the output format "jsonpath=\{\.items\}", allowed formats are: /);
  });
});

describe("errors, namespaces and help", () => {
  it("speaks kubectl's error messages", () => {
    const s = city().s;
    expect(run(s, "get foos")).toEqual({ ok: false, output: `error: the server doesn't have a resource type "foos"`, commands: [] });
    expect(run(s, "foo").output).toMatch(/^error: unknown command "foo" for "kubectl"/);
    expect(run(s, "get pods --foo").output).toBe("error: unknown flag: --foo\nSee 'kubectl get --help' for usage.");
    expect(run(s, "get deploy nope").output).toBe('Error from server (NotFound): deployments.apps "nope" not found');
    expect(run(s, "get hpa nope").output).toBe('Error from server (NotFound): horizontalpodautoscalers.autoscaling "nope" not found');
    expect(run(s, "get").output).toContain("You must specify the type of resource to get.");
    expect(run(s, "logs web").output).toMatch(/^error: "kubectl logs" is not available in Container City/);
  });

  it("has one populated namespace", () => {
    const s = city().s;
    expect(ok(s, "get pods -n default")).toBe(ok(s, "get pods"));
    expect(ok(s, "-n default get pods")).toBe(ok(s, "get pods"));
    expect(ok(s, "get pods --namespace=default")).toBe(ok(s, "get pods"));
    expect(ok(s, "get pods -n kube-system")).toBe("No resources found in kube-system namespace.");
    expect(ok(s, "get deploy --namespace prod")).toBe("No resources found in prod namespace.");
    expect(run(s, "get pod x -n prod").output).toBe('Error from server (NotFound): pods "x" not found');
    const all = expectTable(ok(s, "get pods -A"), ["NAMESPACE", ...POD_HEADERS]);
    expect(all.every((r) => r[0] === "default")).toBe(true);
    expect(expectTable(ok(s, "get ns"), ["NAME", "STATUS", "AGE"]).map((r) => r[0])).toEqual(["default", "kube-node-lease", "kube-public", "kube-system"]);
  });

  it("says when there is nothing", () => {
    const s = createCluster({ seed: 1 });
    expect(ok(s, "get pods")).toBe("No resources found in default namespace.");
    expect(ok(s, "get nodes")).toBe("No resources found");
    expect(ok(s, "get statefulsets")).toBe("No resources found in default namespace.");
    expect(ok(s, "get events")).toBe("No resources found in default namespace.");
  });

  it("prints help with no arguments, and per command", () => {
    const s = createCluster({ seed: 1 });
    expect(ok(s, "")).toContain("get ");
    expect(ok(s, "kubectl")).toBe(ok(s, "help"));
    expect(ok(s, "kubectl help")).toContain("apply");
    expect(ok(s, "scale --help")).toContain("--replicas");
  });

  it("has no cluster to talk to outside the Kubernetes round", () => {
    const s = createCluster({ seed: 1, mode: "compose" });
    expect(run(s, "get pods")).toEqual({
      ok: false,
      output: "The connection to the server localhost:8080 was refused - did you specify the right host or port?",
      commands: [],
    });
  });

  it("formats AGE as HumanDuration as time goes by", () => {
    const sc = city();
    sc.run(70_000);
    expect(expectTable(ok(sc.s, "get deploy"), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"])[0]![4]).toBe("2m10s");
    sc.run(3 * 3600_000);
    expect(expectTable(ok(sc.s, "get nodes"), ["NAME", "STATUS", "ROLES", "AGE", "VERSION"])[0]![3]).toBe("3h2m");
  });
});

describe("console protection and line handling", () => {
  it("caps YAML/JSON and describe at 100 objects, and keeps tables and single objects cheap", () => {
    const sc = new Scenario(4).nodes(2, "big", { cpuMilli: 64_000, memoryMiB: 131_072 }).deploy("swarm", "v1", 120, { cpuRequestMilli: 10, memoryRequestMiB: 10 }).run(1000);
    expect(run(sc.s, "get pods -o yaml").output).toBe(
      "error: this console prints at most 100 objects as YAML (this request matches 120): name the objects, or narrow the list with -l",
    );
    expect(run(sc.s, "describe pods").output).toMatch(/^error: this console describes at most 100 objects at a time/);
    expect(lines(ok(sc.s, "get pods"))).toHaveLength(121);
    const one = Object.keys(sc.s.pods)[0]!;
    expect(YAML.parse(ok(sc.s, `get pod ${one} -o yaml`)).metadata.name).toBe(one);
  });

  it("takes a pasted prompt, the k alias, quotes and global flags before the verb", () => {
    const s = city().s;
    const plain = ok(s, "get pods");
    expect(ok(s, "$ kubectl get pods")).toBe(plain);
    expect(ok(s, "k get pods")).toBe(plain);
    expect(ok(s, `kubectl "get" 'pods'`)).toBe(plain);
    expect(ok(s, "kubectl --namespace default get pods")).toBe(plain);
    expect(run(s, "get pods | grep web").output).toMatch(/pipes/);
  });
});
