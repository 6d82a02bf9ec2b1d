/**
 * Deterministic replay: the seed, the mode and the command log are the whole input of a run, so
 * applying each logged command at its cluster time rebuilds the state byte for byte. The room logs
 * a command after applyCommand accepted it, at the cluster time it ran; advancing to that time and
 * applying it again reproduces exactly what happened, however the live room chunked its ticks
 * (the engine is discrete-event: advance(a) then advance(b) runs the same events as advance(a + b)).
 *
 * The one thing that would break this is advance(state, 0) between two commands of the same
 * millisecond: it runs what the first one scheduled for "now" before the second one. Replay never
 * does it, so the room must not either (skip a tick whose cluster delta rounds to 0).
 *
 * Shared, not server-only: the server resumes classes with it, and the replay page runs the same
 * code in the browser to scrub through a finished class.
 */
import { advance, applyCommand, createCluster, type ClusterState, type Command, type Mode } from "../sim/index.ts";

/**
 * One logged command at the cluster time it ran. The store's CommandEntry has the same shape; it is
 * declared here too because shared/ runs in the browser (the replay page) and may not import server code.
 */
export interface CommandEntry {
  atMs: number;
  command: Command;
}

/** The log and the simulation disagree: the log is damaged, or the simulation changed since it was written. */
export class ReplayDivergence extends Error {
  readonly index: number;
  readonly entry: CommandEntry;
  /** Why, without the "command #i" prefix (a caller may renumber the command). */
  readonly reason: string;
  constructor(index: number, entry: CommandEntry, reason: string) {
    super(`command #${index} (${entry.command.type} at ${entry.atMs} ms) cannot be replayed: ${reason}`);
    this.name = "ReplayDivergence";
    this.index = index;
    this.entry = entry;
    this.reason = reason;
  }
}

/**
 * Apply log entries from `from` onto a state, each at its own cluster time. Entries after `untilMs`
 * are left out, and the state is advanced to `untilMs` when given. Returns how far it got.
 */
export function applyLog(state: ClusterState, log: readonly CommandEntry[], opts: { from?: number; untilMs?: number } = {}): number {
  const until = opts.untilMs ?? Number.POSITIVE_INFINITY;
  let i = opts.from ?? 0;
  for (; i < log.length; i++) {
    const entry = log[i]!;
    if (entry.atMs > until) break;
    if (entry.atMs < state.timeMs) throw new ReplayDivergence(i, entry, `it ran at ${entry.atMs} ms but the state is already at ${state.timeMs} ms`);
    // Never advance(0): it would run events the previous command scheduled for this very
    // millisecond, which the live room runs only on its next tick, after this command.
    if (entry.atMs > state.timeMs) advance(state, entry.atMs - state.timeMs);
    const result = applyCommand(state, entry.command);
    if (!result.ok) throw new ReplayDivergence(i, entry, result.error);
  }
  if (opts.untilMs !== undefined && opts.untilMs > state.timeMs) advance(state, opts.untilMs - state.timeMs);
  return i;
}

/**
 * Rebuild a run from nothing. Without `untilMs` the state stops at the last command's time; pass
 * the live cluster time (a snapshot's clusterMs) to reach the same moment as the live room.
 */
export function replay(seed: number, mode: Mode, commandLog: readonly CommandEntry[], untilMs?: number): ClusterState {
  const state = createCluster({ seed, mode });
  applyLog(state, commandLog, { untilMs });
  return state;
}

export interface TimelineFrame {
  /** Cluster time of this frame. */
  atMs: number;
  /**
   * The replaying state itself, not a copy: the next frame mutates it. A scrubber renders it at
   * once, or keeps structuredClone(frame.state).
   */
  state: ClusterState;
  /** Commands applied since the previous frame, for annotations. */
  applied: CommandEntry[];
}

/**
 * Frames every `stepMs` of cluster time from 0 to `untilMs` (default: the last command), the last
 * one landing exactly on the end. Lazy: a scrubber pulls only as far as the teacher drags.
 */
export function* timeline(seed: number, mode: Mode, log: readonly CommandEntry[], stepMs: number, untilMs?: number): Generator<TimelineFrame, void, undefined> {
  if (!(stepMs > 0) || !Number.isFinite(stepMs)) throw new RangeError("stepMs must be a positive number of cluster milliseconds");
  const end = untilMs ?? (log.length ? log[log.length - 1]!.atMs : 0);
  const state = createCluster({ seed, mode });
  let next = 0;
  for (let t = 0; ; t = Math.min(end, t + stepMs)) {
    const from = next;
    next = applyLog(state, log, { from, untilMs: t });
    yield { atMs: t, state, applied: log.slice(from, next) };
    if (t >= end) return;
  }
}
