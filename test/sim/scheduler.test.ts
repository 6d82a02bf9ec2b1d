import { describe, it, expect } from "vitest";
import { Scenario } from "./harness.ts";
import { feasibleNodesToFind, unschedulableMessage } from "../../shared/sim/scheduler.ts";

describe("scheduler", () => {
  it("places pods only where requests fit and explains each placement", () => {
    const sc = new Scenario(1).nodes(3, "node", { cpuMilli: 1000, memoryMiB: 4096 });
    sc.deploy("api", "v1", 6, { cpuRequestMilli: 400 });
    // 3 nodes x 1000m fit two 400m pods each.
    const byNode = new Map<string, number>();
    for (const p of sc.pods("api")) byNode.set(p.nodeName!, (byNode.get(p.nodeName!) ?? 0) + 1);
    expect([...byNode.values()].sort()).toEqual([2, 2, 2]);
    const expl = sc.pods("api")[5]!.scheduling!;
    expect(expl.chosen).toBe(sc.pods("api")[5]!.nodeName);
    expect(expl.feasible).toBeGreaterThan(0);
    expect(expl.top[0]!.parts).toHaveProperty("NodeResourcesFit");
  });

  it("keeps unschedulable pods Pending with the real-style message and retries with back-off", () => {
    const sc = new Scenario(1).nodes(3, "node", { cpuMilli: 1000 });
    sc.cmd({ type: "cordon", node: "node-3" });
    sc.deploy("api", "v1", 5, { cpuRequestMilli: 600 });
    const pending = sc.pods("api").filter((p) => p.nodeName === null);
    expect(pending).toHaveLength(3);
    expect(pending[0]!.message).toBe("0/3 nodes are available: 2 Insufficient cpu, 1 node(s) were unschedulable.");
    expect(sc.events("FailedScheduling")[0]!.message).toBe(pending[0]!.message);
    const attemptsBefore = pending[0]!.schedulerAttempts;
    sc.run(30_000);
    // Back-off 1, 2, 4, 8, 10, 10 s: about six more attempts in 30 s, aggregated into one counted event.
    expect(pending[0]!.schedulerAttempts - attemptsBefore).toBeGreaterThanOrEqual(4);
    expect(pending[0]!.schedulerAttempts - attemptsBefore).toBeLessThanOrEqual(7);
    expect(sc.events("FailedScheduling").some((e) => e.count > 1)).toBe(true);
    // Capacity appears: uncordon, and the pending pods land.
    sc.cmd({ type: "uncordon", node: "node-3" });
    sc.run(11_000);
    expect(sc.pods("api").filter((p) => p.nodeName === null)).toHaveLength(2);
  });

  it("formats the message with reasons in sorted order", () => {
    expect(unschedulableMessage(12, { "node(s) were unschedulable": 2, "Insufficient cpu": 3 })).toBe(
      "0/12 nodes are available: 3 Insufficient cpu, 2 node(s) were unschedulable.",
    );
  });

  it("scores only enough feasible nodes in a large cluster (percentageOfNodesToScore)", () => {
    expect(feasibleNodesToFind(50)).toBe(50);
    expect(feasibleNodesToFind(1000)).toBe(420);
    expect(feasibleNodesToFind(5000)).toBe(500);
    expect(feasibleNodesToFind(10_000)).toBe(500);
  });

  it("spreads an app across nodes and prefers nodes that already hold the image", () => {
    const sc = new Scenario(4).nodes(4, "node", { cpuMilli: 8000, memoryMiB: 16384 });
    sc.deploy("web", "v1", 4);
    expect(new Set(sc.pods("web").map((p) => p.nodeName)).size).toBe(4);
  });

  it("breaks ties with the seeded stream: same seed, same placement; other seeds differ somewhere", () => {
    const place = (seed: number) => {
      const sc = new Scenario(seed).nodes(6);
      sc.deploy("web", "v1", 3);
      return sc.pods("web").map((p) => p.nodeName).join(",");
    };
    expect(place(11)).toBe(place(11));
    const others = new Set([1, 2, 3, 4, 5, 6, 7, 8].map(place));
    expect(others.size).toBeGreaterThan(1);
  });

  it("does not place pods on a NotReady node, but does on a dead one the control plane has not noticed yet", () => {
    const sc = new Scenario(2).nodes(2);
    sc.cmd({ type: "killNode", node: "node-1" });
    sc.deploy("web", "v1", 4);
    expect(sc.pods("web").some((p) => p.nodeName === "node-1")).toBe(true);
    sc.run(70_000);
    sc.cmd({ type: "scale", deployment: "web", replicas: 8 });
    const fresh = sc.pods("web").filter((p) => p.createdAtMs === sc.s.timeMs);
    expect(fresh.length).toBe(4);
    expect(fresh.every((p) => p.nodeName === "node-2")).toBe(true);
  });
});

describe("seeded normal deviates", () => {
  it("have mean 0 and variance 1, and the same seed gives the same draws", async () => {
    const { seedRng, nextGaussian } = await import("../../shared/sim/rng.ts");
    const st = seedRng(3, "traffic");
    let sum = 0;
    let sq = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const x = nextGaussian(st);
      sum += x;
      sq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.02);
    const a = seedRng(9, "traffic");
    const b = seedRng(9, "traffic");
    expect([nextGaussian(a), nextGaussian(a)]).toEqual([nextGaussian(b), nextGaussian(b)]);
  });
});
