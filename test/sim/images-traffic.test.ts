import { describe, it, expect } from "vitest";
import { Scenario, allReady } from "./harness.ts";
import { BASE_LAYERS } from "../../shared/sim/images.ts";
import { recommend } from "../../shared/sim/hpa.ts";
import { spikeFactor } from "../../shared/sim/traffic.ts";
import { sloTotals } from "../../shared/game/score.ts";
import type { PodState } from "../../shared/sim/index.ts";

describe("images", () => {
  it("pulls missing bytes at the node's bandwidth, and a shared base layer only once", () => {
    const sc = new Scenario(1).nodes(1, "node", { bandwidthMBps: 10 });
    sc.deploy("web", "v1", 1);
    const first = sc.s.nodes["node-1"]!.pull!;
    // 28 + 45 + 38 + 3 MiB at 10 MiB/s plus the manifest round trip.
    expect(first.doneAtMs - first.startedAtMs).toBeGreaterThanOrEqual(11_400);
    sc.until(allReady("web", 1), 60_000);
    sc.deploy("api", "v1", 1);
    const second = sc.s.nodes["node-1"]!.pull!;
    // The base OS and runtime layers are cached: only api's own 41 MiB travel.
    expect(second.layers.map((l) => l.digest)).not.toContain(BASE_LAYERS[0]!.digest);
    expect(second.doneAtMs - second.startedAtMs).toBeLessThan(5000);
  });

  it("a new version only downloads its code layer", () => {
    const sc = new Scenario(1).nodes(1, "node", { bandwidthMBps: 1 });
    sc.deploy("web", "v1", 1);
    sc.until(allReady("web", 1), 300_000);
    sc.deploy("web", "v2", 1);
    expect(sc.s.nodes["node-1"]!.pull!.layers).toHaveLength(1);
  });

  it("serializes pulls on a node", () => {
    const sc = new Scenario(1).nodes(1);
    sc.deploy("a", "v1", 1).deploy("b", "v1", 1);
    const node = sc.s.nodes["node-1"]!;
    expect(node.pull!.image).toBe("a:v1");
    expect(node.pullQueue).toContain(sc.pods("b")[0]!.name);
  });

  it("a registry outage gives ErrImagePull then ImagePullBackOff doubling from 10 s, and recovers", () => {
    const sc = new Scenario(1).nodes(1);
    sc.cmd({ type: "registryOutage", on: true });
    sc.deploy("web", "v1", 1);
    const pod = sc.pods("web")[0]!;
    expect(pod.reason).toBe("ErrImagePull");
    expect(pod.imageBackoffMs).toBe(10_000);
    sc.run(10_001);
    expect(pod.reason).toBe("ImagePullBackOff");
    expect(pod.imageBackoffMs).toBe(20_000);
    sc.cmd({ type: "registryOutage", on: false });
    sc.until(allReady("web", 1), 120_000);
  });
});

describe("traffic", () => {
  it("sends requests only to ready pods, and a dead pod's share fails until the API notices", () => {
    const sc = new Scenario(2).nodes(2).deploy("web", "v1", 4, { baselineRps: 40 });
    sc.until(allReady("web", 4), 120_000);
    sc.run(5000);
    expect(sc.s.services.web!.last.errors).toBe(0);
    expect(sc.s.services.web!.last.served).toBe(40);
    sc.cmd({ type: "killNode", node: "node-1" });
    sc.run(2000);
    // The endpoints still list node-1's pods: about half the requests fail.
    expect(sc.s.services.web!.last.errors).toBeGreaterThan(5);
    sc.until((s) => s.nodes["node-1"]!.ready === "Unknown", 70_000);
    sc.run(2000);
    expect(sc.s.services.web!.last.errors).toBe(0);
    for (const p of Object.values(sc.s.pods) as PodState[]) if (p.servedLastSecond > 0) expect(p.ready).toBe(true);
  });

  it("an overloaded service queues, slows and then errors", () => {
    const sc = new Scenario(2).nodes(2).deploy("web", "v1", 2, { baselineRps: 20, capacityRps: 20 });
    sc.until(allReady("web", 2), 120_000);
    sc.run(5000);
    const calm = sc.s.services.web!.last.p95Ms;
    sc.cmd({ type: "trafficSpike", service: "web", multiplier: 5, rampSeconds: 0, durationSeconds: 60 });
    sc.run(10_000);
    const busy = sc.s.services.web!.last;
    expect(busy.p95Ms).toBeGreaterThan(calm * 3);
    expect(busy.errors).toBeGreaterThan(0);
    expect(sc.s.history.at(-1)!.availability).toBeLessThan(1);
  });

  it("requests sent before an app's first pod is ready are counted apart from the SLO; once it has served, every failure counts", () => {
    const sc = new Scenario(3).nodes(2).deploy("web", "v1", 2, { baselineRps: 40 });
    sc.run(3000);
    // Still pulling its image: every request fails, but the service has not launched yet.
    expect(sc.s.services.web!.launched).toBe(false);
    expect(sc.s.totals.errors).toBeGreaterThan(0);
    expect(sc.s.totals.prelaunchErrors).toBe(sc.s.totals.errors);
    expect(sloTotals(sc.s.totals)).toEqual({ requests: 0, errors: 0 });
    sc.until(allReady("web", 2), 120_000);
    sc.run(5000);
    expect(sc.s.services.web!.launched).toBe(true);
    const before = sloTotals(sc.s.totals);
    expect(before.requests).toBeGreaterThan(0);
    // Launched: a dead node's share of the requests is the class's failure now.
    sc.cmd({ type: "killNode", node: "node-1" });
    sc.run(5000);
    const prelaunch = sc.s.totals.prelaunchErrors;
    expect(sloTotals(sc.s.totals).errors).toBeGreaterThan(before.errors);
    expect(sc.s.totals.prelaunchErrors).toBe(prelaunch);
  });

  it("ramps a spike up, holds it, and ramps it down", () => {
    const sp = { startMs: 0, rampMs: 10_000, durationMs: 20_000, multiplier: 5 };
    expect(spikeFactor(sp, 5_000)).toBe(3);
    expect(spikeFactor(sp, 15_000)).toBe(5);
    expect(spikeFactor(sp, 35_000)).toBe(3);
    expect(spikeFactor(sp, 40_000)).toBe(1);
  });
});

describe("horizontal pod autoscaler", () => {
  const pod = (util: number, ready = true) => ({ ready, running: true, cpuMilli: util * 2, template: { requests: { cpuMilli: 200 } } }) as unknown as PodState;

  it("desired = ceil(current x utilization / target), within a 10% tolerance", () => {
    expect(recommend([pod(100), pod(100)], 2, 50).replicas).toBe(4);
    expect(recommend([pod(54), pod(54)], 2, 50).replicas).toBe(2);
    expect(recommend([pod(20), pod(20), pod(20), pod(20)], 4, 50).replicas).toBe(2);
  });

  it("counts not-ready pods as 0% when scaling up", () => {
    expect(recommend([pod(100), pod(0, false)], 2, 50).replicas).toBe(2);
    expect(recommend([pod(150), pod(0, false)], 2, 50).replicas).toBe(3);
  });

  it("scales up under a rush by at most max(4 pods, 100%) per 15 s, and down only after 300 s of calm", () => {
    const sc = new Scenario(4).nodes(10, "node", { cpuMilli: 16_000, memoryMiB: 32_768 });
    sc.deploy("web", "v1", 2, { baselineRps: 10, capacityRps: 20 });
    sc.cmd({ type: "setHpa", deployment: "web", minReplicas: 2, maxReplicas: 40, targetCpuUtilization: 70 });
    sc.until(allReady("web", 2), 120_000);
    sc.run(60_000);
    expect(sc.s.deployments.web!.replicas).toBe(2);
    sc.cmd({ type: "trafficSpike", service: "web", multiplier: 20, rampSeconds: 0, durationSeconds: 600 });
    const sizes: number[] = [];
    for (let i = 0; i < 12; i++) {
      sc.run(15_000);
      sizes.push(sc.s.deployments.web!.replicas);
    }
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeLessThanOrEqual(Math.max(sizes[i - 1]! + 4, sizes[i - 1]! * 2));
    expect(sizes.at(-1)!).toBeGreaterThanOrEqual(15);
    expect(sc.events("SuccessfulRescale").length).toBeGreaterThan(1);
    // The rush ends; the HPA waits out the 300 s stabilization window before shrinking.
    sc.until(() => sc.s.services.web!.last.rps === 10, 700_000, 1000);
    const calmAt = sc.s.timeMs;
    const peak = sc.s.deployments.web!.replicas;
    const shrunkAt = sc.until((s) => s.deployments.web!.replicas < peak, 900_000, 1000);
    expect(shrunkAt - calmAt).toBeGreaterThanOrEqual(280_000);
  });
});

describe("drain and disruption budgets", () => {
  it("drain evicts pods elsewhere but waits while a PodDisruptionBudget forbids it", () => {
    const sc = new Scenario(6).nodes(3).deploy("web", "v1", 3);
    sc.until(allReady("web", 3), 120_000);
    sc.cmd({ type: "setPdb", app: "web", minAvailable: 3 });
    const node = sc.pods("web")[0]!.nodeName!;
    sc.cmd({ type: "drain", node });
    expect(sc.s.nodes[node]!.unschedulable).toBe(true);
    expect(sc.s.nodes[node]!.draining).toBe(true);
    expect(sc.events("EvictionBlocked").length).toBeGreaterThan(0);
    sc.cmd({ type: "scale", deployment: "web", replicas: 4 });
    sc.until((s) => !s.nodes[node]!.draining, 120_000);
    sc.until(() => sc.podsOn(node).length === 0, 60_000);
    expect(sc.readyPods("web").length).toBeGreaterThanOrEqual(3);
  });

  it("memory pressure taints the node and the kubelet evicts the hungriest pod", () => {
    const sc = new Scenario(6).nodes(2).deploy("web", "v1", 4);
    sc.until(allReady("web", 4), 120_000);
    sc.cmd({ type: "memoryPressure", node: "node-1", on: true });
    sc.run(11_000);
    expect(sc.s.nodes["node-1"]!.memoryPressure).toBe(true);
    expect(sc.events("Evicted").length).toBeGreaterThan(0);
    expect(sc.pods("web").some((p) => p.phase === "Failed" && p.message.includes("low on resource: memory"))).toBe(true);
    sc.until(allReady("web", 4), 120_000);
  });
});
