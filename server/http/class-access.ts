/**
 * How HTTP routes open one class: a key from a header (never the URL, which proxies log), checked
 * against the stored hash in constant time; an unknown code and a wrong key look the same from
 * outside. And, for a class still running here, asking it to store what it has not written yet.
 */
import type { Request } from "express";
import { matchMaker } from "@colyseus/core";
import { safeEqual, sha256 } from "../secrets.ts";
import type { ClassMeta, ClassStore } from "../store/types.ts";
import type { Logger } from "../logger.ts";

/** A key header's value, or "" when absent or absurdly long. */
export function keyHeader(req: Request, name: "x-teacher-key" | "x-display-key"): string {
  const v = req.get(name) ?? "";
  return v.length > 0 && v.length <= 128 ? v : "";
}

/** The class the teacher key (or, where allowed, the display key) opens, or null. */
export async function classForKeys(store: ClassStore, code: string | null, keys: { teacherKey: string; displayKey?: string }): Promise<ClassMeta | null> {
  const { teacherKey, displayKey = "" } = keys;
  if (!code || (!teacherKey && !displayKey)) return null;
  const meta = await store.getClass(code);
  if (!meta) return null;
  if (teacherKey && safeEqual(sha256(teacherKey), meta.teacherKeyHash)) return meta;
  if (displayKey && meta.displayKeyHash && safeEqual(sha256(displayKey), meta.displayKeyHash)) return meta;
  return null;
}

/** A class running in this process stores its latest state and commands, so a download is up to the moment. */
export async function saveLiveClass(meta: ClassMeta, logger: Logger, purpose: string): Promise<void> {
  if (meta.endedAt !== null || !(await matchMaker.getRoomById(meta.code))) return;
  try {
    await matchMaker.remoteRoomCall(meta.code, "saveForReport", []);
  } catch (err) {
    logger.warn({ err, class: meta.code }, `could not save the class before its ${purpose}`);
  }
}
