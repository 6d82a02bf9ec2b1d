/**
 * No class lost: the real server (node server/main.ts) is killed with SIGKILL in the middle of a
 * class, as a power cut or an OOM kill would, and a new process on the same STORE_PATH brings the
 * class back under the same code, paused, with the teacher's key and every student's node and
 * points. Then the same again with SIGTERM, the way a deploy restarts it.
 */
import { CloseCodes } from "../../shared/protocol/messages.ts";
import { describe, it, expect, afterAll } from "vitest";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client, type Room } from "@colyseus/sdk";
import { killAll, logLines, start, waitForStatus, type Proc } from "../ops/spawn.ts";
import { matchMaker } from "@colyseus/core";
import { bootServer, sleep, waitFor, welcomeOf } from "./boot.ts";
import { SqliteClassStore, type LoadedClass } from "../../server/store/index.ts";
import { replay } from "../../server/reports/index.ts";
import { sha256 } from "../../server/secrets.ts";
import { applyCommand, createCluster, stateHash, type Command } from "../../shared/sim/index.ts";
import { points } from "../../shared/game/score.ts";
import type { CreateClassResponse, WelcomeMessage } from "../../shared/protocol/messages.ts";
import type { TeacherLessonView } from "../../shared/lessons/index.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

const PORT = 29_831;
const BASE = `http://127.0.0.1:${PORT}`;
const COMPRESSION = 20;
const SNAPSHOT_SECONDS = 1;
const dir = mkdtempSync(path.join(tmpdir(), "container-city-persistence-"));
const STORE_PATH = path.join(dir, "classes.db");
const ENV = {
  PORT: String(PORT),
  HOST: "127.0.0.1",
  LOG_LEVEL: "warn",
  STORE_PATH,
  STORE_SNAPSHOT_SECONDS: String(SNAPSHOT_SECONDS),
  SHUTDOWN_GRACE_MS: "0",
};

afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

async function boot(): Promise<Proc> {
  const server = start(["server/main.ts"], ENV);
  await waitForStatus(`${BASE}/healthz`, 200, server);
  return server;
}

async function createClass(body: object): Promise<CreateClassResponse> {
  const res = await fetch(`${BASE}/api/classes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as CreateClassResponse;
}

/** Join, retrying while the new process is still resuming its classes (it listens first). */
async function join(code: string, options: object, timeoutMs = 8000): Promise<Room> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Client(BASE).joinById(code, options);
    } catch (err) {
      if (Date.now() > end) throw err;
      await sleep(100);
    }
  }
}

/** The crash leaves the clients behind: they must not try to reconnect to the next process by themselves. */
function abandon(rooms: Room[]): void {
  for (const r of rooms) {
    r.reconnection.enabled = false;
    r.removeAllListeners();
  }
}

function readStore<T>(fn: (store: SqliteClassStore) => Promise<T>): Promise<T> {
  // A second connection beside the server's: WAL lets it read while the server writes.
  const store = new SqliteClassStore({ path: STORE_PATH });
  return fn(store).finally(() => store.close());
}

async function readStoreAt<T>(file: string, fn: (store: SqliteClassStore) => Promise<T>): Promise<T> {
  const store = new SqliteClassStore({ path: file });
  return fn(store).finally(() => store.close());
}

/** Bytes of the database and its write-ahead log, to look for secrets in them. */
function storeBytes(): string {
  return [STORE_PATH, `${STORE_PATH}-wal`].filter(existsSync).map((p) => readFileSync(p).toString("latin1")).join("");
}

function errorLogs(p: Proc): unknown[] {
  return logLines(p.stdout()).filter((l) => l.level >= 50);
}

describe("persistence across restarts", () => {
  it("no class lost: after kill -9 a class of 30 comes back under its code, paused, with every node and points", async () => {
    const STUDENTS = 30;
    let a: Proc | undefined;
    let b: Proc | undefined;
    const rooms: Room[] = [];
    try {
      a = await boot();
      const cls = await createClass({ compression: COMPRESSION, seed: 11 });
      const teacher = await join(cls.code, { teacherKey: cls.teacherKey });
      rooms.push(teacher);
      const welcomes: WelcomeMessage[] = [];
      for (let i = 0; i < STUDENTS; i++) {
        const r = await join(cls.code, { name: `Student ${i + 1}`, deviceId: `device-${i}` });
        rooms.push(r);
        welcomes.push(await welcomeOf(r));
      }
      // One more, whom the teacher removes: the kick must outlive the restart.
      const kid = await join(cls.code, { name: "Kid", deviceId: "kicked-device" });
      rooms.push(kid);
      const kidWelcome = await welcomeOf(kid);
      teacher.send("kick", { studentId: kidWelcome.studentId });
      await waitFor(() => (teacher.state as AnyState).students?.size === STUDENTS + 1, 10_000, "every student and the kicked one");
      // A second class, running a lesson with a question answered, to see the lesson state survive too.
      const lessonCls = await createClass({ lesson: "the-city-planner", seed: 5 });
      const lt = await join(lessonCls.code, { teacherKey: lessonCls.teacherKey });
      rooms.push(lt);
      const lessonStudents: Room[] = [];
      for (const name of ["Lin", "Max", "Ode"]) lessonStudents.push(await join(lessonCls.code, { name }));
      rooms.push(...lessonStudents);
      const lview = (r: Room): TeacherLessonView | null => ((r.state as AnyState).teacher?.lesson ? JSON.parse((r.state as AnyState).teacher.lesson) : null);
      lt.send("classControl", { action: "start" });
      await waitFor(() => lview(lt)?.prediction?.status === "open", 10_000, "the first question opens");
      const question = lview(lt)!.prediction!.stepId;
      lessonStudents[0]!.send("answer", { stepId: question, answer: "spread" });
      lessonStudents[1]!.send("answer", { stepId: question, answer: "one-building" });
      await waitFor(() => lview(lt)?.liveResults?.total === 2, 5000, "two answers");

      teacher.send("classControl", { action: "start" });
      const ts = () => teacher.state as AnyState;
      await waitFor(() => ts().phase === "running" && welcomes.every((w) => ts().students.get(w.studentId)?.points > 0), 15_000, "every student scores");
      // Let at least one more snapshot land with the points on it.
      await sleep(SNAPSHOT_SECONDS * 1000 + 300);

      abandon(rooms);
      const before = { clusterMs: ts().clusterMs as number, points: new Map(welcomes.map((w) => [w.studentId!, ts().students.get(w.studentId).points as number])) };
      a.child.kill("SIGKILL");
      const exit = await a.exited;
      expect(exit.signal).toBe("SIGKILL");
      expect(errorLogs(a)).toEqual([]);

      b = await boot();
      const teacher2 = await join(cls.code, { teacherKey: cls.teacherKey });
      rooms.push(teacher2);
      const t2 = () => teacher2.state as AnyState;
      await waitFor(() => t2().students?.size === STUDENTS + 1, 5000, "the roster is back");
      expect(t2().code).toBe(cls.code);
      expect(t2().phase).toBe("paused");
      expect(t2().compression).toBe(COMPRESSION);
      // At most one snapshot interval of class lost (a little more for the tick and the write).
      const resumedMs = t2().clusterMs as number;
      expect(resumedMs).toBeGreaterThanOrEqual(before.clusterMs - COMPRESSION * (SNAPSHOT_SECONDS * 1000 + 500));
      expect(resumedMs).toBeLessThanOrEqual(before.clusterMs + COMPRESSION * 500);
      expect([...t2().students.values()].every((s: AnyState) => s.connected === false)).toBe(true);

      // The display key was rotated (only its hash was stored): the old one is refused, the new one opens.
      expect(t2().teacher.displayKey).toBeTruthy();
      expect(t2().teacher.displayKey).not.toBe(cls.displayKey);
      await expect(new Client(BASE).joinById(cls.code, { displayKey: cls.displayKey })).rejects.toThrow(/display key/);
      rooms.push(await join(cls.code, { displayKey: t2().teacher.displayKey }));
      await expect(new Client(BASE).joinById(cls.code, { teacherKey: "not-the-key" })).rejects.toThrow(/teacher key/);

      // The store: the resumed state is exactly a replay of the stored log, and no key or token is in the file.
      let stored!: LoadedClass;
      const deadline = Date.now() + 5000;
      for (;;) {
        stored = (await readStore((s) => s.loadClass(cls.code)))!;
        const snap = stored.snapshot;
        if (snap && snap.room.phase === "paused" && snap.commandCount === stored.commands.length) break;
        if (Date.now() > deadline) throw new Error(`no snapshot of the resumed class: ${JSON.stringify(snap?.room)}`);
        await sleep(100);
      }
      const snap = stored.snapshot!;
      expect(snap.clusterMs).toBe(resumedMs);
      expect(stateHash(replay(stored.meta.seed, stored.meta.mode, stored.commands, snap.clusterMs))).toBe(snap.stateHash);
      // Every node stopped heartbeating at the resume, through the logged path (the kicked one had drained and gone).
      const tail = stored.commands.slice(-STUDENTS).map((e) => e.command);
      expect(tail.every((c) => c.type === "heartbeat" && c.connected === false)).toBe(true);
      expect(new Set(tail.map((c) => (c as { node: string }).node))).toEqual(new Set(welcomes.map((w) => w.nodeName)));
      expect(stored.meta.teacherKeyHash).toBe(sha256(cls.teacherKey));
      const bytes = storeBytes();
      for (const secret of [cls.teacherKey, cls.displayKey, ...welcomes.map((w) => w.rejoinToken!), kidWelcome.rejoinToken!, "device-0", "kicked-device"]) expect(bytes.includes(secret), "a secret in the store").toBe(false);

      // The students come back with their tokens: same id, same node, the stored points.
      for (const w of welcomes) {
        const r = await join(cls.code, { rejoinToken: w.rejoinToken });
        rooms.push(r);
        const again = await welcomeOf(r);
        expect(again).toMatchObject({ role: "student", studentId: w.studentId, nodeName: w.nodeName, rejoinToken: w.rejoinToken });
      }
      await waitFor(() => [...t2().nodes.values()].filter((n: AnyState) => n.connected).length === STUDENTS, 10_000, "every node heartbeats again");
      for (const w of welcomes) {
        const entry = stored.roster.find((e) => e.id === w.studentId)!;
        expect(entry.rejoinTokenHash).toBe(sha256(w.rejoinToken!));
        expect(t2().students.get(w.studentId).points).toBe(points(entry));
        // Within the points a snapshot interval earns (ready time and requests served at 20x).
        expect(Math.abs(points(entry) - before.points.get(w.studentId!)!)).toBeLessThanOrEqual(6);
        expect(t2().nodes.get(w.nodeName).student).toBe(t2().students.get(w.studentId).name);
      }
      expect(Object.keys(t2().nodes.toJSON())).toHaveLength(STUDENTS);
      // The kicked student stays out, by token and by device; a new student may join.
      await expect(new Client(BASE).joinById(cls.code, { rejoinToken: kidWelcome.rejoinToken })).rejects.toThrow(/removed/);
      await expect(new Client(BASE).joinById(cls.code, { name: "Kid again", deviceId: "kicked-device" })).rejects.toThrow(/removed/);
      expect(stored.roster.find((e) => e.id === kidWelcome.studentId)).toMatchObject({ status: "kicked", deviceIdHash: sha256("kicked-device") });
      rooms.push(await join(cls.code, { name: "Late" }));
      teacher2.send("classControl", { action: "resume" });
      await waitFor(() => t2().phase === "running" && t2().clusterMs > resumedMs, 5000, "the class carries on");

      // The lesson class: same step, the two answers still there.
      const lt2 = await join(lessonCls.code, { teacherKey: lessonCls.teacherKey });
      rooms.push(lt2);
      await waitFor(() => lview(lt2) !== null, 5000, "the lesson view");
      expect((lt2.state as AnyState).phase).toBe("paused");
      expect(lview(lt2)!.prediction).toMatchObject({ stepId: question, status: "open" });
      expect(lview(lt2)!.liveResults?.total).toBe(2);
      expect(errorLogs(b)).toEqual([]);
    } finally {
      abandon(rooms);
      await Promise.allSettled(rooms.map((r) => r.connection.isOpen && r.leave()));
      a?.child.kill("SIGKILL");
      b?.child.kill("SIGKILL");
    }
  }, 30_000);

  it("SIGTERM saves the class without ending it, and the next process resumes it", async () => {
    let a: Proc | undefined;
    let b: Proc | undefined;
    const rooms: Room[] = [];
    try {
      a = await boot();
      const cls = await createClass({ compression: COMPRESSION, seed: 3 });
      const teacher = await join(cls.code, { teacherKey: cls.teacherKey });
      const amy = await join(cls.code, { name: "Amy" });
      rooms.push(teacher, amy);
      const w = await welcomeOf(amy);
      const amyLeft = new Promise<number>((resolve) => amy.onLeave(resolve));
      const notices: { kind: string; text: string }[] = [];
      amy.onMessage("notice", (n: { kind: string; text: string }) => notices.push(n));
      teacher.send("classControl", { action: "start" });
      await waitFor(() => (teacher.state as AnyState).students.get(w.studentId)?.points > 0, 10_000, "points");
      const clusterMs = (teacher.state as AnyState).clusterMs as number;
      for (const r of rooms) r.reconnection.enabled = false;
      a.child.kill("SIGTERM");
      const exit = await a.exited;
      expect(exit.code).toBe(0);
      expect(notices.map((n) => n.kind)).toEqual(["shutdown"]);
      expect(notices[0]!.text).toMatch(/saved/);
      // A saved class closes with "restarting", which pages answer by rejoining, not "class ended".
      expect(await amyLeft).toBe(CloseCodes.restarting);
      expect(errorLogs(a)).toEqual([]);
      const saved = (await readStore((s) => s.loadClass(cls.code)))!;
      expect(saved.meta.endedAt).toBeNull();
      // The last save happened at the shutdown itself: nothing of the class was lost.
      expect(saved.snapshot!.clusterMs).toBeGreaterThanOrEqual(clusterMs);

      b = await boot();
      const teacher2 = await join(cls.code, { teacherKey: cls.teacherKey });
      const amy2 = await join(cls.code, { rejoinToken: w.rejoinToken });
      rooms.push(teacher2, amy2);
      expect(await welcomeOf(amy2)).toMatchObject({ studentId: w.studentId, nodeName: w.nodeName });
      expect((teacher2.state as AnyState).phase).toBe("paused");
      expect((teacher2.state as AnyState).clusterMs).toBe(saved.snapshot!.clusterMs);
      // Ending the class there stores its report; the class is no longer resumed after that.
      teacher2.send("classControl", { action: "end" });
      await waitFor(() => (teacher2.state as AnyState).phase === "ended", 5000, "ended");
      const end = Date.now() + 5000;
      while (!(await readStore((s) => s.getReport(cls.code)))) {
        if (Date.now() > end) throw new Error("no report stored at the end of the class");
        await sleep(100);
      }
      expect((await readStore((s) => s.getClass(cls.code)))!.endedAt).not.toBeNull();
    } finally {
      for (const r of rooms) r.reconnection.enabled = false;
      await Promise.allSettled(rooms.map((r) => r.connection.isOpen && r.leave()));
      a?.child.kill("SIGKILL");
      b?.child.kill("SIGKILL");
    }
  }, 30_000);

  it("at boot, resumes recent classes and ends those idle longer than the idle timeout, with their report", async () => {
    const file = path.join(dir, "boot.db");
    const hourAgo = Date.now() - 3_600_000;
    /** A class as a room would have left it: a run, its commands, a snapshot and a roster, saved at `at`. */
    const seed = async (code: string, at: number) => {
      const store = new SqliteClassStore({ path: file, now: () => at });
      try {
        await store.createClass({ code, teacherKeyHash: sha256(`key-${code}`), mode: "kubernetes", seed: 9, compression: 20, lessonId: null, createdAt: at });
        const run = await store.beginRun(code);
        const state = createCluster({ seed: 9 });
        const log: { atMs: number; command: Command }[] = [];
        for (const command of [{ type: "addNode", name: "node-ana" }, { type: "deploy", app: "shop", version: "v1", replicas: 2, baselineRps: 30 }] as Command[]) {
          expect(applyCommand(state, command).ok).toBe(true);
          log.push({ atMs: state.timeMs, command });
        }
        await store.appendCommands(code, log.map((e, seq) => ({ ...e, run, seq })));
        const roster = [{ id: "ana", name: "Ana", nodeName: "node-ana", rejoinTokenHash: sha256(`token-${code}`), deviceIdHash: null, readyMs: 50_000, served: 300, correctPredictions: 0, status: "active" as const, kickedUntil: null, joinedAt: at }];
        await store.saveSnapshot(code, { run, state, room: { phase: "running", compression: 20, wallMs: 5000, locked: false }, roster, commandCount: log.length });
      } finally {
        await store.close();
      }
    };
    await seed("5TA7E0", hourAgo);
    await seed("RE5VME", Date.now());
    const booted = await bootServer(29_835, { STORE_PATH: file, IDLE_TIMEOUT_SECONDS: "600" });
    try {
      expect(await matchMaker.getRoomById("5TA7E0")).toBeFalsy();
      expect(await matchMaker.getRoomById("RE5VME")).toBeTruthy();
      const end = Date.now() + 5000;
      let stale;
      while (!(stale = await booted.app.ctx.store.getReport<{ class: { endedAt: number; durationMs: number } }>("5TA7E0"))) {
        if (Date.now() > end) throw new Error("the stale class was not ended");
        await sleep(50);
      }
      // Ended as of its last activity, not as of the boot that noticed it.
      expect(stale.report.class.endedAt).toBe(hourAgo);
      expect((await booted.app.ctx.store.getClass("5TA7E0"))!.endedAt).not.toBeNull();
      expect((await booted.app.ctx.store.getClass("RE5VME"))!.endedAt).toBeNull();
      // The resumed one answers its teacher key and its student's token, paused, points intact.
      const client = new Client(booted.url);
      const teacher = await client.joinById("RE5VME", { teacherKey: "key-RE5VME" });
      const ana = await client.joinById("RE5VME", { rejoinToken: "token-RE5VME" });
      expect(await welcomeOf(ana)).toMatchObject({ studentId: "ana", nodeName: "node-ana", rejoinToken: "token-RE5VME" });
      await waitFor(() => (teacher.state as AnyState).students?.get("ana")?.connected === true, 5000, "Ana back");
      expect((teacher.state as AnyState).phase).toBe("paused");
      expect((teacher.state as AnyState).students.get("ana").points).toBe(points({ readyMs: 50_000, served: 300, correctPredictions: 0 }));
      await Promise.all([teacher.leave(), ana.leave()]);
    } finally {
      await booted.colyseus.shutdown();
    }
    // That shutdown saved the resumed class without ending it.
    expect(await readStoreAt(file, (s) => s.getClass("RE5VME"))).toMatchObject({ endedAt: null });
  });
});
