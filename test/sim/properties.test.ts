/**
 * Property tests: invariants of the cluster simulation over random clusters and random chaos
 * (node failures, partitions, lost heartbeats, slow nodes, memory hogs, crashes and hangs, leaks,
 * registry outages, spikes, scaling, HPAs, rollouts and undos, cordons and drains, pod deletions,
 * PDBs). Arbitraries, the step runner and the invariant checks live in prop-model.ts.
 *
 * Every property runs from its own fixed fast-check seed. A failure prints the shrunk abstract
 * scenario (fast-check's "Counterexample") and, in the error below it, the concrete command log
 * that reproduces it with applyCommand/advance on createCluster({ seed }).
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { applyCommand, stateHash } from "../../shared/sim/index.ts";
import {
  APP_NAMES, BUSY, ROOMY, Runner, TIGHT, capacitySuffices, describePods, diffPaths, formatLog, liveNonPeriodicEvents,
  notConverged, outcomeHash, podProjection, replay, scenarioArb, type RunChecks, type Scenario,
} from "./prop-model.ts";

/** Fixed fast-check seeds, one per property, so that each property explores its own scenarios. */
const SEED = 0x5eed_c17;
const params = (property: number, numRuns: number) => ({ seed: SEED + property, numRuns });

const MINUTE = 60_000;
/** Bound on convergence once chaos stops (cluster time). */
const CONVERGE_WITHIN_MS = 15 * MINUTE;

/** Chaos mixes: irregular small nodes with long pauses, and command bursts on a settled cluster. */
const anyChaos = fc.oneof(scenarioArb(TIGHT), scenarioArb(BUSY));

function chaos(sc: Scenario, checks: RunChecks): Runner {
  const r = new Runner(sc.seed, checks);
  r.setup(sc);
  r.runSteps(sc);
  return r;
}

/** Advance in 5 s slices until pred holds; false if it does not within maxMs. */
function waitFor(r: Runner, pred: () => boolean, maxMs: number): boolean {
  const t0 = r.s.timeMs;
  while (!pred()) {
    if (r.s.timeMs - t0 >= maxMs) return false;
    r.advance(5000);
  }
  return true;
}

describe("simulation invariants under random chaos", () => {
  it("1+2: live pods fit their node, node.requested is exact, every index exists and points back (after every step)", () => {
    fc.assert(
      fc.property(anyChaos, (sc) => {
        chaos(sc, { structure: true });
      }),
      params(1, 80),
    );
  });

  it("a refused command leaves stateHash unchanged", () => {
    fc.assert(
      fc.property(anyChaos, (sc) => {
        chaos(sc, { refusedUnchanged: true, sliceMs: 120_000 });
      }),
      params(2, 120),
    );
  });

  it("3: a pod with servedLastSecond > 0 is ready and not terminating (right after every advance)", () => {
    fc.assert(
      fc.property(scenarioArb(ROOMY), (sc) => {
        chaos(sc, { traffic: true });
      }),
      params(3, 50),
    );
  });

  it("deleted pods finish: on a reachable node a deleted pod is gone within the 30 s grace period", () => {
    fc.assert(
      fc.property(anyChaos, (sc) => {
        const r = chaos(sc, { terminating: true });
        r.advance(2 * MINUTE);
      }),
      params(9, 150),
    );
  });

  it("4: once chaos stops and capacity suffices, every deployment has all replicas ready within 15 cluster minutes", () => {
    fc.assert(
      fc.property(scenarioArb(ROOMY), (sc) => {
        const r = chaos(sc, {});
        r.stopChaos();
        fc.pre(capacitySuffices(r.s));
        if (!waitFor(r, () => notConverged(r.s) === null, CONVERGE_WITHIN_MS)) {
          r.fail(`not converged ${CONVERGE_WITHIN_MS / 1000}s after chaos stopped: ${notConverged(r.s)}\n  pods:\n${describePods(r.s)}`);
        }
      }),
      params(4, 150),
    );
  });

  it("5: on a converged, quiet cluster the reconcilers change no pod (names, nodes, readiness) for 10 minutes", () => {
    fc.assert(
      fc.property(scenarioArb(ROOMY), (sc) => {
        const r = chaos(sc, {});
        r.stopChaos();
        fc.pre(capacitySuffices(r.s));
        // The claim is conditional: on a cluster that converged (property 4 covers whether it does) and then went
        // quiet: every spike has ended (traffic constant) and only the periodic controllers have live events queued.
        fc.pre(waitFor(r, () => notConverged(r.s) === null, CONVERGE_WITHIN_MS));
        fc.pre(waitFor(r, () => Object.values(r.s.services).every((svc) => svc.spikes.length === 0) && liveNonPeriodicEvents(r.s).length === 0, CONVERGE_WITHIN_MS));
        const why = notConverged(r.s);
        if (why) r.fail(`converged, then diverged while waiting for quiet: ${why}`);
        const before = podProjection(r.s);
        for (let i = 0; i < 20; i++) {
          r.advance(30_000);
          const now = podProjection(r.s);
          if (JSON.stringify(now) !== JSON.stringify(before)) {
            const gone = before.filter((x) => !now.includes(x));
            const added = now.filter((x) => !before.includes(x));
            r.fail(`pods changed on a converged cluster: -[${gone.join(", ")}] +[${added.join(", ")}]`);
          }
        }
      }),
      params(5, 60),
    );
  });

  describe("6: determinism", () => {
    it("the same seed and command log give the same stateHash", () => {
      fc.assert(
        fc.property(anyChaos, (sc) => {
          const r = chaos(sc, {});
          const again = replay(sc.seed, r.log);
          if (stateHash(again) !== stateHash(r.s)) r.fail(`replay differs: ${diffPaths(r.s, again).join("; ")}`);
        }),
        params(6, 40),
      );
    });

    it("cutting advances differently, or snapshotting the state through JSON mid-run, changes nothing", () => {
      fc.assert(
        fc.property(anyChaos, fc.integer({ min: 1, max: 6 }), (sc, every) => {
          const r = chaos(sc, {});
          const split = replay(sc.seed, r.log, { splitAdvances: true });
          if (stateHash(split) !== stateHash(r.s)) r.fail(`advance(a+b) != advance(a); advance(b): ${diffPaths(r.s, split).join("; ")}`);
          const snap = replay(sc.seed, r.log, { snapshotEvery: every });
          if (stateHash(snap) !== stateHash(r.s)) r.fail(`JSON snapshot every ${every} entries changes the run: ${diffPaths(r.s, snap).join("; ")}`);
        }),
        params(7, 30),
      );
    });

    it("different seeds with the same log (a deploy of several replicas on several nodes) give different states", () => {
      fc.assert(
        fc.property(scenarioArb(TIGHT, { minFirstReplicas: 3 }), fc.integer({ min: 1, max: 0xffff }), (sc, delta) => {
          const r = new Runner(sc.seed, {});
          r.setup({ ...sc, settleMs: MINUTE });
          const first = APP_NAMES[0];
          fc.pre(new Set(Object.values(r.s.pods).filter((p) => p.app === first && p.nodeName !== null).map((p) => p.nodeName)).size >= 2);
          r.runSteps(sc);
          const other = replay((sc.seed + delta) >>> 0, r.log);
          expect(stateHash(other)).not.toBe(stateHash(r.s));
          // Not only the seed field and the RNG words: the outcome itself (pod names, placement, timings) differs.
          expect(outcomeHash(other), `seed-independent outcome for log:\n${formatLog(r.log)}`).not.toBe(outcomeHash(r.s));
        }),
        params(8, 30),
      );
    });
  });
});

describe("property harness", () => {
  it("runs a calm scenario to convergence and sees a refusal", () => {
    const r = new Runner(1, { structure: true, traffic: true, refusedUnchanged: true, terminating: true });
    const node = { cpuMilli: 4000, memoryMiB: 8192, pods: 110 };
    r.setup({ seed: 1, nodes: [node, node], apps: [{ version: "v1", replicas: 2, baselineRps: 10 }], settleMs: MINUTE, steps: [] });
    expect(notConverged(r.s)).toBeNull();
    expect(r.cmd({ type: "scale", deployment: "nope", replicas: 1 }).ok).toBe(false);
    expect(applyCommand(r.s, { type: "scale", deployment: "web", replicas: 3 }).ok).toBe(true);
  });
});
