/**
 * CSV exports. Teachers open these in spreadsheets, and student nicknames are free text, so every
 * text cell is quoted per RFC 4180 when needed and defused when it could start a formula (CSV
 * injection): a leading = + - @ (or tab / carriage return, which some spreadsheets skip before
 * reading one) gets an apostrophe in front. Numbers the report computed are written as numbers.
 */
import { clock } from "./format.ts";
import type { ClassReport } from "./report.ts";

export type Cell = string | number | boolean | null | undefined;

export interface CsvTable {
  columns: string[];
  rows: Cell[][];
}

export type TableName = "slo" | "incidents" | "timeline" | "students" | "predictions" | "samples";

const FORMULA_START = /^[\s]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r]/;

export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return "";
    return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  }
  let s = v;
  if (FORMULA_START.test(s)) s = `'${s}`;
  if (/[",\r\n]/.test(s) || /^\s|\s$/.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

export function csvLines(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [columns, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

export function csvTables(report: ClassReport): Record<TableName, CsvTable> {
  const s = report.slo;
  return {
    slo: {
      columns: ["lesson", "objective", "requests", "served", "errors", "availability", "error_budget_requests", "error_budget_used", "error_budget_remaining",
        "warmup_seconds", "warmup_errors", "availability_after_warmup", "degraded_seconds", "met"],
      rows: [[s.lessonId, s.target, s.requests, s.served, s.errors, s.availability, s.errorBudget, s.budgetUsed, s.budgetRemaining,
        s.warmupMs === null ? null : s.warmupMs / 1000, s.warmupErrors, s.availabilityAfterWarmup, s.degradedSeconds, s.met]],
    },
    incidents: {
      columns: ["incident", "kind", "title", "target", "clock", "t_ms", "detect_seconds", "detected_by", "first_errors_seconds", "recover_seconds", "outcome", "requests", "errors",
        "errors_before_detection", "min_availability", "max_p95_ms", "degraded_seconds", "first_response_seconds", "self_healed", "overlaps_with"],
      rows: report.incidents.map((i) => [i.id, i.kind, i.title, i.target, clock(i.injectedAtMs), i.injectedAtMs, i.detectSeconds, i.detectedBy, i.firstErrorsSeconds, i.recoverSeconds,
        i.outcome, i.impact.requests, i.impact.errors, i.impact.errorsBeforeDetection, i.impact.minAvailability, i.impact.maxP95Ms, i.impact.degradedSeconds,
        i.firstResponseSeconds, i.selfHealed, i.overlapsWith.join(" ")]),
    },
    timeline: {
      columns: ["clock", "t_ms", "kind", "incident", "text"],
      rows: report.timeline.map((e) => [clock(e.atMs), e.atMs, e.kind, e.incident, e.text]),
    },
    students: {
      columns: ["student_id", "name", "node", "status", "ready_seconds", "served", "correct_predictions", "points", "predictions_answered", "incidents_on_node", "node_actions"],
      rows: report.students.map((st) => [st.id, st.name, st.nodeName, st.status, st.readySeconds, st.served, st.correctPredictions, st.points,
        st.predictionsAnswered, st.incidentsOnNode, st.nodeActions]),
    },
    predictions: {
      columns: ["question", "answered", "correct", "percent_correct", "most_common_answer"],
      rows: report.predictions.map((q) => [q.questionId, q.answered, q.correct, q.percentCorrect, q.mostCommonAnswer]),
    },
    samples: {
      columns: ["clock", "t_ms", "rps", "served", "errors", "p95_ms", "availability", "desired_replicas", "ready_replicas", "ready_nodes", "total_nodes"],
      rows: report.samples.map((x) => [clock(x.t), x.t, x.rps, x.served, x.errors, x.p95Ms, x.availability, x.desiredReplicas, x.readyReplicas, x.readyNodes, x.totalNodes]),
    },
  };
}

export interface CsvOptions {
  /** A UTF-8 byte order mark, so Excel reads accented nicknames right (default true). */
  bom?: boolean;
  /** Only these tables, in this order (default: all). */
  tables?: TableName[];
}

/**
 * One table as its own CSV file (for ?table=students style downloads).
 */
export function toCSVTable(report: ClassReport, table: TableName, opts: Pick<CsvOptions, "bom"> = {}): string {
  const t = csvTables(report)[table];
  return (opts.bom ?? true ? "\uFEFF" : "") + csvLines(t.columns, t.rows);
}

/**
 * Every table in one CSV with a `section` column first: one header row (the union of the tables'
 * columns), so a spreadsheet filter on `section` gives back each table.
 */
export function toCSV(report: ClassReport, opts: CsvOptions = {}): string {
  const all = csvTables(report);
  const names = opts.tables ?? (Object.keys(all) as TableName[]);
  const columns: string[] = [];
  for (const n of names) for (const c of all[n].columns) if (!columns.includes(c)) columns.push(c);
  const rows: Cell[][] = [];
  for (const n of names) {
    const t = all[n];
    const at = t.columns.map((c) => columns.indexOf(c));
    for (const r of t.rows) {
      const row: Cell[] = new Array<Cell>(columns.length + 1).fill(null);
      row[0] = n;
      r.forEach((v, i) => (row[at[i]! + 1] = v));
      rows.push(row);
    }
  }
  return (opts.bom ?? true ? "\uFEFF" : "") + csvLines(["section", ...columns], rows);
}
