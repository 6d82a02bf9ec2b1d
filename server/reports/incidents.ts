/**
 * Incidents: every failure injected into a run, with how long the cluster took to notice it and to
 * get back to what was asked of it. Everything is read from the run's records (command log,
 * history samples every 5 cluster seconds, Kubernetes events), never from a live state, so a report
 * can be rebuilt from the store at any time and gives the same figures.
 *
 * Recovery is the first history sample, after the service degraded, with ready replicas back to
 * the desired count and availability back to the SLO target: Kubernetes' own promise (desired
 * state) and the users' (requests answered). Sample resolution is 5 s, so recovery times are too.
 */
import { SLO_TARGET } from "../../shared/game/score.ts";
import type { Command, HistorySample, KubeEvent } from "../../shared/sim/index.ts";
import type { CommandEntry } from "../store/types.ts";
import { appOfPod, describeCommand } from "./format.ts";

export type IncidentKind =
  | "nodePowerOff"
  | "networkPartition"
  | "containerCrash"
  | "containerHang"
  | "registryOutage"
  | "trafficSpike"
  | "badRollout"
  | "memoryLeak"
  | "memoryPressure"
  | "slowNode"
  | "podDeleted"
  | "composeCrash"
  | "composeHang"
  | "composeStop";

export interface IncidentImpact {
  requests: number;
  errors: number;
  /** Failed requests between the failure and the moment it was noticed: the blind window. */
  errorsBeforeDetection: number;
  minAvailability: number;
  maxP95Ms: number;
  /** Cluster seconds of samples below the bar (not at desired replicas, or availability under target). */
  degradedSeconds: number;
}

export interface IncidentResponse {
  atMs: number;
  type: Command["type"];
  text: string;
}

export interface Incident {
  /** 1-based, in order of injection. */
  id: number;
  kind: IncidentKind;
  title: string;
  /** The node, pod, app, service or container hit, when known. */
  target: string | null;
  command: Command;
  /** Position of the injecting command in the run's log. */
  logIndex: number;
  injectedAtMs: number;
  /** When the cause went away (node restored, registry back, spike over), when that is known. */
  causeEndedAtMs: number | null;
  /** First sample with failed requests after the failure: when users noticed, whatever the cluster saw. */
  firstErrorsAtMs: number | null;
  firstErrorsSeconds: number | null;
  detectedAtMs: number | null;
  detectSeconds: number | null;
  /** What noticed first: an event reason, "failed requests", or an immediate observation. */
  detectedBy: string | null;
  /** Id of the event that counted as detection, so timelines do not list it twice. */
  detectedEventId: number | null;
  impactStartMs: number | null;
  recoveredAtMs: number | null;
  recoverSeconds: number | null;
  /** "recovered", "noImpact" (never dropped below the bar) or "ongoing" (still below it at the end). */
  outcome: "recovered" | "noImpact" | "ongoing";
  impact: IncidentImpact;
  responses: IncidentResponse[];
  firstResponseSeconds: number | null;
  /** Back to normal before anyone acted: the controllers did the work. */
  selfHealed: boolean;
  /** Counts of telling events between injection and recovery (TaintManagerEviction, BackOff...). */
  signals: Record<string, number>;
  /** First eviction of the lost node's pods (node failures). */
  firstEvictionMs: number | null;
  overlapsWith: number[];
}

/** Commands that change how the cluster copes: the class reacting to an incident. */
const RESPONSE_TYPES: ReadonlySet<Command["type"]> = new Set([
  "restoreNode", "rolloutUndo", "scale", "setHpa", "removeHpa", "setPdb", "cordon", "uncordon", "drain", "deletePod",
  "setBaseline", "composeRestart", "deploy", "registryOutage", "memoryPressure",
]);

/** Events worth counting per incident, for the findings. */
const SIGNAL_REASONS = [
  "NodeNotReady", "TaintManagerEviction", "EvictionsPaused", "FailedScheduling", "SuccessfulRescale", "ProgressDeadlineExceeded",
  "BackOff", "Unhealthy", "Killing", "Failed", "OOMKilling", "Evicted", "EvictionThresholdMet", "EvictionBlocked",
  "DeploymentRollback", "Die", "NodeReady",
] as const;

type Scope = { node?: string | null; app?: string | null; pod?: string | null };

interface Seed {
  kind: IncidentKind;
  target: string | null;
  scope: Scope;
  /** Reasons that count as "Kubernetes (or Docker) noticed", within the scope. */
  detectReasons: readonly string[];
  /** Detection is the failure itself (a process exit is seen at once). */
  immediate: string | null;
  /**
   * Failed requests as a detection signal: "first" when nothing in the control plane watches for
   * this failure (load, slowness), "fallback" when an event should say it but none was recorded.
   */
  errorsDetect: "first" | "fallback" | false;
}

const DEFAULT_SAMPLE_MS = 5000;
/** How long after detection a degradation is still blamed on the incident. */
const DEGRADE_AFTER_DETECT_MS = 60_000;
/** Without any detection, how long after injection a degradation is still blamed on it. */
const DEGRADE_UNDETECTED_MS = 120_000;
/** Failed requests later than this are not linked to a failure. */
const FIRST_ERRORS_WITHIN_MS = 10 * 60_000;

export function isHealthy(s: HistorySample, target = SLO_TARGET): boolean {
  return s.readyReplicas >= s.desiredReplicas && s.availability >= target;
}

/** When an event happened at or after t0, as far as its first/last times tell (a repeat keeps only both ends). */
function occurrence(e: KubeEvent, t0: number): number | null {
  if (e.firstMs >= t0) return e.firstMs;
  if (e.count > 1 && e.lastMs >= t0) return e.lastMs;
  return null;
}

function inScope(e: KubeEvent, scope: Scope): boolean {
  if (scope.pod) return e.object === `pod/${scope.pod}`;
  if (scope.node) return e.node === scope.node || e.object === `node/${scope.node}` || e.object.startsWith(`container/${scope.node}-`);
  if (scope.app) {
    const a = scope.app;
    return e.object.startsWith(`pod/${a}-`) || e.object === `deployment/${a}` || e.object.startsWith(`replicaset/${a}-`) || e.object === `horizontalpodautoscaler/${a}`;
  }
  return true;
}

/** The node a random kill or partition hit: its event is recorded at the same instant. */
function nodeFromEvent(events: readonly KubeEvent[], t0: number, reason: string): string | null {
  const e = events.find((x) => x.reason === reason && (x.firstMs === t0 || x.lastMs === t0));
  return e ? e.object.replace(/^node\//, "") : null;
}

function seedFor(c: Command, t0: number, events: readonly KubeEvent[]): Seed | null {
  const none = { immediate: null, errorsDetect: false as const };
  switch (c.type) {
    case "killNode": {
      const node = c.node ?? nodeFromEvent(events, t0, "NodePoweredOff");
      return { kind: "nodePowerOff", target: node, scope: { node }, detectReasons: ["NodeNotReady"], ...none };
    }
    case "partitionNode": {
      const node = c.node ?? nodeFromEvent(events, t0, "NetworkPartition");
      return { kind: "networkPartition", target: node, scope: { node }, detectReasons: ["NodeNotReady"], ...none };
    }
    case "crashContainer": {
      const app = c.app ?? (c.pod ? appOfPod(c.pod) : null);
      if (c.how === "hang") {
        return { kind: "containerHang", target: c.pod ?? app, scope: c.pod ? { pod: c.pod } : { app }, detectReasons: ["Unhealthy"], immediate: null, errorsDetect: "fallback" };
      }
      return { kind: "containerCrash", target: c.pod ?? app, scope: { app }, detectReasons: [], immediate: "the kubelet saw the process exit", errorsDetect: false };
    }
    case "registryOutage":
      return c.on ? { kind: "registryOutage", target: "registry", scope: {}, detectReasons: ["Failed"], ...none } : null;
    case "trafficSpike":
      return { kind: "trafficSpike", target: c.service, scope: { app: c.service }, detectReasons: ["SuccessfulRescale"], immediate: null, errorsDetect: "first" };
    case "deploy":
      if (c.behavior !== "crashing" && c.behavior !== "failingReadiness") return null;
      return {
        kind: "badRollout", target: `${c.app}:${c.version}`, scope: { app: c.app },
        detectReasons: ["BackOff", "Unhealthy", "ProgressDeadlineExceeded"], immediate: null, errorsDetect: "fallback",
      };
    case "leakMemory": {
      const app = c.app ?? (c.pod ? appOfPod(c.pod) : null);
      return { kind: "memoryLeak", target: c.pod ?? app, scope: { app }, detectReasons: ["OOMKilling", "Evicted", "EvictionThresholdMet"], immediate: null, errorsDetect: "fallback" };
    }
    case "memoryPressure":
      return c.on ? { kind: "memoryPressure", target: c.node, scope: { node: c.node }, detectReasons: ["EvictionThresholdMet", "Evicted"], ...none } : null;
    case "slowNode":
      return { kind: "slowNode", target: c.node, scope: { node: c.node }, detectReasons: [], immediate: null, errorsDetect: "first" };
    case "deletePod":
      return { kind: "podDeleted", target: c.pod, scope: { app: appOfPod(c.pod) }, detectReasons: [], immediate: "the ReplicaSet saw the pod go", errorsDetect: false };
    case "composeCrash":
      return { kind: "composeCrash", target: `${c.node}/${c.service}`, scope: { node: c.node }, detectReasons: [], immediate: "Docker saw the container exit", errorsDetect: false };
    case "composeHang":
      return { kind: "composeHang", target: `${c.node}/${c.service}`, scope: { node: c.node }, detectReasons: ["Unhealthy"], immediate: null, errorsDetect: "fallback" };
    case "composeStop":
      return { kind: "composeStop", target: `${c.node}/${c.service}`, scope: { node: c.node }, detectReasons: [], immediate: "Docker stopped the container", errorsDetect: false };
    default:
      return null;
  }
}

function titleFor(kind: IncidentKind, c: Command, target: string | null): string {
  const t = target ?? "?";
  switch (kind) {
    case "nodePowerOff":
      return target ? `Node ${t} lost power` : "A node lost power";
    case "networkPartition":
      return target ? `Node ${t} was cut off from the network` : "A node was cut off from the network";
    case "containerCrash":
      return target ? `A container of ${t} crashed` : "A container crashed";
    case "containerHang":
      return target ? `A container of ${t} hung` : "A container hung";
    case "registryOutage":
      return "The image registry went down";
    case "trafficSpike":
      return c.type === "trafficSpike" ? `Traffic to ${c.service} rose ${c.multiplier}x` : "Traffic spike";
    case "badRollout":
      return c.type === "deploy" ? `A bad version went out: ${c.app}:${c.version} (${c.behavior})` : "A bad version went out";
    case "memoryLeak":
      return target ? `A pod of ${t} leaked memory` : "A pod leaked memory";
    case "memoryPressure":
      return `Node ${t} ran out of memory`;
    case "slowNode":
      return `Node ${t} slowed down`;
    case "podDeleted":
      return `Pod ${t} was deleted`;
    case "composeCrash":
      return `Container ${t} crashed`;
    case "composeHang":
      return `Container ${t} hung`;
    case "composeStop":
      return `Container ${t} was stopped`;
  }
}

function causeEnd(kind: IncidentKind, c: Command, t0: number, index: number, log: readonly CommandEntry[], target: string | null): number | null {
  const later = log.slice(index + 1);
  const first = (pred: (x: Command) => boolean) => later.find((e) => pred(e.command))?.atMs ?? null;
  switch (kind) {
    case "nodePowerOff":
    case "networkPartition":
    case "slowNode":
      return target ? first((x) => x.type === "restoreNode" && x.node === target) : null;
    case "registryOutage":
      return first((x) => x.type === "registryOutage" && !x.on);
    case "memoryPressure":
      return first((x) => x.type === "memoryPressure" && !x.on && x.node === target);
    case "trafficSpike":
      return c.type === "trafficSpike" ? t0 + (2 * (c.rampSeconds ?? 30) + c.durationSeconds) * 1000 : null;
    case "badRollout":
      return c.type === "deploy" ? first((x) => (x.type === "rolloutUndo" && x.deployment === c.app) || (x.type === "deploy" && x.app === c.app)) : null;
    default:
      return null;
  }
}

function sampleSpacing(samples: readonly HistorySample[]): number {
  for (let i = 1; i < samples.length; i++) {
    const d = samples[i]!.t - samples[i - 1]!.t;
    if (d > 0) return d;
  }
  return DEFAULT_SAMPLE_MS;
}

export interface IncidentInput {
  commands: readonly CommandEntry[];
  samples: readonly HistorySample[];
  events: readonly KubeEvent[];
  /** Cluster time the run reached. */
  endMs: number;
  sloTarget?: number;
}

export function incidents(input: IncidentInput): Incident[] {
  const { commands, events, endMs } = input;
  const target = input.sloTarget ?? SLO_TARGET;
  const samples = [...input.samples].sort((a, b) => a.t - b.t);
  const spacing = sampleSpacing(samples);
  const out: Incident[] = [];
  const seeds = commands.map((e) => seedFor(e.command, e.atMs, events));
  const nextSeedAt = (index: number): number | null => {
    for (let j = index + 1; j < commands.length; j++) if (seeds[j] && commands[j]!.atMs > commands[index]!.atMs) return commands[j]!.atMs;
    return null;
  };

  commands.forEach((entry, index) => {
    const t0 = entry.atMs;
    const seed = seeds[index];
    if (!seed) return;

    // Detection: the first telling event in scope, the failure itself, or the first failed requests.
    let detectedAt: number | null = null;
    let detectedBy: string | null = null;
    let detectedEventId: number | null = null;
    if (seed.immediate) {
      detectedAt = t0;
      detectedBy = seed.immediate;
    }
    if (detectedAt === null && seed.detectReasons.length) {
      for (const e of events) {
        if (!seed.detectReasons.includes(e.reason) || !inScope(e, seed.scope)) continue;
        const at = occurrence(e, t0);
        if (at === null || at > endMs) continue;
        if (detectedAt === null || at < detectedAt) {
          detectedAt = at;
          detectedBy = `${e.reason} event`;
          detectedEventId = e.id;
        }
      }
    }
    const firstErrors = samples.find((s) => s.t > t0 && s.errors > 0 && s.t <= t0 + FIRST_ERRORS_WITHIN_MS) ?? null;
    const errorsCount = seed.errorsDetect === "first" || (seed.errorsDetect === "fallback" && detectedAt === null);
    if (errorsCount && firstErrors && (detectedAt === null || firstErrors.t < detectedAt)) {
      detectedAt = firstErrors.t;
      detectedBy = "failed requests";
      detectedEventId = null;
    }

    // Impact: the first sample below the bar soon enough to blame on this failure (before the next
    // failure, and before its own cause went away), then the first sample back above it.
    const causeEndedAt = causeEnd(seed.kind, entry.command, t0, index, commands, seed.target);
    const nextInjection = nextSeedAt(index);
    const degradeBy = Math.min(
      detectedAt !== null ? Math.max(detectedAt, t0) + DEGRADE_AFTER_DETECT_MS : t0 + DEGRADE_UNDETECTED_MS,
      causeEndedAt ?? Number.POSITIVE_INFINITY,
      nextInjection ?? Number.POSITIVE_INFINITY,
    );
    const after = samples.filter((s) => s.t > t0);
    // One sample of slack: a sample covers the 5 s before its time.
    const startIdx = after.findIndex((s) => s.t <= degradeBy + spacing && !isHealthy(s, target));
    let impactStart: number | null = null;
    let recoveredAt: number | null = null;
    let outcome: Incident["outcome"] = "noImpact";
    if (startIdx >= 0) {
      impactStart = after[startIdx]!.t;
      const back = after.slice(startIdx + 1).find((s) => isHealthy(s, target));
      recoveredAt = back ? back.t : null;
      outcome = back ? "recovered" : "ongoing";
    }

    // Responses and signals count until recovery; with no impact, while the cause lasted.
    const until = recoveredAt ?? (outcome === "ongoing" ? endMs : Math.min(endMs, Math.max(degradeBy, causeEndedAt ?? degradeBy)));
    const window = samples.filter((s) => s.t > t0 && s.t <= until);
    const impact: IncidentImpact = {
      requests: 0, errors: 0, errorsBeforeDetection: 0, minAvailability: 1, maxP95Ms: 0, degradedSeconds: 0,
    };
    if (impactStart !== null) {
      for (const s of window) {
        impact.requests += s.served + s.errors;
        impact.errors += s.errors;
        impact.minAvailability = Math.min(impact.minAvailability, s.availability);
        impact.maxP95Ms = Math.max(impact.maxP95Ms, s.p95Ms);
        if (!isHealthy(s, target)) impact.degradedSeconds += spacing / 1000;
        if (detectedAt !== null && s.t <= detectedAt) impact.errorsBeforeDetection += s.errors;
      }
    }

    const responses: IncidentResponse[] = [];
    for (let j = index + 1; j < commands.length; j++) {
      const r = commands[j]!;
      if (r.atMs > until) break;
      if (!RESPONSE_TYPES.has(r.command.type) || seedFor(r.command, r.atMs, events)) continue;
      responses.push({ atMs: r.atMs, type: r.command.type, text: describeCommand(r.command) });
    }

    const signals: Record<string, number> = {};
    let firstEvictionMs: number | null = null;
    for (const e of events) {
      if (!(SIGNAL_REASONS as readonly string[]).includes(e.reason)) continue;
      const at = occurrence(e, t0);
      if (at === null || at > until) continue;
      const scoped = e.reason === "EvictionsPaused" || e.reason === "FailedScheduling" || e.reason === "Failed" ? true : inScope(e, seed.scope);
      if (!scoped) continue;
      signals[e.reason] = (signals[e.reason] ?? 0) + (e.firstMs >= t0 ? e.count : 1);
      if (e.reason === "TaintManagerEviction" && (firstEvictionMs === null || at < firstEvictionMs)) firstEvictionMs = at;
    }

    out.push({
      id: out.length + 1,
      kind: seed.kind,
      title: titleFor(seed.kind, entry.command, seed.target),
      target: seed.target,
      command: entry.command,
      logIndex: index,
      injectedAtMs: t0,
      causeEndedAtMs: causeEndedAt,
      firstErrorsAtMs: firstErrors ? firstErrors.t : null,
      firstErrorsSeconds: firstErrors ? (firstErrors.t - t0) / 1000 : null,
      detectedAtMs: detectedAt,
      detectSeconds: detectedAt === null ? null : (detectedAt - t0) / 1000,
      detectedBy,
      detectedEventId,
      impactStartMs: impactStart,
      recoveredAtMs: recoveredAt,
      recoverSeconds: recoveredAt === null ? null : (recoveredAt - t0) / 1000,
      outcome,
      impact,
      responses,
      firstResponseSeconds: responses.length ? (responses[0]!.atMs - t0) / 1000 : null,
      selfHealed: outcome === "recovered" && !responses.some((r) => recoveredAt !== null && r.atMs < recoveredAt),
      signals,
      firstEvictionMs,
      overlapsWith: [],
    });
  });

  for (const a of out) {
    const aEnd = a.recoveredAtMs ?? (a.outcome === "noImpact" ? a.injectedAtMs : endMs);
    for (const b of out) {
      if (a === b) continue;
      const bEnd = b.recoveredAtMs ?? (b.outcome === "noImpact" ? b.injectedAtMs : endMs);
      if (a.injectedAtMs <= bEnd && b.injectedAtMs <= aEnd) a.overlapsWith.push(b.id);
    }
  }
  return out;
}
