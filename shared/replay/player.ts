/**
 * The replay's engine, in the browser: the finished class rebuilt from its seed and command log,
 * with keyframes so the scrubber can jump anywhere at once.
 *
 * Why in the browser rather than frames computed on the server: the simulation is pure and
 * already ships in the client bundle, and a class's log is a few kilobytes where frames would be
 * megabytes; the server spends no CPU on a page a teacher may leave open for an hour; and the
 * scrubber can stop on any millisecond, not only on the frames someone chose to compute.
 *
 * Keyframes: one pass over the whole run at load (the sim plays an hour of a 30-node cluster in
 * well under a second) keeps a copy of the state every `keyframeMs` of cluster time. A seek copies
 * the keyframe at or before the target and plays at most `keyframeMs` from there; moving forward
 * by less than that (playback) just keeps playing the working state. A class of hundreds of
 * students has states of megabytes: past a memory budget the keyframes thin out (see
 * maxKeyframeChars). Seeking to t and playing to t give the same state: both are "every command at or before t applied, the clock at t", which is
 * what applyLog(untilMs = t) means, and what the tests check by hash.
 *
 * The pass also finds the scrubber's markers (it sees each command's effect, so a random kill is
 * named after the node it hit) and the final state's hash, which must equal the hash the server
 * stored at the end of the class: if it does not, the replay is not showing what happened.
 */
import { advance, createCluster, stateHash, type ClusterState, type Mode } from "../sim/index.ts";
import { applyLog, ReplayDivergence, type CommandEntry } from "./log.ts";
import { before, markerOf, needsBefore, type Marker } from "./markers.ts";

export interface PlayerInput {
  seed: number;
  mode: Mode;
  commands: readonly CommandEntry[];
  /** Cluster ms the replay ends at (the stored final state's time). */
  endMs: number;
}

export interface PlayerOptions {
  /**
   * At most this many keyframes (default 120): a state is ~100–300 KB for a class of 30, so the
   * worst case stays around 30 MB on the projector's laptop.
   */
  maxKeyframes?: number;
  /** Keyframes no closer than this (default 30 s of cluster time): short classes need few. */
  minKeyframeMs?: number;
  /**
   * Memory for keyframes, in characters of their JSON (default 48 M, about 100 MB of objects).
   * A class of 1,000 students has states of megabytes: past the budget, every other keyframe
   * is dropped and seeks play up to twice as far, instead of the tab running out of memory.
   */
  maxKeyframeChars?: number;
}

interface Keyframe {
  atMs: number;
  /** Log index of the first command not yet in this state. */
  next: number;
  state: ClusterState;
}

export function keyframeSpacing(endMs: number, opts: PlayerOptions = {}): number {
  const max = Math.max(1, opts.maxKeyframes ?? 120);
  const min = Math.max(1, opts.minKeyframeMs ?? 30_000);
  // Whole seconds, so keyframes sit on round cluster times.
  return Math.max(min, Math.ceil(endMs / max / 1000) * 1000);
}

export class ReplayPlayer {
  readonly endMs: number;
  readonly keyframeMs: number;
  readonly markers: readonly Marker[];
  /** stateHash of the replayed state at endMs. */
  readonly finalHash: string;
  private readonly log: readonly CommandEntry[];
  private keyframes: Keyframe[] = [];
  /** Cluster ms a seek may play from a keyframe: the spacing, doubled each time keyframes were thinned. */
  private reach: number;
  private work: ClusterState;
  private next = 0;

  constructor(input: PlayerInput, opts: PlayerOptions = {}) {
    if (!(input.endMs >= 0) || !Number.isFinite(input.endMs)) throw new RangeError("endMs must be a finite cluster time");
    this.endMs = input.endMs;
    // Commands after the end cannot be shown (the stored state does not include them).
    this.log = input.commands.filter((e) => e.atMs <= input.endMs);
    this.keyframeMs = keyframeSpacing(this.endMs, opts);
    this.reach = this.keyframeMs;
    const budget = opts.maxKeyframeChars ?? 48_000_000;
    // The size of a state is measured now and then (stringifying each one would double the pass).
    let sizeEstimate = 0;
    let kept = 0;
    const markers: Marker[] = [];
    const s = createCluster({ seed: input.seed, mode: input.mode });
    let i = 0;
    for (let b = 0; ; b = Math.min(this.endMs, b + this.keyframeMs)) {
      // One command at a time (same rules as applyLog), to see what each one did.
      for (; i < this.log.length && this.log[i]!.atMs <= b; i++) {
        const entry = this.log[i]!;
        const prior = needsBefore(entry.command) ? before(s) : null;
        try {
          applyLog(s, [entry]);
        } catch (err) {
          if (err instanceof ReplayDivergence) throw new ReplayDivergence(i, entry, err.reason);
          throw err;
        }
        const m = markerOf(entry, i, prior, s);
        if (m) markers.push(m);
      }
      if (b > s.timeMs) advance(s, b - s.timeMs);
      if (this.keyframes.length % 8 === 0) sizeEstimate = JSON.stringify(s).length;
      this.keyframes.push({ atMs: b, next: i, state: structuredClone(s) });
      kept += sizeEstimate;
      if (kept > budget && this.keyframes.length > 2) {
        // Keep the first, every other one, and the newest; seeks may now play twice as far.
        this.keyframes = this.keyframes.filter((_, k, all) => k % 2 === 0 || k === all.length - 1);
        this.reach *= 2;
        kept = this.keyframes.length * sizeEstimate;
      }
      if (b >= this.endMs) break;
    }
    this.finalHash = stateHash(s);
    this.markers = markers;
    this.work = structuredClone(this.keyframes[0]!.state);
    this.next = this.keyframes[0]!.next;
  }

  /** Cluster time of the state the player holds. */
  get timeMs(): number {
    return this.work.timeMs;
  }

  /** How many keyframes the pass kept (for tests and the page's diagnostics). */
  get keyframeCount(): number {
    return this.keyframes.length;
  }

  /**
   * The cluster at time t (clamped to the run). The state is the player's own and changes on the
   * next seek: render it now, or copy it.
   */
  seek(t: number): ClusterState {
    const target = Math.max(0, Math.min(this.endMs, Number.isFinite(t) ? t : 0));
    const ahead = target - this.work.timeMs;
    if (ahead < 0 || ahead > this.reach) {
      const kf = this.keyframeAt(target);
      this.work = structuredClone(kf.state);
      this.next = kf.next;
    }
    this.next = applyLog(this.work, this.log, { from: this.next, untilMs: target });
    return this.work;
  }

  /** Commands of the log at or before t (what the replay has applied once it reaches t). */
  commandsUntil(t: number): number {
    let n = 0;
    while (n < this.log.length && this.log[n]!.atMs <= t) n++;
    return n;
  }

  private keyframeAt(t: number): Keyframe {
    // The last keyframe at or before t (binary search: thinning leaves them unevenly spaced).
    let lo = 0;
    let hi = this.keyframes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.keyframes[mid]!.atMs <= t) lo = mid;
      else hi = mid - 1;
    }
    return this.keyframes[lo]!;
  }
}
