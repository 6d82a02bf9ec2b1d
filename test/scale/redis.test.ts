/**
 * More than one process: a real redis-server and two real server processes (node server/main.ts),
 * each with its own port, PUBLIC_ADDRESS and class store, the topology docker-compose.yml and
 * deploy/k8s run. A class is created through one process and joined through both; codes stay
 * unique across them; a teacher's command reaches students whichever process they came through; a
 * process killed with SIGKILL comes back and its students rejoin through the other one.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { killAll, logLines } from "../ops/spawn.ts";
import { sleep, waitFor, welcomeOf } from "../server/boot.ts";
import { findRedis, skippedWithoutRedis, startRedis, type RedisServer } from "./redis-server.ts";
import { abandon, boot, createClass, gauge, joiner, startGame, type Game } from "./cluster.ts";
import { SqliteClassStore } from "../../server/store/index.ts";
import type { CreateClassResponse, WelcomeMessage } from "../../shared/protocol/messages.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

const REDIS = findRedis();
/** In the URL of both processes: it must appear in no log line. */
const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
const CODE_SET = "container-city:class-codes";

let redis: RedisServer | undefined;
let dir = "";
let a: Game;
let b: Game;
/** Joining retries while a restarted process is still resuming its classes (it listens first). */
const { rooms, join, joinWhenBack } = joiner({ timeoutMs: 15_000, retryEveryMs: 100 });

/** One store per process: SQLite files are not shared between processes (docs/operations.md). */
const game = (name: string) => startGame(name, redis!.url, { STORE_PATH: path.join(dir, `${name}.db`) });

if (!REDIS) skippedWithoutRedis("two server processes sharing one Redis");

describe.skipIf(!REDIS)("two server processes sharing one Redis", () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "container-city-scale-"));
    redis = await startRedis(REDIS!, PASSWORD);
    [a, b] = await Promise.all([game("a"), game("b")]);
  }, 60_000);

  afterAll(async () => {
    // No goodbye to the servers: with Redis gone (the last test) a leave waits on it forever.
    abandon(rooms);
    killAll();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a class created through A takes students who join through B and through A, all in one room on A", async () => {
    const cls = await createClass(a, { seed: 7 });
    // The teacher, too, comes in through the process that does not hold the class.
    const teacher = await join(b, cls.code, { teacherKey: cls.teacherKey });
    const viaB = [await join(b, cls.code, { name: "Bea" }), await join(b, cls.code, { name: "Bo" }), await join(b, cls.code, { name: "Bram" })];
    const viaA = [await join(a, cls.code, { name: "Ada" }), await join(a, cls.code, { name: "Abe" })];
    const welcomes: WelcomeMessage[] = [];
    for (const r of [...viaB, ...viaA]) welcomes.push(await welcomeOf(r));
    expect(new Set(welcomes.map((w) => w.studentId)).size).toBe(5);
    for (const r of [teacher, ...viaB, ...viaA]) expect(r.roomId).toBe(cls.code);

    const t = () => teacher.state as AnyState;
    await waitFor(() => t().students?.size === 5 && t().nodes?.size === 5, 10_000, "the teacher sees 5 students and 5 nodes");
    expect(new Set([...t().students.values()].map((s: AnyState) => s.name))).toEqual(new Set(["Bea", "Bo", "Bram", "Ada", "Abe"]));
    for (const w of welcomes) expect(t().nodes.get(w.nodeName), w.nodeName).toBeTruthy();
    // Every WebSocket, including those whose seat B reserved, is held by A: the class lives there.
    expect(await gauge(a, "container_city_students")).toBe(5);
    expect(await gauge(b, "container_city_students")).toBe(0);

    // A teacher command sent by a teacher who came through B reaches the students of both doors.
    teacher.send("classControl", { action: "start" });
    await waitFor(() => [...viaA, ...viaB].every((r) => (r.state as AnyState).phase === "running"), 10_000, "every student sees the class running");
  }, 60_000);

  it("class codes stay unique across the processes, and each class stays in the process it was created through", async () => {
    const before = { a: await gauge(a, "container_city_classes"), b: await gauge(b, "container_city_classes") };
    const made: { code: string; on: Game; cls: CreateClassResponse }[] = [];
    for (let i = 0; i < 20; i++) {
      const on = i % 2 === 0 ? a : b;
      const cls = await createClass(on, { seed: i });
      made.push({ code: cls.code, on, cls });
    }
    const codes = made.map((m) => m.code);
    expect(new Set(codes).size).toBe(20);
    // One set of codes in Redis, written by both processes: that is what keeps them unique.
    const inRedis = new Set(await redis!.command("SMEMBERS", CODE_SET));
    for (const c of codes) expect(inRedis.has(c), `${c} in ${CODE_SET}`).toBe(true);
    expect(await gauge(a, "container_city_classes")).toBe(before.a + 10);
    expect(await gauge(b, "container_city_classes")).toBe(before.b + 10);

    // A class of B's, joined through A.
    const { cls } = made[1]!;
    const teacher = await join(a, cls.code, { teacherKey: cls.teacherKey });
    const eve = await join(a, cls.code, { name: "Eve" });
    await welcomeOf(eve);
    await waitFor(() => (teacher.state as AnyState).students?.size === 1, 10_000, "Eve in B's class");
    expect(await gauge(b, "container_city_students")).toBe(1);
  }, 60_000);

  it("after A is killed with SIGKILL and restarts, its students rejoin through B, same node", async () => {
    const cls = await createClass(a, { seed: 3 });
    const sam = await join(b, cls.code, { name: "Sam" });
    const w = await welcomeOf(sam);
    // The crash loses what was not snapshotted: wait for a snapshot that has Sam on the roster.
    const end = Date.now() + 10_000;
    for (;;) {
      const store = new SqliteClassStore({ path: a.env.STORE_PATH! });
      const loaded = await store.loadClass(cls.code).finally(() => store.close());
      if (loaded?.snapshot && loaded.roster.some((e) => e.id === w.studentId)) break;
      if (Date.now() > end) throw new Error("no snapshot of the class with Sam on A's store");
      await sleep(100);
    }
    abandon(rooms);
    a.proc.child.kill("SIGKILL");
    expect((await a.proc.exited).signal).toBe("SIGKILL");

    await boot(a);
    const again = await joinWhenBack(b, cls.code, { rejoinToken: w.rejoinToken });
    expect(await welcomeOf(again)).toMatchObject({ studentId: w.studentId, nodeName: w.nodeName });
    expect(await gauge(a, "container_city_students")).toBe(1);
    // The classes of the first process survive in B, untouched by A's crash.
    expect(await gauge(b, "container_city_classes")).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it("says at start that it runs on Redis presence, and never writes the Redis password", () => {
    for (const g of [a, b]) {
      for (const p of g.runs) {
        const lines = logLines(p.stdout());
        const listening = lines.find((l) => /listening/.test(l.msg));
        expect(listening, `${g.name}: the start line`).toMatchObject({ presence: "redis", publicAddress: g.env.PUBLIC_ADDRESS });
        expect(listening!.redis).toBe(`redis://:***@127.0.0.1:${redis!.port}/0`);
        expect(p.stdout() + p.stderr(), `${g.name}: the Redis password in its output`).not.toContain(PASSWORD);
        expect(lines.filter((l) => l.level >= 50), `${g.name}: error lines`).toEqual([]);
      }
    }
  });

  // Last: it takes Redis away from the processes.
  it("keeps a running class playing while Redis is down: its players talk to their process only", async () => {
    const cls = await createClass(b, { seed: 5 });
    const teacher = await join(b, cls.code, { teacherKey: cls.teacherKey });
    const lu = await join(a, cls.code, { name: "Lu" });
    await welcomeOf(lu);
    teacher.send("classControl", { action: "start" });
    await waitFor(() => (lu.state as AnyState).phase === "running", 10_000, "running");
    await redis!.stop();
    const clusterMs = (lu.state as AnyState).clusterMs as number;
    await waitFor(() => (lu.state as AnyState).clusterMs > clusterMs, 10_000, "the simulation goes on without Redis");
    teacher.send("classControl", { action: "pause" });
    await waitFor(() => (lu.state as AnyState).phase === "paused", 10_000, "a teacher's command still reaches the student");
  }, 30_000);
});
