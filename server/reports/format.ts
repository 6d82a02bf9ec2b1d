/** Small formatters shared by the report's text, CSV and Markdown, so every export says the same. */
import type { Command } from "../../shared/sim/index.ts";

/** Cluster clock as mm:ss from the start of the run; minutes keep counting past 59 (75:02). */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

/** A duration for people: "45 s", "6 min 05 s", "1 h 02 min". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** 0.98765 -> "98.77%". Two decimals: an SLO of 99% is decided in the second one. */
export function percent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** The app a pod belongs to: pods are named <deployment>-<template hash>-<suffix>. */
export function appOfPod(pod: string): string {
  const parts = pod.split("-");
  return parts.length > 2 ? parts.slice(0, -2).join("-") : pod;
}

/** What a command did, in words (for timelines; the command type stays in the CSV). */
export function describeCommand(c: Command): string {
  switch (c.type) {
    case "addNode":
      return `node ${c.name} joined`;
    case "removeNode":
      return `node ${c.node} was removed`;
    case "heartbeat":
      return c.connected ? `node ${c.node}'s student reconnected` : `node ${c.node}'s student lost connection`;
    case "killNode":
      return c.node ? `node ${c.node} was powered off` : "a random node was powered off";
    case "partitionNode":
      return c.node ? `node ${c.node} was cut off from the network` : "a random node was cut off from the network";
    case "restoreNode":
      return `node ${c.node} was restored`;
    case "slowNode":
      return `node ${c.node} was slowed to ${Math.round((c.factor ?? 0.25) * 100)}% speed`;
    case "memoryPressure":
      return c.on ? `a memory hog started on node ${c.node}` : `the memory hog on node ${c.node} stopped`;
    case "crashContainer": {
      const what = c.pod ? `pod ${c.pod}` : c.app ? `a pod of ${c.app}` : "a random pod";
      return c.how === "hang" ? `${what} was made to hang` : `${what} was made to crash`;
    }
    case "leakMemory":
      return `${c.pod ? `pod ${c.pod}` : c.app ? `a pod of ${c.app}` : "a random pod"} started leaking memory`;
    case "registryOutage":
      return c.on ? "the image registry went down" : "the image registry came back";
    case "trafficSpike":
      return `traffic to ${c.service} rose ${c.multiplier}x for ${c.durationSeconds} s`;
    case "setBaseline":
      return `baseline traffic to ${c.service} set to ${c.rps} requests/s`;
    case "expose":
      return `service ${c.service} was exposed`;
    case "deploy": {
      const behavior = c.behavior && c.behavior !== "healthy" ? ` (${c.behavior})` : "";
      const replicas = c.replicas !== undefined ? `, ${c.replicas} replicas` : "";
      return `${c.app}:${c.version} was deployed${behavior}${replicas}`;
    }
    case "scale":
      return `deployment ${c.deployment} was scaled to ${c.replicas}`;
    case "setHpa":
      return `an autoscaler was set on ${c.deployment} (${c.minReplicas ?? 1}-${c.maxReplicas} replicas)`;
    case "removeHpa":
      return `the autoscaler on ${c.deployment} was removed`;
    case "rolloutUndo":
      return `deployment ${c.deployment} was rolled back${c.toRevision ? ` to revision ${c.toRevision}` : ""}`;
    case "cordon":
      return `node ${c.node} was cordoned`;
    case "uncordon":
      return `node ${c.node} was uncordoned`;
    case "drain":
      return `node ${c.node} was drained`;
    case "deletePod":
      return `pod ${c.pod} was deleted`;
    case "setPdb":
      return `a disruption budget was set on ${c.app} (minAvailable ${c.minAvailable})`;
    case "removePdb":
      return `the disruption budget on ${c.app} was removed`;
    case "composeCrash":
      return `container ${c.service} on ${c.node} was made to crash`;
    case "composeHang":
      return `container ${c.service} on ${c.node} was made to hang`;
    case "composeRestart":
      return `container ${c.service} on ${c.node} was restarted`;
    case "composeStop":
      return `container ${c.service} on ${c.node} was stopped`;
    case "ship":
      return `${c.app} was shipped as ${c.packaging === "image" ? "an image" : "bare code"}`;
  }
}

/** Commands the room issues by itself as students come and go: not decisions anyone made. */
export const ROUTINE_COMMANDS: ReadonlySet<Command["type"]> = new Set(["heartbeat", "addNode", "removeNode", "expose"]);
