/**
 * The shared ClassStore: every server process reads and writes the same classes in one Redis, so a
 * class list or a report is answered by any process, and a class whose process is gone (a pod
 * replaced in a rollout, an OOM kill) can be resumed by another one (server/takeover.ts).
 *
 * Key layout (P = the prefix, "cc:" by default; nulls are absent hash fields):
 *   P class:{code}               HASH  meta: code teacherKeyHash displayKeyHash mode seed compression lessonId
 *                                      maxStudents joinUrl createdAt updatedAt endedAt run
 *   P class:{code}:roster        HASH  student id -> RosterEntry JSON
 *   P class:{code}:snapshot      HASH  run clusterMs stateHash commandCount encoding savedAt room(JSON)
 *                                      state (the codec's bytes, binary: MBs for a 1,000-node class)
 *   P class:{code}:log:{run}     HASH  seq -> {atMs, command} JSON (HSETNX: a retried row is ignored)
 *   P class:{code}:samples:{run} HASH  t -> HistorySample JSON (HSETNX: the first sample of a t stays)
 *   P class:{code}:events:{run}  HASH  id -> KubeEvent JSON (HSET: count, lastMs and message move on)
 *   P class:{code}:predictions   HASH  questionId "\n" studentId -> PredictionResult JSON
 *   P class:{code}:report        HASH  json createdAt
 *   P class:{code}:keys          SET   the per-run keys above that exist, so a delete finds them all
 *   P class:{code}:owner         STRING processId of the server process running the class (takeover.ts)
 *   P teacher:{teacherKeyHash}   ZSET  code by createdAt (listClasses)
 *   P classes:open               ZSET  code by updatedAt, classes not ended (listOpenClasses)
 *   P classes:activity           ZSET  code by coalesce(endedAt, updatedAt) (deleteOlderThan)
 *
 * Every write is one Lua script: it checks that the class exists (ClassNotFoundError otherwise),
 * writes, and moves updatedAt and the indexes, atomically, so a retention delete running in another
 * process can never leave half a class behind. Scripts name keys they build from the prefix, so
 * this needs a single Redis (or a primary with replicas), not Redis Cluster.
 *
 * Redis must persist (AOF, appendfsync everysec, or RDB at least): without it a Redis restart loses
 * every class, which SQLite on a volume would not.
 */
import { SerialQueues } from "./serial.ts";
import { Redis } from "ioredis";
import type { Command, HistorySample, KubeEvent, Mode } from "../../shared/sim/index.ts";
import { decodeState, encodeState, parseState, serializeState, type SnapshotEncoding } from "./codec.ts";
import type { SnapshotStats } from "./sqlite.ts";
import {
  ClassNotFoundError,
  type ClassMeta, type ClassMetaPatch, type ClassOwnership, type ClassSnapshot, type ClassStore, type ClassSummary, type CommandEntry,
  type LoadedClass, type LoggedCommand, type NewClass, type PredictionResult, type ReportData, type RoomData, type RosterEntry,
  type StoredReport, type StoredSnapshot, type TimelineBatch,
} from "./types.ts";

export interface RedisStoreOptions {
  /** A redis:// or rediss:// URL, or a connection of the caller's (it is then not closed by close()). */
  redis: string | Redis;
  /** Every key starts with it: several stores (tests, two deployments) can share one Redis. */
  prefix?: string;
  encoding?: SnapshotEncoding;
  now?: () => number;
}

const DAY_MS = 86_400_000;
/** Sent back by a script for an unknown code; becomes ClassNotFoundError. */
const NOT_FOUND = "CCNOTFOUND";
const EXISTS = "CCEXISTS";

/**
 * The start of every write script: KEYS[1] class hash, KEYS[2] activity, KEYS[3] open; ARGV[1]
 * code, ARGV[2] now. Moves updatedAt; an ended class keeps its end as its last activity, as
 * coalesce(ended_at, updated_at) does in SQLite.
 */
const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('${NOT_FOUND}') end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
local ended = redis.call('HGET', KEYS[1], 'endedAt')
if ended then
  redis.call('ZADD', KEYS[2], ended, ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
end
`;

const SCRIPTS = {
  /** KEYS[4] teacher zset; ARGV[3..] field, value pairs. */
  create: `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('${EXISTS}') end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
return 1`,
  /** ARGV[3..] field, value pairs; an empty value deletes the field (a null). */
  patch: `${TOUCH}
for i = 3, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1`,
  beginRun: `${TOUCH}
return redis.call('HINCRBY', KEYS[1], 'run', 1)`,
  /** KEYS[4] snapshot, KEYS[5] roster; ARGV[3] number of snapshot pairs, then those pairs, then roster id, JSON pairs. */
  snapshot: `${TOUCH}
local n = tonumber(ARGV[3])
redis.call('DEL', KEYS[4])
for i = 4, 3 + 2 * n, 2 do redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1]) end
for i = 4 + 2 * n, #ARGV, 2 do redis.call('HSET', KEYS[5], ARGV[i], ARGV[i + 1]) end
return 1`,
  /** KEYS[4] roster; ARGV[3..] id, JSON pairs. */
  roster: `${TOUCH}
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1]) end
return 1`,
  /**
   * KEYS[4] the class's key set; ARGV[3..] triples: key, mode ("nx" keeps a field already there,
   * "set" replaces it), then field, value pairs up to a "" separator.
   */
  append: `${TOUCH}
local i = 3
while i <= #ARGV do
  local key, mode = ARGV[i], ARGV[i + 1]
  redis.call('SADD', KEYS[4], key)
  i = i + 2
  while ARGV[i] ~= '' do
    if mode == 'nx' then redis.call('HSETNX', key, ARGV[i], ARGV[i + 1]) else redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
    i = i + 2
  end
  i = i + 1
end
return 1`,
  /** KEYS[4] report; ARGV[3] report JSON. */
  end: `
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('${NOT_FOUND}') end
redis.call('HSET', KEYS[1], 'endedAt', ARGV[2], 'updatedAt', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
redis.call('HSET', KEYS[4], 'json', ARGV[3], 'createdAt', ARGV[2])
return 1`,
  /**
   * Delete one class if its last activity is still before the cutoff (it may have been touched
   * since the index was read). KEYS[1] class, KEYS[2] activity, KEYS[3] open, KEYS[4] key set,
   * KEYS[5..] its fixed keys; ARGV[1] code, ARGV[2] cutoff, ARGV[3] teacher index prefix.
   */
  delete: `
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not score or tonumber(score) >= tonumber(ARGV[2]) then return 0 end
local teacher = redis.call('HGET', KEYS[1], 'teacherKeyHash')
if teacher then redis.call('ZREM', ARGV[3] .. teacher, ARGV[1]) end
for _, key in ipairs(redis.call('SMEMBERS', KEYS[4])) do redis.call('DEL', key) end
for i = 4, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1`,
  /** Compare and set the owner: KEYS[1] owner key; ARGV[1] expected ("" for none), ARGV[2] new owner. */
  claim: `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`,
} as const;

type ScriptName = keyof typeof SCRIPTS;

function numOrNull(v: string | undefined): number | null {
  return v === undefined ? null : Number(v);
}

function metaFrom(h: Record<string, string>): ClassMeta {
  return {
    code: h.code!,
    teacherKeyHash: h.teacherKeyHash!,
    displayKeyHash: h.displayKeyHash ?? null,
    mode: h.mode as Mode,
    seed: Number(h.seed),
    compression: Number(h.compression),
    lessonId: h.lessonId ?? null,
    maxStudents: numOrNull(h.maxStudents),
    joinUrl: h.joinUrl ?? null,
    createdAt: Number(h.createdAt),
    updatedAt: Number(h.updatedAt),
    endedAt: numOrNull(h.endedAt),
    run: Number(h.run ?? 0),
  };
}

/** Hash field, value pairs for the meta fields given; null becomes "" (the patch script deletes it). */
function metaPairs(m: Partial<Record<keyof ClassMeta, string | number | null | undefined>>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue;
    out.push(k, v === null ? "" : String(v));
  }
  return out;
}

/** The roster as SQLite stores it (readyMs is an INTEGER column there), as JSON taken now. */
function rosterJson(e: RosterEntry): string {
  return JSON.stringify({ ...e, readyMs: Math.round(e.readyMs) });
}

function byRoster(a: RosterEntry, b: RosterEntry): number {
  return a.joinedAt - b.joinedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Values of a hash keyed by integers, in numeric key order. */
function inKeyOrder(h: Record<string, string>): string[] {
  return Object.keys(h).map(Number).sort((a, b) => a - b).map((k) => h[String(k)]!);
}

export class RedisClassStore implements ClassStore, ClassOwnership {
  readonly redis: Redis;
  readonly prefix: string;
  /** Timings of the last snapshot written (the same shape as SqliteClassStore's). */
  lastSnapshotStats: SnapshotStats | null = null;
  private readonly ownsConnection: boolean;
  private readonly encoding: SnapshotEncoding;
  private readonly now: () => number;
  private readonly shas = new Map<ScriptName, string>();
  /** Snapshot writes of a class are chained so a slow compression never lands after a newer one. */
  private readonly queues = new SerialQueues();
  private closed = false;

  constructor(opts: RedisStoreOptions) {
    this.prefix = opts.prefix ?? "cc:";
    this.encoding = opts.encoding ?? "json+deflate";
    this.now = opts.now ?? Date.now;
    this.ownsConnection = typeof opts.redis === "string";
    // A failed write surfaces to the recorder (which logs and retries on its next flush) after a few
    // reconnection attempts, instead of queueing without bound while Redis is away.
    this.redis = typeof opts.redis === "string" ? new Redis(opts.redis, { maxRetriesPerRequest: 3 }) : opts.redis;
    // ioredis logs unhandled connection errors itself; each failed command rejects to its caller.
    if (this.ownsConnection) this.redis.on("error", () => undefined);
  }

  private k = {
    cls: (code: string) => `${this.prefix}class:${code}`,
    roster: (code: string) => `${this.prefix}class:${code}:roster`,
    snapshot: (code: string) => `${this.prefix}class:${code}:snapshot`,
    log: (code: string, run: number) => `${this.prefix}class:${code}:log:${run}`,
    samples: (code: string, run: number) => `${this.prefix}class:${code}:samples:${run}`,
    events: (code: string, run: number) => `${this.prefix}class:${code}:events:${run}`,
    predictions: (code: string) => `${this.prefix}class:${code}:predictions`,
    report: (code: string) => `${this.prefix}class:${code}:report`,
    keys: (code: string) => `${this.prefix}class:${code}:keys`,
    owner: (code: string) => `${this.prefix}class:${code}:owner`,
    teacher: (hash: string) => `${this.prefix}teacher:${hash}`,
    open: () => `${this.prefix}classes:open`,
    activity: () => `${this.prefix}classes:activity`,
  };

  private assertOpen(): void {
    if (this.closed) throw new Error("the class store is closed");
  }

  /** EVALSHA, loading the script on first use or after a Redis restart forgot it. */
  private async run(name: ScriptName, keys: string[], args: (string | number | Buffer)[]): Promise<unknown> {
    try {
      let sha = this.shas.get(name);
      if (!sha) {
        sha = (await this.redis.script("LOAD", SCRIPTS[name])) as string;
        this.shas.set(name, sha);
      }
      try {
        return await this.redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!/NOSCRIPT/.test((err as Error).message)) throw err;
        return await this.redis.eval(SCRIPTS[name], keys.length, ...keys, ...args);
      }
    } catch (err) {
      const msg = (err as Error).message;
      if (msg.includes(NOT_FOUND)) throw new ClassNotFoundError(String(args[0]));
      if (msg.includes(EXISTS)) throw new Error(`a class with the code ${String(args[0])} is already in the store`, { cause: err });
      throw err;
    }
  }

  /** KEYS and ARGV every TOUCH script starts with. */
  private touchKeys(code: string): string[] {
    return [this.k.cls(code), this.k.activity(), this.k.open()];
  }

  async createClass(m: NewClass): Promise<ClassMeta> {
    this.assertOpen();
    const at = m.createdAt ?? this.now();
    const fields: Record<string, string | number | null> = {
      code: m.code, teacherKeyHash: m.teacherKeyHash, displayKeyHash: m.displayKeyHash ?? null, mode: m.mode, seed: m.seed,
      compression: m.compression, lessonId: m.lessonId ?? null, maxStudents: m.maxStudents ?? null, joinUrl: m.joinUrl ?? null,
      run: 0, createdAt: at, updatedAt: at,
    };
    const pairs = Object.entries(fields).flatMap(([k, v]) => (v === null ? [] : [k, String(v)]));
    await this.run("create", [...this.touchKeys(m.code), this.k.teacher(m.teacherKeyHash)], [m.code, at, ...pairs]);
    return (await this.getClass(m.code))!;
  }

  async updateClass(code: string, patch: ClassMetaPatch): Promise<void> {
    this.assertOpen();
    const { displayKeyHash, lessonId, joinUrl, maxStudents } = patch;
    await this.run("patch", this.touchKeys(code), [code, this.now(), ...metaPairs({ displayKeyHash, lessonId, joinUrl, maxStudents })]);
  }

  async getClass(code: string): Promise<ClassMeta | null> {
    this.assertOpen();
    const h = await this.redis.hgetall(this.k.cls(code));
    return h.code === undefined ? null : metaFrom(h);
  }

  async beginRun(code: string): Promise<number> {
    this.assertOpen();
    return Number(await this.run("beginRun", this.touchKeys(code), [code, this.now()]));
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
    const roster = snap.roster?.flatMap((e) => [e.id, rosterJson(e)]) ?? [];
    const head = { run: snap.run, commandCount: snap.commandCount };
    const serializeMs = performance.now() - started;
    return this.queues.run(code, async () => {
      const blob = Buffer.from(await encodeState(ser.json, this.encoding));
      this.assertOpen();
      const w = performance.now();
      const fields = [
        "run", head.run, "clusterMs", ser.clusterMs, "stateHash", ser.hash, "commandCount", head.commandCount,
        "encoding", this.encoding, "room", roomJson, "savedAt", this.now(), "state", blob,
      ];
      await this.run("snapshot", [...this.touchKeys(code), this.k.snapshot(code), this.k.roster(code)], [code, this.now(), fields.length / 2, ...fields, ...roster]);
      const end = performance.now();
      this.lastSnapshotStats = {
        serializeMs,
        writeMs: end - w,
        totalMs: end - started,
        jsonBytes: ser.json.length,
        storedBytes: blob.byteLength,
        rosterRows: roster.length / 2,
      };
    });
  }

  async saveRoster(code: string, roster: RosterEntry[]): Promise<void> {
    this.assertOpen();
    await this.run("roster", [...this.touchKeys(code), this.k.roster(code)], [code, this.now(), ...roster.flatMap((e) => [e.id, rosterJson(e)])]);
  }

  /** One append script call: per hash key, its mode and field, value pairs. */
  private async append(code: string, groups: { key: string; mode: "nx" | "set"; pairs: string[] }[]): Promise<void> {
    const args: string[] = [];
    for (const g of groups) if (g.pairs.length > 0) args.push(g.key, g.mode, ...g.pairs, "");
    if (args.length === 0) return;
    await this.run("append", [...this.touchKeys(code), this.k.keys(code)], [code, this.now(), ...args]);
  }

  async appendCommands(code: string, entries: LoggedCommand[]): Promise<void> {
    this.assertOpen();
    if (entries.length === 0) return;
    const byRun = new Map<number, string[]>();
    for (const e of entries) {
      const pairs = byRun.get(e.run) ?? [];
      pairs.push(String(e.seq), JSON.stringify({ atMs: e.atMs, command: e.command }));
      byRun.set(e.run, pairs);
    }
    await this.append(code, [...byRun].map(([run, pairs]) => ({ key: this.k.log(code, run), mode: "nx" as const, pairs })));
  }

  async appendTimeline(code: string, run: number, batch: TimelineBatch): Promise<void> {
    this.assertOpen();
    if (batch.samples.length === 0 && batch.events.length === 0) return;
    await this.append(code, [
      { key: this.k.samples(code, run), mode: "nx", pairs: batch.samples.flatMap((s) => [String(s.t), JSON.stringify(s)]) },
      { key: this.k.events(code, run), mode: "set", pairs: batch.events.flatMap((e) => [String(e.id), JSON.stringify(e)]) },
    ]);
  }

  async savePredictions(code: string, results: PredictionResult[]): Promise<void> {
    this.assertOpen();
    if (results.length === 0) return;
    await this.append(code, [{
      key: this.k.predictions(code),
      mode: "set",
      pairs: results.flatMap((r) => [`${r.questionId}\n${r.studentId}`, JSON.stringify({ questionId: r.questionId, studentId: r.studentId, answer: r.answer, correct: r.correct, atMs: r.atMs })]),
    }]);
  }

  private async readSnapshot(code: string, run: number, warnings: string[]): Promise<StoredSnapshot | null> {
    const h = await this.redis.hgetallBuffer(this.k.snapshot(code));
    if (!h.run) return null;
    const s = (f: string) => h[f]?.toString("utf8") ?? "";
    const snapRun = Number(s("run"));
    if (snapRun !== run) {
      warnings.push(`the stored snapshot belongs to run ${snapRun}, not run ${run}`);
      return null;
    }
    try {
      const hash = s("stateHash");
      if (!h.state) throw new Error("the snapshot has no state");
      const state = parseState(decodeState(h.state, s("encoding")), hash);
      return {
        run: snapRun,
        clusterMs: Number(s("clusterMs")),
        stateHash: hash,
        commandCount: Number(s("commandCount")),
        state,
        room: JSON.parse(s("room")) as RoomData,
        savedAt: Number(s("savedAt")),
      };
    } catch (err) {
      // A damaged snapshot is not fatal: the command log can rebuild the run from its start.
      warnings.push(`the stored snapshot could not be used: ${(err as Error).message}`);
      return null;
    }
  }

  private async roster(code: string): Promise<RosterEntry[]> {
    const h = await this.redis.hgetall(this.k.roster(code));
    return Object.values(h).map((j) => JSON.parse(j) as RosterEntry).sort(byRoster);
  }

  private async predictions(code: string): Promise<PredictionResult[]> {
    const h = await this.redis.hgetall(this.k.predictions(code));
    return Object.values(h)
      .map((j) => JSON.parse(j) as PredictionResult)
      .sort((a, b) => cmp(a.questionId, b.questionId) || a.atMs - b.atMs || cmp(a.studentId, b.studentId));
  }

  async loadClass(code: string): Promise<LoadedClass | null> {
    this.assertOpen();
    const meta = await this.getClass(code);
    if (!meta) return null;
    const warnings: string[] = [];
    const [commands, snapshot, roster, predictions] = await Promise.all([
      this.loadCommands(code, meta.run),
      this.readSnapshot(code, meta.run, warnings),
      this.roster(code),
      this.predictions(code),
    ]);
    if (snapshot && snapshot.commandCount > commands.length) {
      warnings.push(`the snapshot includes ${snapshot.commandCount} commands but only ${commands.length} are logged: a replay from the start would diverge`);
    }
    return { meta, roster, snapshot, commands, predictions, warnings };
  }

  async loadReportData(code: string, run?: number): Promise<ReportData | null> {
    this.assertOpen();
    const meta = await this.getClass(code);
    if (!meta) return null;
    const r = run ?? meta.run;
    const [roster, predictions, samples, events, commands, snapshot] = await Promise.all([
      this.roster(code),
      this.predictions(code),
      this.redis.hgetall(this.k.samples(code, r)).then((h) => inKeyOrder(h).map((j) => JSON.parse(j) as HistorySample)),
      this.redis.hgetall(this.k.events(code, r)).then((h) => inKeyOrder(h).map((j) => JSON.parse(j) as KubeEvent)),
      this.loadCommands(code, r),
      this.readSnapshot(code, r, []),
    ]);
    return { meta, run: r, roster, predictions, samples, events, commands, snapshot };
  }

  async loadCommands(code: string, run: number): Promise<CommandEntry[]> {
    this.assertOpen();
    const h = await this.redis.hgetall(this.k.log(code, run));
    return inKeyOrder(h).map((j) => {
      const e = JSON.parse(j) as { atMs: number; command: Command };
      return { atMs: e.atMs, command: e.command };
    });
  }

  async listClasses(teacherKeyHash: string, opts: { limit?: number } = {}): Promise<ClassSummary[]> {
    this.assertOpen();
    const limit = Math.max(1, Math.min(500, Math.floor(opts.limit ?? 100)));
    const flat = await this.redis.zrange(this.k.teacher(teacherKeyHash), 0, -1, "WITHSCORES");
    const entries: { code: string; at: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push({ code: flat[i]!, at: Number(flat[i + 1]) });
    // Newest first, then by code, as SQLite orders them.
    const codes = entries.sort((a, b) => b.at - a.at || cmp(a.code, b.code)).slice(0, limit).map((e) => e.code);
    if (codes.length === 0) return [];
    const p = this.redis.pipeline();
    for (const code of codes) {
      p.hgetall(this.k.cls(code));
      p.hlen(this.k.roster(code));
      p.hget(this.k.snapshot(code), "clusterMs");
      p.exists(this.k.report(code));
    }
    const replies = (await p.exec()) ?? [];
    const out: ClassSummary[] = [];
    for (let i = 0; i < codes.length; i++) {
      const at = (j: number) => {
        const [err, value] = replies[i * 4 + j]!;
        if (err) throw err;
        return value;
      };
      const h = at(0) as Record<string, string>;
      if (h.code === undefined) continue; // deleted between the two reads
      const m = metaFrom(h);
      out.push({
        code: m.code,
        mode: m.mode,
        lessonId: m.lessonId,
        createdAt: m.createdAt,
        updatedAt: m.updatedAt,
        endedAt: m.endedAt,
        students: Number(at(1)),
        clusterMs: Number((at(2) as string | null) ?? 0),
        hasReport: Number(at(3)) === 1,
      });
    }
    return out;
  }

  async listOpenClasses(sinceMs: number): Promise<ClassMeta[]> {
    this.assertOpen();
    const codes = await this.redis.zrangebyscore(this.k.open(), sinceMs, "+inf");
    const metas: ClassMeta[] = [];
    const p = this.redis.pipeline();
    for (const code of codes) p.hgetall(this.k.cls(code));
    for (const [err, h] of (await p.exec()) ?? []) {
      if (err) throw err;
      const row = h as Record<string, string>;
      if (row.code !== undefined && row.endedAt === undefined) metas.push(metaFrom(row));
    }
    return metas.sort((a, b) => a.createdAt - b.createdAt || cmp(a.code, b.code));
  }

  async endClass(code: string, report: unknown): Promise<void> {
    this.assertOpen();
    await this.run("end", [...this.touchKeys(code), this.k.report(code)], [code, this.now(), JSON.stringify(report)]);
  }

  async getReport<R = unknown>(code: string): Promise<StoredReport<R> | null> {
    this.assertOpen();
    const h = await this.redis.hgetall(this.k.report(code));
    return h.json === undefined ? null : { report: JSON.parse(h.json) as R, createdAt: Number(h.createdAt) };
  }

  async deleteOlderThan(days: number): Promise<number> {
    this.assertOpen();
    if (!(days >= 0)) throw new RangeError("days must be a non-negative number");
    const cutoff = this.now() - days * DAY_MS;
    const codes = await this.redis.zrangebyscore(this.k.activity(), "-inf", `(${cutoff}`);
    let deleted = 0;
    for (const code of codes) {
      const keys = [
        this.k.cls(code), this.k.activity(), this.k.open(), this.k.keys(code),
        this.k.roster(code), this.k.snapshot(code), this.k.predictions(code), this.k.report(code), this.k.owner(code),
      ];
      deleted += Number(await this.run("delete", keys, [code, cutoff, `${this.prefix}teacher:`]));
    }
    return deleted;
  }

  async classOwner(code: string): Promise<string | null> {
    this.assertOpen();
    return this.redis.get(this.k.owner(code));
  }

  async claimClass(code: string, processId: string, expected: string | null): Promise<boolean> {
    this.assertOpen();
    return Number(await this.run("claim", [this.k.owner(code)], [expected ?? "", processId])) === 1;
  }

  /** Waits for snapshot writes in flight, then closes the connection (if it opened it). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queues.idle();
    this.closed = true;
    if (!this.ownsConnection) return;
    // QUIT waits for the replies in flight; with Redis unreachable it would wait for ever.
    const quit = this.redis.quit().catch(() => undefined);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([quit, timeout]);
    this.redis.disconnect();
  }
}
