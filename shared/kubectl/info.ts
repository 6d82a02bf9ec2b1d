/** Read-only verbs beyond get/describe: top, events, version, api-resources. */
import type { NodeState, PodState } from "../sim/types.ts";
import { bool, parseFlags, str } from "./flags.ts";
import { KUBERNETES_VERSION, KUSTOMIZE_VERSION, NAMESPACE, age, byName, nodeAlive, nodeLabels, podLabels, podsOnNode, type Ctx } from "./model.ts";
import { eventTarget } from "./objects.ts";
import { RESOURCES, apiVersion, notFound, resolveType, typeByKind, unknownType } from "./resources.ts";
import { parseSelector, type Selector } from "./selector.ts";
import { pct, table } from "./text.ts";
import { done, failed, type KubectlResult } from "./result.ts";
import { usageFor } from "./help.ts";

// ---- top -------------------------------------------------------------------------------------

interface Usage {
  cpuMilli: number;
  memoryMiB: number;
}

/** What metrics-server would report: the kubelet must be reachable to be scraped. */
function nodeUsage(ctx: Ctx, node: NodeState): Usage | null {
  if (!nodeAlive(node)) return null;
  const u = { cpuMilli: 0, memoryMiB: node.systemMemoryMiB };
  for (const p of podsOnNode(ctx.s, node)) {
    if (!p.running) continue;
    u.cpuMilli += p.cpuMilli;
    u.memoryMiB += p.memoryMiB;
  }
  return u;
}

function podUsage(ctx: Ctx, pod: PodState): Usage | null {
  const node = pod.nodeName ? ctx.s.nodes[pod.nodeName] : undefined;
  if (!node || !nodeAlive(node) || !pod.running || pod.phase !== "Running") return null;
  return { cpuMilli: Math.round(pod.cpuMilli), memoryMiB: Math.round(pod.memoryMiB) };
}

function sortUsage<T extends { name: string; u: Usage }>(rows: T[], sortBy: string | undefined): T[] {
  if (sortBy === "cpu") return [...rows].sort((a, b) => b.u.cpuMilli - a.u.cpuMilli);
  if (sortBy === "memory") return [...rows].sort((a, b) => b.u.memoryMiB - a.u.memoryMiB);
  return byName(rows);
}

/** `kubectl top` terminates every cell with a tab, so even the last column is padded. */
function topTable(headers: string[] | null, rows: string[][]): string {
  return table(headers ? [...headers, ""] : null, rows.map((r) => [...r, ""]));
}

export function runTop(ctx: Ctx, args: string[]): KubectlResult {
  const p = parseFlags(
    args,
    [
      { name: "selector", short: "l", type: "string" },
      { name: "sort-by", type: "string" },
      { name: "no-headers", type: "bool" },
      { name: "all-namespaces", short: "A", type: "bool" },
    ],
    "top",
  );
  if (!p.ok) return failed(p.error);
  const f = p.flags;
  const [what, ...names] = f.positional;
  if (bool(f, "help") || what === undefined) return done(usageFor("top"));
  const sortBy = str(f, "sort-by");
  if (sortBy !== undefined && sortBy !== "cpu" && sortBy !== "memory") return failed(`error: --sort-by accepts only cpu or memory`);
  let selector: Selector | null = null;
  const sel = str(f, "selector");
  if (sel !== undefined) {
    const ps = parseSelector(sel);
    if (!ps.ok) return failed(ps.error);
    selector = ps.match;
  }
  const headersWanted = !bool(f, "no-headers");
  if (what === "node" || what === "nodes" || what === "no") {
    let nodes = byName(Object.values(ctx.s.nodes));
    if (names.length) {
      const missing = names.find((n) => !ctx.s.nodes[n]);
      if (missing) return failed(notFound(typeByKind("Node"), missing));
      nodes = nodes.filter((n) => names.includes(n.name));
    }
    if (selector) nodes = nodes.filter((n) => selector(nodeLabels(n)));
    if (nodes.length === 0) return done("No resources found");
    const measured: { name: string; u: Usage; node: NodeState }[] = [];
    const unknown: NodeState[] = [];
    for (const n of nodes) {
      const u = nodeUsage(ctx, n);
      if (u) measured.push({ name: n.name, u, node: n });
      else unknown.push(n);
    }
    if (measured.length === 0) return failed("error: metrics not available yet");
    const rows = sortUsage(measured, sortBy).map(({ node, u }) => [
      node.name,
      `${u.cpuMilli}m`,
      `${pct(u.cpuMilli, node.capacity.cpuMilli)}%`,
      `${u.memoryMiB}Mi`,
      `${pct(u.memoryMiB, node.capacity.memoryMiB)}%`,
    ]);
    for (const n of unknown) rows.push([n.name, "<unknown>", "<unknown>", "<unknown>", "<unknown>"]);
    return done(topTable(headersWanted ? ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"] : null, rows));
  }
  if (what === "pod" || what === "pods" || what === "po") {
    const all = bool(f, "all-namespaces");
    if (!all && ctx.namespace !== NAMESPACE) return done(`No resources found in ${ctx.namespace} namespace.`);
    let pods = byName(Object.values(ctx.s.pods));
    if (names.length) {
      const missing = names.find((n) => !ctx.s.pods[n]);
      if (missing) return failed(notFound(typeByKind("Pod"), missing));
      pods = pods.filter((pod) => names.includes(pod.name));
    }
    if (selector) pods = pods.filter((pod) => selector(podLabels(ctx.s, pod)));
    if (pods.length === 0) return done(`No resources found in ${ctx.namespace} namespace.`);
    const measured: { name: string; u: Usage }[] = [];
    for (const pod of pods) {
      const u = podUsage(ctx, pod);
      if (u) measured.push({ name: pod.name, u });
    }
    if (measured.length === 0) return failed("error: metrics not available yet");
    const rows = sortUsage(measured, sortBy).map(({ name, u }) => (all ? [NAMESPACE] : []).concat([name, `${u.cpuMilli}m`, `${u.memoryMiB}Mi`]));
    const headers = (all ? ["NAMESPACE"] : []).concat(["NAME", "CPU(cores)", "MEMORY(bytes)"]);
    return done(topTable(headersWanted ? headers : null, rows));
  }
  return failed(`error: unknown command "${what}" for "kubectl top"\n\nDid you mean this?\n\tnode\n\tpod`);
}

// ---- events ----------------------------------------------------------------------------------

export function runEvents(ctx: Ctx, args: string[]): KubectlResult {
  const p = parseFlags(
    args,
    [
      { name: "for", type: "string" },
      { name: "types", type: "string" },
      { name: "all-namespaces", short: "A", type: "bool" },
      { name: "watch", short: "w", type: "bool" },
      { name: "no-headers", type: "bool" },
    ],
    "events",
  );
  if (!p.ok) return failed(p.error);
  const f = p.flags;
  if (bool(f, "help")) return done(usageFor("events"));
  if (bool(f, "watch")) return failed("error: --watch is not available in this console: run the command again to see new events");
  const all = bool(f, "all-namespaces");
  if (!all && ctx.namespace !== NAMESPACE) return done(`No events found in ${ctx.namespace} namespace.`);
  let events = ctx.s.events;
  const forArg = str(f, "for");
  if (forArg !== undefined) {
    const slash = forArg.indexOf("/");
    if (slash < 0) return failed(`error: --for must be in resource/name form`);
    const r = resolveType(forArg.slice(0, slash));
    if ("unknown" in r) return failed(unknownType(forArg.slice(0, slash)));
    if ("type" in r) {
      const ref = `${r.type.singular}/${forArg.slice(slash + 1)}`;
      events = events.filter((e) => e.object === ref);
    } else events = [];
  }
  const types = str(f, "types");
  if (types !== undefined) {
    const wanted = types.split(",").map((t) => t.trim().toLowerCase());
    const bad = wanted.find((t) => t !== "normal" && t !== "warning");
    if (bad) return failed(`error: valid --types are Normal or Warning`);
    events = events.filter((e) => wanted.includes(e.type.toLowerCase()));
  }
  if (events.length === 0) return done(all ? "No events found." : `No events found in ${ctx.namespace} namespace.`);
  const rows = events.map((e) => {
    const first = age(ctx, e.firstMs);
    const interval = e.count > 1 ? `${age(ctx, e.lastMs)} (x${e.count} over ${first})` : first;
    const t = eventTarget(e);
    const row = [interval, e.type, e.reason, t.name ? `${t.kind}/${t.name}` : `${t.kind}/`, e.message.trim()];
    return all ? [NAMESPACE, ...row] : row;
  });
  const headers = (all ? ["NAMESPACE"] : []).concat(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
  return done(table(bool(f, "no-headers") ? null : headers, rows));
}

// ---- version, api-resources -------------------------------------------------------------------

export function runVersion(args: string[]): KubectlResult {
  const p = parseFlags(args, [{ name: "client", type: "bool" }], "version");
  if (!p.ok) return failed(p.error);
  if (bool(p.flags, "help")) return done(usageFor("version"));
  const lines = [`Client Version: ${KUBERNETES_VERSION}`, `Kustomize Version: ${KUSTOMIZE_VERSION}`];
  if (!bool(p.flags, "client")) lines.push(`Server Version: ${KUBERNETES_VERSION}`);
  return done(lines.join("\n"));
}

export function runApiResources(args: string[]): KubectlResult {
  const p = parseFlags(args, [{ name: "namespaced", type: "bool" }, { name: "no-headers", type: "bool" }], "api-resources");
  if (!p.ok) return failed(p.error);
  if (bool(p.flags, "help")) return done(usageFor("api-resources"));
  const sorted = [...RESOURCES].sort((a, b) => (a.group === b.group ? (a.plural < b.plural ? -1 : 1) : a.group < b.group ? -1 : 1));
  const filtered = p.flags.values["namespaced"] === undefined ? sorted : sorted.filter((r) => r.namespaced === bool(p.flags, "namespaced"));
  const rows = filtered.map((r) => [r.plural, r.short.join(","), apiVersion(r), String(r.namespaced), r.kind]);
  return done(table(bool(p.flags, "no-headers") ? null : ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"], rows));
}

