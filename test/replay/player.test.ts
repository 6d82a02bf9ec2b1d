/**
 * The replay engine the replay page runs: one pass over the log with keyframes, then seeks. What
 * must hold: the end of the replay is the live class (same hash), and jumping to a moment gives
 * the same cluster as playing up to it, whichever way the scrubber came from.
 */
import { describe, expect, it } from "vitest";
import { stateHash, type Mode } from "../../shared/sim/index.ts";
import { ReplayPlayer, adjacentMarker, keyframeSpacing, replay, type CommandEntry } from "../../shared/replay/index.ts";
import { LiveSim } from "../store/helpers.ts";

interface Run {
  seed: number;
  mode: Mode;
  log: CommandEntry[];
  endMs: number;
  hash: string;
  /** Hashes of the live state at a few moments, taken after every command of that moment (as a replay at t includes them). */
  checkpoints: { atMs: number; hash: string }[];
}

/** A class: 5 nodes, a shop, then a kill, a spike, a broken release and its rollback, with time between. */
function liveClass(seed = 7): Run {
  const l = new LiveSim(seed).nodes(5).must({ type: "deploy", app: "shop", version: "v1", replicas: 10, baselineRps: 30 });
  const checkpoints: Run["checkpoints"] = [];
  const mark = () => checkpoints.push({ atMs: l.sim.timeMs, hash: stateHash(l.sim) });
  l.advance(45_000);
  l.must({ type: "killNode" }); // a random pick: the marker must name the node it hit
  l.must({ type: "cordon", node: "node-2" }); // routine: no marker
  l.must({ type: "drain", node: "node-3" }); // the room drains a leaving student's node: no marker
  l.must({ type: "scale", deployment: "shop", replicas: 12 }); // the room scales as students join: no marker
  mark();
  l.advance(70_000, 1500);
  mark();
  l.advance(1);
  l.must({ type: "trafficSpike", service: "shop", multiplier: 4, durationSeconds: 60, rampSeconds: 5 });
  l.advance(40_000, 2500);
  l.must({ type: "deploy", app: "shop", version: "v2", behavior: "crashing" });
  l.advance(50_000);
  mark();
  l.advance(1);
  l.must({ type: "rolloutUndo", deployment: "shop" });
  mark();
  l.advance(61_234, 1800);
  mark();
  return { seed, mode: "kubernetes", log: l.log, endMs: l.sim.timeMs, hash: stateHash(l.sim), checkpoints };
}

describe("the replay player", () => {
  const run = liveClass();

  it("ends on exactly the live class's final state", () => {
    const p = new ReplayPlayer({ seed: run.seed, mode: run.mode, commands: run.log, endMs: run.endMs });
    expect(p.finalHash).toBe(run.hash);
    expect(stateHash(p.seek(run.endMs))).toBe(run.hash);
  });

  it("meets the live class at every checkpoint, seeking there directly", () => {
    const p = new ReplayPlayer({ seed: run.seed, mode: run.mode, commands: run.log, endMs: run.endMs });
    // Backwards and forwards, near and far: the keyframe path and the play-on path both.
    for (const c of [...run.checkpoints].reverse().concat(run.checkpoints)) {
      expect(stateHash(p.seek(c.atMs)), `at ${c.atMs}`).toBe(c.hash);
    }
  });

  it("gives the same cluster whether it jumps to a moment or plays up to it", () => {
    const played = new ReplayPlayer({ seed: run.seed, mode: run.mode, commands: run.log, endMs: run.endMs });
    const jumper = new ReplayPlayer({ seed: run.seed, mode: run.mode, commands: run.log, endMs: run.endMs });
    // Play in uneven steps, as animation frames at 16× would; jump to every 7th moment in a scrambled order.
    const moments: number[] = [];
    for (let t = 0, i = 0; t < run.endMs; i++) {
      t = Math.min(run.endMs, t + 137 + ((i * 7919) % 2900));
      moments.push(t);
    }
    const hashes = new Map<number, string>();
    for (const t of moments) hashes.set(t, stateHash(played.seek(t)));
    const picks = moments.filter((_, i) => i % 7 === 0);
    const scrambled = picks.map((t, i) => picks[(i * 31) % picks.length]!);
    expect(new Set(scrambled).size).toBeGreaterThan(20);
    for (const t of scrambled) expect(stateHash(jumper.seek(t)), `at ${t}`).toBe(hashes.get(t));
    // And both agree with a replay from nothing (the server's replay()).
    for (const t of picks.slice(0, 6)) expect(stateHash(replay(run.seed, run.mode, run.log.filter((e) => e.atMs <= t), t))).toBe(hashes.get(t));
  });

  it("keeps its keyframes bounded and evenly spaced", () => {
    expect(keyframeSpacing(60_000)).toBe(30_000);
    expect(keyframeSpacing(15 * 3600_000)).toBe(450_000);
    expect(keyframeSpacing(15 * 3600_000, { maxKeyframes: 10 })).toBe(5_400_000);
    const p = new ReplayPlayer({ seed: run.seed, mode: run.mode, commands: run.log, endMs: run.endMs }, { minKeyframeMs: 10_000 });
    expect(p.keyframeMs).toBe(10_000);
    expect(p.keyframeCount).toBe(Math.ceil(run.endMs / 10_000) + 1);
  });

  it("thins its keyframes to stay within a memory budget, and still seeks exactly", () => {
    const full = new ReplayPlayer({ seed: run.seed, mode: run.mode, commands: run.log, endMs: run.endMs }, { minKeyframeMs: 5_000 });
    const thin = new ReplayPlayer({ seed: run.seed, mode: run.mode, commands: run.log, endMs: run.endMs }, { minKeyframeMs: 5_000, maxKeyframeChars: 400_000 });
    expect(full.keyframeCount).toBe(Math.ceil(run.endMs / 5_000) + 1);
    expect(thin.keyframeCount).toBeLessThan(full.keyframeCount / 2);
    expect(thin.finalHash).toBe(run.hash);
    for (const t of [run.endMs, 3_000, 200_000, 47_500, 0, 120_001]) expect(stateHash(thin.seek(t)), `at ${t}`).toBe(stateHash(full.seek(t)));
  });

  it("clamps a seek outside the run to its ends", () => {
    const p = new ReplayPlayer({ seed: run.seed, mode: run.mode, commands: run.log, endMs: run.endMs });
    expect(p.seek(-5000).timeMs).toBe(0);
    expect(p.seek(run.endMs + 60_000).timeMs).toBe(run.endMs);
    expect(p.seek(Number.NaN).timeMs).toBe(0);
  });

  it("marks the incidents, naming a random kill's node, and leaves routine commands out", () => {
    const p = new ReplayPlayer({ seed: run.seed, mode: run.mode, commands: run.log, endMs: run.endMs });
    expect(p.markers.map((m) => m.kind)).toEqual(["kill", "spike", "badRelease", "rollback"]);
    const kill = p.markers[0]!;
    const state = p.seek(kill.atMs);
    expect(kill.target).toMatch(/^node-\d$/);
    expect(state.nodes[kill.target]!.powered).toBe(false);
    // Just before the kill, that node was still up: the marker is the moment it happened.
    expect(p.seek(kill.atMs - 1).nodes[kill.target]!.powered).toBe(true);
    expect(p.markers[1]!.target).toBe("shop");
    expect(p.markers.map((m) => m.atMs)).toEqual([...p.markers.map((m) => m.atMs)].sort((a, b) => a - b));
  });

  it("steps to the next and previous marker from any moment", () => {
    const p = new ReplayPlayer({ seed: run.seed, mode: run.mode, commands: run.log, endMs: run.endMs });
    const [kill, spike, bad] = p.markers;
    expect(adjacentMarker(p.markers, 0, 1)).toBe(kill);
    expect(adjacentMarker(p.markers, kill!.atMs, 1)).toBe(spike);
    expect(adjacentMarker(p.markers, spike!.atMs + 1, -1)).toBe(spike);
    expect(adjacentMarker(p.markers, spike!.atMs, -1)).toBe(kill);
    expect(adjacentMarker(p.markers, kill!.atMs, -1)).toBeNull();
    expect(adjacentMarker(p.markers, run.endMs, 1)).toBeNull();
    expect(adjacentMarker(p.markers, bad!.atMs - 1, 1)).toBe(bad);
  });

  it("refuses a log the simulation cannot replay, saying which command", () => {
    const bad: CommandEntry[] = [...run.log.slice(0, 8), { atMs: 50_000, command: { type: "restoreNode", node: "nobody" } }];
    let message = "";
    try {
      new ReplayPlayer({ seed: run.seed, mode: run.mode, commands: bad, endMs: 60_000 });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^command #8 \(restoreNode/);
    // Said once: the banner shows this text as it is.
    expect(message.match(/cannot be replayed/g)).toHaveLength(1);
  });

  it("replays the Compose and bare rounds too", () => {
    for (const mode of ["compose", "bare"] as const) {
      const l = new LiveSim(3, mode).nodes(3).must({ type: "expose", service: "shop", baselineRps: 20 });
      if (mode === "bare") l.must({ type: "ship", packaging: "image", app: "shop", needs: { python: "3.12" } });
      l.advance(20_000);
      l.must({ type: "killNode", node: "node-1" });
      l.advance(30_000);
      const p = new ReplayPlayer({ seed: 3, mode, commands: l.log, endMs: l.sim.timeMs });
      expect(p.finalHash, mode).toBe(stateHash(l.sim));
      expect(p.markers.some((m) => m.kind === "kill" && m.target === "node-1"), mode).toBe(true);
    }
  });
});
