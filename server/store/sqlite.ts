/**
 * The embedded ClassStore: one SQLite file through Node's built-in node:sqlite (no native addon to
 * build on a school's machine). WAL lets readers (report downloads) run while a room writes, and
 * synchronous=NORMAL makes a commit cost no fsync: after a power cut the last second of writes may
 * be lost, never the file's consistency, and a class snapshot is only ever seconds old anyway.
 */
import { SerialQueues } from "./serial.ts";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync, type SQLOutputValue, type StatementSync } from "node:sqlite";
import type { Command, HistorySample, KubeEvent, Mode } from "../../shared/sim/index.ts";
import { decodeState, encodeState, parseState, serializeState, type SnapshotEncoding } from "./codec.ts";
import { migrate } from "./migrations.ts";
import {
  ClassNotFoundError,
  type ClassMeta, type ClassMetaPatch, type ClassSnapshot, type ClassStore, type ClassSummary, type CommandEntry, type LoadedClass,
  type LoggedCommand, type NewClass, type PredictionResult, type ReportData, type RoomData, type RosterEntry, type StoredReport,
  type StoredSnapshot, type StudentStatus, type TimelineBatch,
} from "./types.ts";

export interface SqliteStoreOptions {
  /** A file path, or ":memory:" (tests). */
  path: string;
  /** Snapshot compression; "json" keeps rows readable with the sqlite3 shell. */
  encoding?: SnapshotEncoding;
  now?: () => number;
}

/** Where the time of the last snapshot went: the room can export these as metrics. */
export interface SnapshotStats {
  /** JSON.stringify + hash + roster copy, on the caller's thread. */
  serializeMs: number;
  /** The SQLite transaction (snapshot row + roster), on the main thread after compression. */
  writeMs: number;
  /** From the call to the commit, compression on the thread pool included. */
  totalMs: number;
  jsonBytes: number;
  storedBytes: number;
  rosterRows: number;
}

const DAY_MS = 86_400_000;

type Row = Record<string, SQLOutputValue>;

function str(v: SQLOutputValue | undefined): string {
  if (typeof v !== "string") throw new TypeError(`expected text, got ${typeof v}`);
  return v;
}
function num(v: SQLOutputValue | undefined): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  throw new TypeError(`expected a number, got ${typeof v}`);
}
function numOrNull(v: SQLOutputValue | undefined): number | null {
  return v === null || v === undefined ? null : num(v);
}
function strOrNull(v: SQLOutputValue | undefined): string | null {
  return v === null || v === undefined ? null : str(v);
}
function bytes(v: SQLOutputValue | undefined): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return Buffer.from(v, "utf8");
  throw new TypeError(`expected a blob, got ${typeof v}`);
}

function metaFrom(r: Row): ClassMeta {
  return {
    code: str(r.code),
    teacherKeyHash: str(r.teacher_key_hash),
    displayKeyHash: strOrNull(r.display_key_hash),
    mode: str(r.mode) as Mode,
    seed: num(r.seed),
    compression: num(r.compression),
    lessonId: strOrNull(r.lesson_id),
    maxStudents: numOrNull(r.max_students),
    joinUrl: strOrNull(r.join_url),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    endedAt: numOrNull(r.ended_at),
    run: num(r.run),
  };
}

function studentFrom(r: Row): RosterEntry {
  return {
    id: str(r.id),
    name: str(r.name),
    nodeName: str(r.node_name),
    rejoinTokenHash: str(r.rejoin_token_hash),
    deviceIdHash: strOrNull(r.device_id_hash),
    readyMs: num(r.ready_ms),
    served: num(r.served),
    correctPredictions: num(r.correct_predictions),
    status: str(r.status) as StudentStatus,
    kickedUntil: numOrNull(r.kicked_until),
    joinedAt: num(r.joined_at),
  };
}

function sampleFrom(r: Row): HistorySample {
  return {
    t: num(r.t),
    rps: num(r.rps),
    served: num(r.served),
    errors: num(r.errors),
    p95Ms: num(r.p95_ms),
    availability: num(r.availability),
    desiredReplicas: num(r.desired_replicas),
    readyReplicas: num(r.ready_replicas),
    readyNodes: num(r.ready_nodes),
    totalNodes: num(r.total_nodes),
  };
}

function eventFrom(r: Row): KubeEvent {
  return {
    id: num(r.id),
    type: str(r.type) as KubeEvent["type"],
    reason: str(r.reason),
    object: str(r.object),
    node: strOrNull(r.node),
    message: str(r.message),
    count: num(r.count),
    firstMs: num(r.first_ms),
    lastMs: num(r.last_ms),
  };
}

function predictionFrom(r: Row): PredictionResult {
  return { questionId: str(r.question_id), studentId: str(r.student_id), answer: str(r.answer), correct: num(r.correct) === 1, atMs: num(r.at_ms) };
}

function commandFrom(r: Row): CommandEntry {
  return { atMs: num(r.at_ms), command: JSON.parse(str(r.command_json)) as Command };
}

/** Roster values bound in column order, captured before any await so later mutations cannot leak in. */
function rosterParams(code: string, e: RosterEntry): (string | number | null)[] {
  return [code, e.id, e.name, e.nodeName, e.rejoinTokenHash, e.deviceIdHash, Math.round(e.readyMs), e.served, e.correctPredictions, e.status, e.kickedUntil, e.joinedAt];
}

/** Every statement the store runs, prepared once per connection. */
function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    insertClass: p(`INSERT INTO classes (code, teacher_key_hash, display_key_hash, mode, seed, compression, lesson_id, max_students, join_url, run, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`),
    patchClass: p("UPDATE classes SET display_key_hash = ?, lesson_id = ?, join_url = ?, max_students = ?, updated_at = ? WHERE code = ?"),
    getClass: p("SELECT * FROM classes WHERE code = ?"),
    beginRun: p("UPDATE classes SET run = run + 1, updated_at = ? WHERE code = ? RETURNING run"),
    touch: p("UPDATE classes SET updated_at = ? WHERE code = ?"),
    upsertSnapshot: p(`INSERT INTO snapshots (code, run, cluster_ms, state_hash, command_count, encoding, state, room_json, saved_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (code) DO UPDATE SET run = excluded.run, cluster_ms = excluded.cluster_ms, state_hash = excluded.state_hash,
                         command_count = excluded.command_count, encoding = excluded.encoding, state = excluded.state,
                         room_json = excluded.room_json, saved_at = excluded.saved_at`),
    getSnapshot: p("SELECT * FROM snapshots WHERE code = ?"),
    upsertStudent: p(`INSERT INTO students (code, id, name, node_name, rejoin_token_hash, device_id_hash, ready_ms, served, correct_predictions, status, kicked_until, joined_at)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                      ON CONFLICT (code, id) DO UPDATE SET name = excluded.name, node_name = excluded.node_name,
                        rejoin_token_hash = excluded.rejoin_token_hash, device_id_hash = excluded.device_id_hash, ready_ms = excluded.ready_ms,
                        served = excluded.served, correct_predictions = excluded.correct_predictions, status = excluded.status,
                        kicked_until = excluded.kicked_until`),
    students: p("SELECT * FROM students WHERE code = ? ORDER BY joined_at, id"),
    insertCommand: p("INSERT OR IGNORE INTO commands (code, run, seq, at_ms, command_json) VALUES (?, ?, ?, ?, ?)"),
    commands: p("SELECT at_ms, command_json FROM commands WHERE code = ? AND run = ? ORDER BY seq"),
    insertSample: p(`INSERT OR IGNORE INTO samples (code, run, t, rps, served, errors, p95_ms, availability, desired_replicas, ready_replicas, ready_nodes, total_nodes)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    samples: p("SELECT * FROM samples WHERE code = ? AND run = ? ORDER BY t"),
    upsertEvent: p(`INSERT INTO events (code, run, id, type, reason, object, node, message, count, first_ms, last_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (code, run, id) DO UPDATE SET count = excluded.count, last_ms = excluded.last_ms, message = excluded.message`),
    events: p("SELECT * FROM events WHERE code = ? AND run = ? ORDER BY id"),
    upsertPrediction: p(`INSERT INTO predictions (code, question_id, student_id, answer, correct, at_ms) VALUES (?, ?, ?, ?, ?, ?)
                         ON CONFLICT (code, question_id, student_id) DO UPDATE SET answer = excluded.answer, correct = excluded.correct, at_ms = excluded.at_ms`),
    predictions: p("SELECT * FROM predictions WHERE code = ? ORDER BY question_id, at_ms, student_id"),
    listByTeacher: p(`SELECT c.code, c.mode, c.lesson_id, c.created_at, c.updated_at, c.ended_at,
                        (SELECT count(*) FROM students s WHERE s.code = c.code) AS students,
                        coalesce((SELECT cluster_ms FROM snapshots n WHERE n.code = c.code), 0) AS cluster_ms,
                        EXISTS (SELECT 1 FROM reports r WHERE r.code = c.code) AS has_report
                      FROM classes c WHERE c.teacher_key_hash = ? ORDER BY c.created_at DESC, c.code LIMIT ?`),
    listOpen: p("SELECT * FROM classes WHERE ended_at IS NULL AND updated_at >= ? ORDER BY created_at"),
    endClass: p("UPDATE classes SET ended_at = ?, updated_at = ? WHERE code = ?"),
    upsertReport: p(`INSERT INTO reports (code, report_json, created_at) VALUES (?, ?, ?)
                     ON CONFLICT (code) DO UPDATE SET report_json = excluded.report_json, created_at = excluded.created_at`),
    getReport: p("SELECT report_json, created_at FROM reports WHERE code = ?"),
    deleteOlder: p("DELETE FROM classes WHERE coalesce(ended_at, updated_at) < ?"),
  };
}

export class SqliteClassStore implements ClassStore {
  readonly db: DatabaseSync;
  /** Timings of the last snapshot written. */
  lastSnapshotStats: SnapshotStats | null = null;
  private readonly encoding: SnapshotEncoding;
  private readonly now: () => number;
  /** Snapshot writes of a class are chained so a slow compression never lands after a newer one. */
  private readonly queues = new SerialQueues();
  private readonly q: ReturnType<typeof prepareStatements>;
  private closed = false;

  constructor(opts: SqliteStoreOptions) {
    this.encoding = opts.encoding ?? "json+deflate";
    this.now = opts.now ?? Date.now;
    if (opts.path !== ":memory:") mkdirSync(path.dirname(path.resolve(opts.path)), { recursive: true });
    this.db = new DatabaseSync(opts.path, { timeout: 5000, enableForeignKeyConstraints: true });
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA synchronous = NORMAL");
    migrate(this.db, undefined, this.now);
    this.q = prepareStatements(this.db);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("the class store is closed");
  }

  /** BEGIN IMMEDIATE: take the write lock up front, so a second process waits instead of failing mid-transaction. */
  private tx<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.db.exec("COMMIT");
      return result;
    } catch (err) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw err;
    }
  }

  /** Mark the class active; every write goes through here, which also rejects unknown codes clearly. */
  private touch(code: string): void {
    if (this.q.touch.run(this.now(), code).changes === 0) throw new ClassNotFoundError(code);
  }

  async createClass(m: NewClass): Promise<ClassMeta> {
    this.assertOpen();
    const at = m.createdAt ?? this.now();
    this.q.insertClass.run(m.code, m.teacherKeyHash, m.displayKeyHash ?? null, m.mode, m.seed, m.compression, m.lessonId ?? null, m.maxStudents ?? null, m.joinUrl ?? null, at, at);
    return this.requireClass(m.code);
  }

  private requireClass(code: string): ClassMeta {
    const row = this.q.getClass.get(code);
    if (!row) throw new ClassNotFoundError(code);
    return metaFrom(row);
  }

  async updateClass(code: string, patch: ClassMetaPatch): Promise<void> {
    this.assertOpen();
    this.tx(() => {
      const m = { ...this.requireClass(code), ...patch };
      this.q.patchClass.run(m.displayKeyHash, m.lessonId, m.joinUrl, m.maxStudents, this.now(), code);
    });
  }

  async getClass(code: string): Promise<ClassMeta | null> {
    this.assertOpen();
    const row = this.q.getClass.get(code);
    return row ? metaFrom(row) : null;
  }

  async beginRun(code: string): Promise<number> {
    this.assertOpen();
    const row = this.q.beginRun.get(this.now(), code);
    if (!row) throw new ClassNotFoundError(code);
    return num(row.run);
  }

  saveSnapshot(code: string, snap: ClassSnapshot): Promise<void> {
    try {
      this.assertOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    // Everything read from the caller's objects is read now: they change on the next tick.
    const started = performance.now();
    const ser = serializeState(snap.state);
    const roomJson = JSON.stringify(snap.room);
    const roster = snap.roster?.map((e) => rosterParams(code, e)) ?? [];
    const head = { run: snap.run, commandCount: snap.commandCount };
    const serializeMs = performance.now() - started;
    return this.queues.run(code, async () => {
      const blob = await encodeState(ser.json, this.encoding);
      this.assertOpen();
      const w = performance.now();
      this.tx(() => {
        this.touch(code);
        this.q.upsertSnapshot.run(code, head.run, ser.clusterMs, ser.hash, head.commandCount, this.encoding, blob, roomJson, this.now());
        for (const r of roster) this.q.upsertStudent.run(...r);
      });
      const end = performance.now();
      this.lastSnapshotStats = {
        serializeMs,
        writeMs: end - w,
        totalMs: end - started,
        jsonBytes: ser.json.length,
        storedBytes: blob.byteLength,
        rosterRows: roster.length,
      };
    });
  }

  async saveRoster(code: string, roster: RosterEntry[]): Promise<void> {
    this.assertOpen();
    this.tx(() => {
      this.touch(code);
      for (const e of roster) this.q.upsertStudent.run(...rosterParams(code, e));
    });
  }

  async appendCommands(code: string, entries: LoggedCommand[]): Promise<void> {
    this.assertOpen();
    if (entries.length === 0) return;
    this.tx(() => {
      this.touch(code);
      for (const e of entries) this.q.insertCommand.run(code, e.run, e.seq, e.atMs, JSON.stringify(e.command));
    });
  }

  async appendTimeline(code: string, run: number, batch: TimelineBatch): Promise<void> {
    this.assertOpen();
    if (batch.samples.length === 0 && batch.events.length === 0) return;
    this.tx(() => {
      this.touch(code);
      for (const s of batch.samples) {
        this.q.insertSample.run(code, run, s.t, s.rps, s.served, s.errors, s.p95Ms, s.availability, s.desiredReplicas, s.readyReplicas, s.readyNodes, s.totalNodes);
      }
      for (const e of batch.events) {
        this.q.upsertEvent.run(code, run, e.id, e.type, e.reason, e.object, e.node, e.message, e.count, e.firstMs, e.lastMs);
      }
    });
  }

  async savePredictions(code: string, results: PredictionResult[]): Promise<void> {
    this.assertOpen();
    if (results.length === 0) return;
    this.tx(() => {
      this.touch(code);
      for (const r of results) this.q.upsertPrediction.run(code, r.questionId, r.studentId, r.answer, r.correct ? 1 : 0, r.atMs);
    });
  }

  private readSnapshot(code: string, run: number, warnings: string[]): StoredSnapshot | null {
    const row = this.q.getSnapshot.get(code);
    if (!row) return null;
    const snapRun = num(row.run);
    if (snapRun !== run) {
      warnings.push(`the stored snapshot belongs to run ${snapRun}, not run ${run}`);
      return null;
    }
    try {
      const hash = str(row.state_hash);
      const state = parseState(decodeState(bytes(row.state), str(row.encoding)), hash);
      return {
        run: snapRun,
        clusterMs: num(row.cluster_ms),
        stateHash: hash,
        commandCount: num(row.command_count),
        state,
        room: JSON.parse(str(row.room_json)) as RoomData,
        savedAt: num(row.saved_at),
      };
    } catch (err) {
      // A damaged snapshot is not fatal: the command log can rebuild the run from its start.
      warnings.push(`the stored snapshot could not be used: ${(err as Error).message}`);
      return null;
    }
  }

  async loadClass(code: string): Promise<LoadedClass | null> {
    this.assertOpen();
    const row = this.q.getClass.get(code);
    if (!row) return null;
    const meta = metaFrom(row);
    const warnings: string[] = [];
    const commands = this.q.commands.all(code, meta.run).map(commandFrom);
    const snapshot = this.readSnapshot(code, meta.run, warnings);
    if (snapshot && snapshot.commandCount > commands.length) {
      warnings.push(`the snapshot includes ${snapshot.commandCount} commands but only ${commands.length} are logged: a replay from the start would diverge`);
    }
    return {
      meta,
      roster: this.q.students.all(code).map(studentFrom),
      snapshot,
      commands,
      predictions: this.q.predictions.all(code).map(predictionFrom),
      warnings,
    };
  }

  async loadReportData(code: string, run?: number): Promise<ReportData | null> {
    this.assertOpen();
    const row = this.q.getClass.get(code);
    if (!row) return null;
    const meta = metaFrom(row);
    const r = run ?? meta.run;
    return {
      meta,
      run: r,
      roster: this.q.students.all(code).map(studentFrom),
      predictions: this.q.predictions.all(code).map(predictionFrom),
      samples: this.q.samples.all(code, r).map(sampleFrom),
      events: this.q.events.all(code, r).map(eventFrom),
      commands: this.q.commands.all(code, r).map(commandFrom),
      snapshot: this.readSnapshot(code, r, []),
    };
  }

  async loadCommands(code: string, run: number): Promise<CommandEntry[]> {
    this.assertOpen();
    return this.q.commands.all(code, run).map(commandFrom);
  }

  async listClasses(teacherKeyHash: string, opts: { limit?: number } = {}): Promise<ClassSummary[]> {
    this.assertOpen();
    const limit = Math.max(1, Math.min(500, Math.floor(opts.limit ?? 100)));
    return this.q.listByTeacher.all(teacherKeyHash, limit).map((r) => ({
      code: str(r.code),
      mode: str(r.mode) as Mode,
      lessonId: strOrNull(r.lesson_id),
      createdAt: num(r.created_at),
      updatedAt: num(r.updated_at),
      endedAt: numOrNull(r.ended_at),
      students: num(r.students),
      clusterMs: num(r.cluster_ms),
      hasReport: num(r.has_report) === 1,
    }));
  }

  async listOpenClasses(sinceMs: number): Promise<ClassMeta[]> {
    this.assertOpen();
    return this.q.listOpen.all(sinceMs).map(metaFrom);
  }

  async endClass(code: string, report: unknown): Promise<void> {
    this.assertOpen();
    const json = JSON.stringify(report);
    this.tx(() => {
      const at = this.now();
      if (this.q.endClass.run(at, at, code).changes === 0) throw new ClassNotFoundError(code);
      this.q.upsertReport.run(code, json, at);
    });
  }

  async getReport<R = unknown>(code: string): Promise<StoredReport<R> | null> {
    this.assertOpen();
    const row = this.q.getReport.get(code);
    return row ? { report: JSON.parse(str(row.report_json)) as R, createdAt: num(row.created_at) } : null;
  }

  async deleteOlderThan(days: number): Promise<number> {
    this.assertOpen();
    if (!(days >= 0)) throw new RangeError("days must be a non-negative number");
    const cutoff = this.now() - days * DAY_MS;
    return Number(this.tx(() => this.q.deleteOlder.run(cutoff).changes));
  }

  /** Waits for snapshot writes in flight, then closes the file (checkpointing the WAL into it). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queues.idle();
    this.closed = true;
    this.db.close();
  }
}
