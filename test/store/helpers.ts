/** Test helpers: a stand-in for the room's simulation loop, and store fixtures. */
import { createHash } from "node:crypto";
import { expect } from "vitest";
import { advance, applyCommand, createCluster, stateHash, type ClusterState, type Command, type CommandResult, type Mode } from "../../shared/sim/index.ts";
import type { CommandEntry, NewClass, RoomData, RosterEntry } from "../../server/store/types.ts";
import type { ClassStore } from "../../server/store/index.ts";
import { resumeState } from "../../server/reports/replay.ts";

export const sha = (s: string): string => createHash("sha256").update(s).digest("hex");

/**
 * Drives a simulation the way ClassRoom does: commands are logged as { atMs: sim.timeMs, command }
 * only after applyCommand accepted them, and time moves in uneven wall-clock ticks.
 */
export class LiveSim {
  sim: ClusterState;
  log: CommandEntry[] = [];
  readonly seed: number;
  readonly mode: Mode;

  constructor(seed: number, mode: Mode = "kubernetes") {
    this.seed = seed;
    this.mode = mode;
    this.sim = createCluster({ seed, mode });
  }

  run(command: Command): CommandResult {
    const result = applyCommand(this.sim, command);
    if (result.ok) this.log.push({ atMs: this.sim.timeMs, command });
    return result;
  }

  must(command: Command): this {
    const r = this.run(command);
    if (!r.ok) throw new Error(`${command.type} refused: ${r.error}`);
    return this;
  }

  /** Advance by cluster ms in ticks of about `tickMs` (a 100 ms wall tick at 20x is 2,000 ms). */
  advance(ms: number, tickMs = 2000): this {
    const end = this.sim.timeMs + ms;
    let i = 0;
    while (this.sim.timeMs < end) {
      // Uneven ticks, as a real interval timer gives: replay must not depend on them.
      const step = Math.min(end - this.sim.timeMs, tickMs + ((i++ * 37) % 11) * 17);
      advance(this.sim, step);
    }
    return this;
  }

  nodes(n: number, prefix = "node"): this {
    for (let i = 1; i <= n; i++) this.must({ type: "addNode", name: `${prefix}-${i}` });
    return this;
  }

  podsOn(node: string): string[] {
    return Object.values(this.sim.pods).filter((p) => p.nodeName === node && p.deletionAtMs === null).map((p) => p.name);
  }
}

export function newClass(code: string, teacherKey = "teacher-key", extra: Partial<NewClass> = {}): NewClass {
  return { code, teacherKeyHash: sha(teacherKey), mode: "kubernetes", seed: 42, compression: 20, lessonId: "node-failure", ...extra };
}

export function rosterEntry(i: number, extra: Partial<RosterEntry> = {}): RosterEntry {
  return {
    id: `student-${i}`,
    name: `Student ${i}`,
    nodeName: `node-${i}`,
    rejoinTokenHash: sha(`rejoin-${i}`),
    deviceIdHash: sha(`device-${i}`),
    readyMs: 1000 * i,
    served: 12.5 * i,
    correctPredictions: i % 3,
    status: "active",
    kickedUntil: null,
    joinedAt: 1_700_000_000_000 + i,
    ...extra,
  };
}

export const runningRoom: RoomData = { phase: "running", compression: 20, wallMs: 12_000, locked: false };

/** A settled cluster of `nodes` nodes running one app, like a class a few minutes in. */
export function classroomState(nodes: number, replicas: number, seed = 1): ClusterState {
  const s = createCluster({ seed });
  for (let i = 0; i < nodes; i++) applyCommand(s, { type: "addNode", name: `n-${i}` });
  applyCommand(s, { type: "deploy", app: "shop", version: "v1", replicas, baselineRps: 30 });
  advance(s, 300_000);
  return s;
}

export function stats(values: number[]): { median: number; p95: number; max: number } {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))]!;
  return { median: at(0.5), p95: at(0.95), max: v[v.length - 1]! };
}

/**
 * Write a running class through one store (its log, a snapshot with a roster, one command after the
 * snapshot) and close it; then `open` another on the same data, as a restart or another process
 * would, and find it all again: the roster, the whole log, and the state it resumes to.
 */
export async function expectFoundAgain(open: () => ClassStore): Promise<void> {
  const live = new LiveSim(21).nodes(5).must({ type: "deploy", app: "shop", version: "v1", replicas: 6, baselineRps: 30 }).advance(120_000);
  const first = open();
  await first.createClass(newClass("ABC123"));
  const run = await first.beginRun("ABC123");
  await first.appendCommands("ABC123", live.log.map((e, seq) => ({ ...e, run, seq })));
  await first.saveSnapshot("ABC123", { run, state: live.sim, room: runningRoom, roster: [rosterEntry(1), rosterEntry(2)], commandCount: live.log.length });
  live.advance(3000).must({ type: "killNode", node: "node-3" });
  await first.appendCommands("ABC123", [{ ...live.log[live.log.length - 1]!, run, seq: live.log.length - 1 }]);
  await first.close();

  const second = open();
  const loaded = (await second.loadClass("ABC123"))!;
  expect(loaded.warnings).toEqual([]);
  expect(loaded.roster.map((r) => r.id)).toEqual(["student-1", "student-2"]);
  expect(loaded.commands).toEqual(live.log);
  expect(stateHash(resumeState(loaded))).toBe(stateHash(live.sim));
  await second.close();
}
