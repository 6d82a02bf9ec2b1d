/** The STATUS column through a pod's life, from states the real simulation reaches. */
import { describe, expect, it } from "vitest";
import { applyCommand, type ClusterState } from "../../shared/sim/index.ts";
import { podStatus } from "../../shared/sim/views.ts";
import { Scenario } from "../sim/harness.ts";
import { expectTable, ok } from "./helpers.ts";

const HEADERS = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"];

function statuses(s: ClusterState): Map<string, string[]> {
  return new Map(expectTable(ok(s, "get pods"), HEADERS).map((r) => [r[0]!, r]));
}

function someStatus(sc: Scenario, status: string, maxMs = 120_000): void {
  sc.until((s) => Object.values(s.pods).some((p) => podStatus(p) === status), maxMs);
}

describe("pod STATUS", () => {
  it("Pending when no node fits, with the scheduler's reason in describe", () => {
    const sc = new Scenario(3).nodes(2).deploy("big", "v1", 1, { cpuRequestMilli: 8000 }).run(2000);
    const [row] = statuses(sc.s).values();
    expect(row!.slice(1, 4)).toEqual(["0/1", "Pending", "0"]);
    const out = ok(sc.s, `describe pod ${row![0]}`);
    expect(out).toMatch(/Warning {2}FailedScheduling {2}\S.* {2}default-scheduler {2}0\/2 nodes are available: 2 Insufficient cpu\./);
    expect(out).toContain("Node:             <none>");
    expect(out).toMatch(/Scheduling \(Container City\):\n {2}Decision: {2}0\/2 nodes are available: 2 Insufficient cpu\./);
  });

  it("ContainerCreating while the image is pulled", () => {
    const sc = new Scenario(3).nodes(2).deploy("web", "v1", 2).run(3000);
    for (const r of statuses(sc.s).values()) expect(r.slice(1, 3)).toEqual(["0/1", "ContainerCreating"]);
  });

  it("Running and ready once started", () => {
    const sc = new Scenario(3).nodes(2).deploy("web", "v1", 2).run(40_000);
    for (const r of statuses(sc.s).values()) expect(r.slice(1, 4)).toEqual(["1/1", "Running", "0"]);
  });

  it("CrashLoopBackOff with RESTARTS counting and when the last one was", () => {
    const sc = new Scenario(3).nodes(2).deploy("api", "v1", 1, { behavior: "crashing" });
    someStatus(sc, "CrashLoopBackOff");
    const [row] = statuses(sc.s).values();
    expect(row![2]).toBe("CrashLoopBackOff");
    expect(row![3]).toMatch(/^\d+ \(\d+s ago\)$/);
    const d = ok(sc.s, `describe pod ${row![0]}`);
    expect(d).toMatch(/ {4}State: {10}Waiting\n {6}Reason: {7}CrashLoopBackOff\n {4}Last State: {5}Terminated\n {6}Reason: {7}Error\n {6}Exit Code: {4}1\n/);
    expect(d).toMatch(/Warning {2}BackOff/);
  });

  it("ImagePullBackOff when the registry is down", () => {
    const sc = new Scenario(3).nodes(2).cmd({ type: "registryOutage", on: true }).deploy("web", "v1", 1);
    someStatus(sc, "ImagePullBackOff");
    const [row] = statuses(sc.s).values();
    expect(row!.slice(1, 3)).toEqual(["0/1", "ImagePullBackOff"]);
    expect(ok(sc.s, `describe pod ${row![0]}`)).toMatch(/State: {10}Waiting\n {6}Reason: {7}ImagePullBackOff/);
  });

  it("Terminating while deleted, and forever on an unreachable node", () => {
    const sc = new Scenario(3).nodes(2).deploy("web", "v1", 2).run(40_000);
    const name = Object.keys(sc.s.pods)[0]!;
    sc.cmd({ type: "deletePod", pod: name });
    expect(statuses(sc.s).get(name)!.slice(1, 3)).toEqual(["0/1", "Terminating"]);
    expect(ok(sc.s, `describe pod ${name}`)).toMatch(/\nStatus: +Terminating \(lasts 30s\)\nTermination Grace Period: {2}30s\n/);

    const cut = new Scenario(3).nodes(2).deploy("web", "v1", 2).run(40_000).cmd({ type: "partitionNode", node: "node-1" }).run(400_000);
    expect([...statuses(cut.s).values()].some((r) => r[2] === "Terminating")).toBe(true);
  });

  it("Evicted when the kubelet reclaims memory", () => {
    const sc = new Scenario(3).nodes(2).deploy("web", "v1", 4).run(40_000).cmd({ type: "memoryPressure", node: "node-1", on: true });
    someStatus(sc, "Evicted");
    const evicted = [...statuses(sc.s).values()].find((r) => r[2] === "Evicted")!;
    expect(evicted[1]).toBe("0/1");
    const d = ok(sc.s, `describe pod ${evicted[0]}`);
    expect(d).toMatch(/Status: {11}Failed\nReason: {11}Evicted\nMessage: {10}The node was low on resource: memory\./);
    expect(ok(sc.s, "describe node node-1")).toContain("node.kubernetes.io/memory-pressure:NoSchedule");
  });

  it("Error right after a crash, before the kubelet restarts it", () => {
    const sc = new Scenario(3).nodes(2).deploy("web", "v1", 1).run(40_000);
    const name = Object.keys(sc.s.pods)[0]!;
    sc.cmd({ type: "crashContainer", pod: name });
    expect(statuses(sc.s).get(name)!.slice(1, 3)).toEqual(["0/1", "Error"]);
  });

  it("OOMKilled: the last state of a leaking container, and its STATUS at the instant of the kill", () => {
    const sc = new Scenario(3).nodes(2).deploy("web", "v1", 1).run(40_000);
    const name = Object.keys(sc.s.pods)[0]!;
    sc.cmd({ type: "leakMemory", pod: name, mibPerSecond: 100 });
    sc.until((s) => s.pods[name]!.restartCount >= 2 && podStatus(s.pods[name]!) === "CrashLoopBackOff", 120_000);
    expect(ok(sc.s, `describe pod ${name}`)).toMatch(/Last State: {5}Terminated\n {6}Reason: {7}OOMKilled\n {6}Exit Code: {4}137/);
    expect(ok(sc.s, "get events")).toContain("OOMKilling");

    // The simulation restarts a first crash in the same instant, so no advance() ever stops while the
    // container is still Terminated(OOMKilled): set that instant up by hand to check the column.
    const instant = structuredClone(sc.s);
    const pod = instant.pods[name]!;
    pod.container = "Terminated";
    pod.reason = "OOMKilled";
    expect(statuses(instant).get(name)![2]).toBe("OOMKilled");
    expect(ok(instant, `describe pod ${name}`)).toMatch(/State: {10}Terminated\n {6}Reason: {7}OOMKilled\n {6}Exit Code: {4}137/);
  });

  it("keeps reporting pods of a powered-off node until the grace period runs out", () => {
    const sc = new Scenario(3).nodes(2).deploy("web", "v1", 2).run(40_000);
    expect(applyCommand(sc.s, { type: "killNode", node: "node-1" }).ok).toBe(true);
    sc.run(20_000);
    expect(ok(sc.s, "get nodes")).toContain("node-1   Ready");
    sc.run(60_000);
    expect(ok(sc.s, "get nodes")).toMatch(/node-1 {3}NotReady/);
    const d = ok(sc.s, "describe node node-1");
    expect(d).toMatch(/\n {2}Ready +Unknown +\w{3}, .* +NodeStatusUnknown +Kubelet stopped posting node status\.\n/);
    expect(d).toMatch(/Taints: +node\.kubernetes\.io\/unreachable:NoSchedule\n +node\.kubernetes\.io\/unreachable:NoExecute\n/);
  });
});
