import { describe, expect, it } from "vitest";
import { stateHash, type Command } from "../../shared/sim/index.ts";
import { ClassRecorder, SqliteClassStore, type ClassStore, type RecorderSource, type RoomData, type RosterEntry } from "../../server/store/index.ts";
import { replay, resumeState } from "../../server/reports/replay.ts";
import { LiveSim, newClass, rosterEntry } from "./helpers.ts";

/** The parts of ClassRoom the recorder reads, with a wall clock the test moves by hand. */
class FakeRoom {
  wall = 1_000_000;
  live: LiveSim;
  room: RoomData = { phase: "running", compression: 20, wallMs: 0, locked: false };
  students: RosterEntry[] = [];
  recorder: ClassRecorder;
  errors: string[] = [];

  constructor(store: ClassStore, code: string, seed: number, resume?: Awaited<ReturnType<ClassStore["loadClass"]>>) {
    const source: RecorderSource = {
      sim: () => this.live.sim,
      commandLog: () => this.live.log,
      room: () => ({ ...this.room }),
      roster: () => this.students.map((s) => ({ ...s })),
    };
    const opts = { now: () => this.wall, onError: (err: unknown, what: string) => this.errors.push(`${what}: ${String(err)}`) };
    if (resume) {
      this.live = new LiveSim(resume.meta.seed, resume.meta.mode);
      this.live.sim = resumeState(resume);
      this.live.log = [...resume.commands];
      this.students = resume.roster;
      this.room = resume.snapshot?.room ?? this.room;
      this.recorder = ClassRecorder.forResumedClass(store, resume, source, opts);
    } else {
      this.live = new LiveSim(seed);
      this.recorder = ClassRecorder.forNewClass(store, code, source, opts);
      this.reset();
    }
  }

  /** As resetSimulation: tell the recorder first, then start a fresh cluster. */
  reset(nodes = 3): void {
    this.recorder.newRun();
    this.live = new LiveSim(this.live.seed);
    this.live.nodes(nodes).must({ type: "deploy", app: "shop", version: "v1", replicas: 6, baselineRps: 30 });
  }

  /** One 100 ms interval at 20x. */
  tick(): void {
    this.wall += 100;
    this.live.advance(2000, 2000);
    this.room.wallMs += 100;
    for (const s of this.students) s.readyMs += 2000;
    this.recorder.tick();
  }

  ticks(n: number): void {
    for (let i = 0; i < n; i++) this.tick();
  }

  run(c: Command): void {
    this.live.must(c);
  }
}

async function flushed(room: FakeRoom): Promise<void> {
  await room.recorder.settled();
}

describe("ClassRecorder", () => {
  it("stores the log and timeline every second and a snapshot every few seconds", async () => {
    const store = new SqliteClassStore({ path: ":memory:" });
    await store.createClass(newClass("REC001"));
    const room = new FakeRoom(store, "REC001", 7);
    room.students = [rosterEntry(1), rosterEntry(2)];
    room.tick();
    await flushed(room);
    let loaded = (await store.loadClass("REC001"))!;
    expect(loaded.meta.run).toBe(1);
    expect(loaded.commands).toEqual(room.live.log);
    expect(loaded.snapshot!.clusterMs).toBe(room.live.sim.timeMs);

    room.ticks(20); // 2 s of wall time: commands flushed, no new snapshot yet
    room.run({ type: "killNode", node: "node-2" });
    room.ticks(10);
    await flushed(room);
    loaded = (await store.loadClass("REC001"))!;
    expect(loaded.commands).toEqual(room.live.log);
    expect(loaded.snapshot!.clusterMs).toBe(2000);

    room.ticks(30); // past 5 s since the first snapshot
    await flushed(room);
    loaded = (await store.loadClass("REC001"))!;
    expect(loaded.snapshot!.clusterMs).toBeGreaterThan(100_000);
    expect(loaded.snapshot!.commandCount).toBe(room.live.log.length);
    expect(loaded.roster.find((r) => r.id === "student-1")!.readyMs).toBeGreaterThan(100_000);
    expect(room.errors).toEqual([]);
    await store.close();
  });

  it("skips snapshots while nothing changes (a paused class)", async () => {
    const store = new SqliteClassStore({ path: ":memory:" });
    await store.createClass(newClass("REC002"));
    const room = new FakeRoom(store, "REC002", 3);
    room.tick();
    await room.recorder.saveNow();
    const first = (await store.loadClass("REC002"))!.snapshot!.savedAt;
    room.room.phase = "paused";
    await room.recorder.saveNow();
    const pausedAt = (await store.loadClass("REC002"))!.snapshot!;
    expect(pausedAt.room.phase).toBe("paused");
    // Paused: the room stops advancing the simulation; ticks find nothing new to write.
    for (let i = 0; i < 100; i++) {
      room.wall += 100;
      room.recorder.tick();
    }
    await flushed(room);
    expect((await store.loadClass("REC002"))!.snapshot!.savedAt).toBe(pausedAt.savedAt);
    expect(first).toBeLessThanOrEqual(pausedAt.savedAt);
    await store.close();
  });

  it("resumes a class after a crash, and the log carries on so a full replay still matches", async () => {
    const store = new SqliteClassStore({ path: ":memory:" });
    await store.createClass(newClass("REC003", "key", { seed: 11 }));
    const before = new FakeRoom(store, "REC003", 11);
    before.students = [rosterEntry(1, { nodeName: "node-1" })];
    before.ticks(70);
    before.run({ type: "killNode", node: "node-1" });
    before.ticks(5);
    before.run({ type: "trafficSpike", service: "shop", multiplier: 3, durationSeconds: 60 });
    before.ticks(3);
    await flushed(before); // the process dies here: no saveNow, the last snapshot is seconds old

    const loaded = (await store.loadClass("REC003"))!;
    expect(loaded.snapshot!.commandCount).toBeLessThan(loaded.commands.length);
    const after = new FakeRoom(store, "REC003", 11, loaded);
    // Where the class resumes is exactly where a replay of its log says it was at that moment.
    expect(stateHash(after.live.sim)).toBe(stateHash(replay(11, "kubernetes", loaded.commands, after.live.sim.timeMs)));
    expect(after.live.sim.timeMs).toBe(loaded.commands[loaded.commands.length - 1]!.atMs);

    after.run({ type: "restoreNode", node: "node-1" });
    after.ticks(40);
    after.run({ type: "scale", deployment: "shop", replicas: 8 });
    after.ticks(60);
    await after.recorder.saveNow();
    const final = (await store.loadClass("REC003"))!;
    expect(final.commands).toEqual(after.live.log);
    expect(final.snapshot!.stateHash).toBe(stateHash(after.live.sim));
    expect(stateHash(replay(11, "kubernetes", final.commands, after.live.sim.timeMs))).toBe(stateHash(after.live.sim));
    expect(after.errors).toEqual([]);
    await store.close();
  });

  it("starts a new run on reset, flushing what the old run had not stored", async () => {
    const store = new SqliteClassStore({ path: ":memory:" });
    await store.createClass(newClass("REC004"));
    const room = new FakeRoom(store, "REC004", 5);
    room.ticks(3);
    room.run({ type: "cordon", node: "node-1" });
    const oldLog = [...room.live.log];
    room.reset(2);
    room.tick();
    // Ticks are separate turns of the event loop: the old run's last snapshot lands in between.
    await flushed(room);
    room.tick();
    await flushed(room);
    const loaded = (await store.loadClass("REC004"))!;
    expect(loaded.meta.run).toBe(2);
    expect(await store.loadCommands("REC004", 1)).toEqual(oldLog);
    expect(loaded.commands).toEqual(room.live.log);
    expect(loaded.snapshot!.run).toBe(2);
    await store.close();
  });

  it("keeps every event in the store even after the state trims its own list", async () => {
    const store = new SqliteClassStore({ path: ":memory:" });
    await store.createClass(newClass("REC005"));
    const room = new FakeRoom(store, "REC005", 1);
    for (let batch = 0; batch < 12; batch++) {
      for (let i = 0; i < 100; i++) room.run({ type: "addNode", name: `extra-${batch}-${i}` });
      room.tick();
      room.wall += 1000;
    }
    room.tick();
    await flushed(room);
    const data = (await store.loadReportData("REC005"))!;
    const registered = data.events.filter((e) => e.reason === "RegisteredNode").length;
    expect(room.live.sim.events.length).toBeLessThan(1000);
    expect(registered).toBe(1203);
    await store.close();
  });

  it("reports failed writes and sends them again on the next flush", async () => {
    const inner = new SqliteClassStore({ path: ":memory:" });
    let failNext = 0;
    const flaky: ClassStore = Object.assign(Object.create(inner) as ClassStore, {
      appendCommands: (code: string, entries: Parameters<ClassStore["appendCommands"]>[1]) =>
        failNext-- > 0 ? Promise.reject(new Error("disk full")) : inner.appendCommands(code, entries),
    });
    await inner.createClass(newClass("REC006"));
    const room = new FakeRoom(flaky, "REC006", 2);
    failNext = 1;
    room.tick();
    await flushed(room);
    expect(room.errors).toEqual(["append commands: Error: disk full"]);
    expect(room.recorder.failures).toBe(1);
    room.wall += 1000;
    room.tick();
    await flushed(room);
    expect(await inner.loadCommands("REC006", 1)).toEqual(room.live.log);
    await inner.close();
  });
});
