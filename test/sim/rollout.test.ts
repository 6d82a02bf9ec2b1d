import { describe, it, expect } from "vitest";
import { Scenario, allReady } from "./harness.ts";
import { replicaSetsFor } from "../../shared/sim/workloads.ts";
import type { ClusterState } from "../../shared/sim/index.ts";

/** Highest total pod count and lowest available count seen while a rollout runs. */
function watchRollout(sc: Scenario, app: string, done: (s: ClusterState) => boolean, maxMs: number) {
  let maxTotal = 0;
  let minAvailable = Infinity;
  sc.until((s) => {
    const rs = replicaSetsFor(s, app);
    const total = rs.reduce((n, r) => n + r.replicas, 0);
    maxTotal = Math.max(maxTotal, total);
    minAvailable = Math.min(minAvailable, s.deployments[app]!.availableReplicas);
    return done(s);
  }, maxMs, 250);
  return { maxTotal, minAvailable };
}

describe("deployments", () => {
  it("rolls 10 replicas with surge 3 and unavailable 2 (25% rounded up and down)", () => {
    const app = "web";
    const sc = new Scenario(3).nodes(5).deploy("web", "v1", 10);
    sc.until(allReady("web", 10), 120_000);
    sc.deploy("web", "v2", 10);
    const seen = watchRollout(sc, "web", (s) => {
      const d = s.deployments[app]!;
      return d.updatedReplicas === 10 && d.availableReplicas === 10 && Object.values(s.pods).filter((p) => p.app === app).length === 10;
    }, 600_000);
    expect(seen.maxTotal).toBe(13);
    expect(seen.minAvailable).toBe(8);
    expect(sc.pods("web").every((p) => p.version === "v2")).toBe(true);
    expect(sc.s.deployments.web!.progressing.reason).toBe("NewReplicaSetAvailable");
    expect(sc.s.deployments.web!.revision).toBe(2);
  });

  it("3 replicas: one extra pod at a time and no capacity loss (surge 1, unavailable 0)", () => {
    const sc = new Scenario(5).nodes(3).deploy("web", "v1", 3);
    sc.until(allReady("web", 3), 120_000);
    sc.deploy("web", "v2", 3);
    const seen = watchRollout(sc, "web", (s) => s.deployments.web!.updatedReplicas === 3 && s.deployments.web!.availableReplicas === 3 && sc.pods("web").length === 3, 600_000);
    expect(seen.maxTotal).toBe(4);
    expect(seen.minAvailable).toBe(3);
  });

  it("a broken release stalls at the surge, reports ProgressDeadlineExceeded after 600 s, and never rolls back by itself", () => {
    const sc = new Scenario(8).nodes(4).deploy("web", "v1", 4, { baselineRps: 20 });
    sc.until(allReady("web", 4), 120_000);
    const start = sc.s.timeMs;
    sc.deploy("web", "v2", 4, { behavior: "failingReadiness" });
    const stalledAt = sc.until((s) => s.deployments.web!.progressing.reason === "ProgressDeadlineExceeded", 900_000, 1000);
    expect(stalledAt - start).toBeGreaterThanOrEqual(600_000);
    expect(stalledAt - start).toBeLessThan(640_000);
    const v1Ready = sc.readyPods("web").filter((p) => p.version === "v1").length;
    // maxUnavailable 1 for 4 replicas: at least 3 old pods keep serving.
    expect(v1Ready).toBeGreaterThanOrEqual(3);
    expect(sc.pods("web").filter((p) => p.version === "v2").length).toBeLessThanOrEqual(2);
    sc.run(600_000);
    expect(sc.s.deployments.web!.template.version).toBe("v2");
    expect(sc.events("ProgressDeadlineExceeded")).toHaveLength(1);

    sc.cmd({ type: "rolloutUndo", deployment: "web" });
    sc.until((s) => sc.pods("web").length === 4 && sc.readyPods("web").length === 4 && s.deployments.web!.progressing.reason === "NewReplicaSetAvailable", 300_000);
    expect(sc.pods("web").every((p) => p.version === "v1")).toBe(true);
    // The undo is a new rollout: the old ReplicaSet comes back under revision 3.
    expect(sc.s.deployments.web!.revision).toBe(3);
  });

  it("a shorter progress deadline set mid-rollout takes effect at once", () => {
    const sc = new Scenario(8).nodes(3).deploy("web", "v1", 3);
    sc.until(allReady("web", 3), 120_000);
    const start = sc.s.timeMs;
    sc.deploy("web", "v2", 3, { behavior: "failingReadiness" });
    sc.run(10_000);
    sc.deploy("web", "v2", 3, { behavior: "failingReadiness", progressDeadlineSeconds: 60 });
    const at = sc.until((s) => s.deployments.web!.progressing.reason === "ProgressDeadlineExceeded", 600_000, 1000);
    expect(at - start).toBeLessThan(120_000);
  });

  it("Recreate stops every old pod before starting new ones", () => {
    const sc = new Scenario(2).nodes(3).deploy("db", "v1", 3, { strategy: "Recreate" });
    sc.until(allReady("db", 3), 120_000);
    sc.deploy("db", "v2", 3);
    let overlap = false;
    sc.until((s) => {
      const versions = new Set(Object.values(s.pods).filter((p) => p.app === "db").map((p) => p.version));
      if (versions.size > 1) overlap = true;
      return sc.readyPods("db").filter((p) => p.version === "v2").length === 3;
    }, 300_000);
    expect(overlap).toBe(false);
  });

  it("keeps at most revisionHistoryLimit old ReplicaSets", () => {
    const sc = new Scenario(2).nodes(2).deploy("web", "v0", 1);
    for (let v = 1; v <= 13; v++) {
      sc.deploy("web", `v${v}`, 1);
      sc.until((s) => s.deployments.web!.progressing.reason === "NewReplicaSetAvailable" && sc.pods("web").length === 1, 300_000);
    }
    expect(replicaSetsFor(sc.s, "web")).toHaveLength(11);
  });

  it("refuses an undo to a revision that does not exist and leaves the state untouched", () => {
    const sc = new Scenario(2).nodes(2).deploy("web", "v1", 1);
    const before = JSON.stringify(sc.s);
    expect(() => sc.cmd({ type: "rolloutUndo", deployment: "web", toRevision: 7 })).toThrow(/revision 7/);
    expect(JSON.stringify(sc.s)).toBe(before);
  });
});

describe("containers", () => {
  it("a crashing release loops with back-off 0, 10, 20, 40 ... capped at 300 s", () => {
    const sc = new Scenario(1).nodes(1).deploy("job", "v1", 1, { behavior: "crashing" });
    const pod = sc.pods("job")[0]!;
    const restarts: number[] = [];
    let last = 0;
    sc.until(() => {
      if (pod.restartCount !== last) {
        last = pod.restartCount;
        restarts.push(sc.s.timeMs);
      }
      return pod.restartCount >= 8;
    }, 3_000_000, 100);
    const gaps = restarts.slice(1).map((t, i) => Math.round((t - restarts[i]!) / 1000));
    // Each gap = back-off + 1 s container create + 3 s until the app crashes.
    expect(gaps).toEqual([14, 24, 44, 84, 164, 304, 304]);
    expect(sc.events("BackOff").length).toBeGreaterThan(0);
  });

  it("a memory leak ends in OOMKilled and a restart", () => {
    const sc = new Scenario(1).nodes(1).deploy("web", "v1", 1, { memoryLimitMiB: 300, memoryRequestMiB: 200 });
    sc.until(allReady("web", 1), 60_000);
    const pod = sc.pods("web")[0]!;
    sc.cmd({ type: "leakMemory", pod: pod.name, mibPerSecond: 10 });
    sc.until(() => pod.lastTerminationReason === "OOMKilled", 60_000);
    expect(sc.events("OOMKilling")).toHaveLength(1);
    sc.until(() => pod.restartCount === 1 && pod.running, 30_000);
  });

  it("a hung app leaves the endpoints after three failed probes and is restarted by liveness", () => {
    const sc = new Scenario(1).nodes(1).deploy("web", "v1", 1);
    sc.until(allReady("web", 1), 60_000);
    const pod = sc.pods("web")[0]!;
    const t0 = sc.s.timeMs;
    sc.cmd({ type: "crashContainer", pod: pod.name, how: "hang" });
    const notReadyAt = sc.until(() => !pod.ready, 60_000, 100);
    expect(notReadyAt - t0).toBeGreaterThanOrEqual(20_000);
    expect(notReadyAt - t0).toBeLessThanOrEqual(30_100);
    sc.until(() => pod.restartCount === 1, 30_000);
  });
});
