import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { advance, stateHash, type ClusterState, type Command, type Mode } from "../../shared/sim/index.ts";
import { ReplayDivergence, replay, timeline } from "../../server/reports/replay.ts";
import { LiveSim } from "./helpers.ts";

/** A small seeded generator, so every mix is the same on every run. */
function lcg(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 0x1_0000_0000;
  };
}

type Mix = (s: ClusterState, r: () => number) => Command;
const pick = <T,>(list: readonly T[], r: () => number): T => list[Math.floor(r() * list.length)]!;
const someNode = (s: ClusterState, r: () => number) => (s.nodeOrder.length ? pick(s.nodeOrder, r) : "nobody");
const somePod = (s: ClusterState, r: () => number) => {
  const pods = Object.keys(s.pods);
  return pods.length ? pick(pods, r) : "no-pod";
};

const MIXES: Record<string, { mode: Mode; setup: (l: LiveSim) => void; next: Mix }> = {
  "node failures": {
    mode: "kubernetes",
    setup: (l) => l.nodes(6).must({ type: "deploy", app: "shop", version: "v1", replicas: 6, baselineRps: 30 }),
    next: (s, r) =>
      pick<Command>([
        { type: "killNode" },
        { type: "partitionNode" },
        { type: "killNode", node: someNode(s, r) },
        { type: "restoreNode", node: someNode(s, r) },
        { type: "heartbeat", node: someNode(s, r), connected: r() < 0.5 },
        { type: "cordon", node: someNode(s, r) },
        { type: "uncordon", node: someNode(s, r) },
        { type: "drain", node: someNode(s, r) },
        { type: "addNode", name: `late-${Math.floor(r() * 1000)}` },
        { type: "removeNode", node: someNode(s, r) },
      ], r),
  },
  "workload chaos": {
    mode: "kubernetes",
    setup: (l) => l.nodes(5).must({ type: "deploy", app: "shop", version: "v1", replicas: 6, baselineRps: 40 }),
    next: (s, r) =>
      pick<Command>([
        { type: "deploy", app: "shop", version: `v${2 + Math.floor(r() * 5)}`, behavior: pick(["healthy", "crashing", "failingReadiness", "slowStart"] as const, r) },
        { type: "rolloutUndo", deployment: "shop" },
        { type: "scale", deployment: "shop", replicas: 2 + Math.floor(r() * 10) },
        { type: "setHpa", deployment: "shop", minReplicas: 2, maxReplicas: 12, targetCpuUtilization: 60 },
        { type: "trafficSpike", service: "shop", multiplier: 2 + Math.floor(r() * 5), durationSeconds: 30 + Math.floor(r() * 120), rampSeconds: 10 },
        { type: "crashContainer", app: "shop" },
        { type: "crashContainer", app: "shop", how: "hang" },
        { type: "leakMemory", app: "shop", mibPerSecond: 8 },
        { type: "deletePod", pod: somePod(s, r) },
        { type: "setPdb", app: "shop", minAvailable: 3 },
        { type: "registryOutage", on: r() < 0.5 },
        { type: "memoryPressure", node: someNode(s, r), on: r() < 0.6 },
        { type: "slowNode", node: someNode(s, r), factor: 0.3 },
        { type: "killNode" },
        { type: "drain", node: someNode(s, r) },
      ], r),
  },
  "compose round": {
    mode: "compose",
    setup: (l) => l.nodes(4).must({ type: "expose", service: "shop", baselineRps: 30 }),
    next: (s, r) => {
      const node = someNode(s, r);
      const service = pick(["web", "db", "cache"], r);
      return pick<Command>([
        { type: "composeCrash", node, service },
        { type: "composeHang", node, service },
        { type: "composeRestart", node, service },
        { type: "composeStop", node, service },
        { type: "killNode", node },
        { type: "restoreNode", node },
      ], r);
    },
  },
  "before containers": {
    mode: "bare",
    setup: (l) => l.nodes(5).must({ type: "expose", service: "shop", baselineRps: 30 }),
    next: (s, r) =>
      pick<Command>([
        { type: "ship", packaging: pick(["bare", "image"] as const, r), app: "shop", needs: { python: pick(["3.11", "3.12"], r), node: "20" } },
        { type: "killNode", node: someNode(s, r) },
        { type: "restoreNode", node: someNode(s, r) },
        { type: "addNode", name: `late-${Math.floor(r() * 1000)}` },
      ], r),
  },
};

interface LiveRun {
  live: LiveSim;
  /** Hashes taken between ticks, after every command of that moment: replay(untilMs) must meet them. */
  checkpoints: { atMs: number; hash: string }[];
  refused: number;
  /** Commands issued after the setup, accepted or not. */
  issued: number;
  /** Log entries the setup left. */
  setupLogged: number;
}

function drive(mixName: string, seed: number, steps: number): LiveRun {
  const mix = MIXES[mixName]!;
  const r = lcg(seed * 7919 + steps);
  const live = new LiveSim(seed, mix.mode);
  mix.setup(live);
  const setupLogged = live.log.length;
  const checkpoints: LiveRun["checkpoints"] = [];
  let refused = 0;
  let issued = 0;
  for (let i = 0; i < steps; i++) {
    // Sometimes several commands land on the same cluster millisecond, as in a busy class.
    const burst = r() < 0.2 ? 3 : 1;
    for (let b = 0; b < burst; b++) {
      issued++;
      if (!live.run(mix.next(live.sim, r)).ok) refused++;
    }
    if (i % 5 === 0) checkpoints.push({ atMs: live.sim.timeMs, hash: stateHash(live.sim) });
    live.advance(1 + Math.floor(r() * 30_000), 500 + Math.floor(r() * 3000));
  }
  return { live, checkpoints, refused, issued, setupLogged };
}

describe("replay rebuilds the live run from its command log", () => {
  const cases: [string, number][] = [
    ["node failures", 1], ["node failures", 77], ["node failures", 4242],
    ["workload chaos", 3], ["workload chaos", 99], ["workload chaos", 31337],
    ["compose round", 5], ["compose round", 123],
    ["before containers", 8], ["before containers", 2024],
  ];
  let refusedSomewhere = 0;
  afterAll(() => {
    // The "refused" path above was exercised, not only the accepted one.
    expect(refusedSomewhere).toBeGreaterThan(0);
  });
  it.each(cases)("%s, seed %i", (mix, seed) => {
    const { live, checkpoints, refused, issued, setupLogged } = drive(mix, seed, 40);
    expect(live.log.length).toBeGreaterThan(10);
    // Refused commands leave no trace in the log, and the replay must not need them.
    expect(live.log.length - setupLogged).toBe(issued - refused);
    refusedSomewhere += refused;
    const mode = MIXES[mix]!.mode;
    expect(stateHash(replay(seed, mode, live.log, live.sim.timeMs))).toBe(stateHash(live.sim));
    for (const cp of checkpoints) expect(stateHash(replay(seed, mode, live.log, cp.atMs)), `at ${cp.atMs} ms`).toBe(cp.hash);
  });

  it("survives the log's trip through JSON (what the store keeps)", () => {
    const { live } = drive("workload chaos", 17, 30);
    const stored = JSON.parse(JSON.stringify(live.log)) as typeof live.log;
    expect(stateHash(replay(17, "kubernetes", stored, live.sim.timeMs))).toBe(stateHash(live.sim));
  });

  it("holds for any seed and any mix of chaos (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...Object.keys(MIXES)), fc.integer({ min: 5, max: 25 }), (seed, mix, steps) => {
        const { live } = drive(mix, seed, steps);
        return stateHash(replay(seed, MIXES[mix]!.mode, live.log, live.sim.timeMs)) === stateHash(live.sim);
      }),
      { numRuns: 12 },
    );
  });

  it("cannot follow a loop that advances by 0 between two commands of one millisecond (why the room must skip empty ticks)", () => {
    const live = new LiveSim(3).nodes(3).must({ type: "deploy", app: "shop", version: "v1", replicas: 3, baselineRps: 10 }).advance(60_000);
    live.must({ type: "crashContainer", app: "shop" });
    // A tick whose wall delta rounds to 0 ms: it runs the restart the crash scheduled for "now".
    advance(live.sim, 0);
    live.must({ type: "scale", deployment: "shop", replicas: 5 });
    live.advance(20_000);
    expect(stateHash(replay(3, "kubernetes", live.log, live.sim.timeMs))).not.toBe(stateHash(live.sim));
  });

  it("without untilMs, stops at the last command", () => {
    const { live } = drive("node failures", 12, 10);
    const last = live.log[live.log.length - 1]!.atMs;
    expect(replay(12, "kubernetes", live.log).timeMs).toBe(last);
  });

  it("reports where a damaged log stops making sense", () => {
    const { live } = drive("node failures", 5, 15);
    const badName = live.log.map((e) => ({ ...e }));
    const i = badName.findIndex((e) => e.command.type === "deploy");
    badName[i] = { atMs: badName[i]!.atMs, command: { type: "scale", deployment: "no-such-app", replicas: 3 } };
    expect(() => replay(5, "kubernetes", badName)).toThrow(ReplayDivergence);
    try {
      replay(5, "kubernetes", badName);
    } catch (err) {
      expect((err as ReplayDivergence).index).toBe(i);
      expect((err as Error).message).toMatch(/no-such-app/);
    }
    const backwards = [...live.log, { atMs: 0, command: { type: "addNode" as const, name: "time-traveller" } }];
    expect(() => replay(5, "kubernetes", backwards)).toThrow(/already at/);
  });
});

describe("timeline frames for a scrubber", () => {
  it("steps through the run, each frame equal to a replay up to its time", () => {
    const { live } = drive("workload chaos", 21, 20);
    const end = live.sim.timeMs;
    const frames: { atMs: number; hash: string; applied: number }[] = [];
    let shared: ClusterState | null = null;
    for (const f of timeline(21, "kubernetes", live.log, 60_000, end)) {
      shared ??= f.state;
      expect(f.state).toBe(shared); // one state, advanced in place
      frames.push({ atMs: f.atMs, hash: stateHash(f.state), applied: f.applied.length });
    }
    expect(frames[0]!.atMs).toBe(0);
    expect(frames.slice(1).every((f, i) => f.atMs - frames[i]!.atMs <= 60_000)).toBe(true);
    expect(frames[frames.length - 1]!.atMs).toBe(end);
    expect(frames[frames.length - 1]!.hash).toBe(stateHash(live.sim));
    expect(frames.reduce((n, f) => n + f.applied, 0)).toBe(live.log.length);
    for (const f of frames.filter((_, i) => i % 7 === 3)) expect(stateHash(replay(21, "kubernetes", live.log, f.atMs))).toBe(f.hash);
  });

  it("is lazy: taking the first frames does not replay the rest", () => {
    const { live } = drive("node failures", 2, 30);
    const it = timeline(2, "kubernetes", live.log, 1000, live.sim.timeMs);
    const first = it.next();
    expect(first.done).toBe(false);
    expect(first.value && first.value.state.timeMs).toBe(0);
    it.return(undefined);
  });

  it("refuses a step that would never end", () => {
    expect(() => timeline(1, "kubernetes", [], 0).next()).toThrow(RangeError);
  });
});
