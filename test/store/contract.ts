/**
 * Behaviour every ClassStore must have, whatever holds the data. The SQLite store runs it today;
 * a Redis store will run the same suite by calling describeClassStore with its own factory.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stateHash } from "../../shared/sim/index.ts";
import { ClassNotFoundError, type ClassStore } from "../../server/store/types.ts";
import { resumeState } from "../../server/reports/replay.ts";
import { LiveSim, newClass, rosterEntry, runningRoom, sha } from "./helpers.ts";

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

export function describeClassStore(name: string, open: (now: () => number) => ClassStore | Promise<ClassStore>): void {
  describe(`ClassStore contract: ${name}`, () => {
    let clockMs = T0;
    let store: ClassStore;
    beforeEach(async () => {
      clockMs = T0;
      store = await open(() => clockMs);
    });
    afterEach(async () => {
      await store.close();
    });

    it("creates a class and reads its meta back, keeping only key hashes", async () => {
      const meta = await store.createClass(newClass("ABC123", "secret-teacher-key", { displayKeyHash: sha("display"), maxStudents: 30, joinUrl: "http://x/?code=ABC123" }));
      expect(meta).toMatchObject({ code: "ABC123", teacherKeyHash: sha("secret-teacher-key"), mode: "kubernetes", seed: 42, compression: 20, lessonId: "node-failure", run: 0, createdAt: T0, endedAt: null });
      expect(JSON.stringify(meta)).not.toContain("secret-teacher-key");
      expect(await store.getClass("ABC123")).toEqual(meta);
      expect(await store.getClass("NOPE99")).toBeNull();
      await store.updateClass("ABC123", { displayKeyHash: sha("rotated") });
      expect((await store.getClass("ABC123"))!.displayKeyHash).toBe(sha("rotated"));
    });

    it("refuses a second class with the same code", async () => {
      await store.createClass(newClass("ABC123"));
      await expect(store.createClass(newClass("ABC123"))).rejects.toThrow();
    });

    it("refuses writes for a class it does not hold", async () => {
      await expect(store.appendCommands("NOPE99", [{ run: 1, seq: 0, atMs: 0, command: { type: "addNode", name: "a" } }])).rejects.toBeInstanceOf(ClassNotFoundError);
      await expect(store.beginRun("NOPE99")).rejects.toBeInstanceOf(ClassNotFoundError);
      const live = new LiveSim(1).nodes(1);
      await expect(store.saveSnapshot("NOPE99", { run: 1, state: live.sim, room: runningRoom, commandCount: 1 })).rejects.toBeInstanceOf(ClassNotFoundError);
    });

    it("round-trips a snapshot, the roster, the command log and predictions", async () => {
      await store.createClass(newClass("ABC123"));
      const run = await store.beginRun("ABC123");
      expect(run).toBe(1);
      const live = new LiveSim(42).nodes(3).must({ type: "deploy", app: "shop", version: "v1", replicas: 4, baselineRps: 20 }).advance(60_000);
      const roster = [rosterEntry(1), rosterEntry(2, { status: "kicked", kickedUntil: T0 + 600_000 }), rosterEntry(3, { deviceIdHash: null })];
      await store.appendCommands("ABC123", live.log.map((e, seq) => ({ ...e, run, seq })));
      await store.saveSnapshot("ABC123", { run, state: live.sim, room: { ...runningRoom, extra: { note: "hi" } }, roster, commandCount: live.log.length });
      await store.savePredictions("ABC123", [
        { questionId: "q1", studentId: "student-1", answer: "50 s", correct: true, atMs: 1000 },
        { questionId: "q1", studentId: "student-2", answer: "10 s", correct: false, atMs: 2000 },
      ]);

      const loaded = (await store.loadClass("ABC123"))!;
      expect(loaded.warnings).toEqual([]);
      expect(loaded.meta.run).toBe(1);
      expect(loaded.snapshot!.stateHash).toBe(stateHash(live.sim));
      expect(stateHash(loaded.snapshot!.state)).toBe(stateHash(live.sim));
      expect(loaded.snapshot!.clusterMs).toBe(live.sim.timeMs);
      expect(loaded.snapshot!.commandCount).toBe(live.log.length);
      expect(loaded.snapshot!.room).toEqual({ ...runningRoom, extra: { note: "hi" } });
      expect(loaded.commands).toEqual(live.log);
      expect(loaded.roster).toEqual(roster);
      expect(loaded.predictions).toEqual([
        { questionId: "q1", studentId: "student-1", answer: "50 s", correct: true, atMs: 1000 },
        { questionId: "q1", studentId: "student-2", answer: "10 s", correct: false, atMs: 2000 },
      ]);
    });

    it("reads the state when saveSnapshot is called, not when the write lands", async () => {
      await store.createClass(newClass("ABC123"));
      const run = await store.beginRun("ABC123");
      const live = new LiveSim(5).nodes(2).must({ type: "deploy", app: "shop", version: "v1", replicas: 2 }).advance(20_000);
      const hashAtCall = stateHash(live.sim);
      const saving = store.saveSnapshot("ABC123", { run, state: live.sim, room: runningRoom, commandCount: live.log.length });
      live.advance(30_000);
      await saving;
      expect((await store.loadClass("ABC123"))!.snapshot!.stateHash).toBe(hashAtCall);
    });

    it("gives what a restart needs: the snapshot and the commands logged after it", async () => {
      await store.createClass(newClass("ABC123"));
      const run = await store.beginRun("ABC123");
      const live = new LiveSim(9).nodes(4).must({ type: "deploy", app: "shop", version: "v1", replicas: 6, baselineRps: 30 }).advance(90_000);
      await store.saveSnapshot("ABC123", { run, state: live.sim, room: runningRoom, commandCount: live.log.length });
      live.advance(7_000).must({ type: "killNode", node: "node-2" }).advance(12_345).must({ type: "scale", deployment: "shop", replicas: 8 });
      await store.appendCommands("ABC123", live.log.map((e, seq) => ({ ...e, run, seq })));

      const loaded = (await store.loadClass("ABC123"))!;
      expect(loaded.commands.length - loaded.snapshot!.commandCount).toBe(2);
      // The resumed cluster stands where the live one was at its last logged command.
      expect(stateHash(resumeState(loaded))).toBe(stateHash(live.sim));
    });

    it("ignores a command row sent twice (retries are safe)", async () => {
      await store.createClass(newClass("ABC123"));
      const run = await store.beginRun("ABC123");
      const rows = [
        { run, seq: 0, atMs: 0, command: { type: "addNode" as const, name: "a" } },
        { run, seq: 1, atMs: 0, command: { type: "addNode" as const, name: "b" } },
      ];
      await store.appendCommands("ABC123", rows);
      await store.appendCommands("ABC123", rows);
      await store.appendCommands("ABC123", [{ run, seq: 2, atMs: 5, command: { type: "cordon", node: "a" } }]);
      expect(await store.loadCommands("ABC123", run)).toEqual([
        { atMs: 0, command: { type: "addNode", name: "a" } },
        { atMs: 0, command: { type: "addNode", name: "b" } },
        { atMs: 5, command: { type: "cordon", node: "a" } },
      ]);
    });

    it("keeps each run's log apart and never resumes a snapshot of an older run", async () => {
      await store.createClass(newClass("ABC123"));
      const run1 = await store.beginRun("ABC123");
      const a = new LiveSim(3).nodes(2);
      await store.appendCommands("ABC123", a.log.map((e, seq) => ({ ...e, run: run1, seq })));
      await store.saveSnapshot("ABC123", { run: run1, state: a.sim, room: runningRoom, commandCount: a.log.length });
      const run2 = await store.beginRun("ABC123");
      expect(run2).toBe(run1 + 1);
      const b = new LiveSim(3).nodes(1, "other");
      await store.appendCommands("ABC123", b.log.map((e, seq) => ({ ...e, run: run2, seq })));

      const loaded = (await store.loadClass("ABC123"))!;
      expect(loaded.meta.run).toBe(run2);
      expect(loaded.snapshot).toBeNull();
      expect(loaded.warnings.join()).toMatch(/run 1/);
      expect(loaded.commands).toEqual(b.log);
      expect(await store.loadCommands("ABC123", run1)).toEqual(a.log);
    });

    it("appends samples once and updates events as their count grows", async () => {
      await store.createClass(newClass("ABC123"));
      const run = await store.beginRun("ABC123");
      const sample = { t: 5000, rps: 30, served: 150, errors: 0, p95Ms: 40, availability: 1, desiredReplicas: 6, readyReplicas: 6, readyNodes: 3, totalNodes: 3 };
      const event = { id: 7, type: "Warning" as const, reason: "BackOff", object: "pod/shop-a-b", node: "node-1", message: "Back-off", count: 1, firstMs: 1000, lastMs: 1000 };
      await store.appendTimeline("ABC123", run, { samples: [sample], events: [event] });
      await store.appendTimeline("ABC123", run, { samples: [{ ...sample, served: 999 }], events: [{ ...event, count: 3, lastMs: 9000 }] });
      const data = (await store.loadReportData("ABC123"))!;
      expect(data.samples).toEqual([sample]);
      expect(data.events).toEqual([{ ...event, count: 3, lastMs: 9000 }]);
    });

    it("lists a teacher's classes only, newest first, with what a class list shows", async () => {
      await store.createClass(newClass("AAA111", "key-a"));
      clockMs += 1000;
      await store.createClass(newClass("BBB222", "key-b"));
      clockMs += 1000;
      await store.createClass(newClass("CCC333", "key-a", { lessonId: "rollouts" }));
      await store.saveRoster("CCC333", [rosterEntry(1), rosterEntry(2)]);
      await store.endClass("AAA111", { ok: true });

      const mine = await store.listClasses(sha("key-a"));
      expect(mine.map((c) => c.code)).toEqual(["CCC333", "AAA111"]);
      expect(mine[0]).toMatchObject({ code: "CCC333", lessonId: "rollouts", students: 2, hasReport: false, endedAt: null });
      expect(mine[1]).toMatchObject({ code: "AAA111", students: 0, hasReport: true, endedAt: clockMs });
      expect((await store.listClasses(sha("key-b"))).map((c) => c.code)).toEqual(["BBB222"]);
      expect(await store.listClasses(sha("nobody"))).toEqual([]);
      expect(await store.listClasses("key-a")).toEqual([]);
      expect(await store.listClasses(sha("key-a"), { limit: 1 })).toHaveLength(1);
    });

    it("ends a class with its report, and stops offering it for resumption", async () => {
      await store.createClass(newClass("AAA111"));
      await store.createClass(newClass("BBB222"));
      expect((await store.listOpenClasses(T0)).map((m) => m.code)).toEqual(["AAA111", "BBB222"]);
      clockMs += 5000;
      await store.endClass("AAA111", { slo: { availability: 0.995 } });
      expect((await store.getClass("AAA111"))!.endedAt).toBe(T0 + 5000);
      expect(await store.getReport("AAA111")).toEqual({ report: { slo: { availability: 0.995 } }, createdAt: T0 + 5000 });
      expect(await store.getReport("BBB222")).toBeNull();
      expect((await store.listOpenClasses(T0)).map((m) => m.code)).toEqual(["BBB222"]);
      expect(await store.listOpenClasses(T0 + 1)).toEqual([]);
    });

    it("deletes classes idle for longer than the retention, with everything they own", async () => {
      await store.createClass(newClass("OLD111"));
      const run = await store.beginRun("OLD111");
      const live = new LiveSim(1).nodes(2);
      await store.appendCommands("OLD111", live.log.map((e, seq) => ({ ...e, run, seq })));
      await store.saveSnapshot("OLD111", { run, state: live.sim, room: runningRoom, roster: [rosterEntry(1)], commandCount: 2 });
      await store.endClass("OLD111", { done: true });
      clockMs = T0 + 20 * DAY;
      await store.createClass(newClass("NEW222"));
      clockMs = T0 + 31 * DAY;
      expect(await store.deleteOlderThan(30)).toBe(1);
      expect(await store.getClass("OLD111")).toBeNull();
      expect(await store.loadClass("OLD111")).toBeNull();
      expect(await store.loadCommands("OLD111", run)).toEqual([]);
      expect(await store.getReport("OLD111")).toBeNull();
      expect(await store.getClass("NEW222")).not.toBeNull();
      expect(await store.deleteOlderThan(30)).toBe(0);
      // The code is free again once the old class is gone.
      await store.createClass(newClass("OLD111"));
    });
  });
}
