/**
 * Versioned schema changes. A database remembers which versions it has in `schema_version`; each
 * later migration runs once, in its own transaction, so a crash halfway leaves the previous
 * version intact. Never edit a released migration: add the next one.
 */
import type { DatabaseSync } from "node:sqlite";

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "classes, roster, snapshots, command log, history samples, events, predictions, reports",
    sql: `
      CREATE TABLE classes (
        code TEXT PRIMARY KEY,
        teacher_key_hash TEXT NOT NULL,
        display_key_hash TEXT,
        mode TEXT NOT NULL,
        seed INTEGER NOT NULL,
        compression REAL NOT NULL,
        lesson_id TEXT,
        max_students INTEGER,
        join_url TEXT,
        run INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        ended_at INTEGER
      ) STRICT;
      CREATE INDEX classes_by_teacher ON classes (teacher_key_hash, created_at DESC);
      CREATE INDEX classes_by_activity ON classes (coalesce(ended_at, updated_at));

      CREATE TABLE students (
        code TEXT NOT NULL REFERENCES classes (code) ON DELETE CASCADE,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        node_name TEXT NOT NULL,
        rejoin_token_hash TEXT NOT NULL,
        device_id_hash TEXT,
        ready_ms INTEGER NOT NULL,
        served REAL NOT NULL,
        correct_predictions INTEGER NOT NULL,
        status TEXT NOT NULL,
        kicked_until INTEGER,
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (code, id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE snapshots (
        code TEXT PRIMARY KEY REFERENCES classes (code) ON DELETE CASCADE,
        run INTEGER NOT NULL,
        cluster_ms INTEGER NOT NULL,
        state_hash TEXT NOT NULL,
        command_count INTEGER NOT NULL,
        encoding TEXT NOT NULL,
        state BLOB NOT NULL,
        room_json TEXT NOT NULL,
        saved_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE commands (
        code TEXT NOT NULL REFERENCES classes (code) ON DELETE CASCADE,
        run INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        command_json TEXT NOT NULL,
        PRIMARY KEY (code, run, seq)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE samples (
        code TEXT NOT NULL REFERENCES classes (code) ON DELETE CASCADE,
        run INTEGER NOT NULL,
        t INTEGER NOT NULL,
        rps REAL NOT NULL,
        served REAL NOT NULL,
        errors REAL NOT NULL,
        p95_ms REAL NOT NULL,
        availability REAL NOT NULL,
        desired_replicas INTEGER NOT NULL,
        ready_replicas INTEGER NOT NULL,
        ready_nodes INTEGER NOT NULL,
        total_nodes INTEGER NOT NULL,
        PRIMARY KEY (code, run, t)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE events (
        code TEXT NOT NULL REFERENCES classes (code) ON DELETE CASCADE,
        run INTEGER NOT NULL,
        id INTEGER NOT NULL,
        type TEXT NOT NULL,
        reason TEXT NOT NULL,
        object TEXT NOT NULL,
        node TEXT,
        message TEXT NOT NULL,
        count INTEGER NOT NULL,
        first_ms INTEGER NOT NULL,
        last_ms INTEGER NOT NULL,
        PRIMARY KEY (code, run, id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE predictions (
        code TEXT NOT NULL REFERENCES classes (code) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        student_id TEXT NOT NULL,
        answer TEXT NOT NULL,
        correct INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        PRIMARY KEY (code, question_id, student_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE reports (
        code TEXT PRIMARY KEY REFERENCES classes (code) ON DELETE CASCADE,
        report_json TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
];

export class SchemaTooNewError extends Error {}

/** The highest version applied, or 0 for a fresh database. */
export function schemaVersion(db: DatabaseSync): number {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT");
  const row = db.prepare("SELECT max(version) AS v FROM schema_version").get();
  return typeof row?.v === "number" ? row.v : 0;
}

/**
 * Bring the database up to the latest version; a no-op when it is there already. IMMEDIATE takes
 * the write lock before reading the version, so two processes opening one file at once cannot both
 * apply the same migration.
 */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): number[] {
  const known = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    db.exec("BEGIN IMMEDIATE");
    try {
      const current = schemaVersion(db);
      // An older server opening a newer file would write rows the newer schema does not expect.
      if (current > known) throw new SchemaTooNewError(`the database is at schema version ${current}, newer than this server knows (${known}): upgrade the server`);
      if (m.version > current) {
        db.exec(m.sql);
        db.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)").run(m.version, m.description, now());
        applied.push(m.version);
      }
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
  }
  return applied;
}
