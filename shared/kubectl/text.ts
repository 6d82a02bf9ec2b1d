/**
 * The small formatting pieces kubectl's output is made of: Go's text/tabwriter (which gives kubectl
 * its column layout), HumanDuration ages, RFC 1123 / RFC 3339 dates and resource quantities.
 * No Date object: the linter keeps shared/ off the wall clock, and every date here is cluster time
 * plus a fixed epoch, so the same state always prints the same text.
 */

export interface TabOptions {
  minWidth: number;
  padding: number;
}

/** `kubectl get` (printers.GetNewTabWriter): minwidth 6, padding 3. */
export const GET_TABS: TabOptions = { minWidth: 6, padding: 3 };
/** `kubectl describe` and `rollout history` (tabbedString): minwidth 0, padding 2. */
export const DESCRIBE_TABS: TabOptions = { minWidth: 0, padding: 2 };

function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Go's text/tabwriter algorithm, so that alignment matches kubectl's byte for byte: a column is a
 * run of consecutive lines that have a tab-terminated cell at that index, and each run is as wide
 * as its widest cell plus padding. A line's last cell (not followed by a tab) belongs to no column,
 * which is why describe's key/value blocks re-align after every heading line.
 */
export function tabwrite(text: string, o: TabOptions): string {
  const lines = text.split("\n").map((l) => l.split("\t"));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      let line = "";
      for (let j = 0; j < cells.length; j++) {
        const c = cells[j]!;
        line += c;
        const w = widths[j];
        if (j < cells.length - 1 && w !== undefined) line += " ".repeat(Math.max(0, w - width(c)));
      }
      out.push(line);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t]!.length - 1) continue;
      writeLines(start, t);
      start = t;
      let w = o.minWidth;
      for (; t < line1; t++) {
        const cells = lines[t]!;
        if (column >= cells.length - 1) break;
        w = Math.max(w, width(cells[column]!) + o.padding);
      }
      widths.push(w);
      format(start, t);
      widths.pop();
      start = t;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join("\n");
}

/** A `kubectl get` table: header and rows joined by tabs, laid out by the tabwriter. */
export function table(headers: readonly string[] | null, rows: readonly (readonly string[])[], o: TabOptions = GET_TABS): string {
  const all = headers ? [headers, ...rows] : rows;
  return tabwrite(all.map((r) => r.join("\t")).join("\n"), o);
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration, which every AGE column uses. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const y = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** Unix ms of cluster time 0 when the caller does not say: Monday 1 September 2025, 08:00 UTC. */
export const DEFAULT_EPOCH_MS = 1_756_713_600_000;

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

interface Civil {
  year: number;
  month: number;
  day: number;
  weekday: number;
  h: number;
  m: number;
  s: number;
}

/** Howard Hinnant's civil_from_days: a calendar date from Unix ms, without Date. */
function civil(unixMs: number): Civil {
  const totalSec = Math.floor(unixMs / 1000);
  const days = Math.floor(totalSec / 86_400);
  const secOfDay = totalSec - days * 86_400;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {
    year,
    month,
    day,
    // 1970-01-01 was a Thursday.
    weekday: (((days + 4) % 7) + 7) % 7,
    h: Math.floor(secOfDay / 3600),
    m: Math.floor((secOfDay % 3600) / 60),
    s: secOfDay % 60,
  };
}

const two = (n: number): string => String(n).padStart(2, "0");

/** time.RFC1123Z, as describe prints dates: "Mon, 01 Sep 2025 08:00:05 +0000". */
export function rfc1123z(unixMs: number): string {
  const c = civil(unixMs);
  return `${DAYS[c.weekday]}, ${two(c.day)} ${MONTHS[c.month - 1]} ${c.year} ${two(c.h)}:${two(c.m)}:${two(c.s)} +0000`;
}

/** RFC 3339 in UTC, as metav1.Time serializes: "2025-09-01T08:00:05Z". */
export function rfc3339(unixMs: number): string {
  const c = civil(unixMs);
  return `${c.year}-${two(c.month)}-${two(c.day)}T${two(c.h)}:${two(c.m)}:${two(c.s)}Z`;
}

/** A CPU quantity in canonical form: 2000 -> "2", 250 -> "250m". */
export function cpuQuantity(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** A memory quantity in canonical form: 1024 MiB -> "1Gi", 256 -> "256Mi". */
export function memQuantity(mib: number): string {
  if (mib === 0) return "0";
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** What a percentage column shows: Go's int64(fraction) truncation. */
export function pct(part: number, whole: number): number {
  return whole > 0 ? Math.trunc((part / whole) * 100) : 0;
}
