/**
 * GET /api/classes/:code/replay.json: a class's seed and command log, for the replay page to
 * rebuild it in the browser (shared/replay/player.ts; why there and not frames from the server is
 * explained at the top of that file). Kept out of app.config.ts, which mounts it in one line.
 *
 * Who may read it: the class's teacher key (the host page's "Replay" link) or its display key
 * (a projector already showing the class). Each key comes in its own header, never in the URL,
 * which proxies log. An unknown code and a wrong key get the same 404, as for the reports.
 */
import type { Request, Response } from "express";
import { normalizeClassCode } from "../class-code.ts";
import { classForKeys, keyHeader, saveLiveClass } from "../http/class-access.ts";
import type { ClassStore, ReportData } from "../store/types.ts";
import { REPLAY_FORMAT, type ReplayData } from "../../shared/protocol/replay.ts";
import type { Logger } from "../logger.ts";

const NOT_FOUND = "No class with that code and key.";

/** The replay of the class's last run, as far as the store has it. */
function replayData(data: ReportData): ReplayData {
  const snap = data.snapshot;
  // The commands the stored state includes, no more: replaying them to the snapshot's time must
  // give the snapshot's hash. (Commands logged after it are in no stored state to check against.)
  const commands = (snap ? data.commands.slice(0, snap.commandCount) : data.commands).map((e) => ({ atMs: e.atMs, command: e.command }));
  const extra = (snap?.room.extra ?? {}) as { sloBaseline?: { requests: number; errors: number } };
  const baseline = extra.sloBaseline;
  return {
    format: REPLAY_FORMAT,
    code: data.meta.code,
    mode: data.meta.mode,
    seed: data.meta.seed,
    run: data.run,
    lessonId: data.meta.lessonId,
    compression: snap?.room.compression ?? data.meta.compression,
    createdAt: data.meta.createdAt,
    endedAt: data.meta.endedAt,
    endMs: snap ? snap.clusterMs : (commands.at(-1)?.atMs ?? 0),
    finalHash: snap?.stateHash ?? null,
    sloBaseline: baseline && Number.isFinite(baseline.requests) && Number.isFinite(baseline.errors) ? { requests: baseline.requests, errors: baseline.errors } : { requests: 0, errors: 0 },
    students: data.roster.map((r) => ({ id: r.id, name: r.name, nodeName: r.nodeName })),
    commands,
  };
}

/** The route handler; app.config.ts puts its rate limiter in front. */
export function replayRoute(store: ClassStore, logger: Logger) {
  return async (req: Request, res: Response): Promise<void> => {
    res.set("cache-control", "no-store");
    const code = normalizeClassCode(req.params.code as string);
    const meta = await classForKeys(store, code, { teacherKey: keyHeader(req, "x-teacher-key"), displayKey: keyHeader(req, "x-display-key") });
    if (!meta) {
      res.status(404).json({ error: NOT_FOUND });
      return;
    }
    // Up to the moment the teacher asked, as the reports are.
    await saveLiveClass(meta, logger, "replay");
    const data = await store.loadReportData(meta.code);
    if (!data) {
      res.status(404).json({ error: NOT_FOUND });
      return;
    }
    res.json(replayData(data));
  };
}
