/**
 * The replay draws the city from projectCluster (a pure picture of a moment); the live display
 * draws it from the schema that server/sync.ts fills in. They must agree field for field, or the
 * replay would show a different city than the class saw. Both are run on the same states here:
 * through a class with failures, in every round, and with the schema reused from moment to moment
 * as the room does (so sync's "only write what changed" and "remove what vanished" are covered).
 */
import { describe, expect, it } from "vitest";
import { syncState, type StudentLink } from "../../server/sync.ts";
import { ClassState } from "../../server/rooms/schema.ts";
import { projectCluster, sloSince } from "../../shared/replay/index.ts";
import { LiveSim } from "../store/helpers.ts";

function clusterPart(st: ClassState) {
  const j = st.toJSON() as Record<string, unknown>;
  const { clusterMs, registryDown, nodes, pods, deployments, services, events, requests, errors, availability, errorBudget } = j;
  return { clusterMs, registryDown, nodes, pods, deployments, services, events, requests, errors, availability, errorBudget };
}

describe("projectCluster", () => {
  it("shows what sync.ts gives the live display, moment after moment", () => {
    const l = new LiveSim(21).nodes(4).must({ type: "deploy", app: "shop", version: "v1", replicas: 8, baselineRps: 40 });
    const owners = new Map<string, StudentLink>([["node-1", { id: "s1", name: "Amara" }], ["node-3", { id: "s3", name: "Chi" }]]);
    const since = { requests: 0, errors: 0 };
    const st = new ClassState();
    const steps: (() => void)[] = [
      () => l.advance(30_000),
      () => l.must({ type: "killNode", node: "node-2" }).advance(5_000),
      () => l.advance(60_000),
      () => l.must({ type: "partitionNode", node: "node-4" }).must({ type: "memoryPressure", node: "node-1", on: true }).advance(20_000),
      () => l.must({ type: "deploy", app: "shop", version: "v2", behavior: "crashing" }).advance(25_000),
      () => l.must({ type: "registryOutage", on: true }).must({ type: "deploy", app: "cart", version: "v1", replicas: 3 }).advance(12_000),
      () => l.must({ type: "setHpa", deployment: "shop", maxReplicas: 12 }).must({ type: "removeNode", node: "node-2" }).advance(40_000),
    ];
    let compared = 0;
    for (const step of steps) {
      step();
      since.requests = Math.floor(l.sim.totals.requests / 3);
      syncState(l.sim, st, owners, { since });
      expect(projectCluster(l.sim, owners, since)).toEqual(clusterPart(st));
      compared++;
    }
    expect(compared).toBe(steps.length);
    // The states compared were not trivial: a dead node, a crashing release, events in the feed.
    const last = projectCluster(l.sim, owners, since);
    expect(Object.keys(last.nodes)).not.toContain("node-2");
    expect(last.nodes["node-1"]!.student).toBe("Amara");
    expect(Object.values(last.pods).some((p) => p.status !== "Running")).toBe(true);
    expect(Object.keys(last.events).length).toBeGreaterThan(10);
  });

  it("matches in the Compose and bare rounds", () => {
    for (const mode of ["compose", "bare"] as const) {
      const l = new LiveSim(5, mode).nodes(3).must({ type: "expose", service: "shop", baselineRps: 20 });
      if (mode === "bare") l.must({ type: "ship", packaging: "bare", app: "shop", needs: { python: "3.12" } });
      else l.advance(120_000).must({ type: "composeCrash", node: "node-2", service: "web" });
      l.advance(25_000);
      const st = new ClassState();
      syncState(l.sim, st, new Map());
      const p = projectCluster(l.sim, new Map());
      expect(p, mode).toEqual(clusterPart(st));
      if (mode === "compose") expect(Object.keys(p.nodes["node-2"]!.containers).length).toBeGreaterThan(0);
    }
  });
});

describe("sloSince", () => {
  const baseline = { requests: 500, errors: 3 };
  it("counts from zero before the class started, from the baseline after", () => {
    expect(sloSince({ requests: 499 }, baseline)).toEqual({ requests: 0, errors: 0 });
    expect(sloSince({ requests: 500 }, baseline)).toBe(baseline);
    expect(sloSince({ requests: 9000 }, baseline)).toBe(baseline);
    expect(sloSince({ requests: 10 }, { requests: 0, errors: 0 })).toEqual({ requests: 0, errors: 0 });
  });
});
