/**
 * Turning a lesson's commands into simulation commands at the moment they are issued. A lesson is
 * written before anyone joins, so "every host", "the busiest building" or "the developer's Python"
 * can only be settled against the live cluster. Every choice here is a pure function of the state
 * (join order breaks ties); the only randomness left is what the simulation itself draws, e.g. a
 * killNode without a node.
 */
import { isActive } from "../sim/core.ts";
import { RUNTIME_CHOICES } from "../sim/bare.ts";
import type { Command } from "../sim/command-schema.ts";
import type { ClusterState, NodeState } from "../sim/types.ts";
import { DEV_RUNTIME, PER_NODE, SPARE_NAME, type LessonCommand, type NodeTarget } from "./schema.ts";

/** Spare nodes are named spare-1, spare-2, ... skipping names already taken. */
export function nextSpareName(c: ClusterState, taken: readonly string[]): string {
  for (let i = 1; ; i++) {
    const name = `spare-${i}`;
    if (!c.nodes[name] && !taken.includes(name)) return name;
  }
}

function podsOn(c: ClusterState, node: NodeState): number {
  let n = 0;
  for (const id of node.podIds) if (c.pods[id] && isActive(c.pods[id]!)) n++;
  return n;
}

/** Where a targeted command makes sense: a crash needs a running container, a kill a powered machine. */
function applicable(c: ClusterState, cmd: LessonCommand, node: NodeState): boolean {
  switch (cmd.type) {
    case "composeCrash":
    case "composeHang":
      return node.powered && node.compose?.containers[String(cmd.service)]?.status === "running";
    case "composeRestart":
    case "composeStop":
    case "killNode":
      return node.powered;
    case "partitionNode":
      return node.powered && !node.partitioned;
    case "restoreNode":
      return !node.powered || node.partitioned;
    default:
      return true;
  }
}

function resolveTargets(c: ClusterState, cmd: LessonCommand, target: NodeTarget, spares: readonly string[]): string[] {
  const nodes = c.nodeOrder.map((n) => c.nodes[n]!);
  switch (target) {
    case "@each":
      return nodes.filter((n) => applicable(c, cmd, n)).map((n) => n.name);
    case "@students":
      return nodes.filter((n) => !spares.includes(n.name) && applicable(c, cmd, n)).map((n) => n.name);
    case "@poweredOff":
      return nodes.filter((n) => !n.powered).map((n) => n.name);
    case "@spares":
      return spares.filter((n) => c.nodes[n] && applicable(c, cmd, c.nodes[n]!));
    case "@busiest": {
      let best: NodeState | null = null;
      let most = -1;
      for (const n of nodes) {
        if (!n.powered) continue;
        const count = podsOn(c, n);
        if (count > most) {
          most = count;
          best = n;
        }
      }
      return best ? [best.name] : [];
    }
  }
}

/** The "developer's machine" is the first one, in join order, that has this runtime at all. */
function devRuntime(c: ClusterState, lang: string): string {
  for (const name of c.nodeOrder) {
    const v = c.nodes[name]!.runtimes[lang];
    if (v !== undefined) return v;
  }
  return RUNTIME_CHOICES[lang]?.[0] ?? "";
}

export interface Resolved {
  commands: Command[];
  /** Spare node names this expansion adds (to remember as the lesson's spares). */
  newSpares: string[];
}

/**
 * One lesson command -> zero or more simulation commands. Zero when a target matches nothing
 * (no powered-off node to restore): the lesson moves on rather than issuing a command bound to fail.
 */
export function resolveCommand(c: ClusterState, cmd: LessonCommand, spares: readonly string[]): Resolved {
  const base: Record<string, unknown> = { ...cmd };
  const newSpares: string[] = [];
  if (cmd.type === "addNode" && cmd.name === SPARE_NAME) {
    base.name = nextSpareName(c, spares);
    newSpares.push(String(base.name));
  }
  if ((cmd.type === "deploy" || cmd.type === "scale") && cmd.replicas === PER_NODE) base.replicas = Math.max(1, c.nodeOrder.length);
  if (cmd.type === "ship" && typeof cmd.needs === "object" && cmd.needs !== null) {
    const needs: Record<string, string> = {};
    for (const [lang, v] of Object.entries(cmd.needs as Record<string, string>)) needs[lang] = v === DEV_RUNTIME ? devRuntime(c, lang) : v;
    base.needs = needs;
  }
  const node = cmd.node;
  if (typeof node === "string" && node.startsWith("@")) {
    const targets = resolveTargets(c, cmd, node as NodeTarget, spares);
    return { commands: targets.map((t) => ({ ...base, node: t }) as Command), newSpares };
  }
  return { commands: [base as Command], newSpares };
}
