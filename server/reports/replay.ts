/**
 * Replay on the server. The replay itself (applyLog, replay, timeline) lives in shared/replay/log.ts,
 * because the replay page runs the same code in the browser; what stays here needs the store.
 */
import { applyLog, replay } from "../../shared/replay/log.ts";
import type { ClusterState } from "../../shared/sim/index.ts";
import type { LoadedClass } from "../store/types.ts";

export { applyLog, replay, timeline, ReplayDivergence, type TimelineFrame } from "../../shared/replay/log.ts";

/**
 * Where a class restarts after a server restart: the latest snapshot plus the commands logged after
 * it (or the whole run replayed if there is no usable snapshot). The state ends at the last known
 * moment: the stretch between the last write and the crash is lost, at most a few seconds of class.
 */
export function resumeState(loaded: Pick<LoadedClass, "meta" | "snapshot" | "commands">): ClusterState {
  const snap = loaded.snapshot;
  if (!snap) return replay(loaded.meta.seed, loaded.meta.mode, loaded.commands);
  const state = snap.state;
  applyLog(state, loaded.commands, { from: Math.min(snap.commandCount, loaded.commands.length) });
  return state;
}
