/** Reports: replay a run, find its incidents, and export what the class learned. */
import type { ClassStore } from "../store/types.ts";
import { buildReport, reportInputFromData, type ClassReport } from "./report.ts";

export { replay, resumeState, timeline, applyLog, ReplayDivergence, type TimelineFrame } from "./replay.ts";
export { incidents, isHealthy, type Incident, type IncidentKind, type IncidentImpact, type IncidentInput } from "./incidents.ts";
export {
  buildReport, reportInputFromData, reportInputFromState, summarizeConfig, REPORT_VERSION,
  type ClassReport, type ReportInput, type SloSummary, type StudentFigures, type QuestionSummary, type TimelineEntry, type ConfigSummary, type StudentInput,
} from "./report.ts";
export type { Findings, ActionItem, ActionTheme } from "./findings.ts";
export { toCSV, toCSVTable, csvTables, csvCell, type CsvOptions, type TableName, type CsvTable, type Cell } from "./csv.ts";
export { toMarkdownPostmortem, mdEscape } from "./markdown.ts";
export { clock, duration, describeCommand } from "./format.ts";

export function toJSON(report: ClassReport): string {
  return JSON.stringify(report, null, 2);
}

/** The report of a class from what the store holds: the stored one once ended, else built now. */
export async function loadReport(store: ClassStore, code: string): Promise<ClassReport | null> {
  const stored = await store.getReport<ClassReport>(code);
  if (stored) return stored.report;
  const data = await store.loadReportData(code);
  return data ? buildReport(reportInputFromData(data)) : null;
}

/**
 * End a class: build its report from the store and keep it. The room calls this after a last
 * recorder.saveNow(), so the report sees every command, sample and event.
 */
export async function finishClass(store: ClassStore, code: string, endedAt: number = Date.now()): Promise<ClassReport> {
  const data = await store.loadReportData(code);
  if (!data) throw new Error(`class ${code} is not in the store`);
  const report = buildReport(reportInputFromData(data));
  report.class.endedAt = endedAt;
  await store.endClass(code, report);
  return report;
}
