/**
 * The shared store (STORE_DRIVER=redis): three real server processes and one real redis-server.
 * Class lists and reports are answered by any process, whichever ran the class; and when the
 * process running a class is killed with SIGKILL and never comes back, exactly one of the others
 * takes the class over from the store, and its students rejoin with their tokens, to their nodes.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { randomBytes } from "node:crypto";
import type { Room } from "@colyseus/sdk";
import { killAll, logLines } from "../ops/spawn.ts";
import { sleep, waitFor, welcomeOf } from "../server/boot.ts";
import { findRedis, skippedWithoutRedis, startRedis, type RedisServer } from "./redis-server.ts";
import { abandon, createClass, gauge, joiner, startGame, type Game } from "./cluster.ts";
import { RedisClassStore, type LoadedClass } from "../../server/store/index.ts";
import type { WelcomeMessage } from "../../shared/protocol/messages.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

const REDIS = findRedis();
const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
/** server/app.config.ts's TAKEOVER_EVERY_MS: how long a second copy of a class would take to appear. */
const SWEEP_MS = 5000;

let redis: RedisServer | undefined;
/** The test's own view of the store, as an operator's redis-cli would have. */
let store: RedisClassStore | undefined;
const games: Game[] = [];
/** Joining retries while no live process holds the class yet (the takeover runs every few seconds). */
const { rooms, join, joinWhenBack } = joiner({ timeoutMs: 30_000, retryEveryMs: 200 });

async function game(name: string): Promise<Game> {
  const g = await startGame(name, redis!.url, { STORE_DRIVER: "redis" });
  games.push(g);
  return g;
}

function get(g: Game, path: string, teacherKey: string): Promise<Response> {
  return fetch(`${g.base}${path}`, { headers: { "x-teacher-key": teacherKey } });
}

/** Poll the store until `ok` holds for the class (writes land every second, snapshots too here). */
async function storeUntil(code: string, ok: (c: LoadedClass) => boolean, what: string): Promise<LoadedClass> {
  const end = Date.now() + 15_000;
  for (;;) {
    const loaded = await store!.loadClass(code);
    if (loaded && ok(loaded)) return loaded;
    if (Date.now() > end) throw new Error(`timed out waiting for the store: ${what}`);
    await sleep(100);
  }
}

if (!REDIS) skippedWithoutRedis("three server processes sharing one Redis store");

describe.skipIf(!REDIS)("three server processes sharing one Redis store", () => {
  beforeAll(async () => {
    redis = await startRedis(REDIS!, PASSWORD);
    store = new RedisClassStore({ redis: redis.url });
    await Promise.all([game("a"), game("b"), game("c")]);
  }, 60_000);

  afterAll(async () => {
    abandon(rooms);
    killAll();
    await store?.close();
    await redis?.stop();
  });

  it("a class killed with its process is taken over by exactly one other; students rejoin to their nodes; reports come from anywhere", async () => {
    const [a, b, c] = games as [Game, Game, Game];

    // A class that ends on A: its report and its place in the class list outlive A.
    const ended = await createClass(a, { seed: 1 });
    const endedTeacher = await join(a, ended.code, { teacherKey: ended.teacherKey });
    endedTeacher.send("classControl", { action: "end" });
    await storeUntil(ended.code, (l) => l.meta.endedAt !== null, "the first class ended");

    // A class that is running on A when A dies: three students (one came through B) and a node killed.
    const live = await createClass(a, { seed: 9, compression: 20 });
    const teacher = await join(a, live.code, { teacherKey: live.teacherKey });
    const students = [await join(a, live.code, { name: "Ann" }), await join(a, live.code, { name: "Abe" }), await join(b, live.code, { name: "Bea" })];
    const welcomes: WelcomeMessage[] = [];
    for (const s of students) welcomes.push(await welcomeOf(s));
    teacher.send("classControl", { action: "start" });
    await waitFor(() => (teacher.state as AnyState).phase === "running", 10_000, "running");
    const victim = welcomes[0]!.nodeName;
    teacher.send("command", { id: "kill", command: { type: "killNode", node: victim } });
    await waitFor(() => (teacher.state as AnyState).nodes.get(victim)?.ready === "Unknown", 15_000, "the killed node NotReady");
    // What a crash can lose is what was not written: wait for a snapshot after the kill with every student.
    const before = await storeUntil(
      live.code,
      (l) => l.roster.length === 3 && l.commands.some((e) => e.command.type === "killNode") && (l.snapshot?.commandCount ?? 0) >= l.commands.length,
      "a snapshot with the three students and the kill",
    );
    expect(await store!.classOwner(live.code)).toBeTruthy();
    const ownerOnA = await store!.classOwner(live.code);

    // Any process lists the teacher's classes and serves reports, the live one's included (A saves it first).
    for (const g of [b, c]) {
      const list = (await (await get(g, "/api/classes", live.teacherKey)).json()) as { classes: { code: string; endedAt: number | null }[] };
      expect(list.classes.map((x) => x.code), `the live class listed by ${g.name}`).toEqual([live.code]);
    }
    const liveReport = await get(c, `/api/classes/${live.code}/report.json`, live.teacherKey);
    expect(liveReport.status).toBe(200);
    expect(JSON.stringify(await liveReport.json())).toContain(live.code);

    const classesBefore = (await gauge(b, "container_city_classes")) + (await gauge(c, "container_city_classes"));
    abandon(rooms);
    a.proc.child.kill("SIGKILL");
    expect((await a.proc.exited).signal).toBe("SIGKILL");

    // A is gone for good. Every student comes back through B, with their token, to their own node.
    const again: Room[] = [];
    for (const w of welcomes) {
      const r = await joinWhenBack(b, live.code, { rejoinToken: w.rejoinToken });
      again.push(r);
      expect(await welcomeOf(r)).toMatchObject({ role: "student", studentId: w.studentId, nodeName: w.nodeName });
    }
    const teacher2 = await join(b, live.code, { teacherKey: live.teacherKey });
    const t2 = () => teacher2.state as AnyState;
    await waitFor(() => t2().students?.size === 3 && [...t2().students.values()].every((s: AnyState) => s.connected), 10_000, "the three students connected again");
    expect(t2().phase).toBe("paused");
    expect(t2().clusterMs).toBeGreaterThanOrEqual(before.snapshot!.clusterMs);

    // Exactly one process took it. A second copy would come from the other's next sweep: watch one.
    const newOwner = await store!.classOwner(live.code);
    expect(newOwner).not.toBe(ownerOnA);
    const holder = (await gauge(b, "container_city_students")) === 3 ? b : c;
    expect(await gauge(holder, "container_city_students")).toBe(3);
    const watchUntil = Date.now() + SWEEP_MS + 2500;
    while (Date.now() < watchUntil) {
      expect((await gauge(b, "container_city_classes")) + (await gauge(c, "container_city_classes"))).toBe(classesBefore + 1);
      await sleep(250);
    }
    const cache = JSON.parse((await redis!.command("HGET", "roomcaches", live.code))[0]!) as { processId: string };
    expect(cache.processId).toBe(newOwner);

    // The class carries on where it was: the kill is in its log, and the resumed state was saved.
    const after = await storeUntil(live.code, (l) => (l.snapshot?.room.phase === "paused"), "a snapshot of the resumed class");
    expect(after.commands.slice(0, before.commands.length)).toEqual(before.commands);

    // The class that ended on A: listed and downloadable from B, though A is gone.
    const list = (await (await get(b, "/api/classes", ended.teacherKey)).json()) as { classes: { code: string; hasReport: boolean }[] };
    expect(list.classes).toEqual([expect.objectContaining({ code: ended.code, hasReport: true })]);
    const md = await get(b, `/api/classes/${ended.code}/report.md`, ended.teacherKey);
    expect(md.status).toBe(200);
    expect(await md.text()).toContain(ended.code);
    expect((await get(b, `/api/classes/${ended.code}/report.md`, live.teacherKey)).status).toBe(404);

    for (const g of [b, c]) {
      expect(logLines(g.proc.stdout()).filter((l) => l.level >= 50), `${g.name}: error lines`).toEqual([]);
      expect(g.proc.stdout() + g.proc.stderr(), `${g.name}: the Redis password in its output`).not.toContain(PASSWORD);
    }
    const started = logLines(b.proc.stdout()).find((l) => /listening/.test(l.msg));
    expect(started?.store).toBe(`redis redis://:***@127.0.0.1:${redis!.port}/0`);
  }, 120_000);

  it("a rollout: the process SIGTERMed saves its class and exits, and the one left takes it over", async () => {
    const [, b, c] = games as [Game, Game, Game];
    const cls = await createClass(c, { seed: 4 });
    const kim = await join(b, cls.code, { name: "Kim" });
    const w = await welcomeOf(kim);
    await storeUntil(cls.code, (l) => l.roster.some((e) => e.id === w.studentId), "Kim on the roster");
    const ownerOnC = await store!.classOwner(cls.code);
    const classesOnB = await gauge(b, "container_city_classes");
    // The first test's class may be on C too: every class of C's moves to B.
    const classesOnC = await gauge(c, "container_city_classes");
    // Kim's browser is told the class is saved and comes back by itself; this client rejoins by hand.
    abandon([kim]);
    c.proc.child.kill("SIGTERM");
    expect((await c.proc.exited).code).toBe(0);
    expect(logLines(c.proc.stdout()).filter((l) => l.level >= 50), "c: error lines").toEqual([]);

    const again = await joinWhenBack(b, cls.code, { rejoinToken: w.rejoinToken });
    expect(await welcomeOf(again)).toMatchObject({ studentId: w.studentId, nodeName: w.nodeName });
    const end = Date.now() + 15_000;
    while ((await gauge(b, "container_city_classes")) !== classesOnB + classesOnC) {
      if (Date.now() > end) throw new Error(`B holds ${await gauge(b, "container_city_classes")} classes, not ${classesOnB} + ${classesOnC}`);
      await sleep(200);
    }
    expect(await store!.classOwner(cls.code)).not.toBe(ownerOnC);
    expect((await store!.getClass(cls.code))!.endedAt).toBeNull();
  }, 60_000);
});
