import { describe, expect, it } from "vitest";
import { SLO_TARGET, points } from "../../shared/game/score.ts";
import { SqliteClassStore } from "../../server/store/index.ts";
import {
  buildReport, csvCell, finishClass, incidents, loadReport, reportInputFromData, reportInputFromState, toCSV, toCSVTable, toJSON, toMarkdownPostmortem,
  type ClassReport, type ReportInput,
} from "../../server/reports/index.ts";
import { LiveSim, newClass, rosterEntry, runningRoom } from "./helpers.ts";

const CLASS: ReportInput["class"] = { code: "ABC123", mode: "kubernetes", seed: 7, lessonId: "node-failure", compression: 20, createdAt: 1_700_000_000_000, endedAt: null };

/** The scenario of test/sim/node-failure.test.ts, logged the way the room logs it. */
function scriptedKill(): { live: LiveSim; victim: string; killedAt: number } {
  const live = new LiveSim(7).nodes(4).must({ type: "deploy", app: "web", version: "v1", replicas: 8, baselineRps: 40 }).advance(120_000);
  const victim = live.sim.nodeOrder.find((n) => live.podsOn(n).length > 0)!;
  live.must({ type: "killNode", node: victim });
  const killedAt = live.sim.timeMs;
  live.advance(600_000);
  return { live, victim, killedAt };
}

/** RFC 4180 reader, enough to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  return rows;
}

describe("incident detection", () => {
  it("times a scripted node kill: noticed after ~50 s, back to desired replicas after ~6 min", () => {
    const { live, victim, killedAt } = scriptedKill();
    const found = incidents({ commands: live.log, samples: live.sim.history, events: live.sim.events, endMs: live.sim.timeMs });
    expect(found).toHaveLength(1);
    const kill = found[0]!;
    expect(kill).toMatchObject({ id: 1, kind: "nodePowerOff", target: victim, injectedAtMs: killedAt, detectedBy: "NodeNotReady event", outcome: "recovered", selfHealed: true });
    // Grace period 50 s after the last lease renewal (up to 10 s before the kill), seen by a 5 s monitor.
    expect(kill.detectSeconds!).toBeGreaterThanOrEqual(40);
    expect(kill.detectSeconds!).toBeLessThanOrEqual(55);
    // Plus the 300 s toleration, then a replacement pulled, started and probed ready (5 s samples).
    expect(kill.recoverSeconds!).toBeGreaterThanOrEqual(350);
    expect(kill.recoverSeconds!).toBeLessThanOrEqual(370);
    expect((kill.firstEvictionMs! - kill.detectedAtMs!) / 1000).toBeGreaterThanOrEqual(300);
    expect(kill.impact.errorsBeforeDetection).toBeGreaterThan(0);
    expect(kill.impact.minAvailability).toBeLessThan(SLO_TARGET);
    expect(kill.signals.TaintManagerEviction).toBe(live.sim.events.filter((e) => e.reason === "TaintManagerEviction").length);
    expect(kill.responses).toEqual([]);
  });

  it("names the node a random kill hit, from the event recorded at that instant", () => {
    const live = new LiveSim(12).nodes(4).must({ type: "deploy", app: "web", version: "v1", replicas: 8, baselineRps: 40 }).advance(60_000);
    live.must({ type: "killNode" }).advance(120_000);
    const [kill] = incidents({ commands: live.log, samples: live.sim.history, events: live.sim.events, endMs: live.sim.timeMs });
    const powered = live.sim.nodeOrder.filter((n) => !live.sim.nodes[n]!.powered);
    expect(kill!.target).toBe(powered[0]);
    expect(kill!.detectSeconds).not.toBeNull();
  });

  it("sees no impact when the lost node ran nothing the service needed", () => {
    const live = new LiveSim(9).nodes(5).must({ type: "deploy", app: "shop", version: "v1", replicas: 3, baselineRps: 30 }).advance(120_000);
    const empty = live.sim.nodeOrder.find((n) => live.podsOn(n).length === 0)!;
    live.must({ type: "killNode", node: empty }).advance(200_000);
    const report = buildReport(reportInputFromState(CLASS, live.sim, live.log));
    expect(report.incidents[0]).toMatchObject({ outcome: "noImpact", recoverSeconds: null, target: empty });
    expect(report.incidents[0]!.detectSeconds).toBeGreaterThan(40);
    expect(report.findings.lucky.join(" ")).toMatch(new RegExp(`Node ${empty} carried too little`));
  });

  it("follows a bad rollout to its undo", () => {
    const live = new LiveSim(5).nodes(4).must({ type: "deploy", app: "shop", version: "v1", replicas: 6, baselineRps: 30 }).advance(120_000);
    live.must({ type: "deploy", app: "shop", version: "v2", behavior: "crashing" }).advance(90_000).must({ type: "rolloutUndo", deployment: "shop" }).advance(120_000);
    const report = buildReport(reportInputFromState(CLASS, live.sim, live.log));
    const bad = report.incidents[0]!;
    expect(bad).toMatchObject({ kind: "badRollout", target: "shop:v2", detectedBy: "BackOff event", outcome: "recovered", selfHealed: false });
    expect(bad.detectSeconds!).toBeLessThan(30);
    expect(bad.responses.map((r) => r.type)).toEqual(["rolloutUndo"]);
    expect(bad.causeEndedAtMs! - bad.injectedAtMs).toBe(90_000);
    expect(report.findings.wentWell.join(" ")).toMatch(/rolled back or replaced 1 min 30 s after/);
    expect(report.findings.wentWell.join(" ")).toMatch(/kept the old pods serving/);
  });

  it("tells a spike absorbed by the autoscaler from one that overran a fixed deployment", () => {
    const withHpa = new LiveSim(7).nodes(4).must({ type: "deploy", app: "shop", version: "v1", replicas: 3, baselineRps: 30 })
      .must({ type: "setHpa", deployment: "shop", minReplicas: 3, maxReplicas: 12, targetCpuUtilization: 60 }).advance(120_000)
      .must({ type: "trafficSpike", service: "shop", multiplier: 5, durationSeconds: 180, rampSeconds: 30 }).advance(400_000);
    const a = buildReport(reportInputFromState(CLASS, withHpa.sim, withHpa.log));
    expect(a.incidents[0]).toMatchObject({ kind: "trafficSpike", detectedBy: "SuccessfulRescale event" });
    expect(a.findings.wentWell.join(" ")).toMatch(/HorizontalPodAutoscaler added pods/);

    const fixed = new LiveSim(7).nodes(4).must({ type: "deploy", app: "shop", version: "v1", replicas: 3, baselineRps: 30 }).advance(120_000)
      .must({ type: "trafficSpike", service: "shop", multiplier: 5, durationSeconds: 120 }).advance(300_000);
    const b = buildReport(reportInputFromState(CLASS, fixed.sim, fixed.log));
    expect(b.incidents[0]).toMatchObject({ kind: "trafficSpike", detectedBy: "failed requests", outcome: "recovered" });
    expect(b.incidents[0]!.impact.errors).toBeGreaterThan(1000);
    expect(b.findings.wentWrong.join(" ")).toMatch(/No autoscaler was set/);
  });

  it("keeps a quiet registry outage from taking the blame for a later hang", () => {
    const live = new LiveSim(8).nodes(4).must({ type: "deploy", app: "shop", version: "v1", replicas: 6, baselineRps: 30 }).advance(120_000);
    live.must({ type: "registryOutage", on: true }).advance(60_000).must({ type: "registryOutage", on: false }).advance(60_000);
    live.must({ type: "crashContainer", app: "shop", how: "hang" }).advance(120_000);
    const report = buildReport(reportInputFromState(CLASS, live.sim, live.log));
    const [registry, hang] = report.incidents;
    expect(registry).toMatchObject({ kind: "registryOutage", outcome: "noImpact", detectedAtMs: null, causeEndedAtMs: 180_000 });
    expect(hang).toMatchObject({ kind: "containerHang", detectedBy: "Unhealthy event", outcome: "recovered" });
    // The probes need three failures; failed requests start before that.
    expect(hang!.firstErrorsSeconds!).toBeLessThan(hang!.detectSeconds!);
    expect(report.findings.lucky.join(" ")).toMatch(/registry was down, but no node needed to download an image/);
  });
});

describe("the class report", () => {
  function killReport(): { report: ClassReport; victim: string; killedAt: number; live: LiveSim } {
    const { live, victim, killedAt } = scriptedKill();
    const roster = [
      { ...rosterEntry(1), nodeName: victim, readyMs: 120_000, served: 4321.6, correctPredictions: 1 },
      { ...rosterEntry(2), nodeName: "node-x", name: "=HYPERLINK(\"http://evil\",\"click\")", readyMs: 700_000, served: 100, correctPredictions: 0 },
      { ...rosterEntry(3), nodeName: "node-y", name: "Zoë, \"the\" admin", readyMs: 0, served: 0, correctPredictions: 2, status: "left" as const },
    ];
    const predictions = [
      { questionId: "when-notready", studentId: "student-1", answer: "50 s", correct: true, atMs: 100_000 },
      { questionId: "when-notready", studentId: "student-2", answer: "5 s", correct: false, atMs: 100_500 },
      { questionId: "when-notready", studentId: "student-3", answer: "50 s", correct: true, atMs: 101_000 },
      { questionId: "when-evicted", studentId: "student-3", answer: "@SUM(A1)", correct: true, atMs: 200_000 },
    ];
    const report = buildReport(reportInputFromState(CLASS, live.sim, live.log, roster, predictions));
    return { report, victim, killedAt, live };
  }

  it("measures the SLO over the run from the exact totals", () => {
    const { report, live } = killReport();
    const t = live.sim.totals;
    expect(report.slo).toMatchObject({ lessonId: "node-failure", target: 0.99, requests: t.requests, errors: t.errors, met: false });
    expect(report.slo.availability).toBeCloseTo((t.requests - t.errors) / t.requests, 10);
    expect(report.slo.errorBudget).toBeCloseTo(t.requests * 0.01, 6);
    expect(report.slo.budgetUsed).toBeCloseTo(t.errors / (t.requests * 0.01), 6);
    // The first pods need their image and a probe: requests fail until then.
    expect(report.slo.warmupMs).toBeGreaterThan(0);
    expect(report.slo.warmupErrors).toBeGreaterThan(0);
    expect(report.slo.availabilityAfterWarmup).toBeGreaterThan(report.slo.availability);
  });

  it("gives each student their figures, points as the game counts them", () => {
    const { report, victim } = killReport();
    const byId = Object.fromEntries(report.students.map((s) => [s.id, s]));
    expect(byId["student-1"]).toMatchObject({ nodeName: victim, readySeconds: 120, served: 4322, correctPredictions: 1, predictionsAnswered: 1, incidentsOnNode: 1 });
    expect(byId["student-1"]!.points).toBe(points({ readyMs: 120_000, served: 4321.6, correctPredictions: 1 }));
    expect(byId["student-3"]).toMatchObject({ status: "left", predictionsAnswered: 2, incidentsOnNode: 0 });
    expect(report.students.map((s) => s.points)).toEqual([...report.students.map((s) => s.points)].sort((a, b) => b - a));
    expect(report.predictions).toEqual([
      { questionId: "when-notready", answered: 3, correct: 2, percentCorrect: 2 / 3, answers: { "50 s": 2, "5 s": 1 }, mostCommonAnswer: "50 s" },
      { questionId: "when-evicted", answered: 1, correct: 1, percentCorrect: 1, answers: { "@SUM(A1)": 1 }, mostCommonAnswer: "@SUM(A1)" },
    ]);
    // Nothing secret leaves in a report.
    expect(toJSON(report)).not.toMatch(/rejoin|deviceId|teacherKey/i);
  });

  it("tells the story in order on the cluster clock", () => {
    const { report, killedAt } = killReport();
    const kinds = report.timeline.filter((e) => e.incident === 1).map((e) => e.kind);
    expect(kinds).toEqual(["injected", "detected", "evicted", "recovered"]);
    expect(report.timeline[0]).toMatchObject({ atMs: 0, kind: "action", text: "web:v1 was deployed, 8 replicas" });
    expect(report.timeline.find((e) => e.kind === "injected")!.atMs).toBe(killedAt);
    expect(report.timeline.every((e, i, all) => i === 0 || all[i - 1]!.atMs <= e.atMs)).toBe(true);
    // The detection event is the incident's own line, not repeated as a separate event.
    expect(report.timeline.filter((e) => /NotReady/.test(e.text))).toHaveLength(1);
  });

  it("round-trips through JSON", () => {
    const { report } = killReport();
    expect(JSON.parse(toJSON(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});

describe("CSV export", () => {
  it("quotes per RFC 4180 and defuses formulas", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("cr\rhere")).toBe('"cr\rhere"');
    expect(csvCell(" padded ")).toBe('" padded "');
    for (const danger of ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "  =1", "＝1"]) {
      const out = csvCell(danger);
      const unquoted = out.startsWith('"') ? out.slice(1, -1).replace(/""/g, '"') : out;
      expect(unquoted.startsWith("'"), `${JSON.stringify(danger)} -> ${out}`).toBe(true);
    }
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    // Numbers the report computed stay numbers, negative ones included.
    expect(csvCell(-0.25)).toBe("-0.25");
    expect(csvCell(0.1 + 0.2)).toBe("0.3");
    expect(csvCell(42)).toBe("42");
    expect(csvCell(null)).toBe("");
    expect(csvCell(Number.NaN)).toBe("");
    expect(csvCell(true)).toBe("true");
  });

  it("writes every table in one file with a section column and a single header", () => {
    const { live } = scriptedKill();
    const roster = [{ ...rosterEntry(1), name: "=cmd|' /C calc'!A0" }, { ...rosterEntry(2), name: "Zoë, \"the\" admin" }];
    const report = buildReport(reportInputFromState(CLASS, live.sim, live.log, roster));
    const text = toCSV(report);
    expect(text.startsWith("\uFEFF")).toBe(true);
    expect(text.endsWith("\r\n")).toBe(true);
    const rows = parseCsv(text.slice(1));
    const header = rows[0]!;
    expect(header[0]).toBe("section");
    expect(new Set(header).size).toBe(header.length);
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    const sections = new Set(rows.slice(1).map((r) => r[0]));
    expect([...sections]).toEqual(["slo", "incidents", "timeline", "students", "samples"]);
    const col = (name: string) => header.indexOf(name);
    const names = rows.filter((r) => r[0] === "students").map((r) => r[col("name")]);
    expect(names).toContain("'=cmd|' /C calc'!A0");
    expect(names).toContain('Zoë, "the" admin');
    const inc = rows.find((r) => r[0] === "incidents")!;
    expect(Number(inc[col("detect_seconds")])).toBe(report.incidents[0]!.detectSeconds);
    expect(Number(inc[col("recover_seconds")])).toBe(report.incidents[0]!.recoverSeconds);
    expect(inc[col("clock")]).toBe("02:00");
    // No text cell a spreadsheet would evaluate.
    for (const r of rows.slice(1)) for (const cell of r) if (/^[=+@]/.test(cell)) throw new Error(`live formula: ${cell}`);
  });

  it("writes a single table on its own", () => {
    const { live } = scriptedKill();
    const report = buildReport(reportInputFromState(CLASS, live.sim, live.log, [rosterEntry(1)]));
    const rows = parseCsv(toCSVTable(report, "students", { bom: false }));
    expect(rows[0]).toEqual(["student_id", "name", "node", "status", "ready_seconds", "served", "correct_predictions", "points", "predictions_answered", "incidents_on_node", "node_actions"]);
    expect(rows).toHaveLength(2);
  });
});

describe("Markdown postmortem", () => {
  it("has the sections of a blameless postmortem, filled with the run's figures", () => {
    const { live, victim } = scriptedKill();
    const report = buildReport(reportInputFromState(CLASS, live.sim, live.log, [rosterEntry(1)]));
    const md = toMarkdownPostmortem(report);
    const headings = md.split("\n").filter((l) => l.startsWith("#"));
    expect(headings).toEqual([
      "# Postmortem: class ABC123 (node-failure)",
      "## Summary",
      "## Impact",
      "### Incidents",
      "## Timeline",
      "## What went well",
      "## What went wrong",
      "## Where we got lucky",
      "## Action items",
      "### What Kubernetes did for us",
      "### What we would configure differently",
      "## How these figures are measured",
    ]);
    const kill = report.incidents[0]!;
    expect(md).toContain(`| Availability | ${(report.slo.availability * 100).toFixed(2)}% (objective 99%, missed) |`);
    expect(md).toContain(`| 1 | Node ${victim} lost power | 02:00 | ${kill.detectSeconds} s (NodeNotReady event) | 6 min 00 s |`);
    expect(md).toContain(`| 02:00 | #1 Node ${victim} lost power |`);
    expect(md).toMatch(/\| 02:5\d \| #1 noticed: NodeNotReady event \|/);
    expect(md).toMatch(/marked NotReady 50 s after going silent/);
    expect(md).toMatch(/waits 300 s \(the not-ready\/unreachable toleration\)/);
    expect(md).toMatch(/- \[ \] For stateless apps, set a shorter toleration/);
    expect(md).not.toMatch(/undefined|NaN|null/);
  });

  it("speaks of machines, not pods, in the Compose round", () => {
    const live = new LiveSim(4, "compose").nodes(4).must({ type: "expose", service: "shop", baselineRps: 30 }).advance(60_000);
    live.must({ type: "killNode", node: "node-3" }).advance(200_000);
    const report = buildReport(reportInputFromState({ ...CLASS, mode: "compose", lessonId: null }, live.sim, live.log));
    const md = toMarkdownPostmortem(report);
    expect(md).toContain("ran a fleet of Docker Compose hosts");
    expect(md).toContain("When machine node-3 went down, everything on it went down too");
    expect(md).not.toMatch(/pods were taken out of the Service|toleration/);
    expect(report.findings.actionItems.map((a) => a.theme)).toContain("practice");
  });

  it("escapes text that came from the class", () => {
    const live = new LiveSim(1).nodes(2);
    const report = buildReport(reportInputFromState({ ...CLASS, lessonId: "<img src=x onerror=alert(1)> | [x](javascript:y)" }, live.sim, live.log, [], [
      { questionId: "q|1", studentId: "s", answer: "**bold** <b>", correct: false, atMs: 0 },
    ]));
    const md = toMarkdownPostmortem(report);
    // Escaped, they render as the characters themselves: no tag, no link.
    expect(md).not.toMatch(/(^|[^\\])<img/);
    expect(md).not.toMatch(/(^|[^\\])\]\(javascript/);
    expect(md).toContain("\\<img src=x onerror=alert(1)\\> \\| \\[x\\](javascript:y)");
    expect(md).toContain("| q\\|1 | 1 | 0% | \\*\\*bold\\*\\* \\<b\\> |");
    expect(md).toContain("No failures were injected.");
  });
});

describe("reports from the store", () => {
  it("match the report built from the live state, and are kept when the class ends", async () => {
    const { live } = scriptedKill();
    const store = new SqliteClassStore({ path: ":memory:" });
    await store.createClass({ ...newClass("ABC123"), seed: 7 });
    const run = await store.beginRun("ABC123");
    await store.appendCommands("ABC123", live.log.map((e, seq) => ({ ...e, run, seq })));
    // Only part of the timeline reached the table: the snapshot holds the rest.
    const half = Math.floor(live.sim.history.length / 2);
    await store.appendTimeline("ABC123", run, { samples: live.sim.history.slice(0, half), events: live.sim.events.slice(0, 40) });
    await store.saveSnapshot("ABC123", { run, state: live.sim, room: runningRoom, roster: [rosterEntry(1)], commandCount: live.log.length });

    const fromStore = buildReport(reportInputFromData((await store.loadReportData("ABC123"))!));
    const fromState = buildReport(reportInputFromState({ ...CLASS, run }, live.sim, live.log, [rosterEntry(1)]));
    expect(fromStore.incidents).toEqual(fromState.incidents);
    expect(fromStore.slo).toEqual(fromState.slo);
    expect(fromStore.timeline).toEqual(fromState.timeline);
    expect(fromStore.findings).toEqual(fromState.findings);

    expect((await loadReport(store, "ABC123"))!.incidents).toEqual(fromState.incidents);
    const final = await finishClass(store, "ABC123", 1_800_000_000_000);
    expect(final.class.endedAt).toBe(1_800_000_000_000);
    expect((await store.getClass("ABC123"))!.endedAt).not.toBeNull();
    expect(await loadReport(store, "ABC123")).toEqual(JSON.parse(JSON.stringify(final)));
    expect(await loadReport(store, "NOPE99")).toBeNull();
    await store.close();
  });
});
