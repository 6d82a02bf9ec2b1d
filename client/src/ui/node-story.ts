/**
 * "What just happened to my node, and why", in plain words for the student who owns it. Built from
 * the node's snapshot and the pods on it at one cluster time, so the same input always tells the
 * same story (the tests pin the sentences). Pure: no DOM, no current language.
 */
import type { ComposeContainerSnapshot, EventSnapshot, NodeSnapshot, PodSnapshot } from "../../../shared/protocol/snapshot.ts";
import { K8S } from "../../../shared/sim/defaults.ts";
import { clock, humanDuration, isolate, type Translate } from "./format.ts";
import type { MessageKey } from "../i18n/en.ts";

export type Tone = "ok" | "info" | "warn" | "bad";

export interface StoryLine {
  tone: Tone;
  text: string;
}

export type StoryNode = Omit<NodeSnapshot, "containers">;
export type StoryPod = Pick<PodSnapshot, "name" | "node" | "status" | "ready" | "restarts" | "backoffUntilMs" | "message" | "terminating">;

export interface StoryInput {
  node: StoryNode | undefined;
  /** The pods scheduled on this node. */
  pods: readonly StoryPod[];
  containers?: readonly ComposeContainerSnapshot[];
  clusterMs: number;
  /** Cluster seconds per wall second, to say how long a wait feels in the classroom. */
  compression: number;
  mode: string;
  phase: string;
  /** Requests per second this node's pods answered (the `you` message). */
  servedRps?: number;
}

const CRASHED = new Set(["CrashLoopBackOff", "Error", "OOMKilled"]);
const IMAGE_TROUBLE = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName"]);
/** How many pods one kind of trouble names before it says "and N more". */
const NAMED = 2;

/** A cluster wait, with how long it lasts in the room at the current speed. */
function wait(ms: number, compression: number, tr: Translate): string {
  const cluster = humanDuration(ms, tr);
  if (compression <= 1) return cluster;
  return tr("story.realTime", { cluster, real: humanDuration(ms / compression, tr) });
}

function names(pods: readonly StoryPod[], tr: Translate): string {
  const shown = pods.slice(0, NAMED).map((p) => p.name).join(", ");
  return pods.length > NAMED ? tr("story.andMore", { names: shown, n: pods.length - NAMED }) : shown;
}

export function nodeStory(input: StoryInput, tr: Translate): StoryLine[] {
  const { node, pods, clusterMs, compression } = input;
  const lines: StoryLine[] = [];
  const say = (tone: Tone, key: MessageKey, vars?: Record<string, string | number>) => lines.push({ tone, text: tr(key, vars) });

  if (!node) {
    say("info", "story.noNode");
    return lines;
  }
  if (input.phase === "lobby") say("info", "story.lobby");
  if (input.phase === "paused") say("info", "story.paused");
  if (input.phase === "debrief") say("info", "story.debrief");
  if (input.phase === "ended") say("info", "story.ended");

  const down = node.ready !== "True";
  // The cause first: what happened to the machine, then what the control plane made of it.
  if (!node.powered) say("bad", "story.powerOff");
  else if (node.partitioned) say("bad", "story.partitioned");
  else if (!node.connected) say("bad", "story.disconnected");

  if (down) {
    const since = node.notReadySinceMs > 0 ? node.notReadySinceMs : clusterMs;
    say("bad", "story.notReady", { ago: humanDuration(clusterMs - since, tr), at: clock(since) });
    const live = pods.filter((p) => !p.terminating && p.status !== "Evicted");
    if (node.evictAtMs > clusterMs) {
      say("warn", "story.evictAt", { at: clock(node.evictAtMs), in: wait(node.evictAtMs - clusterMs, compression, tr) });
    } else if (live.length === 0 && pods.some((p) => p.terminating) && (!node.powered || node.partitioned || !node.connected)) {
      // Nobody can confirm the old copies stopped: they stay Terminating while replacements serve.
      say("warn", "story.replaced");
    } else if (node.evictAtMs > 0 || pods.some((p) => p.terminating)) {
      say("warn", "story.evicting");
    } else if (live.length > 0) {
      say("warn", "story.evictLater", { toleration: humanDuration(K8S.defaultTolerationSeconds * 1000, tr) });
    } else if (input.mode === "kubernetes") {
      say("info", "story.noPodsLeft");
    }
    if (input.mode === "compose") say("warn", "story.composeNoMove");
  } else if (!node.powered || node.partitioned || !node.connected) {
    // The machine is gone but the lease has not expired yet: nobody has noticed so far.
    say("warn", "story.graceWait", { grace: wait(K8S.nodeMonitorGraceSeconds * 1000, compression, tr) });
  } else if (input.mode === "kubernetes") {
    const running = pods.filter((p) => !p.terminating);
    const rps = Math.round((input.servedRps ?? 0) * 10) / 10;
    say("ok", running.length === 1 ? "story.readyOne" : "story.ready", { pods: running.length, rps });
  } else {
    say("ok", "story.readyHost");
  }

  if (node.draining) say("warn", "story.draining");
  else if (node.cordoned) say("info", "story.cordoned");
  if (node.memoryPressure) say("warn", "story.memoryPressure");
  if (node.speed < 0.999) say("warn", "story.slow", { pct: Math.round(node.speed * 100) });
  if (node.pulling) {
    say("info", "story.pulling", {
      image: node.pulling,
      done: node.pullLayersDone,
      total: node.pullLayersTotal,
      pct: Math.round(node.pullProgress * 100),
    });
  }

  const loop = pods.filter((p) => p.status === "CrashLoopBackOff");
  for (const p of loop.slice(0, NAMED)) {
    if (p.backoffUntilMs > clusterMs) {
      say("bad", "story.crashLoop", { pod: p.name, restarts: p.restarts, in: wait(p.backoffUntilMs - clusterMs, compression, tr) });
    } else {
      say("bad", "story.crashLoopNow", { pod: p.name, restarts: p.restarts });
    }
  }
  if (loop.length > NAMED) say("bad", "story.crashLoopMore", { n: loop.length - NAMED });
  const oom = pods.filter((p) => p.status === "OOMKilled");
  if (oom.length) say("bad", "story.oom", { pods: names(oom, tr) });
  const errored = pods.filter((p) => p.status === "Error");
  if (errored.length) say("bad", "story.podError", { pods: names(errored, tr) });
  const image = pods.filter((p) => IMAGE_TROUBLE.has(p.status));
  if (image.length) say("bad", "story.imagePull", { pods: names(image, tr) });
  const unready = pods.filter((p) => p.status === "Running" && !p.ready && !down);
  if (unready.length) say("warn", "story.unready", { pods: names(unready, tr) });
  const starting = pods.filter((p) => p.status === "ContainerCreating" || p.status === "Pending");
  if (starting.length) say("info", "story.starting", { pods: names(starting, tr) });
  const stopping = pods.filter((p) => p.terminating && !CRASHED.has(p.status));
  if (stopping.length && !down) say("info", "story.terminating", { pods: names(stopping, tr) });
  const evicted = pods.filter((p) => p.status === "Evicted");
  if (evicted.length) say("warn", "story.evicted", { pods: names(evicted, tr) });

  for (const c of input.containers ?? []) {
    if (c.status === "exited") say("bad", "story.containerExited", { service: c.service });
    else if (c.status === "restarting") say("warn", "story.containerRestarting", { service: c.service, restarts: c.restarts });
    else if (c.health === "unhealthy") say("warn", "story.containerUnhealthy", { service: c.service });
  }

  if (node.bareStatus === "failed") say("bad", "story.bareFailed", { reason: node.bareReason });
  else if (node.bareStatus === "running") say("ok", "story.bareRunning", { reason: node.bareReason });
  return lines;
}

/** What the node looked like last time: enough to notice the moment it is hit. */
export interface HitMark {
  down: boolean;
  restarts: number;
  crashed: number;
  exited: number;
}

export function hitMark(node: StoryNode | undefined, pods: readonly StoryPod[], containers: readonly ComposeContainerSnapshot[] = []): HitMark {
  return {
    down: !!node && (node.ready !== "True" || !node.powered || node.partitioned),
    restarts: pods.reduce((n, p) => n + p.restarts, 0) + containers.reduce((n, c) => n + c.restarts, 0),
    crashed: pods.filter((p) => CRASHED.has(p.status)).length,
    exited: containers.filter((c) => c.status === "exited" || c.status === "restarting").length,
  };
}

/** Whether the building was just hit (it went down, or something in it crashed), for a buzz. */
export function wasHit(before: HitMark | null, after: HitMark): "down" | "crash" | null {
  if (!before) return null;
  if (after.down && !before.down) return "down";
  if (after.crashed > before.crashed || after.exited > before.exited || after.restarts > before.restarts) return "crash";
  return null;
}

/*
 * Events in the student's words. The simulation writes kubectl's English messages; a student
 * learns more from "pod x was moved away" than from "Marking for deletion Pod default/x".
 */
const EVENT_KEYS: Readonly<Record<string, MessageKey>> = {
  NodePoweredOff: "ev.NodePoweredOff",
  NetworkPartition: "ev.NetworkPartition",
  NodeRestored: "ev.NodeRestored",
  NodeReady: "ev.NodeReady",
  NodeNotSchedulable: "ev.NodeNotSchedulable",
  NodeSchedulable: "ev.NodeSchedulable",
  NodeDrained: "ev.NodeDrained",
  NodeSlow: "ev.NodeSlow",
  EvictionThresholdMet: "ev.EvictionThresholdMet",
  NodeHasSufficientMemory: "ev.NodeHasSufficientMemory",
  RegisteredNode: "ev.RegisteredNode",
  Scheduled: "ev.Scheduled",
  Pulling: "ev.Pulling",
  Pulled: "ev.Pulled",
  Failed: "ev.Failed",
  Created: "ev.Created",
  Started: "ev.Started",
  Killing: "ev.Killing",
  BackOff: "ev.BackOff",
  Unhealthy: "ev.Unhealthy",
  OOMKilling: "ev.OOMKilling",
  Evicted: "ev.Evicted",
  EvictionBlocked: "ev.EvictionBlocked",
  TaintManagerEviction: "ev.TaintManagerEviction",
  Die: "ev.Die",
  Up: "ev.Up",
  Start: "ev.Start",
  Restart: "ev.Restart",
  HealthStatus: "ev.HealthStatus",
  Hang: "ev.Hang",
};

export function eventInWords(e: Pick<EventSnapshot, "reason" | "object" | "message">, tr: Translate): string {
  const slash = e.object.indexOf("/");
  const kind = slash > 0 ? e.object.slice(0, slash) : e.object;
  const what = slash > 0 ? e.object.slice(slash + 1) : e.object;
  // NodeNotReady is recorded on the node and on each of its pods, with different meanings.
  if (e.reason === "NodeNotReady") return tr(kind === "pod" ? "ev.PodNodeNotReady" : "ev.NodeNotReady", { what });
  const key = EVENT_KEYS[e.reason];
  if (key) return tr(key, { what, message: e.message });
  return tr("ev.other", { reason: e.reason, message: e.message });
}

/** A nickname for a sentence (isolated so a right-to-left name keeps its place). */
export function nick(name: string): string {
  return isolate(name);
}

/** The chip next to the node's name: one word for its state, with its own icon. */
export function nodeChip(n: StoryNode | undefined): { key: MessageKey; tone: Tone } {
  if (!n) return { key: "status.unknown", tone: "info" };
  if (!n.powered) return { key: "status.poweredOff", tone: "bad" };
  if (n.partitioned) return { key: "status.partitioned", tone: "bad" };
  if (n.ready !== "True") return { key: "status.notReady", tone: "bad" };
  if (n.draining) return { key: "status.draining", tone: "warn" };
  if (n.cordoned) return { key: "status.cordoned", tone: "warn" };
  return { key: "status.ready", tone: "ok" };
}
