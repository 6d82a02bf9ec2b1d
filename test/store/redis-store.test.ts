/**
 * The Redis store against the same contract as SQLite, on a real throwaway redis-server (Debian's
 * package, started on a free port by test/scale/redis-server.ts), plus what is Redis's own: no key
 * left behind by a deleted class, a damaged snapshot refused, the owner record of takeover.ts, the
 * configuration checks, and what a large snapshot costs next to SQLite.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateHash } from "../../shared/sim/index.ts";
import { RedisClassStore, SqliteClassStore, createClassStore, isSharedStore, loadStoreConfig, type ClassStore } from "../../server/store/index.ts";
import { ConfigError, loadConfig } from "../../server/config.ts";
import { resumeState } from "../../server/reports/replay.ts";
import { ClassOwners, type Cluster } from "../../server/takeover.ts";
import { findRedis, skippedWithoutRedis, startRedis, type RedisServer } from "../scale/redis-server.ts";
import { describeClassStore } from "./contract.ts";
import { LiveSim, classroomState, expectFoundAgain, newClass, rosterEntry, runningRoom, stats } from "./helpers.ts";

const REDIS = findRedis();
const PASSWORD = `pw-${randomBytes(8).toString("hex")}`;
let redis: RedisServer | undefined;
/** Each store gets a prefix of its own: the contract expects an empty store every time. */
let stores = 0;
const prefix = () => `cc-test-${++stores}:`;

if (!REDIS) skippedWithoutRedis("Redis class store");

describe.skipIf(!REDIS)("Redis class store", () => {
  beforeAll(async () => {
    redis = await startRedis(REDIS!, PASSWORD);
  }, 20_000);
  afterAll(async () => {
    await redis?.stop();
  });

  describeClassStore("Redis", (now) => new RedisClassStore({ redis: redis!.url, prefix: prefix(), now }));
  describeClassStore("Redis, uncompressed snapshots", (now) => new RedisClassStore({ redis: redis!.url, prefix: prefix(), now, encoding: "json" }));

  /** Every key under a prefix (KEYS is fine on a test Redis holding a few hundred). */
  const keysOf = async (p: string) => (await redis!.command("KEYS", `${p}*`)).sort();

  it("finds everything again through a second connection, as another process would", async () => {
    const p = prefix();
    await expectFoundAgain(() => new RedisClassStore({ redis: redis!.url, prefix: p }));
  });

  it("returns a long log, samples and events in order (a large Redis hash has no order of its own)", async () => {
    const store = new RedisClassStore({ redis: redis!.url, prefix: prefix() });
    await store.createClass(newClass("ABC123"));
    const run = await store.beginRun("ABC123");
    const rows = Array.from({ length: 600 }, (_, seq) => ({ run, seq, atMs: seq * 10, command: { type: "addNode" as const, name: `n-${seq}` } }));
    // In batches, as the recorder sends them every second.
    for (let i = 0; i < rows.length; i += 50) await store.appendCommands("ABC123", rows.slice(i, i + 50));
    const sample = (t: number) => ({ t, rps: 1, served: 1, errors: 0, p95Ms: 1, availability: 1, desiredReplicas: 1, readyReplicas: 1, readyNodes: 1, totalNodes: 1 });
    const event = (id: number) => ({ id, type: "Normal" as const, reason: "Scheduled", object: `pod/p-${id}`, node: null, message: "m", count: 1, firstMs: id, lastMs: id });
    await store.appendTimeline("ABC123", run, { samples: Array.from({ length: 300 }, (_, i) => sample(i * 5000)), events: Array.from({ length: 300 }, (_, i) => event(i + 1)) });
    expect(await store.loadCommands("ABC123", run)).toEqual(rows.map(({ atMs, command }) => ({ atMs, command })));
    const data = (await store.loadReportData("ABC123"))!;
    expect(data.samples.map((s) => s.t)).toEqual(Array.from({ length: 300 }, (_, i) => i * 5000));
    expect(data.events.map((e) => e.id)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    await store.close();
  });

  it("stores the snapshot as bytes, and falls back to the command log when they are damaged", async () => {
    const p = prefix();
    const store = new RedisClassStore({ redis: redis!.url, prefix: p, encoding: "json" });
    await store.createClass(newClass("ABC123"));
    const run = await store.beginRun("ABC123");
    const live = new LiveSim(4).nodes(3).must({ type: "deploy", app: "shop", version: "v1", replicas: 3 }).advance(40_000);
    await store.appendCommands("ABC123", live.log.map((e, seq) => ({ ...e, run, seq })));
    await store.saveSnapshot("ABC123", { run, state: live.sim, room: runningRoom, commandCount: live.log.length });
    const key = `${p}class:ABC123:snapshot`;
    const bytes = (await store.redis.hgetBuffer(key, "state"))!;
    expect(bytes.toString("utf8")).toBe(JSON.stringify(live.sim));
    // Flip one field name in the stored JSON: the hash check must catch it.
    await store.redis.hset(key, "state", Buffer.from(bytes.toString("utf8").replace('"timeMs":', '"timeMz":')));
    const loaded = (await store.loadClass("ABC123"))!;
    expect(loaded.snapshot).toBeNull();
    expect(loaded.warnings.join()).toMatch(/hash/);
    expect(resumeState(loaded).timeMs).toBe(live.log[live.log.length - 1]!.atMs);
    await store.close();
  });

  it("leaves no key behind when retention deletes a class, and keeps the other classes' keys", async () => {
    const p = prefix();
    let clock = 1_700_000_000_000;
    const store = new RedisClassStore({ redis: redis!.url, prefix: p, now: () => clock });
    await store.createClass(newClass("OLD111", "key-a"));
    await store.createClass(newClass("NEW222", "key-a"));
    for (const code of ["OLD111", "NEW222"]) {
      const run = await store.beginRun(code);
      await store.beginRun(code);
      const live = new LiveSim(1).nodes(2);
      for (const r of [run, run + 1]) {
        await store.appendCommands(code, live.log.map((e, seq) => ({ ...e, run: r, seq })));
        await store.appendTimeline(code, r, { samples: [{ t: 1, rps: 1, served: 1, errors: 0, p95Ms: 1, availability: 1, desiredReplicas: 1, readyReplicas: 1, readyNodes: 1, totalNodes: 1 }], events: [] });
      }
      await store.saveSnapshot(code, { run: run + 1, state: live.sim, room: runningRoom, roster: [rosterEntry(1)], commandCount: 2 });
      await store.savePredictions(code, [{ questionId: "q", studentId: "student-1", answer: "a", correct: true, atMs: 1 }]);
      await store.claimClass(code, "process-a", null);
    }
    await store.endClass("OLD111", { done: true });
    const newKeys = (await keysOf(p)).filter((k) => k.includes("NEW222"));
    clock += 10 * 86_400_000;
    await store.saveRoster("NEW222", [rosterEntry(2)]);
    clock += 25 * 86_400_000;
    expect(await store.deleteOlderThan(30)).toBe(1);
    // What is left is NEW222's and the indexes, which name NEW222 only.
    expect(await keysOf(p)).toEqual([...newKeys, `${p}classes:activity`, `${p}classes:open`, `${p}teacher:${newClass("X", "key-a").teacherKeyHash}`].sort());
    expect(await redis!.command("ZRANGE", `${p}classes:activity`, "0", "-1")).toEqual(["NEW222"]);
    expect((await store.listClasses(newClass("X", "key-a").teacherKeyHash)).map((c) => c.code)).toEqual(["NEW222"]);
    await store.close();
  });

  it("records one owner per class: a claim succeeds only against the owner it expected", async () => {
    const store = new RedisClassStore({ redis: redis!.url, prefix: prefix() });
    expect(isSharedStore(store)).toBe(true);
    expect(isSharedStore(new SqliteClassStore({ path: ":memory:" }))).toBe(false);
    await store.createClass(newClass("ABC123"));
    expect(await store.classOwner("ABC123")).toBeNull();
    expect(await store.claimClass("ABC123", "a", null)).toBe(true);
    // Two processes that both saw "a" gone: only the first to claim wins.
    const [b, c] = await Promise.all([store.claimClass("ABC123", "b", "a"), store.claimClass("ABC123", "c", "a")]);
    expect([b, c].sort()).toEqual([false, true]);
    expect(await store.classOwner("ABC123")).toBe(b ? "b" : "c");
    expect(await store.claimClass("ABC123", "d", null)).toBe(false);
    await store.close();
  });

  describe("takeover decisions (server/takeover.ts) over the owner record", () => {
    /** A cluster view: which processes live, which holds which room; health checks are counted. */
    function cluster(me: string, live: string[], rooms: Record<string, string> = {}): Cluster & { checks: string[] } {
      const checks: string[] = [];
      return {
        checks,
        processId: () => me,
        roomProcess: async (id) => rooms[id],
        listening: async () => new Set(live),
        healthCheck: async (pid) => {
          checks.push(pid);
          return live.includes(pid);
        },
      };
    }

    it("two processes that both find the owner gone: exactly one takes the class", async () => {
      const store = new RedisClassStore({ redis: redis!.url, prefix: prefix() });
      const meta = await store.createClass(newClass("ABC123"));
      await new ClassOwners(store, cluster("a", ["a"])).own("ABC123");
      expect(await store.classOwner("ABC123")).toBe("a");
      const b = new ClassOwners(store, cluster("b", ["b", "c"]));
      const c = new ClassOwners(store, cluster("c", ["b", "c"]));
      const got = await Promise.all([b.take(meta), c.take(meta)]);
      expect(got.filter(Boolean)).toHaveLength(1);
      expect(await store.classOwner("ABC123")).toBe(got[0] ? "b" : "c");
      // And neither takes it again while the new owner lives.
      b.beginSweep();
      c.beginSweep();
      expect(await Promise.all([b.take(meta), c.take(meta)])).toEqual([false, false]);
      await store.close();
    });

    it("leaves a class whose owner or room holder lives, and asks a health check only of processes not listening", async () => {
      const store = new RedisClassStore({ redis: redis!.url, prefix: prefix() });
      const meta = await store.createClass(newClass("ABC123"));
      await store.claimClass("ABC123", "a", null);
      // A is in its graceful shutdown: its room is gone but it still answers.
      const view = cluster("b", ["b"]);
      view.healthCheck = async (pid) => {
        view.checks.push(pid);
        return pid === "a";
      };
      const owners = new ClassOwners(store, view);
      expect(await owners.take(meta)).toBe(false);
      expect(view.checks).toEqual(["a"]);
      // A room in a live process (listening): no health check needed.
      const busy = cluster("b", ["b", "x"], { ABC123: "x" });
      expect(await new ClassOwners(store, busy).take(meta)).toBe(false);
      expect(busy.checks).toEqual([]);
      // Our own class, being created or resumed here: not taken twice.
      expect(await new ClassOwners(store, cluster("a", ["a"])).take(meta)).toBe(false);
      // A room left in the driver by a dead process, and a dead owner: taken, one health check for both.
      const after = cluster("b", ["b"], { ABC123: "a" });
      expect(await new ClassOwners(store, after).take(meta)).toBe(true);
      expect(after.checks).toEqual(["a"]);
      expect(await store.classOwner("ABC123")).toBe("b");
      await store.close();
    });

    it("with SQLite (one process per file) a class without a live room is simply taken", async () => {
      const sqlite = new SqliteClassStore({ path: ":memory:" });
      const meta = await sqlite.createClass(newClass("ABC123"));
      expect(await new ClassOwners(sqlite, cluster("b", ["b"])).take(meta)).toBe(true);
      expect(await new ClassOwners(sqlite, cluster("b", ["b"], { ABC123: "b" })).take(meta)).toBe(false);
      await sqlite.close();
    });
  });

  it("is chosen with STORE_DRIVER=redis, on STORE_REDIS_URL or else REDIS_URL", async () => {
    const p = prefix();
    const cfg = loadStoreConfig({ STORE_DRIVER: "redis", REDIS_URL: redis!.url });
    const store = createClassStore(cfg);
    expect(store).toBeInstanceOf(RedisClassStore);
    expect((store as RedisClassStore).prefix).toBe("cc:");
    await store.close();
    expect(loadStoreConfig({ STORE_DRIVER: "redis", REDIS_URL: "redis://presence:6379", STORE_REDIS_URL: redis!.url }).STORE_REDIS_URL).toBe(redis!.url);
    // Nothing of this test's prefix was written by the default one.
    expect(await keysOf(p)).toEqual([]);
  });

  it("refuses STORE_DRIVER=redis without a Redis, one line naming the variable, no password shown", () => {
    let msg = "";
    try {
      loadConfig({ STORE_DRIVER: "redis", STORE_REDIS_URL: "http://:hunter2@redis:6379" });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      msg = (err as Error).message;
    }
    expect(msg).toMatch(/^ {2}STORE_REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/m);
    expect(msg).not.toContain("hunter2");
    expect(() => loadConfig({ STORE_DRIVER: "redis" })).toThrow(/^ {2}STORE_DRIVER: redis needs a Redis: set REDIS_URL \(shared with presence\) or STORE_REDIS_URL/m);
    expect(loadConfig({ STORE_DRIVER: "redis", STORE_REDIS_URL: "redis://store:6379" }).STORE_DRIVER).toBe("redis");
  });

  it("rejects writes once Redis is unreachable instead of hanging, so the recorder can log and retry", async () => {
    // A port nothing listens on: every command fails after the client's few retries.
    const store = new RedisClassStore({ redis: "redis://127.0.0.1:1/0" });
    await expect(store.createClass(newClass("ABC123"))).rejects.toThrow();
    await store.close();
  }, 20_000);

  describe("snapshot cost of a large class next to SQLite (timings are reported, not asserted)", () => {
    async function measure(store: ClassStore & { lastSnapshotStats: { serializeMs: number; writeMs: number; totalMs: number; jsonBytes: number; storedBytes: number } | null }, label: string, nodes: number) {
      const state = classroomState(nodes, 30);
      const roster = Array.from({ length: nodes }, (_, i) => rosterEntry(i, { nodeName: `n-${i}` }));
      await store.createClass(newClass("BIG001", "k", { maxStudents: nodes }));
      const run = await store.beginRun("BIG001");
      const write: number[] = [];
      const total: number[] = [];
      const loads: number[] = [];
      for (let i = 0; i < 13; i++) {
        state.timeMs++;
        await store.saveSnapshot("BIG001", { run, state, room: runningRoom, roster, commandCount: 0 });
        if (i < 3) continue; // JIT warm-up
        write.push(store.lastSnapshotStats!.writeMs);
        total.push(store.lastSnapshotStats!.totalMs);
      }
      for (let i = 0; i < 6; i++) {
        const t = performance.now();
        const loaded = await store.loadClass("BIG001");
        if (i >= 2) loads.push(performance.now() - t);
        expect(loaded!.snapshot!.stateHash).toBe(stateHash(state));
        expect(loaded!.roster).toHaveLength(nodes);
      }
      const st = store.lastSnapshotStats!;
      await store.close();
      const fmt = (s: { median: number; p95: number }) => `median ${s.median.toFixed(2)} ms, p95 ${s.p95.toFixed(2)} ms`;
      console.log(
        [
          `[store timing] ${label}, ${nodes} nodes: JSON ${(st.jsonBytes / 1024).toFixed(0)} KiB -> stored ${(st.storedBytes / 1024).toFixed(0)} KiB`,
          `  write (snapshot + ${nodes} roster rows): ${fmt(stats(write))}`,
          `  call to commit (incl. deflate): ${fmt(stats(total))}`,
          `  loadClass: ${fmt(stats(loads))}`,
        ].join("\n"),
      );
    }

    for (const nodes of [300, 1000]) {
      it(`${nodes} students`, async () => {
        await measure(new RedisClassStore({ redis: redis!.url, prefix: prefix() }), "Redis", nodes);
        const dir = mkdtempSync(path.join(tmpdir(), "cc-store-"));
        try {
          await measure(new SqliteClassStore({ path: path.join(dir, "big.db") }), "SQLite file", nodes);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }, 60_000);
    }
  });
});
