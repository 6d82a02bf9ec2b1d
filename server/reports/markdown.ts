/**
 * The blameless postmortem, in Markdown: the shape an SRE team would write after an outage,
 * filled from the report. Any text that came from the class (names, messages) is escaped, so a
 * nickname cannot turn into a link, a table break or HTML when the file is rendered.
 */
import { clock, count, duration, percent } from "./format.ts";
import type { ActionTheme } from "./findings.ts";
import type { ClassReport } from "./report.ts";

/** Timeline rows shown in the document; the CSV and JSON keep every one. */
const MAX_TIMELINE_ROWS = 80;

export function mdEscape(text: string): string {
  return text.replace(/[\r\n]+/g, " ").replace(/[\\`*_[\]<>|#!~]/g, (c) => `\\${c}`);
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

function list(items: readonly string[]): string[] {
  return items.map((i) => `- ${mdEscape(i)}`);
}

const THEMES: Record<ActionTheme, string> = {
  kubernetesDid: "What Kubernetes did for us",
  configure: "What we would configure differently",
  practice: "What to practise next",
};

export function toMarkdownPostmortem(report: ClassReport): string {
  const c = report.class;
  const s = report.slo;
  const f = report.findings;
  const out: string[] = [];
  const lesson = c.lessonId ? ` (${mdEscape(c.lessonId)})` : "";
  out.push(`# Postmortem: class ${mdEscape(c.code)}${lesson}`, "");
  out.push(
    "_A blameless review generated from the cluster's own records. Times are on the cluster clock (mm:ss from the start of the run), " +
      "where every timer runs at its real length._",
    "",
  );

  out.push("## Summary", "", mdEscape(f.summary), "");

  out.push("## Impact", "");
  const impactRows: string[][] = [
    ["Availability", `${percent(s.availability)} (objective ${percent(s.target, 0)}${s.met ? ", met" : ", missed"})`],
    ["Requests", count(s.requests)],
    ["Failed requests", count(s.errors)],
    ["Error budget", `${count(s.errorBudget)} failed requests allowed; ${percent(s.budgetUsed, 0)} used`],
    ["Time below the bar", duration(s.degradedSeconds)],
    ["Duration of the run", duration(c.durationMs / 1000)],
  ];
  if (s.worstSample) impactRows.push(["Worst 5-second window", `${percent(s.worstSample.availability)} at ${clock(s.worstSample.t)}`]);
  if (s.warmupMs !== null && s.warmupMs > 0) {
    impactRows.push(["Cold start", `${duration(s.warmupMs / 1000)} until full strength; ${count(s.warmupErrors)} failed requests (availability after it: ${percent(s.availabilityAfterWarmup)})`]);
  }
  out.push(...table(["Measure", "Value"], impactRows), "");

  if (report.incidents.length) {
    out.push("### Incidents", "");
    out.push(
      ...table(
        ["#", "What happened", "At", "Noticed after", "Back to normal after", "Failed requests"],
        report.incidents.map((i) => [
          String(i.id),
          mdEscape(i.title),
          clock(i.injectedAtMs),
          i.detectSeconds === null ? "not noticed" : `${duration(i.detectSeconds)} (${mdEscape(i.detectedBy ?? "")})`,
          i.outcome === "noImpact" ? "no measurable impact" : i.outcome === "ongoing" ? "not by the end of the run" : duration(i.recoverSeconds ?? 0),
          count(i.impact.errors),
        ]),
      ),
      "",
    );
  }

  out.push("## Timeline", "");
  const shown = report.timeline.slice(0, MAX_TIMELINE_ROWS);
  if (shown.length === 0) out.push("Nothing happened beyond students joining.", "");
  else {
    out.push(...table(["Cluster time", "What happened"], shown.map((e) => [clock(e.atMs), (e.incident !== null ? `#${e.incident} ` : "") + mdEscape(e.text)])), "");
    if (report.timeline.length > shown.length) out.push(`_…and ${report.timeline.length - shown.length} more entries in the CSV and JSON exports._`, "");
  }

  out.push("## What went well", "", ...list(f.wentWell), "");
  out.push("## What went wrong", "", ...list(f.wentWrong), "");
  out.push("## Where we got lucky", "", ...list(f.lucky), "");

  out.push("## Action items", "");
  out.push("_Framed as learning: what the platform did for us, and what we would set up differently next time._", "");
  for (const theme of Object.keys(THEMES) as ActionTheme[]) {
    const items = f.actionItems.filter((a) => a.theme === theme);
    if (items.length === 0) continue;
    out.push(`### ${THEMES[theme]}`, "", ...items.map((a) => `- ${theme === "configure" ? "[ ] " : ""}${mdEscape(a.text)}`), "");
  }

  if (report.predictions.length) {
    out.push("## Predictions", "");
    out.push(
      ...table(
        ["Question", "Answers", "Right", "Most common answer"],
        report.predictions.map((q) => [mdEscape(q.questionId), count(q.answered), percent(q.percentCorrect, 0), mdEscape(q.mostCommonAnswer ?? "")]),
      ),
      "",
    );
  }

  out.push("## How these figures are measured", "");
  out.push(
    ...list([
      "Noticed after: from the failure to the first sign the cluster saw it (an event such as NodeNotReady or Unhealthy), or, where nothing in the control plane watches for it, the first failed requests.",
      "Back to normal after: from the failure to the first 5-second sample with ready replicas back at the desired count and at least 99% of requests answered.",
      "Availability: answered requests divided by all requests over the run; the error budget is the 1% the objective allows to fail.",
    ]),
    "",
  );
  return out.join("\n");
}
