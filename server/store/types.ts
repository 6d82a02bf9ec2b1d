/**
 * What a class leaves behind: who was there, the cluster as it last was, every command that shaped
 * it, what the students predicted, and the final report. The store is an interface so that the
 * embedded SQLite file (one server, a school's machine) can be swapped for Redis (several processes
 * sharing classes) without the room or the HTTP routes noticing.
 *
 * Every method returns a promise even though SQLite answers synchronously: a network store cannot,
 * and callers written against promises keep working when it arrives. Two promises every
 * implementation keeps: calls for one class take effect in the order they were made (one
 * connection, pipelined), and saveSnapshot reads the state before it returns, because the
 * simulation mutates it in place on the next tick.
 *
 * Two implementations: SqliteClassStore (sqlite.ts, one process per file) and RedisClassStore
 * (redis.ts, shared by every process; its key layout is described at the top of that file).
 */
import type { Command, HistorySample, KubeEvent, ClusterState, Mode } from "../../shared/sim/index.ts";
import type { Phase } from "../../shared/protocol/messages.ts";

export interface ClassMeta {
  code: string;
  /** sha256 of the teacher key: the key itself is never stored. */
  teacherKeyHash: string;
  /** sha256 of the projector key, so projector tabs can rejoin a resumed class. */
  displayKeyHash: string | null;
  mode: Mode;
  seed: number;
  /** Compression chosen at creation; the current one travels in the snapshot's room data. */
  compression: number;
  lessonId: string | null;
  maxStudents: number | null;
  joinUrl: string | null;
  /** Wall-clock ms. */
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
  /** Increases on every reset: each run is a fresh cluster with its own command log. */
  run: number;
}

export type NewClass = Pick<ClassMeta, "code" | "teacherKeyHash" | "mode" | "seed" | "compression"> &
  Partial<Pick<ClassMeta, "displayKeyHash" | "lessonId" | "maxStudents" | "joinUrl" | "createdAt">>;

export type ClassMetaPatch = Partial<Pick<ClassMeta, "displayKeyHash" | "lessonId" | "joinUrl" | "maxStudents">>;

export type StudentStatus = "active" | "left" | "kicked";

export interface RosterEntry {
  id: string;
  name: string;
  nodeName: string;
  /** sha256 of the rejoin token: a resumed room compares hashes, the token stays on the device. */
  rejoinTokenHash: string;
  /** sha256 of the device id, so a kick survives a restart without keeping the id itself. */
  deviceIdHash: string | null;
  /** Cluster ms the student's node was Ready (the points tallies of shared/game/score.ts). */
  readyMs: number;
  served: number;
  correctPredictions: number;
  status: StudentStatus;
  /** Wall-clock ms until which a kicked student may not rejoin. */
  kickedUntil: number | null;
  joinedAt: number;
}

/** One command as the room logs it: recorded after applyCommand succeeded, at the cluster time it ran. */
export interface CommandEntry {
  atMs: number;
  command: Command;
}

/** A command log row: its run and its index in that run's log make a write idempotent. */
export interface LoggedCommand extends CommandEntry {
  run: number;
  seq: number;
}

/** Room-level data the simulation does not hold, needed to carry on after a restart. */
export interface RoomData {
  phase: Phase;
  compression: number;
  /** Wall ms the class has been running (paused time excluded). */
  wallMs: number;
  locked: boolean;
  /** Anything else the room wants back (JSON only). */
  extra?: Record<string, unknown>;
}

export interface ClassSnapshot {
  run: number;
  state: ClusterState;
  room: RoomData;
  /** How many entries of this run's command log the state already includes. */
  commandCount: number;
  /** Saved in the same transaction, so points and cluster time agree after a restart. */
  roster?: RosterEntry[];
}

export interface StoredSnapshot {
  run: number;
  clusterMs: number;
  stateHash: string;
  commandCount: number;
  state: ClusterState;
  room: RoomData;
  savedAt: number;
}

export interface LoadedClass {
  meta: ClassMeta;
  roster: RosterEntry[];
  /** Latest snapshot of the current run, or null (none yet, from an older run, or failed its hash check). */
  snapshot: StoredSnapshot | null;
  /** Every command of the current run; those from snapshot.commandCount on are not in the snapshot yet. */
  commands: CommandEntry[];
  predictions: PredictionResult[];
  /** Why a stored snapshot was not used, when it was not. */
  warnings: string[];
}

export interface PredictionResult {
  questionId: string;
  studentId: string;
  answer: string;
  correct: boolean;
  /** Cluster ms when the answer was given. */
  atMs: number;
}

export interface ClassSummary {
  code: string;
  mode: Mode;
  lessonId: string | null;
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
  students: number;
  /** Cluster time of the latest snapshot (0 if none). */
  clusterMs: number;
  hasReport: boolean;
}

/** History samples and events of one run, appended as the room goes (the state keeps only the latest). */
export interface TimelineBatch {
  samples: HistorySample[];
  events: KubeEvent[];
}

/** Everything a report is built from. */
export interface ReportData {
  meta: ClassMeta;
  run: number;
  roster: RosterEntry[];
  predictions: PredictionResult[];
  samples: HistorySample[];
  events: KubeEvent[];
  commands: CommandEntry[];
  /** The latest snapshot of that run (totals, configuration, last history), or null. */
  snapshot: StoredSnapshot | null;
}

export interface StoredReport<R = unknown> {
  report: R;
  createdAt: number;
}

export interface ClassStore {
  /** Register a class; fails if the code exists (codes are unique while a class is kept). */
  createClass(meta: NewClass): Promise<ClassMeta>;
  updateClass(code: string, patch: ClassMetaPatch): Promise<void>;
  getClass(code: string): Promise<ClassMeta | null>;
  /** Start a new run (after a reset) and return its number. */
  beginRun(code: string): Promise<number>;
  /**
   * Save the latest snapshot (replacing the previous one) and the roster if given. The state is
   * serialized before this returns, so the caller may keep mutating it at once.
   */
  saveSnapshot(code: string, snapshot: ClassSnapshot): Promise<void>;
  saveRoster(code: string, roster: RosterEntry[]): Promise<void>;
  /** Append command log rows; rows already stored (same run and seq) are ignored. */
  appendCommands(code: string, entries: LoggedCommand[]): Promise<void>;
  appendTimeline(code: string, run: number, batch: TimelineBatch): Promise<void>;
  savePredictions(code: string, results: PredictionResult[]): Promise<void>;
  /** The latest snapshot and the current run's commands: enough to resume after a restart. */
  loadClass(code: string): Promise<LoadedClass | null>;
  loadReportData(code: string, run?: number): Promise<ReportData | null>;
  /** Commands of one run, in order (for replays and the scrubber). */
  loadCommands(code: string, run: number): Promise<CommandEntry[]>;
  /** Classes opened with this teacher key hash, newest first. */
  listClasses(teacherKeyHash: string, opts?: { limit?: number }): Promise<ClassSummary[]>;
  /** Classes not ended and active since `sinceMs` (wall): the ones to resume at boot. */
  listOpenClasses(sinceMs: number): Promise<ClassMeta[]>;
  endClass(code: string, report: unknown): Promise<void>;
  getReport<R = unknown>(code: string): Promise<StoredReport<R> | null>;
  /** Remove classes whose last activity (end, or last save) is older than this many days. Returns how many. */
  deleteOlderThan(days: number): Promise<number>;
  close(): Promise<void>;
}

export class ClassNotFoundError extends Error {
  constructor(code: string) {
    super(`class ${code} is not in the store`);
    this.name = "ClassNotFoundError";
  }
}

/**
 * What a store shared by several server processes (Redis) adds: which process runs each class, so
 * that exactly one process takes over a class whose own process is gone (server/takeover.ts).
 */
export interface ClassOwnership {
  /** The Colyseus processId recorded as running the class, or null. */
  classOwner(code: string): Promise<string | null>;
  /** Record `processId` as the owner if the owner is still `expected` (null: none); true when it now is. */
  claimClass(code: string, processId: string, expected: string | null): Promise<boolean>;
}

export function isSharedStore(store: ClassStore): store is ClassStore & ClassOwnership {
  return typeof (store as Partial<ClassOwnership>).claimClass === "function";
}
