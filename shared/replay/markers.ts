/**
 * Markers on the replay's scrubber: the moments someone broke or changed the cluster on purpose
 * (a node killed, the network cut, a traffic spike, a broken release...), so a teacher can jump
 * from one to the next and show the class what followed.
 *
 * Taken from the command log, not from the events: the log says what was done and when, exactly,
 * while the events are the cluster's consequences, spread over the next minutes. Routine entries
 * are left out: students' devices coming and going, cordons and drains (a bot class cordons every
 * minute, and the room drains the node of every student who leaves, as they all do at the end),
 * the starting deploy, and scaling (the room scales the shop up by itself as students join); a
 * scrubber full of those hides the incidents.
 */
import type { ClusterState, Command } from "../sim/index.ts";
import type { CommandEntry } from "./log.ts";

export type MarkerKind =
  | "kill"
  | "partition"
  | "restore"
  | "slow"
  | "pressure"
  | "crash"
  | "leak"
  | "registry"
  | "spike"
  | "release"
  | "badRelease"
  | "rollback"
  | "podDelete";

export interface Marker {
  /** Index of the command in the log. */
  index: number;
  atMs: number;
  kind: MarkerKind;
  /** What was hit: a node, an app, a pod, a service ("" when the command names nothing). */
  target: string;
  command: Command;
}

/** What a marker needs to know of the cluster just before its command ran. */
export interface Before {
  deployments: ReadonlySet<string>;
  powered: ReadonlySet<string>;
  partitioned: ReadonlySet<string>;
}

export function before(s: ClusterState): Before {
  const powered = new Set<string>();
  const partitioned = new Set<string>();
  for (const name of s.nodeOrder) {
    const n = s.nodes[name]!;
    if (n.powered) powered.add(name);
    if (n.partitioned) partitioned.add(name);
  }
  return { deployments: new Set(Object.keys(s.deployments)), powered, partitioned };
}

/** Whether the command may need the state before it (so the caller takes `before` only then). */
export function needsBefore(c: Command): boolean {
  return c.type === "deploy" || ((c.type === "killNode" || c.type === "partitionNode") && !c.node);
}

/** The kind of marker a command makes, or null for routine commands. */
export function markerKind(c: Command, prior: Before | null): MarkerKind | null {
  switch (c.type) {
    case "killNode":
      return "kill";
    case "partitionNode":
      return "partition";
    case "restoreNode":
      return "restore";
    case "slowNode":
      return "slow";
    case "memoryPressure":
      return c.on ? "pressure" : "restore";
    case "crashContainer":
    case "composeCrash":
    case "composeHang":
    case "composeStop":
      return "crash";
    case "leakMemory":
      return "leak";
    case "registryOutage":
      return c.on ? "registry" : "restore";
    case "trafficSpike":
      return "spike";
    case "deploy":
      // A release that cannot work is the incident; a new app appearing (the starting shop, a
      // lesson's setup) is scenery, and a healthy new version of an existing app is a release.
      if (c.behavior !== undefined && c.behavior !== "healthy") return "badRelease";
      return prior?.deployments.has(c.app) ? "release" : null;
    case "ship":
      return "release";
    case "rolloutUndo":
      return "rollback";
    case "deletePod":
      return "podDelete";
    default:
      return null;
  }
}

/**
 * What the command hit. A random kill or partition names no node in the log: the node whose
 * power (or network) changed is found by comparing the cluster before and after.
 */
export function markerTarget(c: Command, prior: Before | null, after: ClusterState): string {
  if ((c.type === "killNode" || c.type === "partitionNode") && !c.node && prior) {
    for (const name of after.nodeOrder) {
      const n = after.nodes[name]!;
      if (c.type === "killNode" ? prior.powered.has(name) && !n.powered : !prior.partitioned.has(name) && n.partitioned) return name;
    }
    return "";
  }
  if ("node" in c && c.node) return c.node;
  if ("pod" in c && c.pod) return c.pod;
  if ("app" in c && c.app) return c.app;
  if ("deployment" in c) return c.deployment;
  if ("service" in c) return c.service;
  return "";
}

export function markerOf(entry: CommandEntry, index: number, prior: Before | null, after: ClusterState): Marker | null {
  const kind = markerKind(entry.command, prior);
  if (!kind) return null;
  return { index, atMs: entry.atMs, kind, target: markerTarget(entry.command, prior, after), command: entry.command };
}

/** The marker strictly after `t` (next) or strictly before `t` (previous), or null. */
export function adjacentMarker(markers: readonly Marker[], t: number, dir: 1 | -1): Marker | null {
  if (dir > 0) return markers.find((m) => m.atMs > t) ?? null;
  for (let i = markers.length - 1; i >= 0; i--) if (markers[i]!.atMs < t) return markers[i]!;
  return null;
}
