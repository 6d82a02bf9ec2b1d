/**
 * The class leaderboard, ranked once on the server: the top rows go to every screen as one small
 * JSON field, and each student learns its own place in a message of its own. Every screen ranking
 * every student itself would need every student's points in every patch (O(students²) bytes).
 */
export interface RankedStudent {
  id: string;
  name: string;
  points: number;
}

export interface LeaderRow {
  id: string;
  rank: number;
  /** null when the teacher hides names. */
  name: string | null;
  points: number;
}

/** What the state's `leaderboard` field holds, as JSON. */
export interface LeaderboardView {
  top: LeaderRow[];
  total: number;
}

export interface Place {
  rank: number;
  of: number;
  points: number;
}

export const LEADERBOARD_SIZE = 5;

/**
 * Most points first; equal points share a rank ("1, 2, 2, 4"), listed by name then id, so every
 * screen agrees. Returns the top rows and every student's place.
 */
export function rankStudents(students: Iterable<RankedStudent>, opts: { names: boolean; size?: number }): { view: LeaderboardView; places: Map<string, Place> } {
  const list = [...students].sort((a, b) => b.points - a.points || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const places = new Map<string, Place>();
  const top: LeaderRow[] = [];
  const size = opts.size ?? LEADERBOARD_SIZE;
  let rank = 0;
  list.forEach((s, i) => {
    if (i === 0 || s.points !== list[i - 1]!.points) rank = i + 1;
    places.set(s.id, { rank, of: list.length, points: s.points });
    if (i < size) top.push({ id: s.id, rank, name: opts.names ? s.name : null, points: s.points });
  });
  return { view: { top, total: list.length }, places };
}

/** The `leaderboard` field read back; a missing or broken one is an empty board. */
export function parseLeaderboard(json: string | undefined): LeaderboardView {
  if (!json) return { top: [], total: 0 };
  try {
    const v = JSON.parse(json) as LeaderboardView;
    return Array.isArray(v.top) && typeof v.total === "number" ? v : { top: [], total: 0 };
  } catch {
    return { top: [], total: 0 };
  }
}
