/**
 * The class report: one plain-data object built from a run's records, from which every export
 * (JSON, CSV, Markdown postmortem) is rendered. Building it is pure, so the report of an ended
 * class and the report of one still running are computed the same way.
 */
import { SLO_TARGET, availability, errorBudgetRemaining, points } from "../../shared/game/score.ts";
import type { ClusterState, HistorySample, KubeEvent, Mode } from "../../shared/sim/index.ts";
import type { CommandEntry, PredictionResult, ReportData, RosterEntry } from "../store/types.ts";
import { ROUTINE_COMMANDS, describeCommand } from "./format.ts";
import { incidents, isHealthy, type Incident } from "./incidents.ts";
import { findings, type Findings } from "./findings.ts";

export const REPORT_VERSION = 1;

/** The settings that decide how a failure plays out, read from the run's last state. */
export interface ConfigSummary {
  deployments: {
    name: string;
    replicas: number;
    version: string;
    behavior: string;
    readinessProbe: boolean;
    livenessProbe: boolean;
    tolerationSeconds: number;
    strategy: "RollingUpdate" | "Recreate";
    maxSurge: string | null;
    maxUnavailable: string | null;
    pullPolicy: "IfNotPresent" | "Always";
  }[];
  hpas: { name: string; minReplicas: number; maxReplicas: number; targetCpuUtilization: number; reachedMax: boolean }[];
  pdbs: { app: string; minAvailable: number }[];
}

export type StudentInput = Pick<RosterEntry, "id" | "name" | "nodeName" | "readyMs" | "served" | "correctPredictions"> & Partial<Pick<RosterEntry, "status">>;

export interface ReportInput {
  class: {
    code: string;
    mode: Mode;
    seed: number;
    lessonId: string | null;
    compression: number;
    createdAt: number | null;
    endedAt: number | null;
    run?: number;
  };
  roster: readonly StudentInput[];
  predictions: readonly PredictionResult[];
  samples: readonly HistorySample[];
  events: readonly KubeEvent[];
  commands: readonly CommandEntry[];
  /** Cluster time the run reached. */
  endMs: number;
  /** Exact request counts from the state; without them the samples are summed. */
  totals?: { requests: number; served: number; errors: number };
  config?: ConfigSummary;
}

export interface SloSummary {
  lessonId: string | null;
  target: number;
  requests: number;
  served: number;
  errors: number;
  availability: number;
  /** Failed requests the objective allows over this run. */
  errorBudget: number;
  /** Fraction of that budget spent (above 1: overspent). */
  budgetUsed: number;
  /** As shown during class: 1 untouched, 0 spent, down to -1. */
  budgetRemaining: number;
  met: boolean;
  /** Cluster ms from the first sample until the service first stood at full strength (cold start). */
  warmupMs: number | null;
  warmupErrors: number;
  availabilityAfterWarmup: number;
  degradedSeconds: number;
  worstSample: { t: number; availability: number } | null;
}

export interface StudentFigures {
  id: string;
  name: string;
  nodeName: string;
  status: string;
  readySeconds: number;
  served: number;
  correctPredictions: number;
  points: number;
  predictionsAnswered: number;
  /** Incidents that hit this student's node. */
  incidentsOnNode: number;
  /** Cordons, drains and restarts on this student's node. */
  nodeActions: number;
}

export interface QuestionSummary {
  questionId: string;
  answered: number;
  correct: number;
  percentCorrect: number;
  answers: Record<string, number>;
  mostCommonAnswer: string | null;
}

export type TimelineKind = "action" | "injected" | "detected" | "evicted" | "recovered" | "ongoing" | "event";

export interface TimelineEntry {
  atMs: number;
  kind: TimelineKind;
  incident: number | null;
  text: string;
}

export interface ClassReport {
  version: typeof REPORT_VERSION;
  class: ReportInput["class"] & { durationMs: number; students: number; disconnections: number };
  slo: SloSummary;
  incidents: Incident[];
  timeline: TimelineEntry[];
  students: StudentFigures[];
  predictions: QuestionSummary[];
  samples: HistorySample[];
  config: ConfigSummary | null;
  findings: Findings;
}

export function summarizeConfig(s: ClusterState): ConfigSummary {
  return {
    deployments: Object.values(s.deployments).map((d) => ({
      name: d.name,
      replicas: d.replicas,
      version: d.template.version,
      behavior: d.template.behavior,
      readinessProbe: d.template.readinessProbe,
      livenessProbe: d.template.livenessProbe,
      tolerationSeconds: d.template.tolerationSeconds,
      strategy: d.strategy.type,
      maxSurge: d.strategy.type === "RollingUpdate" ? String(d.strategy.maxSurge) : null,
      maxUnavailable: d.strategy.type === "RollingUpdate" ? String(d.strategy.maxUnavailable) : null,
      pullPolicy: d.template.pullPolicy,
    })),
    hpas: Object.values(s.hpas).map((h) => ({
      name: h.name,
      minReplicas: h.minReplicas,
      maxReplicas: h.maxReplicas,
      targetCpuUtilization: h.targetCpuUtilization,
      reachedMax: h.scaleEvents.some((e) => e.to >= h.maxReplicas) || h.desiredReplicas >= h.maxReplicas,
    })),
    pdbs: Object.values(s.pdbs).map((p) => ({ app: p.app, minAvailable: p.minAvailable })),
  };
}

/** A report input from a live (or replayed) state: samples and events are whatever the state still holds. */
export function reportInputFromState(
  cls: ReportInput["class"],
  state: ClusterState,
  commands: readonly CommandEntry[],
  roster: readonly StudentInput[] = [],
  predictions: readonly PredictionResult[] = [],
): ReportInput {
  return {
    class: cls,
    roster,
    predictions,
    samples: state.history,
    events: state.events,
    commands,
    endMs: state.timeMs,
    totals: { ...state.totals },
    config: summarizeConfig(state),
  };
}

/**
 * A report input from the store: the appended samples and events (complete even when the state
 * has trimmed its own), merged with the snapshot's for whatever the last flush had not sent yet.
 */
export function reportInputFromData(data: ReportData): ReportInput {
  const snap = data.snapshot?.state ?? null;
  const samples = new Map<number, HistorySample>();
  for (const s of data.samples) samples.set(s.t, s);
  for (const s of snap?.history ?? []) samples.set(s.t, s);
  const events = new Map<number, KubeEvent>();
  for (const e of data.events) events.set(e.id, e);
  for (const e of snap?.events ?? []) {
    const known = events.get(e.id);
    if (!known || e.lastMs >= known.lastMs) events.set(e.id, e);
  }
  const lastCommand = data.commands.length ? data.commands[data.commands.length - 1]!.atMs : 0;
  const sortedSamples = [...samples.values()].sort((a, b) => a.t - b.t);
  const lastSample = sortedSamples.length ? sortedSamples[sortedSamples.length - 1]!.t : 0;
  const m = data.meta;
  return {
    class: { code: m.code, mode: m.mode, seed: m.seed, lessonId: m.lessonId, compression: data.snapshot?.room.compression ?? m.compression, createdAt: m.createdAt, endedAt: m.endedAt, run: data.run },
    roster: data.roster,
    predictions: data.predictions,
    samples: sortedSamples,
    events: [...events.values()].sort((a, b) => a.id - b.id),
    commands: data.commands,
    endMs: Math.max(snap?.timeMs ?? 0, lastCommand, lastSample),
    totals: snap ? { ...snap.totals } : undefined,
    config: snap ? summarizeConfig(snap) : undefined,
  };
}

function slo(input: ReportInput, samples: readonly HistorySample[]): SloSummary {
  const target = SLO_TARGET;
  let served = 0;
  let errors = 0;
  for (const s of samples) {
    served += s.served;
    errors += s.errors;
  }
  const totals = input.totals ?? { requests: served + errors, served, errors };
  const budget = totals.requests * (1 - target);
  // Cold start: the app's first pods need their image and a readiness probe before anyone is served.
  const firstHealthy = samples.findIndex((s) => isHealthy(s, target));
  let warmupErrors = 0;
  let warmupRequests = 0;
  for (let i = 0; i < (firstHealthy < 0 ? samples.length : firstHealthy); i++) {
    warmupErrors += samples[i]!.errors;
    warmupRequests += samples[i]!.served + samples[i]!.errors;
  }
  const spacing = samples.length > 1 ? samples[1]!.t - samples[0]!.t : 5000;
  let worst: SloSummary["worstSample"] = null;
  let degraded = 0;
  for (const s of samples) {
    if (!isHealthy(s, target)) degraded += spacing / 1000;
    if (s.served + s.errors > 0 && (!worst || s.availability < worst.availability)) worst = { t: s.t, availability: s.availability };
  }
  const avail = availability(totals.requests, totals.errors);
  return {
    lessonId: input.class.lessonId,
    target,
    requests: totals.requests,
    served: totals.served,
    errors: totals.errors,
    availability: avail,
    errorBudget: budget,
    budgetUsed: budget > 0 ? totals.errors / budget : 0,
    budgetRemaining: errorBudgetRemaining(totals.requests, totals.errors, target),
    met: avail >= target,
    warmupMs: firstHealthy < 0 ? null : samples[firstHealthy]!.t - (samples[0]?.t ?? 0),
    warmupErrors,
    availabilityAfterWarmup: availability(totals.requests - warmupRequests, totals.errors - warmupErrors),
    degradedSeconds: degraded,
    worstSample: worst,
  };
}

function students(input: ReportInput, found: readonly Incident[]): StudentFigures[] {
  const answered = new Map<string, number>();
  for (const p of input.predictions) answered.set(p.studentId, (answered.get(p.studentId) ?? 0) + 1);
  const nodeActionTypes = new Set(["cordon", "uncordon", "drain", "composeRestart"]);
  return input.roster
    .map((st) => ({
      id: st.id,
      name: st.name,
      nodeName: st.nodeName,
      status: st.status ?? "active",
      readySeconds: Math.floor(st.readyMs / 1000),
      served: Math.round(st.served),
      correctPredictions: st.correctPredictions,
      points: points(st),
      predictionsAnswered: answered.get(st.id) ?? 0,
      incidentsOnNode: found.filter((i) => i.target === st.nodeName || i.target?.startsWith(`${st.nodeName}/`)).length,
      nodeActions: input.commands.filter((e) => nodeActionTypes.has(e.command.type) && "node" in e.command && e.command.node === st.nodeName).length,
    }))
    .sort((a, b) => b.points - a.points || a.name.localeCompare(b.name));
}

function predictions(input: ReportInput): QuestionSummary[] {
  const byQuestion = new Map<string, PredictionResult[]>();
  for (const p of input.predictions) {
    const list = byQuestion.get(p.questionId) ?? [];
    list.push(p);
    byQuestion.set(p.questionId, list);
  }
  return [...byQuestion.entries()].map(([questionId, list]) => {
    const answers: Record<string, number> = {};
    for (const p of list) answers[p.answer] = (answers[p.answer] ?? 0) + 1;
    const top = Object.entries(answers).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
    const correct = list.filter((p) => p.correct).length;
    return { questionId, answered: list.length, correct, percentCorrect: list.length ? correct / list.length : 0, answers, mostCommonAnswer: top ? top[0] : null };
  });
}

/** Events worth a line in the timeline, beyond what the incidents already say. */
const NOTABLE_EVENTS: Record<string, (n: number, e: KubeEvent) => string> = {
  NodeNotReady: (n, e) => (n > 1 ? `${n} nodes were marked NotReady` : `node ${e.object.replace(/^node\//, "")} was marked NotReady`),
  NodeReady: (n, e) => (n > 1 ? `${n} nodes became Ready again` : `node ${e.object.replace(/^node\//, "")} became Ready again`),
  TaintManagerEviction: (n) => `${n} pod${n > 1 ? "s were" : " was"} evicted from an unreachable node`,
  EvictionsPaused: (_n, e) => `evictions paused: ${e.message}`,
  FailedScheduling: (n) => `${n} pod${n > 1 ? "s" : ""} could not be scheduled (FailedScheduling)`,
  SuccessfulRescale: (_n, e) => `the autoscaler resized ${e.object.replace(/^horizontalpodautoscaler\//, "")}: ${e.message}`,
  ProgressDeadlineExceeded: (_n, e) => `rollout of ${e.object.replace(/^deployment\//, "")} stalled (ProgressDeadlineExceeded)`,
  EvictionBlocked: (n) => `a disruption budget blocked ${n} eviction${n > 1 ? "s" : ""}`,
  OOMKilling: (n) => `${n} container${n > 1 ? "s were" : " was"} killed for using too much memory (OOMKilled)`,
};
/** Same-reason events this close together become one line ("3 pods were evicted"). */
const GROUP_MS = 10_000;

function timeline(input: ReportInput, found: readonly Incident[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const injected = new Set(found.map((i) => i.logIndex));
  input.commands.forEach((e, i) => {
    if (ROUTINE_COMMANDS.has(e.command.type) || injected.has(i)) return;
    out.push({ atMs: e.atMs, kind: "action", incident: null, text: describeCommand(e.command) });
  });
  for (const inc of found) {
    out.push({ atMs: inc.injectedAtMs, kind: "injected", incident: inc.id, text: inc.title });
    if (inc.detectedAtMs !== null) out.push({ atMs: inc.detectedAtMs, kind: "detected", incident: inc.id, text: `noticed: ${inc.detectedBy}` });
    if (inc.firstEvictionMs !== null) {
      const n = inc.signals.TaintManagerEviction ?? 0;
      const where = inc.target ? `node ${inc.target}` : "the lost node";
      const text = n > 1 ? `${n} pods on ${where} were evicted: their toleration ran out` : `the pod on ${where} was evicted: its toleration ran out`;
      out.push({ atMs: inc.firstEvictionMs, kind: "evicted", incident: inc.id, text });
    }
    if (inc.outcome === "recovered" && inc.recoveredAtMs !== null) {
      out.push({ atMs: inc.recoveredAtMs, kind: "recovered", incident: inc.id, text: "back to the desired replicas and the availability target" });
    } else if (inc.outcome === "ongoing") {
      out.push({ atMs: input.endMs, kind: "ongoing", incident: inc.id, text: "still below the desired replicas or the availability target when the run ended" });
    }
  }
  const skip = new Set(found.map((i) => i.detectedEventId).filter((x): x is number => x !== null));
  // Evictions from a failed node are already the incident's own "evicted" line.
  const evictedNodes = new Set(found.filter((i) => i.firstEvictionMs !== null && i.target).map((i) => i.target!));
  const groups = new Map<string, { first: KubeEvent; n: number; lastAt: number }>();
  const sorted = [...input.events].filter((e) => NOTABLE_EVENTS[e.reason] && !skip.has(e.id)).sort((a, b) => a.firstMs - b.firstMs || a.id - b.id);
  const emit = (g: { first: KubeEvent; n: number }) => out.push({ atMs: g.first.firstMs, kind: "event", incident: null, text: NOTABLE_EVENTS[g.first.reason]!(g.n, g.first) });
  for (const e of sorted) {
    // Node conditions concern nodes only; the same reason on pods is already in the node's line.
    if ((e.reason === "NodeNotReady" || e.reason === "NodeReady") && !e.object.startsWith("node/")) continue;
    if (e.reason === "TaintManagerEviction" && e.node !== null && evictedNodes.has(e.node)) continue;
    const g = groups.get(e.reason);
    if (g && e.firstMs - g.lastAt <= GROUP_MS) {
      g.n += e.count;
      g.lastAt = e.firstMs;
      continue;
    }
    if (g) emit(g);
    groups.set(e.reason, { first: e, n: e.count, lastAt: e.firstMs });
  }
  for (const g of groups.values()) emit(g);
  const order: Record<TimelineKind, number> = { injected: 0, action: 1, event: 2, detected: 3, evicted: 4, recovered: 5, ongoing: 6 };
  return out.sort((a, b) => a.atMs - b.atMs || order[a.kind] - order[b.kind]);
}

export function buildReport(input: ReportInput): ClassReport {
  const samples = [...input.samples].sort((a, b) => a.t - b.t);
  const found = incidents({ commands: input.commands, samples, events: input.events, endMs: input.endMs });
  const sloSummary = slo(input, samples);
  const studentFigures = students(input, found);
  const questionSummaries = predictions(input);
  const base: Omit<ClassReport, "findings"> = {
    version: REPORT_VERSION,
    class: {
      ...input.class,
      durationMs: input.endMs,
      students: input.roster.length,
      disconnections: input.commands.filter((e) => e.command.type === "heartbeat" && !e.command.connected).length,
    },
    slo: sloSummary,
    incidents: found,
    timeline: timeline(input, found),
    students: studentFigures,
    predictions: questionSummaries,
    samples,
    config: input.config ?? null,
  };
  return { ...base, findings: findings(base, input) };
}
