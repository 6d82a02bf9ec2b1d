import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { stateHash } from "../../shared/sim/index.ts";
import { MIGRATIONS, SchemaTooNewError, SqliteClassStore, createClassStore, loadStoreConfig, migrate, schemaVersion } from "../../server/store/index.ts";
import { resumeState } from "../../server/reports/replay.ts";
import { describeClassStore } from "./contract.ts";
import { LiveSim, classroomState, expectFoundAgain, newClass, rosterEntry, runningRoom, stats } from "./helpers.ts";

const dir = mkdtempSync(path.join(tmpdir(), "cc-store-"));
let files = 0;
const tempFile = () => path.join(dir, `class-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeClassStore("SQLite :memory:", (now) => new SqliteClassStore({ path: ":memory:", now }));
describeClassStore("SQLite file", (now) => new SqliteClassStore({ path: tempFile(), now }));
describeClassStore("SQLite file, uncompressed snapshots", (now) => new SqliteClassStore({ path: tempFile(), now, encoding: "json" }));

describe("SQLite store on disk", () => {
  it("finds everything again after the file is closed and reopened", async () => {
    const file = tempFile();
    await expectFoundAgain(() => new SqliteClassStore({ path: file }));
  });

  it("runs in WAL mode with foreign keys on", async () => {
    const store = new SqliteClassStore({ path: tempFile() });
    expect(store.db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(store.db.prepare("PRAGMA foreign_keys").get()).toEqual({ foreign_keys: 1 });
    await store.close();
  });

  it("falls back to the command log when a stored snapshot is damaged", async () => {
    const file = tempFile();
    const store = new SqliteClassStore({ path: file, encoding: "json" });
    await store.createClass(newClass("ABC123"));
    const run = await store.beginRun("ABC123");
    const live = new LiveSim(4).nodes(3).must({ type: "deploy", app: "shop", version: "v1", replicas: 3 }).advance(40_000);
    await store.appendCommands("ABC123", live.log.map((e, seq) => ({ ...e, run, seq })));
    await store.saveSnapshot("ABC123", { run, state: live.sim, room: runningRoom, commandCount: live.log.length });
    // Flip one character of the stored JSON: the hash check must catch it.
    store.db.exec("UPDATE snapshots SET state = CAST(replace(CAST(state AS TEXT), '\"timeMs\":', '\"timeMz\":') AS BLOB)");
    const loaded = (await store.loadClass("ABC123"))!;
    expect(loaded.snapshot).toBeNull();
    expect(loaded.warnings.join()).toMatch(/hash/);
    // Without the snapshot, a replay of the log reaches the last command's moment.
    const last = live.log[live.log.length - 1]!.atMs;
    const replayed = resumeState(loaded);
    expect(replayed.timeMs).toBe(last);
    await store.close();
  });

  it("is created from environment variables", async () => {
    const cfg = loadStoreConfig({ STORE_PATH: ":memory:", STORE_SNAPSHOT_SECONDS: "3" });
    expect(cfg).toMatchObject({ STORE_DRIVER: "sqlite", STORE_PATH: ":memory:", STORE_SNAPSHOT_SECONDS: 3, STORE_RETENTION_DAYS: 30, STORE_SNAPSHOT_ENCODING: "json+deflate" });
    expect(() => loadStoreConfig({ STORE_DRIVER: "mongo" })).toThrow();
    const store = createClassStore(cfg);
    await store.createClass(newClass("ABC123"));
    expect((await store.getClass("ABC123"))!.code).toBe("ABC123");
    await store.close();
  });
});

describe("schema migrations", () => {
  it("apply once: a second migrate, or a second open of the same file, changes nothing", async () => {
    const file = tempFile();
    const db = new DatabaseSync(file);
    expect(migrate(db)).toEqual([1]);
    expect(migrate(db)).toEqual([]);
    expect(schemaVersion(db)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    expect(db.prepare("SELECT count(*) AS n FROM schema_version").get()).toEqual({ n: MIGRATIONS.length });
    db.close();
    const a = new SqliteClassStore({ path: file });
    await a.createClass(newClass("ABC123"));
    await a.close();
    const b = new SqliteClassStore({ path: file });
    expect((await b.getClass("ABC123"))!.code).toBe("ABC123");
    expect(b.db.prepare("SELECT count(*) AS n FROM schema_version").get()).toEqual({ n: MIGRATIONS.length });
    await b.close();
  });

  it("upgrade an older database step by step, keeping its data", () => {
    const db = new DatabaseSync(":memory:");
    migrate(db);
    db.exec("INSERT INTO classes (code, teacher_key_hash, mode, seed, compression, created_at, updated_at) VALUES ('ABC123', 'h', 'kubernetes', 1, 20, 0, 0)");
    const v2 = { version: 2, description: "test: a column", sql: "ALTER TABLE classes ADD COLUMN colour TEXT NOT NULL DEFAULT 'blue'" };
    expect(migrate(db, [...MIGRATIONS, v2])).toEqual([2]);
    expect(migrate(db, [...MIGRATIONS, v2])).toEqual([]);
    expect(db.prepare("SELECT code, colour FROM classes").get()).toEqual({ code: "ABC123", colour: "blue" });
    db.close();
  });

  it("roll back a failing migration entirely", () => {
    const db = new DatabaseSync(":memory:");
    migrate(db);
    const broken = { version: 2, description: "test: half a change", sql: "CREATE TABLE half (x INTEGER); SELECT no_such_function();" };
    expect(() => migrate(db, [...MIGRATIONS, broken])).toThrow();
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    db.close();
  });

  it("refuse a database written by a newer server", () => {
    const file = tempFile();
    const db = new DatabaseSync(file);
    migrate(db);
    db.exec("INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'from the future', 0)");
    db.close();
    expect(() => new SqliteClassStore({ path: file })).toThrow(SchemaTooNewError);
  });
});

describe("snapshot cost of a large class (timings are reported, not asserted)", () => {
  async function measure(label: string, nodes: number, replicas: number) {
    const state = classroomState(nodes, replicas);
    const roster = Array.from({ length: nodes }, (_, i) => rosterEntry(i, { nodeName: `n-${i}` }));
    const store = new SqliteClassStore({ path: tempFile() });
    await store.createClass(newClass("BIG001", "k", { maxStudents: nodes }));
    const run = await store.beginRun("BIG001");
    const sync: number[] = [];
    const write: number[] = [];
    const total: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < 23; i++) {
      state.timeMs++; // a different state each time, as on a running class
      await store.saveSnapshot("BIG001", { run, state, room: runningRoom, roster, commandCount: 0 });
      const st = store.lastSnapshotStats!;
      if (i < 3) continue; // JIT warm-up
      sync.push(st.serializeMs);
      write.push(st.writeMs);
      total.push(st.totalMs);
    }
    for (let i = 0; i < 8; i++) {
      const t = performance.now();
      const loaded = await store.loadClass("BIG001");
      if (i >= 2) loads.push(performance.now() - t);
      expect(loaded!.snapshot!.stateHash).toBe(stateHash(state));
    }
    const st = store.lastSnapshotStats!;
    await store.close();
    const fmt = (s: { median: number; p95: number }) => `median ${s.median.toFixed(2)} ms, p95 ${s.p95.toFixed(2)} ms`;
    console.log(
      [
        `[store timing] ${label}: ${nodes} nodes, ${Object.keys(state.pods).length} pods, roster ${roster.length}; JSON ${(st.jsonBytes / 1024).toFixed(0)} KiB -> stored ${(st.storedBytes / 1024).toFixed(0)} KiB`,
        `  main thread, serialize (stringify + hash + roster copy): ${fmt(stats(sync))}`,
        `  main thread, SQLite transaction (snapshot row + ${roster.length} roster upserts): ${fmt(stats(write))}`,
        `  call to commit (incl. deflate on the thread pool): ${fmt(stats(total))}`,
        `  loadClass (read + inflate + hash check + parse): ${fmt(stats(loads))}`,
      ].join("\n"),
    );
  }

  it("a 1,000-student class (1,000 nodes, the shop's pods)", async () => {
    await measure("classroom", 1000, 30);
  });

  // Building a cluster of 10,000 ready pods takes ~20 s: run with STORE_BENCH=1 npx vitest run test/store.
  it.runIf(process.env.STORE_BENCH)("a 1,000-node cluster packed with 10,000 pods", async () => {
    await measure("packed", 1000, 10_000);
  }, 120_000);
});
