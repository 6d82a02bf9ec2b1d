/**
 * The room's link to the store. The room calls tick() from its simulation interval; the recorder
 * decides what is due: the command log, history samples and events every second (small rows, so a
 * crash loses at most a second of them and nothing the state trims away is lost), a snapshot every
 * few seconds. Writes never throw into the room: a full disk must not stop a class in progress.
 */
import type { ClusterState } from "../../shared/sim/index.ts";
import type { ClassStore, CommandEntry, LoadedClass, RoomData, RosterEntry } from "./types.ts";

/** Read access to the room, taken at the moment of each write. */
export interface RecorderSource {
  sim(): ClusterState;
  commandLog(): readonly CommandEntry[];
  room(): RoomData;
  roster(): RosterEntry[];
}

export interface RecorderOptions {
  /** Wall ms between snapshots (default 5 s). */
  snapshotEveryMs?: number;
  /** Wall ms between flushes of the command log, samples and events (default 1 s). */
  flushEveryMs?: number;
  now?: () => number;
  /** Every failed write lands here (the room logs it); the recorder retries on its next flush. */
  onError: (err: unknown, what: string) => void;
}

export class ClassRecorder {
  private runNo: number;
  /** Entries of the current run's log already handed to the store. */
  private logCursor: number;
  /** Last history sample time handed to the store. */
  private sampleCursor: number;
  /** Events whose lastMs is at or after this may be new or bumped since the last flush. */
  private eventCursorMs: number;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private lastSnapshotAt = Number.NEGATIVE_INFINITY;
  private lastSnapshotKey = "";
  private snapshotInFlight: Promise<void> | null = null;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly snapshotEveryMs: number;
  private readonly flushEveryMs: number;
  private readonly now: () => number;
  private readonly onError: (err: unknown, what: string) => void;
  failures = 0;

  private readonly store: ClassStore;
  readonly code: string;
  private readonly source: RecorderSource;

  private constructor(
    store: ClassStore,
    code: string,
    source: RecorderSource,
    opts: RecorderOptions,
    start: { run: number; logCursor: number; sampleCursor: number; eventCursorMs: number },
  ) {
    this.store = store;
    this.code = code;
    this.source = source;
    this.snapshotEveryMs = opts.snapshotEveryMs ?? 5000;
    this.flushEveryMs = opts.flushEveryMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError;
    this.runNo = start.run;
    this.logCursor = start.logCursor;
    this.sampleCursor = start.sampleCursor;
    this.eventCursorMs = start.eventCursorMs;
  }

  /** For a class just registered with createClass: the room's first resetSimulation calls newRun(). */
  static forNewClass(store: ClassStore, code: string, source: RecorderSource, opts: RecorderOptions): ClassRecorder {
    return new ClassRecorder(store, code, source, opts, { run: 0, logCursor: 0, sampleCursor: -1, eventCursorMs: 0 });
  }

  /** For a class restored from loadClass; call it once the room's sim and log are restored. */
  static forResumedClass(store: ClassStore, loaded: LoadedClass, source: RecorderSource, opts: RecorderOptions): ClassRecorder {
    const sim = source.sim();
    const last = sim.history[sim.history.length - 1];
    return new ClassRecorder(store, loaded.meta.code, source, opts, {
      run: loaded.meta.run,
      logCursor: loaded.commands.length,
      sampleCursor: last ? last.t : -1,
      eventCursorMs: sim.timeMs,
    });
  }

  get run(): number {
    return this.runNo;
  }

  /**
   * A fresh cluster begins (class creation or reset). Call it BEFORE the room replaces its
   * simulation and clears its log: what the old run has not yet stored is flushed first.
   */
  newRun(): void {
    if (this.runNo > 0) this.flush();
    this.runNo++;
    this.logCursor = 0;
    this.sampleCursor = -1;
    this.eventCursorMs = 0;
    this.lastSnapshotKey = "";
    // The next tick snapshots the new run at once: a restart must not resume the old cluster.
    this.lastSnapshotAt = Number.NEGATIVE_INFINITY;
    const expected = this.runNo;
    this.track(this.store.beginRun(this.code).then((run) => {
      if (run !== expected) throw new Error(`store started run ${run}, the room expected ${expected}`);
    }), "begin run");
  }

  /** Call from the room's interval; cheap when nothing is due. */
  tick(): void {
    const now = this.now();
    if (now - this.lastFlushAt >= this.flushEveryMs) this.flush();
    if (now - this.lastSnapshotAt >= this.snapshotEveryMs) this.snapshot(false);
  }

  /** Store the new command log entries, history samples and events now. */
  flush(): void {
    this.lastFlushAt = this.now();
    const run = this.runNo;
    const log = this.source.commandLog();
    if (log.length > this.logCursor) {
      const from = this.logCursor;
      const entries = log.slice(from).map((e, i) => ({ run, seq: from + i, atMs: e.atMs, command: e.command }));
      this.logCursor = log.length;
      this.track(this.store.appendCommands(this.code, entries), "append commands", () => {
        // Rows are keyed by (run, seq): sending them again on the next flush cannot duplicate them.
        if (this.runNo === run) this.logCursor = Math.min(this.logCursor, from);
      });
    }
    const sim = this.source.sim();
    const h = sim.history;
    let i = h.length;
    while (i > 0 && h[i - 1]!.t > this.sampleCursor) i--;
    // The state's event list is ordered by lastMs (a repeated event moves to its end), so new and
    // bumped events are a suffix of it.
    const ev = sim.events;
    let j = ev.length;
    while (j > 0 && ev[j - 1]!.lastMs >= this.eventCursorMs) j--;
    if (i < h.length || j < ev.length) {
      const samples = h.slice(i);
      const events = ev.slice(j).map((e) => ({ ...e }));
      const prev = { sample: this.sampleCursor, event: this.eventCursorMs };
      this.sampleCursor = samples.length ? samples[samples.length - 1]!.t : this.sampleCursor;
      this.eventCursorMs = sim.timeMs;
      this.track(this.store.appendTimeline(this.code, run, { samples, events }), "append timeline", () => {
        if (this.runNo !== run) return;
        this.sampleCursor = Math.min(this.sampleCursor, prev.sample);
        this.eventCursorMs = Math.min(this.eventCursorMs, prev.event);
      });
    }
  }

  /**
   * Save a snapshot unless one is still being written or nothing changed since the last. The log is
   * flushed first, so a stored snapshot never counts commands the store does not have.
   */
  private snapshot(force: boolean): Promise<void> {
    this.flush();
    // Still writing the previous one: try again on the next tick rather than a whole period later.
    if (this.snapshotInFlight && !force) return this.snapshotInFlight;
    this.lastSnapshotAt = this.now();
    const sim = this.source.sim();
    const log = this.source.commandLog();
    const room = this.source.room();
    const roster = this.source.roster();
    const key = `${this.runNo}|${sim.timeMs}|${log.length}|${JSON.stringify(room)}|${rosterSignature(roster)}`;
    if (!force && key === this.lastSnapshotKey) return Promise.resolve();
    const saved = this.store.saveSnapshot(this.code, { run: this.runNo, state: sim, room, roster, commandCount: log.length });
    this.lastSnapshotKey = key;
    const done = this.track(saved, "save snapshot", () => {
      this.lastSnapshotKey = "";
    }).finally(() => {
      if (this.snapshotInFlight === done) this.snapshotInFlight = null;
    });
    this.snapshotInFlight = done;
    return done;
  }

  /** Flush and snapshot now (phase changes, shutdown, end of class); resolves once everything is written. */
  async saveNow(): Promise<void> {
    await this.snapshot(true);
    await this.settled();
  }

  /** Wait for every write in flight. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private track(p: Promise<unknown>, what: string, rollback?: () => void): Promise<void> {
    const tracked = p.then(
      () => undefined,
      (err: unknown) => {
        this.failures++;
        rollback?.();
        this.onError(err, what);
      },
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return tracked;
  }
}

/**
 * A cheap fingerprint of what changes in a roster between saves (tallies, status), so an idle
 * class is not rewritten every few seconds. Stringifying 1,000 entries just to compare them would
 * cost more than the comparison saves.
 */
function rosterSignature(roster: readonly RosterEntry[]): string {
  let h = roster.length;
  for (const e of roster) {
    h = (Math.imul(h, 31) + e.readyMs) | 0;
    h = (Math.imul(h, 31) + Math.round(e.served * 1000)) | 0;
    h = (Math.imul(h, 31) + e.correctPredictions * 7 + e.status.length + (e.kickedUntil ?? 0)) | 0;
  }
  return `${roster.length}:${h}`;
}
