/**
 * GET /api/classes/:code/replay.json: what the replay page needs to rebuild a class in the browser
 * (shared/replay/player.ts). Not frames: the seed and the command log are the whole run, and the
 * page replays them itself. Sent only to the class's teacher key or display key.
 */
import type { Mode } from "../sim/index.ts";
import type { CommandEntry } from "../replay/log.ts";

export const REPLAY_FORMAT = 1;

export interface ReplayStudent {
  id: string;
  name: string;
  nodeName: string;
}

export interface ReplayData {
  format: typeof REPLAY_FORMAT;
  code: string;
  mode: Mode;
  seed: number;
  /** The run shown: a class reset starts a new run, and the replay shows the last one. */
  run: number;
  lessonId: string | null;
  /** Cluster seconds per real second when the class was saved last. */
  compression: number;
  /** Wall-clock ms. */
  createdAt: number;
  endedAt: number | null;
  /** Cluster ms where the replay ends: the last state the server stored. */
  endMs: number;
  /**
   * stateHash of that stored state, or null when nothing was stored yet. The page replays the log
   * to endMs and compares: equal hashes mean the replay is exactly the class.
   */
  finalHash: string | null;
  /** The cluster's request and error totals when the class started: the SLO counts from there. */
  sloBaseline: { requests: number; errors: number };
  /** Who owned which building (students who left included), so buildings carry their names. */
  students: ReplayStudent[];
  /** Every command of the run up to endMs, in order, at the cluster time it ran. */
  commands: CommandEntry[];
}
