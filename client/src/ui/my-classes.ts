/**
 * The classes this browser hosted, so a teacher finds the host page, the replay and the
 * postmortem again after closing the tab. Each class has its own teacher key; the keys stay in
 * this browser's storage (the server keeps only their hashes), and the list never leaves it.
 */
import type { SmallStorage } from "./lesson-model.ts";

const KEY = "container-city:hosted";
/** Older classes drop off the list: it is a convenience, not an archive (reports stay on the server). */
const KEEP = 12;

export interface HostedClass {
  code: string;
  teacherKey: string;
  /** Wall ms the class was created. */
  createdAt: number;
  lesson: string | null;
}

export function hostedClasses(storage: SmallStorage): HostedClass[] {
  try {
    const raw: unknown = JSON.parse(storage.getItem(KEY) ?? "[]");
    if (!Array.isArray(raw)) return [];
    return raw.filter((c): c is HostedClass =>
      typeof c === "object" && c !== null && typeof c.code === "string" && typeof c.teacherKey === "string" && typeof c.createdAt === "number");
  } catch {
    return [];
  }
}

/** Newest first; the same code again replaces its old entry. */
export function rememberHosted(storage: SmallStorage, c: HostedClass): void {
  const list = [c, ...hostedClasses(storage).filter((x) => x.code !== c.code)].slice(0, KEEP);
  try {
    storage.setItem(KEY, JSON.stringify(list));
  } catch {
    /* storage full or disabled (private mode): the list is a convenience */
  }
}

export function forgetHosted(storage: SmallStorage, code: string): void {
  try {
    storage.setItem(KEY, JSON.stringify(hostedClasses(storage).filter((x) => x.code !== code)));
  } catch {
    /* as above */
  }
}

/** Links of a hosted class; keys travel in the fragment so they never reach a server's logs. */
export function hostedLinks(c: HostedClass): { host: string; replay: string } {
  const code = encodeURIComponent(c.code);
  const key = encodeURIComponent(c.teacherKey);
  return { host: `/host.html#code=${code}&key=${key}`, replay: `/replay.html?code=${code}#key=${key}` };
}
