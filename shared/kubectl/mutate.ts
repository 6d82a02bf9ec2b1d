/**
 * Verbs that change the cluster. None of them touches the state: each works out what kubectl
 * would print on success and the simulation commands that make it true, and leaves applying
 * them to the caller. Read-only consoles get RBAC's Forbidden answer instead; --dry-run gets the
 * output with no commands, as a client-side dry run never reaches the server.
 */
import { commandSchema, describeIssues, type Command } from "../sim/command-schema.ts";
import { disruptionsAllowed } from "../sim/drain.ts";
import type { DeploymentState, NodeState, PodState } from "../sim/types.ts";
import { bool, int, parseFlags, str, type FlagSpec, type ParsedFlags } from "./flags.ts";
import { NAMESPACE, replicaSetsOf, deploymentStatus, type Ctx } from "./model.ts";
import { ADAPTERS } from "./listing.ts";
import { notFound, qualifiedPlural, resolveType, typeByKind, unknownType, type Kind, type ResourceType } from "./resources.ts";
import { parseSelector } from "./selector.ts";
import { DESCRIBE_TABS, table } from "./text.ts";
import { done, failed, type KubectlResult } from "./result.ts";
import { usageFor } from "./help.ts";
import { describeTemplate } from "./describe.ts";
import { imageParts, imageWarning } from "./quantity.ts";

export interface MutCtx extends Ctx {
  allowMutations: boolean;
  user: string;
  stdin: string | undefined;
}

export type DryRun = "none" | "client" | "server";

export const DRY_RUN_FLAG: FlagSpec = { name: "dry-run", type: "string", noOptValue: "client" };

export function dryRunOf(f: ParsedFlags): DryRun | { error: string } {
  const v = str(f, "dry-run") ?? "none";
  if (v === "none" || v === "client" || v === "server") return v;
  return { error: `error: Invalid dry-run value (${v}). Must be "none", "server", or "client".` };
}

/** What RBAC would refuse first, for the Forbidden message of a read-only console. */
export interface Access {
  verb: "create" | "patch" | "delete" | "update";
  type: ResourceType;
  subresource?: string;
  name: string | null;
}

export function forbidden(ctx: MutCtx, a: Access): string {
  const resource = a.subresource ? `${a.type.plural}/${a.subresource}` : a.type.plural;
  const scope = a.type.namespaced ? `in the namespace "${NAMESPACE}"` : "at the cluster scope";
  const subject = a.name === null ? qualifiedPlural(a.type) : `${qualifiedPlural(a.type)} "${a.name}"`;
  return (
    `Error from server (Forbidden): ${subject} is forbidden: User "${ctx.user}" cannot ${a.verb} resource "${resource}" in API group "${a.type.group}" ${scope}\n` +
    "(this console is read-only: only the teacher can change the cluster)"
  );
}

export interface Plan {
  /** Lines kubectl prints; `note` lines (warnings) are not marked as dry runs. */
  lines: { text: string; note?: boolean }[];
  commands: Command[];
  access: Access;
}

/** Turn a plan into the result: dry run, read-only refusal, or the commands to apply. */
export function finish(ctx: MutCtx, dry: DryRun, plan: Plan): KubectlResult {
  const suffix = dry === "client" ? " (dry run)" : dry === "server" ? " (server dry run)" : "";
  const output = plan.lines.map((l) => (l.note ? l.text : l.text + suffix)).join("\n");
  if (dry !== "none") return done(output);
  if (plan.commands.length > 0 && !ctx.allowMutations) return failed(forbidden(ctx, plan.access));
  for (const c of plan.commands) {
    // The schema is the simulation's contract: never hand the caller a command it would refuse.
    const r = commandSchema.safeParse(c);
    if (!r.success) return failed(`error: ${describeIssues(r.error)}`);
  }
  return done(output, plan.commands);
}

const line = (text: string, note = false) => ({ text, note });

/** `TYPE NAME...` or `TYPE/NAME...` into a kind and names. */
function target(args: string[]): { ok: true; type: ResourceType; names: string[] } | { ok: false; error: string } {
  if (args.length === 0) return { ok: false, error: "error: you must specify the type of resource and its name" };
  let word: string;
  let names: string[];
  if (args[0]!.includes("/")) {
    const parts = args.map((a) => a.split("/"));
    word = parts[0]![0]!;
    names = parts.map((p) => p[1] ?? "");
    if (parts.some((p) => p[0] !== word)) return { ok: false, error: "error: this console takes one resource type at a time" };
  } else {
    word = args[0]!;
    names = args.slice(1);
  }
  const r = resolveType(word);
  if ("unknown" in r) return { ok: false, error: unknownType(word) };
  if ("empty" in r) return { ok: false, error: names.length ? notFound(r.empty, names[0]!) : `No resources found in ${NAMESPACE} namespace.` };
  return { ok: true, type: r.type, names };
}

function inDefault(ctx: Ctx, type: ResourceType): boolean {
  return !type.namespaced || ctx.namespace === NAMESPACE;
}

function deployment(ctx: Ctx, name: string): DeploymentState | undefined {
  return ctx.namespace === NAMESPACE ? ctx.s.deployments[name] : undefined;
}

const DEPLOY = (): ResourceType => typeByKind("Deployment");

// ---- scale -----------------------------------------------------------------------------------

export function runScale(ctx: MutCtx, args: string[]): KubectlResult {
  const p = parseFlags(args, [{ name: "replicas", type: "int" }, { name: "current-replicas", type: "int" }, { name: "timeout", type: "string" }, DRY_RUN_FLAG], "scale");
  if (!p.ok) return failed(p.error);
  const f = p.flags;
  if (bool(f, "help")) return done(usageFor("scale"));
  const dry = dryRunOf(f);
  if (typeof dry !== "string") return failed(dry.error);
  const replicas = int(f, "replicas");
  if (replicas === undefined) return failed(`error: required flag(s) "replicas" not set`);
  if (replicas < 0) return failed("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
  if (replicas > 100_000) return failed("error: Container City scales a deployment to at most 100000 replicas");
  const t = target(f.positional);
  if (!t.ok) return failed(t.error);
  if (t.names.length === 0) return failed("error: resource(s) were provided, but no name was specified");
  if (t.type.kind === "ReplicaSet") return failed("error: in Container City replicasets are scaled by their deployment: kubectl scale deploy/NAME");
  if (t.type.kind !== "Deployment") return failed("Error from server (NotFound): the server could not find the requested resource");
  const plan: Plan = { lines: [], commands: [], access: { verb: "patch", type: DEPLOY(), subresource: "scale", name: t.names[0]! } };
  for (const name of t.names) {
    const dep = deployment(ctx, name);
    if (!dep) return failed(notFound(DEPLOY(), name));
    const current = int(f, "current-replicas");
    if (current !== undefined && current !== dep.replicas) return failed(`error: Expected replicas to be ${current}, was ${dep.replicas}`);
    plan.lines.push(line(`deployment.apps/${name} scaled`));
    plan.commands.push({ type: "scale", deployment: name, replicas });
  }
  return finish(ctx, dry, plan);
}

// ---- rollout ---------------------------------------------------------------------------------

function rolloutTarget(ctx: Ctx, args: string[], what: string): { dep: DeploymentState } | { error: string } {
  const t = target(args);
  if (!t.ok) return { error: t.error };
  if (t.names.length !== 1) return { error: "error: required resource not specified" };
  if (t.type.kind !== "Deployment") return { error: `error: ${what} ${t.type.plural}` };
  const dep = deployment(ctx, t.names[0]!);
  if (!dep) return { error: notFound(DEPLOY(), t.names[0]!) };
  return { dep };
}

/** What `rollout status --watch=false` prints (deployment_status.go), one line, right now. */
export function rolloutStatus(ctx: Ctx, dep: DeploymentState): { ok: boolean; text: string } {
  if (dep.progressing.reason === "ProgressDeadlineExceeded") return { ok: false, text: `error: deployment "${dep.name}" exceeded its progress deadline` };
  const st = deploymentStatus(ctx.s, dep);
  const name = dep.name;
  if (st.updated < dep.replicas) {
    return { ok: true, text: `Waiting for deployment "${name}" rollout to finish: ${st.updated} out of ${dep.replicas} new replicas have been updated...` };
  }
  if (st.replicas > st.updated) {
    return { ok: true, text: `Waiting for deployment "${name}" rollout to finish: ${st.replicas - st.updated} old replicas are pending termination...` };
  }
  if (st.available < st.updated) {
    return { ok: true, text: `Waiting for deployment "${name}" rollout to finish: ${st.available} of ${st.updated} updated replicas are available...` };
  }
  return { ok: true, text: `deployment "${name}" successfully rolled out` };
}

export function runRollout(ctx: MutCtx, args: string[]): KubectlResult {
  const p = parseFlags(
    args,
    [
      { name: "watch", short: "w", type: "bool" },
      { name: "revision", type: "int" },
      { name: "to-revision", type: "int" },
      { name: "timeout", type: "string" },
      DRY_RUN_FLAG,
    ],
    "rollout",
  );
  if (!p.ok) return failed(p.error);
  const f = p.flags;
  const [sub, ...rest] = f.positional;
  if (bool(f, "help") || sub === undefined) return done(usageFor("rollout"));
  switch (sub) {
    case "status": {
      const t = rolloutTarget(ctx, rest, "no status viewer has been implemented for");
      if ("error" in t) return failed(t.error);
      const st = rolloutStatus(ctx, t.dep);
      return st.ok ? done(st.text) : failed(st.text);
    }
    case "history": {
      const t = rolloutTarget(ctx, rest, "no history viewer has been implemented for");
      if ("error" in t) return failed(t.error);
      const sets = replicaSetsOf(ctx.s, t.dep);
      const revision = int(f, "revision");
      if (revision !== undefined && revision !== 0) {
        const rs = sets.find((r) => r.revision === revision);
        if (!rs) return failed("error: unable to find the specified revision");
        return done(`deployment.apps/${t.dep.name} with revision #${revision}\n${describeTemplate(rs.template, { app: t.dep.name, "pod-template-hash": rs.templateHash })}`);
      }
      const rows = sets.map((rs) => [String(rs.revision), "<none>"]);
      return done(`deployment.apps/${t.dep.name} \n${table(["REVISION", "CHANGE-CAUSE"], rows, DESCRIBE_TABS)}`);
    }
    case "undo": {
      const dry = dryRunOf(f);
      if (typeof dry !== "string") return failed(dry.error);
      const t = rolloutTarget(ctx, rest, "no rollbacker has been implemented for");
      if ("error" in t) return failed(t.error);
      const dep = t.dep;
      const sets = replicaSetsOf(ctx.s, dep).sort((a, b) => b.revision - a.revision);
      const to = int(f, "to-revision") ?? 0;
      if (to < 0) return failed(`error: unable to find specified revision ${to} in history`);
      const rs = to > 0 ? sets.find((r) => r.revision === to) : sets[1];
      if (!rs) return failed(to > 0 ? `error: unable to find specified revision ${to} in history` : `error: no rollout history found for deployment "${dep.name}"`);
      if (rs.name === dep.currentReplicaSet) {
        return done(`deployment.apps/${dep.name} skipped rollback (current template already matches revision ${rs.revision})`);
      }
      const cmd: Command = to > 0 ? { type: "rolloutUndo", deployment: dep.name, toRevision: to } : { type: "rolloutUndo", deployment: dep.name };
      return finish(ctx, dry, { lines: [line(`deployment.apps/${dep.name} rolled back`)], commands: [cmd], access: { verb: "patch", type: DEPLOY(), name: dep.name } });
    }
    case "restart":
    case "pause":
    case "resume":
      return failed(`error: "kubectl rollout ${sub}" is not available in Container City (supported: status, history, undo)`);
    default:
      return failed(`error: unknown command "${sub}" for "kubectl rollout"`);
  }
}

// ---- cordon, uncordon, drain -------------------------------------------------------------------

const NODE = (): ResourceType => typeByKind("Node");

function nodesFrom(ctx: Ctx, f: ParsedFlags, verb: string): { nodes: NodeState[] } | { error: string } {
  const sel = str(f, "selector");
  if (sel !== undefined) {
    const p = parseSelector(sel);
    if (!p.ok) return { error: p.error };
    const names = ADAPTERS.Node.list(ctx).filter((i) => p.match(i.labels)).map((i) => i.name);
    return { nodes: names.map((n) => ctx.s.nodes[n]!) };
  }
  if (f.positional.length === 0) return { error: `error: USAGE: ${verb} NODE [flags]\nSee 'kubectl ${verb} -h' for help and examples` };
  const nodes: NodeState[] = [];
  for (const raw of f.positional) {
    const name = raw.startsWith("node/") ? raw.slice(5) : raw.startsWith("nodes/") ? raw.slice(6) : raw;
    const node = ctx.s.nodes[name];
    if (!node) return { error: notFound(NODE(), name) };
    nodes.push(node);
  }
  return { nodes };
}

export function runCordon(ctx: MutCtx, args: string[], on: boolean): KubectlResult {
  const verb = on ? "cordon" : "uncordon";
  const p = parseFlags(args, [{ name: "selector", short: "l", type: "string" }, DRY_RUN_FLAG], verb);
  if (!p.ok) return failed(p.error);
  if (bool(p.flags, "help")) return done(usageFor(verb));
  const dry = dryRunOf(p.flags);
  if (typeof dry !== "string") return failed(dry.error);
  const r = nodesFrom(ctx, p.flags, verb);
  if ("error" in r) return failed(r.error);
  const plan: Plan = { lines: [], commands: [], access: { verb: "patch", type: NODE(), name: r.nodes[0]?.name ?? null } };
  for (const node of r.nodes) {
    if (node.unschedulable === on) {
      plan.lines.push(line(`node/${node.name} already ${verb}ed`));
      continue;
    }
    plan.lines.push(line(`node/${node.name} ${verb}ed`));
    plan.commands.push({ type: on ? "cordon" : "uncordon", node: node.name });
  }
  return finish(ctx, dry, plan);
}

export function runDrain(ctx: MutCtx, args: string[]): KubectlResult {
  const p = parseFlags(
    args,
    [
      { name: "ignore-daemonsets", type: "bool" },
      { name: "delete-emptydir-data", type: "bool" },
      { name: "delete-local-data", type: "bool" },
      { name: "force", type: "bool" },
      { name: "disable-eviction", type: "bool" },
      { name: "grace-period", type: "int" },
      { name: "timeout", type: "string" },
      { name: "skip-wait-for-delete-timeout", type: "int" },
      { name: "selector", short: "l", type: "string" },
      { name: "pod-selector", type: "string" },
      DRY_RUN_FLAG,
    ],
    "drain",
  );
  if (!p.ok) return failed(p.error);
  const f = p.flags;
  if (bool(f, "help")) return done(usageFor("drain"));
  const dry = dryRunOf(f);
  if (typeof dry !== "string") return failed(dry.error);
  if (bool(f, "disable-eviction")) return failed("error: --disable-eviction is not available in Container City: drain always goes through the Eviction API");
  if (str(f, "pod-selector") !== undefined) return failed("error: --pod-selector is not available in Container City");
  const r = nodesFrom(ctx, f, "drain");
  if ("error" in r) return failed(r.error);
  const plan: Plan = { lines: [], commands: [], access: { verb: "patch", type: NODE(), name: r.nodes[0]?.name ?? null } };
  if (bool(f, "delete-local-data")) plan.lines.push(line("Flag --delete-local-data has been deprecated, This option is deprecated and will be deleted. Use --delete-emptydir-data.", true));
  for (const node of r.nodes) drainPlan(ctx, node, plan);
  return finish(ctx, dry, plan);
}

/**
 * Predict the drain the simulation will run (drain.ts): cordon, then evict every live pod unless
 * its PodDisruptionBudget has no disruption left; each eviction of a ready pod uses one up.
 */
function drainPlan(ctx: Ctx, node: NodeState, plan: Plan): void {
  plan.lines.push(line(node.unschedulable ? `node/${node.name} already cordoned` : `node/${node.name} cordoned`));
  plan.commands.push({ type: "drain", node: node.name });
  const allowed = new Map<string, number>();
  const evicted: PodState[] = [];
  const blocked: PodState[] = [];
  const pods = node.podIds.map((n) => ctx.s.pods[n]).filter((x): x is PodState => !!x && x.deletionAtMs === null && x.phase !== "Failed");
  for (const pod of pods) {
    if (!allowed.has(pod.app)) allowed.set(pod.app, disruptionsAllowed(ctx.s, pod.app));
    const left = allowed.get(pod.app)!;
    if (left <= 0 && pod.ready) {
      blocked.push(pod);
      continue;
    }
    if (pod.ready) allowed.set(pod.app, left - 1);
    evicted.push(pod);
  }
  for (const pod of pods) plan.lines.push(line(`evicting pod ${NAMESPACE}/${pod.name}`));
  for (const pod of blocked) {
    plan.lines.push(line(`error when evicting pods/"${pod.name}" -n "${NAMESPACE}" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`, true));
  }
  for (const pod of evicted) plan.lines.push(line(`pod/${pod.name} evicted`));
  if (blocked.length === 0) plan.lines.push(line(`node/${node.name} drained`));
  else plan.lines.push(line(`(Container City keeps retrying the blocked evictions every 5s; watch them with "kubectl get pods -o wide")`, true));
}

// ---- delete ----------------------------------------------------------------------------------

export function runDelete(ctx: MutCtx, args: string[]): KubectlResult {
  const p = parseFlags(
    args,
    [
      { name: "selector", short: "l", type: "string" },
      { name: "all", type: "bool" },
      { name: "grace-period", type: "int" },
      { name: "now", type: "bool" },
      { name: "force", type: "bool" },
      { name: "wait", type: "bool" },
      { name: "ignore-not-found", type: "bool" },
      { name: "timeout", type: "string" },
      DRY_RUN_FLAG,
    ],
    "delete",
  );
  if (!p.ok) return failed(p.error);
  const f = p.flags;
  if (bool(f, "help")) return done(usageFor("delete"));
  const dry = dryRunOf(f);
  if (typeof dry !== "string") return failed(dry.error);
  const t = target(f.positional);
  if (!t.ok) return failed(t.error);
  const kind: Kind = t.type.kind;
  const supported: Kind[] = ["Pod", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Node"];
  if (!supported.includes(kind)) {
    return failed(`error: Container City cannot delete ${t.type.plural} (it deletes pods, nodes, horizontalpodautoscalers and poddisruptionbudgets)`);
  }
  const sel = str(f, "selector");
  const items = inDefault(ctx, t.type) ? ADAPTERS[kind].list(ctx) : [];
  let names: string[];
  if (sel !== undefined || bool(f, "all")) {
    if (t.names.length > 0) return failed("error: name cannot be provided when a selector is specified");
    if (sel !== undefined) {
      const ps = parseSelector(sel);
      if (!ps.ok) return failed(ps.error);
      names = items.filter((i) => ps.match(i.labels)).map((i) => i.name);
    } else names = items.map((i) => i.name);
    if (names.length === 0) return done(`No resources found`);
  } else {
    if (t.names.length === 0) {
      return failed(`error: resource(s) were provided, but no name was specified`);
    }
    names = t.names;
  }
  const plan: Plan = { lines: [], commands: [], access: { verb: "delete", type: t.type, name: names[0] ?? null } };
  const force = bool(f, "force") && int(f, "grace-period") === 0;
  if (force && kind === "Pod") {
    plan.lines.push(line("Warning: Container City has no forced deletion: the pods are deleted gracefully, and stay Terminating while their node is unreachable.", true));
  }
  for (const name of names) {
    if (!items.some((i) => i.name === name)) {
      if (bool(f, "ignore-not-found")) continue;
      return failed(notFound(t.type, name));
    }
    const shown = kind === "Pod" ? `pod "${name}"` : kind === "Node" ? `node "${name}"` : `${t.type.singular}.${t.type.group} "${name}"`;
    plan.lines.push(line(`${shown} deleted`));
    if (kind === "Pod") plan.commands.push({ type: "deletePod", pod: name });
    else if (kind === "Node") plan.commands.push({ type: "removeNode", node: name });
    else if (kind === "HorizontalPodAutoscaler") plan.commands.push({ type: "removeHpa", deployment: ctx.s.hpas[name]!.target });
    else plan.commands.push({ type: "removePdb", app: ctx.s.pdbs[name]!.app });
  }
  return finish(ctx, dry, plan);
}

// ---- set image, autoscale --------------------------------------------------------------------

export function runSet(ctx: MutCtx, args: string[]): KubectlResult {
  const p = parseFlags(args, [DRY_RUN_FLAG], "set");
  if (!p.ok) return failed(p.error);
  const f = p.flags;
  const [sub, ...rest] = f.positional;
  if (bool(f, "help") || sub === undefined) return done(usageFor("set"));
  if (sub !== "image") return failed(`error: "kubectl set ${sub}" is not available in Container City (supported: set image)`);
  const dry = dryRunOf(f);
  if (typeof dry !== "string") return failed(dry.error);
  const pairs = rest.filter((a) => a.includes("="));
  const resources = rest.filter((a) => !a.includes("="));
  if (pairs.length === 0) return failed("error: at least one image update is required");
  const t = target(resources);
  if (!t.ok) return failed(t.error);
  if (t.type.kind !== "Deployment") return failed(`error: Container City sets images on deployments only`);
  if (t.names.length === 0) return failed("error: resource(s) were provided, but no name was specified");
  const plan: Plan = { lines: [], commands: [], access: { verb: "patch", type: DEPLOY(), name: t.names[0]! } };
  for (const name of t.names) {
    const dep = deployment(ctx, name);
    if (!dep) return failed(notFound(DEPLOY(), name));
    let image: string | null = null;
    for (const pair of pairs) {
      const eq = pair.indexOf("=");
      const container = pair.slice(0, eq);
      if (container !== "app" && container !== "*") return failed(`error: unable to find container named "${container}"`);
      image = pair.slice(eq + 1);
    }
    const parts = imageParts(image ?? "");
    if ("error" in parts) return failed(`error: ${parts.error}`);
    const warn = imageWarning(name, image ?? "");
    if (warn) plan.lines.push(line(warn, true));
    if (parts.version === dep.template.version) continue;
    plan.lines.push(line(`deployment.apps/${name} image updated`));
    plan.commands.push({ type: "deploy", app: name, version: parts.version, behavior: dep.template.behavior });
  }
  return finish(ctx, dry, plan);
}

export function runAutoscale(ctx: MutCtx, args: string[]): KubectlResult {
  const p = parseFlags(
    args,
    [
      { name: "min", type: "int" },
      { name: "max", type: "int" },
      { name: "cpu-percent", type: "int" },
      { name: "cpu", type: "string" },
      { name: "name", type: "string" },
      DRY_RUN_FLAG,
    ],
    "autoscale",
  );
  if (!p.ok) return failed(p.error);
  const f = p.flags;
  if (bool(f, "help")) return done(usageFor("autoscale"));
  const dry = dryRunOf(f);
  if (typeof dry !== "string") return failed(dry.error);
  const t = target(f.positional);
  if (!t.ok) return failed(t.error);
  if (t.type.kind !== "Deployment") return failed(`error: cannot autoscale a ${t.type.kind}: Container City autoscales deployments`);
  if (t.names.length !== 1) return failed("error: autoscale takes exactly one deployment");
  const name = t.names[0]!;
  const max = int(f, "max") ?? 0;
  const min = int(f, "min") ?? -1;
  if (max < 1) return failed(`error: --max=MAXPODS is required and must be at least 1, max: ${max}`);
  if (max < min) return failed(`error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: ${max}, min: ${min}`);
  let cpu = int(f, "cpu-percent");
  const cpuText = str(f, "cpu");
  if (cpuText !== undefined) {
    const m = /^(\d+)%$/.exec(cpuText);
    if (!m) return failed(`error: --cpu must be a percentage of the request such as 80% in Container City`);
    cpu = Number(m[1]);
  }
  const dep = deployment(ctx, name);
  if (!dep) return failed(notFound(DEPLOY(), name));
  const hpaType = typeByKind("HorizontalPodAutoscaler");
  if (str(f, "name") !== undefined && str(f, "name") !== name) return failed(`error: Container City names an autoscaler after its deployment ("${name}")`);
  if (ctx.s.hpas[name]) return failed(`Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling "${name}" already exists`);
  const cmd: Command = { type: "setHpa", deployment: name, maxReplicas: max };
  if (min >= 1) cmd.minReplicas = min;
  if (cpu !== undefined && cpu > 0) cmd.targetCpuUtilization = cpu;
  return finish(ctx, dry, { lines: [line(`horizontalpodautoscaler.autoscaling/${name} autoscaled`)], commands: [cmd], access: { verb: "create", type: hpaType, name: null } });
}
