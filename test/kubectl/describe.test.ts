import { describe, expect, it } from "vitest";
import { Scenario } from "../sim/harness.ts";
import { AGE, city, expectTable, lines, ok, run } from "./helpers.ts";

/** The lines of a section that starts with `title` (up to the next line at the same or lower indent). */
function section(text: string, title: string): string[] {
  const all = lines(text);
  const at = all.findIndex((l) => l.startsWith(title));
  expect(at, `section ${title}`).toBeGreaterThanOrEqual(0);
  const indent = all[at]!.length - all[at]!.trimStart().length;
  const out = [all[at]!];
  for (const l of all.slice(at + 1)) {
    const ind = l.length - l.trimStart().length;
    if (ind <= indent && !/^\s*$/.test(l.slice(0, Math.min(l.length, out[0]!.indexOf(":") + 2)))) break;
    out.push(l);
  }
  return out;
}

/** Describe's key/value lines of one block start their values at the same column. */
function valueColumn(text: string, keys: string[]): number {
  const cols = keys.map((k) => {
    const l = lines(text).find((x) => x.startsWith(`${k}:`))!;
    expect(l, `line ${k}`).toBeDefined();
    return l.length - l.slice(k.length + 1).trimStart().length;
  });
  expect(new Set(cols).size, `values of ${keys.join(", ")} are aligned`).toBe(1);
  return cols[0]!;
}

function eventsTable(text: string): string[][] {
  const all = lines(text);
  const at = all.indexOf("Events:");
  expect(at).toBeGreaterThanOrEqual(0);
  const block: string[] = [];
  for (const l of all.slice(at + 1)) {
    if (!l.startsWith("  ")) break;
    block.push(l.slice(2));
  }
  const [header, dashes, ...rows] = block;
  expect(dashes!.split(/ +/)).toEqual(["----", "------", "----", "----", "-------"]);
  return expectTable([header, ...rows].join("\n"), ["Type", "Reason", "Age", "From", "Message"], { gap: 2 });
}

describe("kubectl describe pod", () => {
  it("has kubectl's sections, aligned, with the pod's events", () => {
    const sc = city();
    const name = Object.keys(sc.s.pods)[0]!;
    const pod = sc.s.pods[name]!;
    const out = ok(sc.s, `describe pod ${name}`);
    const col = valueColumn(out, ["Name", "Namespace", "Priority", "Service Account", "Node", "Start Time", "Labels", "Annotations", "Status", "IP"]);
    expect(lines(out)[0]).toBe(`Name:${" ".repeat(col - 5)}${name}`);
    expect(out).toMatch(new RegExp(`\\nNode: +${pod.nodeName}/10\\.0\\.\\d+\\.\\d+\\n`));
    expect(out).toMatch(/\nStart Time: +Mon, 01 Sep 2025 08:00:\d\d \+0000\n/);
    expect(out).toMatch(/\nLabels: +app=web\n +pod-template-hash=[a-z0-9]{10}\n/);
    expect(out).toMatch(/\nStatus: +Running\n/);
    expect(out).toMatch(/\nControlled By: +ReplicaSet\/web-[a-z0-9]{10}\n/);

    const c = section(out, "Containers:").join("\n");
    expect(c).toMatch(/^Containers:\n {2}app:\n {4}Container ID: +containerd:\/\/[0-9a-f]{64}\n {4}Image: +web:v1\n/);
    expect(c).toMatch(/\n {4}State: +Running\n {6}Started: +Mon, 01 Sep 2025/);
    expect(c).toMatch(/\n {4}Ready: +True\n {4}Restart Count: +0\n/);
    expect(c).toMatch(/\n {4}Limits:\n {6}cpu: +500m\n {6}memory: +512Mi\n {4}Requests:\n {6}cpu: +250m\n {6}memory: +256Mi\n/);
    expect(c).toContain("Liveness:     http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3");
    expect(c).toContain("Readiness:    http-get http://:8080/ready delay=0s timeout=1s period=10s #success=1 #failure=3");

    expect(out).toMatch(/\nConditions:\n {2}Type +Status\n {2}PodReadyToStartContainers +True \n {2}Initialized +True \n {2}Ready +True \n {2}ContainersReady +True \n {2}PodScheduled +True \n/);
    expect(out).toMatch(/\nQoS Class: +Burstable\n/);
    expect(out).toMatch(/\nTolerations: +node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 300s\n +node\.kubernetes\.io\/unreachable:NoExecute op=Exists for 300s\n/);

    const events = eventsTable(out);
    expect(events[0]).toEqual(["Normal", "Scheduled", "60s", "default-scheduler", `Successfully assigned default/${name} to ${pod.nodeName}`]);
    expect(events.map((e) => e[1])).toEqual(expect.arrayContaining(["Pulling", "Pulled", "Created", "Started"]));
    for (const e of events) expect(e[2]).toMatch(AGE);
    expect(out).toMatch(/\nScheduling \(Container City\):\n {2}Decision: +node-\d: \d of 3 nodes fit, score \d+\n/);
  });

  it("describes every pod whose name starts with the argument, as kubectl does", () => {
    const sc = city().deploy("api", "v1", 1).run(20_000);
    const out = ok(sc.s, "describe pods web");
    expect(out.split("\n\n\nName:")).toHaveLength(4);
    expect(out).not.toContain("api-");
    expect(ok(sc.s, "describe pods").split("\n\n\nName:")).toHaveLength(5);
    expect(ok(sc.s, "describe pods -l app=api").split("\n\n\nName:")).toHaveLength(1);
    expect(run(sc.s, "describe pod nope")).toMatchObject({ ok: false, output: 'Error from server (NotFound): pods "nope" not found' });
  });
});

describe("kubectl describe node", () => {
  it("shows taints, conditions, capacity, allocation and non-terminated pods", () => {
    const sc = city().cmd({ type: "cordon", node: "node-1" });
    const out = ok(sc.s, "describe node node-1");
    const here = Object.values(sc.s.pods).filter((p) => p.nodeName === "node-1");
    expect(lines(out)[0]).toBe("Name:               node-1");
    expect(out).toMatch(/\nTaints: +node\.kubernetes\.io\/unschedulable:NoSchedule\nUnschedulable: +true\n/);
    expect(out).toMatch(/\nLease:\n {2}HolderIdentity: {2}node-1\n {2}AcquireTime: {5}<unset>\n {2}RenewTime: {7}Mon, 01 Sep 2025 08:00:\d\d \+0000\n/);
    const cond = section(out, "Conditions:");
    expect(cond[1]).toMatch(/^ {2}Type +Status +LastHeartbeatTime +LastTransitionTime +Reason +Message$/);
    expect(cond.slice(3).map((l) => l.trim().split(/\s{2,}/)[0])).toEqual(["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]);
    expect(out).toMatch(/\n {2}Ready +True +Mon, .* +KubeletReady +kubelet is posting ready status\n/);
    expect(out).toMatch(/\nCapacity:\n {2}cpu: +4\n {2}memory: +8388608Ki\n {2}pods: +110\nAllocatable:\n/);
    expect(out).toContain(`Non-terminated Pods:          (${here.length} in total)`);
    expect(out).toMatch(/\n {2}Namespace +Name +CPU Requests {2}CPU Limits {2}Memory Requests {2}Memory Limits {2}Age\n/);
    for (const p of here) expect(out).toMatch(new RegExp(`\\n {2}default +${p.name} +250m \\(6%\\) +500m \\(12%\\) +256Mi \\(3%\\) +512Mi \\(6%\\) +60s\\n`));
    const cpu = here.length * 250;
    expect(out).toMatch(new RegExp(`\\n {2}cpu +${cpu >= 1000 && cpu % 1000 === 0 ? cpu / 1000 : `${cpu}m`} \\(${Math.trunc((cpu / 4000) * 100)}%\\) +`));
    expect(out).toContain("(Total limits may be over 100 percent, i.e., overcommitted.)");
    expect(eventsTable(out).map((e) => e[1])).toEqual(["RegisteredNode", "NodeNotSchedulable"]);
  });
});

describe("kubectl describe deployment", () => {
  it("shows replicas, strategy, template, conditions and replica sets", () => {
    const sc = city();
    const out = ok(sc.s, "describe deploy web");
    valueColumn(out, ["Name", "Namespace", "CreationTimestamp", "Labels", "Annotations", "Selector", "Replicas", "StrategyType", "MinReadySeconds", "RollingUpdateStrategy"]);
    expect(out).toMatch(/\nReplicas: +4 desired \| 4 updated \| 4 total \| 4 available \| 0 unavailable\n/);
    expect(out).toMatch(/\nStrategyType: +RollingUpdate\n/);
    expect(out).toMatch(/\nRollingUpdateStrategy: +25% max unavailable, 25% max surge\n/);
    expect(out).toMatch(/\nPod Template:\n {2}Labels: {2}app=web\n {2}Containers:\n {3}app:\n {4}Image: +web:v1\n/);
    expect(out).toMatch(/\nConditions:\n {2}Type +Status +Reason\n {2}---- +------ +------\n {2}Available +True +MinimumReplicasAvailable\n {2}Progressing +True +NewReplicaSetAvailable\n/);
    expect(out).toMatch(/\nOldReplicaSets: +<none>\nNewReplicaSet: +web-[a-z0-9]{10} \(4\/4 replicas created\)\n/);
    expect(eventsTable(out)[0]!.slice(0, 2)).toEqual(["Normal", "ScalingReplicaSet"]);
  });

  it("reports a stalled rollout with ProgressDeadlineExceeded and both replica sets", () => {
    const sc = new Scenario(7).nodes(3).deploy("web", "v1", 4, { progressDeadlineSeconds: 30 }).run(60_000).deploy("web", "v2", 4, { behavior: "crashing" }).run(60_000);
    const out = ok(sc.s, "describe deployment web");
    expect(out).toMatch(/\n {2}Progressing +False +ProgressDeadlineExceeded\n/);
    expect(out).toMatch(/\nOldReplicaSets: +web-[a-z0-9]{10} \(\d\/\d replicas created\)\nNewReplicaSet: +web-[a-z0-9]{10} \(\d\/\d replicas created\)\n/);
    expect(out).toMatch(/Warning +ProgressDeadlineExceeded +\S+ +deployment-controller +ReplicaSet "web-[a-z0-9]{10}" has timed out progressing\./);
    expect(out).toMatch(/\nReplicas: +4 desired \| \d updated \| \d total \| \d available \| \d unavailable\n/);
  });
});

describe("kubectl describe, other kinds", () => {
  it("replicaset, service, hpa and pdb", () => {
    const sc = city().cmd({ type: "setHpa", deployment: "web", maxReplicas: 6, targetCpuUtilization: 60 }).cmd({ type: "setPdb", app: "web", minAvailable: 2 }).run(16_000);
    const rs = Object.keys(sc.s.replicaSets)[0]!;
    expect(ok(sc.s, `describe rs ${rs}`)).toMatch(/\nReplicas: +4 current \/ 4 desired\nPods Status: +4 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed\n/);
    const svc = ok(sc.s, "describe svc web");
    expect(svc).toMatch(/\nType: +ClusterIP\n/);
    expect(svc).toMatch(/\nEndpoints: +(10\.244\.\d+\.\d+:8080,){2}10\.244\.\d+\.\d+:8080 \+ 1 more\.\.\.\n/);
    const hpa = ok(sc.s, "describe hpa web");
    expect(hpa).toMatch(/\nReference: +Deployment\/web\n/);
    expect(hpa).toMatch(/resource cpu on pods {2}\(as a percentage of request\): +\d+% \(\d+m\) \/ 60%/);
    expect(hpa).toMatch(/\nMin replicas: +1\nMax replicas: +6\n/);
    expect(ok(sc.s, "describe pdb web")).toMatch(/\nMin available: +2\n/);
  });
});
