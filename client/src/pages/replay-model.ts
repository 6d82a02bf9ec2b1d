/**
 * The replay page's decisions that need no DOM: which key opens the replay and where it is kept,
 * the class snapshot of a moment, the words that say what is broken, the speeds and steps.
 */
import { projectCluster, sloSince, type Marker, type Owner, type ReplayPlayer } from "../../../shared/replay/index.ts";
import type { ReplayData } from "../../../shared/protocol/replay.ts";
import type { ClassSnapshot } from "../../../shared/protocol/snapshot.ts";
import { sloTotals } from "../../../shared/game/score.ts";
import { cityLabel, type CityLanguage } from "../city/labels.ts";
import { en } from "../i18n/en.ts";
import { vi } from "../i18n/vi.ts";
import { translator } from "../ui/format.ts";

/** Multiples of cluster time. The live class ran at ~20×: 16× plays it at about its own pace. */
export const SPEEDS = [1, 4, 16, 64] as const;
export const DEFAULT_SPEED = 16;

/** Arrow-key step: fine for a short class, coarser for a long one (a remote has few buttons). */
export function stepMsFor(endMs: number): number {
  return endMs <= 10 * 60_000 ? 10_000 : endMs <= 60 * 60_000 ? 30_000 : 60_000;
}

export interface ReplayKey {
  header: "x-teacher-key" | "x-display-key";
  value: string;
}

export const keyStorageName = (code: string) => `container-city:replay:${code}`;

/**
 * The key arrives in the fragment (`#key=` teacher, `#display=` projector): browsers never send a
 * fragment to any server or write it to a log, it survives a link opened with rel=noopener (which
 * sessionStorage set by the opener would not), and a teacher can copy it to the projector's own
 * computer. The page then keeps it in this tab's sessionStorage and removes the fragment from the
 * address bar (see replay.ts), so the room never sees the key on the big screen, and a reload
 * still works. Returns null when there is neither.
 */
export function takeKey(fragment: string, code: string, storage: Pick<Storage, "getItem" | "setItem"> | undefined): ReplayKey | null {
  const p = new URLSearchParams(fragment.replace(/^#/, ""));
  const teacher = p.get("key");
  const display = p.get("display");
  const fromUrl: ReplayKey | null = teacher ? { header: "x-teacher-key", value: teacher } : display ? { header: "x-display-key", value: display } : null;
  if (fromUrl) {
    try {
      storage?.setItem(keyStorageName(code), JSON.stringify(fromUrl));
    } catch {
      // Storage full or blocked: the key still works for this load.
    }
    return fromUrl;
  }
  try {
    const saved = JSON.parse(storage?.getItem(keyStorageName(code)) ?? "null") as ReplayKey | null;
    if (saved && (saved.header === "x-teacher-key" || saved.header === "x-display-key") && typeof saved.value === "string" && saved.value) return saved;
  } catch {
    // A damaged entry is no key.
  }
  return null;
}

export function ownersOf(data: ReplayData): Map<string, Owner> {
  return new Map(data.students.map((s) => [s.nodeName, { id: s.id, name: s.name }]));
}

/** The class as the live display would have received it at time t. */
export function snapshotAt(player: ReplayPlayer, data: ReplayData, owners: ReadonlyMap<string, Owner>, t: number): ClassSnapshot {
  const s = player.seek(t);
  const students: ClassSnapshot["students"] = {};
  for (const st of data.students) students[st.id] = { id: st.id, name: st.name, nodeName: st.nodeName, connected: Boolean(s.nodes[st.nodeName]?.connected), points: 0 };
  return {
    code: data.code,
    phase: "running",
    locked: false,
    mode: data.mode,
    compression: data.compression,
    wallMs: 0,
    advanced: false,
    leaderboardNames: false,
    lesson: "",
    leaderboard: "",
    students,
    ...projectCluster(s, owners, sloSince(sloTotals(s.totals), data.sloBaseline)),
  };
}

/**
 * One sentence on the buildings at this moment, for the page's live region and for people who
 * cannot tell the pictures apart: how many work, and which do not and why, by student name. A
 * node counts as in trouble as soon as the city shows it so (powered off, cut off, NotReady), not
 * only once Kubernetes marks it NotReady some forty seconds later: the room sees the fire at once.
 */
export function buildingsSentence(snap: ClassSnapshot, lang: CityLanguage): string {
  // The page catalogs by language, not the page's current one: tests call this in both.
  const t = translator(lang === "vi" ? vi : en);
  const nodes = Object.values(snap.nodes).sort((a, b) => a.slot - b.slot);
  const trouble = nodes.flatMap((n) => {
    const why = !n.powered ? "status.down" : n.partitioned ? "status.partitioned" : !n.connected ? "status.offline" : n.ready !== "True" ? "status.notready" : null;
    return why ? [`${n.student || n.name} (${cityLabel(lang, why)})`] : [];
  });
  if (trouble.length === 0) return t("replay.allReady", { total: nodes.length });
  return t("replay.someDown", { ok: nodes.length - trouble.length, total: nodes.length, list: trouble.join(", ") });
}

/** The marker the replay is at or just past (the incident whose aftermath is on screen), or null. */
export function currentMarker(markers: readonly Marker[], t: number): Marker | null {
  let found: Marker | null = null;
  for (const m of markers) {
    if (m.atMs > t) break;
    found = m;
  }
  return found;
}
