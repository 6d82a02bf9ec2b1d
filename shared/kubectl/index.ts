/**
 * A kubectl console over the simulation, as a pure function: a command line (and, for
 * `apply -f -`, the pasted YAML) in; what kubectl would print, and the simulation commands that
 * would make it true, out. The state is only read: the caller (the server) applies `commands`
 * with applyCommand, in order, when it lets this user change the cluster.
 */
import type { ClusterState } from "../sim/types.ts";
import { tokenize } from "./tokenize.ts";
import { HELP, usageFor } from "./help.ts";
import { NAMESPACE, type Ctx } from "./model.ts";
import { runGet } from "./get.ts";
import { runDescribe } from "./describe.ts";
import { runApiResources, runEvents, runTop, runVersion } from "./info.ts";
import { runAutoscale, runCordon, runDelete, runDrain, runRollout, runScale, runSet, type MutCtx } from "./mutate.ts";
import { runApply } from "./apply.ts";
import { done, failed, type KubectlResult } from "./result.ts";
import { DEFAULT_EPOCH_MS } from "./text.ts";

export type { KubectlResult } from "./result.ts";
export { exportManifests, exportCompose } from "./export.ts";
export { tabwrite, humanDuration, GET_TABS, DESCRIBE_TABS } from "./text.ts";

export interface KubectlOptions {
  /** The user may change the cluster (the teacher). Default false: a read-only console. */
  allowMutations?: boolean;
  /** What `apply -f -` reads: the YAML pasted under the command. */
  stdin?: string;
  /** Unix ms that cluster time 0 stands for, for dates (describe, -o yaml). Default 2025-09-01T08:00:00Z. */
  epochMs?: number;
  /** The name RBAC gives in Forbidden messages. Default "student". */
  user?: string;
}

/** Real kubectl commands this console does not offer, so they are not called unknown. */
const NOT_HERE: Record<string, string> = {
  logs: 'Container City runs no real processes, so there are no logs: try "kubectl describe pod NAME" and "kubectl events"',
  exec: "Container City runs no real processes to exec into",
  attach: "Container City runs no real processes to attach to",
  "port-forward": "Container City has no network to forward",
  proxy: "Container City has no API server to proxy",
  cp: "Container City has no container filesystems",
  debug: "Container City runs no real processes to debug",
  create: 'use "kubectl apply -f -" with a manifest',
  run: 'use "kubectl apply -f -" with a Deployment manifest',
  expose: 'use "kubectl apply -f -" with a Service manifest',
  edit: 'use "kubectl apply -f -", "kubectl scale" or "kubectl set image"',
  patch: 'use "kubectl apply -f -", "kubectl scale" or "kubectl set image"',
  replace: 'use "kubectl apply -f -"',
  label: "labels are fixed (app, pod-template-hash) in Container City",
  annotate: 'use "kubectl apply -f -" to change a deployment\'s annotations',
  taint: "taints come from the node lifecycle, cordon and memory pressure in Container City",
  wait: 'run "kubectl rollout status" or "kubectl get" again instead',
  diff: 'use "kubectl apply -f - --dry-run=server"',
  explain: "see https://kubernetes.io/docs/reference/kubernetes-api/",
  auth: "Container City has two roles: the teacher can change the cluster, students can read it",
  config: "Container City has one cluster and one context",
  kustomize: "Container City applies plain manifests only",
  certificate: "Container City has no certificates to manage",
  plugin: "Container City has no plugins",
  completion: "this console has no shell completion",
};

const SUPPORTED_VERBS = "get, describe, events, top, apply, scale, autoscale, set image, rollout, cordon, uncordon, drain, delete, api-resources, version";

/** The -n/--namespace value wherever it appears (kubectl allows it before or after the verb). */
function scanNamespace(words: string[]): { ns: string } | { error: string } {
  let ns = NAMESPACE;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--") break;
    if (w === "-n" || w === "--namespace") {
      const v = words[i + 1];
      if (v === undefined) return { error: `error: flag needs an argument: ${w === "-n" ? "'n' in -n" : "--namespace"}` };
      ns = v;
      i++;
    } else if (w.startsWith("--namespace=")) ns = w.slice("--namespace=".length);
    else if (w.startsWith("-n") && !w.startsWith("--")) ns = w.slice(w[2] === "=" ? 3 : 2);
  }
  return { ns };
}

export function kubectl(state: ClusterState, line: string, opts: KubectlOptions = {}): KubectlResult {
  const t = tokenize(line);
  if (!t.ok) return failed(t.error);
  let words = t.words;
  if (words[0] === "$") words = words.slice(1);
  if (words[0] === "kubectl" || words[0] === "k") words = words.slice(1);

  // The verb is the first word that is neither a flag nor a global flag's value.
  let verbAt = -1;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "-n" || w === "--namespace") i++;
    else if (!w.startsWith("-")) {
      verbAt = i;
      break;
    }
  }
  if (verbAt < 0) return done(HELP);
  const verb = words[verbAt]!;
  const rest = [...words.slice(0, verbAt), ...words.slice(verbAt + 1)];
  const scanned = scanNamespace(rest);
  if ("error" in scanned) return failed(scanned.error);

  const ctx: MutCtx = {
    s: state,
    epochMs: opts.epochMs ?? DEFAULT_EPOCH_MS,
    namespace: scanned.ns,
    allNamespaces: false,
    allowMutations: opts.allowMutations ?? false,
    user: opts.user ?? "student",
    stdin: opts.stdin,
  };

  if (verb === "help") return done(rest[0] ? usageFor(rest[0]) : HELP);
  if (verb === "version") return runVersion(rest);
  if (verb === "api-resources") return runApiResources(rest);
  if (state.mode !== "kubernetes") {
    // There is no Kubernetes in the Compose and "before containers" rounds: kubectl has nothing to talk to.
    return failed("The connection to the server localhost:8080 was refused - did you specify the right host or port?");
  }
  return dispatch(ctx, verb, rest);
}

function dispatch(ctx: MutCtx, verb: string, rest: string[]): KubectlResult {
  const read: Ctx = ctx;
  switch (verb) {
    case "get":
      return runGet(read, rest);
    case "describe":
      return runDescribe(read, rest);
    case "events":
      return runEvents(read, rest);
    case "top":
      return runTop(read, rest);
    case "scale":
      return runScale(ctx, rest);
    case "rollout":
      return runRollout(ctx, rest);
    case "cordon":
      return runCordon(ctx, rest, true);
    case "uncordon":
      return runCordon(ctx, rest, false);
    case "drain":
      return runDrain(ctx, rest);
    case "delete":
      return runDelete(ctx, rest);
    case "apply":
      return runApply(ctx, rest);
    case "set":
      return runSet(ctx, rest);
    case "autoscale":
      return runAutoscale(ctx, rest);
    case "cluster-info":
      return done(
        "Kubernetes control plane is running at https://10.0.0.1:6443\nCoreDNS is running at https://10.0.0.1:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n\n" +
          "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.",
      );
  }
  const why = NOT_HERE[verb];
  if (why) return failed(`error: "kubectl ${verb}" is not available in Container City: ${why}`);
  return failed(`error: unknown command "${verb}" for "kubectl"\nRun 'kubectl help' for the commands this console supports (${SUPPORTED_VERBS}).`);
}
