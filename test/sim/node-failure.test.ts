import { describe, it, expect } from "vitest";
import { Scenario, allReady } from "./harness.ts";
import { K8S, wallMsForCluster } from "../../shared/sim/index.ts";

describe("a node dies: the real Kubernetes timeline", () => {
  it("goes Unknown after the grace period, evicts after the toleration, and heals elsewhere", () => {
    const sc = new Scenario(7).nodes(4).deploy("web", "v1", 8, { baselineRps: 40 });
    sc.until(allReady("web", 8), 120_000);
    const victim = sc.s.nodeOrder.find((n) => sc.podsOn(n).length > 0)!;
    const victimPods = sc.podsOn(victim).map((p) => p.name);
    expect(victimPods.length).toBeGreaterThan(0);

    const t0 = sc.s.timeMs;
    sc.cmd({ type: "killNode", node: victim });

    const unknownAt = sc.until((s) => s.nodes[victim]!.ready === "Unknown", 120_000);
    const grace = K8S.nodeMonitorGraceSeconds * 1000;
    const lease = K8S.leaseRenewSeconds * 1000;
    const monitor = K8S.nodeMonitorPeriodSeconds * 1000;
    // Last renewal happened up to 10 s before the kill; the monitor notices within one 5 s period.
    expect(unknownAt - t0).toBeGreaterThan(grace - lease);
    expect(unknownAt - t0).toBeLessThanOrEqual(grace + monitor);
    // The API showed the dead pods as ready until then: traffic to them failed in between.
    expect(sc.s.pods[victimPods[0]!]!.ready).toBe(false);

    const evictedAt = sc.until((s) => victimPods.every((n) => s.pods[n]?.deletionAtMs != null || !s.pods[n]), 600_000);
    const toleration = K8S.defaultTolerationSeconds * 1000;
    expect(evictedAt - unknownAt).toBeGreaterThanOrEqual(toleration);
    expect(evictedAt - unknownAt).toBeLessThanOrEqual(toleration + monitor);
    expect(sc.events("TaintManagerEviction").length).toBe(victimPods.length);

    const healedAt = sc.until(allReady("web", 8), 120_000);
    expect(sc.readyPods("web").every((p) => p.nodeName !== victim)).toBe(true);
    // Replacements are pulled, started and probed ready within a minute of eviction.
    expect(healedAt - evictedAt).toBeLessThan(60_000);
    // Pods on a dead kubelet stay Terminating: nobody can confirm they stopped.
    for (const n of victimPods) expect(sc.s.pods[n]?.deletionAtMs).not.toBeNull();

    // At 20x compression the same stages play in wall time divided by 20.
    expect(wallMsForCluster(unknownAt - t0, 20)).toBeLessThanOrEqual((grace + monitor) / 20);
    expect(wallMsForCluster(evictedAt - t0, 20)).toBeLessThanOrEqual((grace + monitor + toleration + monitor) / 20);
  });

  it("a disconnected student is a partition: the pods run on unseen and are duplicated", () => {
    const sc = new Scenario(3).nodes(3).deploy("worker", "v1", 3);
    sc.until(allReady("worker", 3), 120_000);
    const victim = sc.s.nodeOrder.find((n) => sc.podsOn(n).length > 0)!;
    const onVictim = sc.podsOn(victim).map((p) => p.name);
    sc.cmd({ type: "heartbeat", node: victim, connected: false });
    sc.until((s) => onVictim.every((n) => s.pods[n]!.deletionAtMs !== null), 600_000);
    sc.until(allReady("worker", 3), 120_000);
    // The cut-off node's containers never stopped: more copies run than were asked for.
    const running = sc.pods("worker").filter((p) => p.running).length;
    expect(running).toBe(3 + onVictim.length);
    sc.cmd({ type: "heartbeat", node: victim, connected: true });
    sc.until(() => sc.pods("worker").filter((p) => p.running).length === 3, 60_000);
    for (const n of onVictim) expect(sc.s.pods[n]).toBeUndefined();
  });

  it("stops tainting for eviction when most of a small cluster is down", () => {
    const sc = new Scenario(5).nodes(4).deploy("web", "v1", 8);
    sc.until(allReady("web", 8), 120_000);
    for (const n of ["node-1", "node-2", "node-3"]) sc.cmd({ type: "killNode", node: n });
    sc.run(900_000);
    // Whichever node was noticed first may have been tainted while the zone still looked healthy;
    // once 3 of 4 (>= 55%) are down in a cluster of <= 50 nodes, no further node is tainted.
    const tainted = sc.s.nodeOrder.filter((n) => sc.s.nodes[n]!.taints.some((t) => t.effect === "NoExecute"));
    expect(tainted.length).toBeLessThanOrEqual(1);
    expect(sc.events("EvictionsPaused").length).toBe(1);
    const evictedNodes = new Set(sc.events("TaintManagerEviction").map((e) => e.node));
    expect(evictedNodes.size).toBeLessThanOrEqual(1);
  });

  it("evicts nothing when every node is down: the control plane blames its own network", () => {
    const sc = new Scenario(9).nodes(2).deploy("web", "v1", 2);
    sc.until(allReady("web", 2), 120_000);
    sc.cmd({ type: "killNode", node: "node-1" }).cmd({ type: "killNode", node: "node-2" });
    sc.run(900_000);
    expect(sc.s.nodes["node-1"]!.ready).toBe("Unknown");
    expect(sc.pods("web").every((p) => p.deletionAtMs === null)).toBe(true);
  });
});
