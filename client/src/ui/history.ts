/**
 * The debrief's data, shaped for charts: per-second rates from the 5-second history samples, and
 * where each injected-event label goes so that neighbours do not print over each other. Pure.
 */
import type { HistoryMessage } from "../../../shared/protocol/messages.ts";

export interface Series {
  /** Cluster seconds. */
  t: number[];
  availabilityPct: number[];
  rps: number[];
  servedPerSecond: number[];
  errorsPerSecond: number[];
  desired: number[];
  ready: number[];
  readyNodes: number[];
  totalNodes: number[];
}

export function toSeries(h: Pick<HistoryMessage, "samples">): Series {
  const s: Series = { t: [], availabilityPct: [], rps: [], servedPerSecond: [], errorsPerSecond: [], desired: [], ready: [], readyNodes: [], totalNodes: [] };
  let prevT: number | null = null;
  for (const x of h.samples) {
    // served and errors are totals over the window since the previous sample (5 s, shorter at the start).
    const windowS = prevT === null ? Math.max(1, x.t / 1000) : Math.max(1, (x.t - prevT) / 1000);
    prevT = x.t;
    s.t.push(x.t / 1000);
    s.availabilityPct.push(Math.round(x.availability * 10000) / 100);
    s.rps.push(x.rps);
    s.servedPerSecond.push(Math.round((x.served / windowS) * 10) / 10);
    s.errorsPerSecond.push(Math.round((x.errors / windowS) * 10) / 10);
    s.desired.push(x.desiredReplicas);
    s.ready.push(x.readyReplicas);
    s.readyNodes.push(x.readyNodes);
    s.totalNodes.push(x.totalNodes);
  }
  return s;
}

export interface Summary {
  durationS: number;
  minAvailabilityPct: number;
  totalErrors: number;
  peakRps: number;
  /** Seconds at least one desired replica was not ready. */
  degradedS: number;
}

export function summarize(h: Pick<HistoryMessage, "samples">): Summary {
  let minA = 100;
  let errors = 0;
  let peak = 0;
  let degraded = 0;
  let prevT = 0;
  for (const x of h.samples) {
    minA = Math.min(minA, x.availability * 100);
    errors += x.errors;
    peak = Math.max(peak, x.rps);
    if (x.readyReplicas < x.desiredReplicas) degraded += (x.t - prevT) / 1000;
    prevT = x.t;
  }
  const last = h.samples[h.samples.length - 1];
  return {
    durationS: last ? last.t / 1000 : 0,
    minAvailabilityPct: Math.round(minA * 100) / 100,
    totalErrors: Math.round(errors),
    peakRps: peak,
    degradedS: Math.round(degraded),
  };
}

/**
 * Stack labels into rows: a label goes on the first row where it does not overlap the previous
 * label of that row. `x` and `width` are pixels; returns the row of each label, in input order.
 */
export function labelRows(labels: readonly { x: number; width: number }[], gap = 6, maxRows = 4): number[] {
  const order = labels.map((l, i) => ({ ...l, i })).sort((a, b) => a.x - b.x);
  const rowEnd: number[] = [];
  const rows = new Array<number>(labels.length).fill(0);
  for (const l of order) {
    let row = rowEnd.findIndex((end) => l.x >= end + gap);
    if (row === -1) row = rowEnd.length < maxRows ? rowEnd.length : rowEnd.indexOf(Math.min(...rowEnd));
    rowEnd[row] = l.x + l.width;
    rows[l.i] = row;
  }
  return rows;
}
