/**
 * Model for the property tests (test/sim/properties.test.ts): fast-check arbitraries that build a
 * small cluster and a random chaos script, a runner that turns the abstract script into concrete
 * commands (pod and node references are resolved against the live state, so shrinking stays
 * meaningful), and the invariant checks the properties assert after every step.
 */
import fc from "fast-check";
import {
  K8S, advance, applyCommand, createCluster, stateHash,
  type ClusterState, type Command, type CommandOf, type CommandResult, type PodState, type SimEvent,
} from "../../shared/sim/index.ts";

// ---------------------------------------------------------------------------------------------
// Scenario shape
// ---------------------------------------------------------------------------------------------

export const APP_NAMES = ["web", "api", "worker"] as const;
/** Index APP_NAMES.length names an app that is never deployed (for refused commands). */
const GHOST_APP = "ghost";
const GHOST_NODE = "ghost-node";

export interface NodeSpec {
  cpuMilli: number;
  memoryMiB: number;
  pods: number;
}

type DeployExtra = Omit<CommandOf<"deploy">, "type" | "app">;

/**
 * Which pod a crash or leak hits: one by name (any pod, or one being deleted: the chaos lesson on graceful
 * shutdown), a random running pod of an app, or a random running pod (the simulation picks).
 */
export type PodTarget = { by: "pod"; index: number } | { by: "terminating"; index: number } | { by: "app"; app: number } | { by: "any" };

/** One abstract step; indexes are resolved against the state when the step runs. */
export type Step =
  | { kind: "advance"; ms: number }
  | { kind: "killNode"; node: number | null }
  | { kind: "partitionNode"; node: number | null }
  | { kind: "restoreNode"; node: number }
  | { kind: "heartbeat"; node: number; connected: boolean }
  | { kind: "slowNode"; node: number; factor: number }
  | { kind: "memoryPressure"; node: number; on: boolean }
  | { kind: "crash"; target: PodTarget; how: "exit" | "hang" | undefined }
  | { kind: "leak"; target: PodTarget; mibPerSecond: number }
  | { kind: "registryOutage"; on: boolean }
  | { kind: "trafficSpike"; app: number; multiplier: number; rampSeconds: number; durationSeconds: number }
  | { kind: "scale"; app: number; replicas: number }
  | { kind: "setHpa"; app: number; minReplicas: number | undefined; maxReplicas: number; target: number | undefined }
  | { kind: "removeHpa"; app: number }
  | { kind: "rolloutUndo"; app: number; toRevision: number | undefined }
  | { kind: "cordon" | "uncordon" | "drain"; node: number }
  | { kind: "deletePod"; pod: number }
  | { kind: "deploy"; app: number; extra: DeployExtra }
  | { kind: "setPdb"; app: number; minAvailable: number }
  | { kind: "removePdb"; app: number };

export interface Scenario {
  seed: number;
  nodes: NodeSpec[];
  /** Initial deploy of APP_NAMES[i], one per entry. */
  apps: DeployExtra[];
  /** Cluster time between the initial deploys and the first step. */
  settleMs: number;
  steps: Step[];
}

export interface Profile {
  /** Node capacities to choose from. */
  nodeCpu: number[];
  nodeMem: number[];
  nodePods: number[];
  cpuRequests: number[];
  memRequests: number[];
  maxReplicas: number;
  maxSteps: number;
  maxAdvanceMs: number;
  /** Relative weight of time advances among the steps (crashContainer weighs crashWeight, the other commands 36 together). */
  advanceWeight: number;
  /** Relative weight of crashContainer (exit or hang) among the steps. */
  crashWeight: number;
  minApps: number;
  /** Cluster time to let the initial deployments start before the chaos script. */
  settleMs: number;
}

/** Small, irregular nodes: the scheduler's fit filter is under pressure. */
export const TIGHT: Profile = {
  nodeCpu: [1000, 2000, 4000],
  nodeMem: [1024, 2048, 8192],
  nodePods: [3, 6, 110],
  cpuRequests: [100, 250, 500, 900],
  memRequests: [128, 256, 512],
  maxReplicas: 6,
  maxSteps: 25,
  maxAdvanceMs: 120_000,
  advanceWeight: 24,
  crashWeight: 3,
  minApps: 1,
  settleMs: 0,
};

/**
 * Roomy nodes and small pods: once chaos stops, everything asked for fits (checked again at run
 * time by capacitySuffices), so the cluster must converge.
 */
export const ROOMY: Profile = {
  nodeCpu: [4000],
  nodeMem: [4096, 8192],
  nodePods: [110],
  cpuRequests: [100, 250],
  memRequests: [128, 256],
  maxReplicas: 5,
  maxSteps: 25,
  maxAdvanceMs: 120_000,
  advanceWeight: 24,
  crashWeight: 3,
  minApps: 1,
  settleMs: 0,
};

/** Mostly commands, with short pauses: the chaos commands often hit a target that cannot take them. */
export const BUSY: Profile = { ...TIGHT, maxReplicas: 3, maxAdvanceMs: 15_000, advanceWeight: 8, crashWeight: 10, settleMs: 60_000 };

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 2 });

function deployExtraArb(p: Profile, initial: boolean): fc.Arbitrary<DeployExtra> {
  const replicas = fc.integer({ min: initial ? 1 : 0, max: p.maxReplicas });
  return fc.record(
    {
      version: fc.constantFrom("v1", "v2", "v3", "v4"),
      behavior: fc.constantFrom("healthy", "healthy", "healthy", "crashing", "failingReadiness", "slowStart") as fc.Arbitrary<
        NonNullable<DeployExtra["behavior"]>
      >,
      replicas: initial ? replicas : opt(replicas),
      strategy: opt(fc.constantFrom("RollingUpdate", "Recreate") as fc.Arbitrary<"RollingUpdate" | "Recreate">),
      maxSurge: opt(fc.constantFrom<number | string>(0, 1, "50%")),
      maxUnavailable: opt(fc.constantFrom<number | string>(0, 1, "25%")),
      minReadySeconds: opt(fc.constantFrom(0, 5, 20)),
      progressDeadlineSeconds: opt(fc.constantFrom(30, 600)),
      cpuRequestMilli: initial ? fc.constantFrom(...p.cpuRequests) : opt(fc.constantFrom(...p.cpuRequests)),
      memoryRequestMiB: initial ? fc.constantFrom(...p.memRequests) : opt(fc.constantFrom(...p.memRequests)),
      capacityRps: opt(fc.constantFrom(5, 20, 50)),
      baselineRps: initial ? fc.constantFrom(0, 5, 30, 100) : opt(fc.constantFrom(0, 5, 30, 100)),
      pullPolicy: opt(fc.constantFrom("IfNotPresent", "Always") as fc.Arbitrary<"IfNotPresent" | "Always">),
      livenessProbe: opt(fc.boolean()),
      readinessProbe: opt(fc.boolean()),
      tolerationSeconds: opt(fc.constantFrom(0, 30, 300)),
    },
    { requiredKeys: ["version", "behavior"] },
  ).map((r) => {
    // A Recreate strategy rejects surge settings in the API; keep the generated command realistic.
    const out: DeployExtra = { ...r } as DeployExtra;
    for (const k of Object.keys(out) as (keyof DeployExtra)[]) if (out[k] === undefined) delete out[k];
    if (out.strategy === "Recreate") {
      delete out.maxSurge;
      delete out.maxUnavailable;
    }
    return out;
  });
}

function stepArb(p: Profile, nodeCount: number): fc.Arbitrary<Step> {
  // One index past the end names a node / app that does not exist, so some commands are refused.
  const node = fc.integer({ min: 0, max: nodeCount });
  const app = fc.integer({ min: 0, max: APP_NAMES.length });
  const target: fc.Arbitrary<PodTarget> = fc.oneof(
    fc.record({ by: fc.constant("pod" as const), index: fc.nat(40) }),
    fc.record({ by: fc.constant("terminating" as const), index: fc.nat(40) }),
    fc.record({ by: fc.constant("app" as const), app }),
    fc.constant({ by: "any" as const }),
  );
  const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
  return fc.oneof(
    w(p.advanceWeight, fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: p.maxAdvanceMs }) })),
    w(2, fc.record({ kind: fc.constant("killNode" as const), node: fc.option(node, { nil: null }) })),
    w(2, fc.record({ kind: fc.constant("partitionNode" as const), node: fc.option(node, { nil: null }) })),
    w(3, fc.record({ kind: fc.constant("restoreNode" as const), node })),
    w(3, fc.record({ kind: fc.constant("heartbeat" as const), node, connected: fc.boolean() })),
    w(1, fc.record({ kind: fc.constant("slowNode" as const), node, factor: fc.constantFrom(0.1, 0.25, 0.5, 1) })),
    w(2, fc.record({ kind: fc.constant("memoryPressure" as const), node, on: fc.boolean() })),
    w(p.crashWeight, fc.record({ kind: fc.constant("crash" as const), target, how: fc.constantFrom(undefined, "exit", "hang") as fc.Arbitrary<"exit" | "hang" | undefined> })),
    w(2, fc.record({ kind: fc.constant("leak" as const), target, mibPerSecond: fc.constantFrom(1, 8, 64) })),
    w(2, fc.record({ kind: fc.constant("registryOutage" as const), on: fc.boolean() })),
    w(2, fc.record({
      kind: fc.constant("trafficSpike" as const), app,
      multiplier: fc.constantFrom(2, 5, 10), rampSeconds: fc.constantFrom(0, 10, 60), durationSeconds: fc.integer({ min: 1, max: 300 }),
    })),
    w(3, fc.record({ kind: fc.constant("scale" as const), app, replicas: fc.integer({ min: 0, max: p.maxReplicas }) })),
    w(2, fc.record({
      kind: fc.constant("setHpa" as const), app,
      minReplicas: opt(fc.integer({ min: 1, max: p.maxReplicas })),
      maxReplicas: fc.integer({ min: 1, max: p.maxReplicas }),
      target: opt(fc.constantFrom(10, 50, 80)),
    })),
    w(1, fc.record({ kind: fc.constant("removeHpa" as const), app })),
    w(2, fc.record({ kind: fc.constant("rolloutUndo" as const), app, toRevision: opt(fc.integer({ min: 1, max: 4 })) })),
    w(2, fc.record({ kind: fc.constantFrom("cordon" as const, "uncordon" as const, "drain" as const), node })),
    w(2, fc.record({ kind: fc.constant("deletePod" as const), pod: fc.integer({ min: -1, max: 40 }) })),
    w(3, fc.record({ kind: fc.constant("deploy" as const), app, extra: deployExtraArb(p, false) })),
    w(1, fc.record({ kind: fc.constant("setPdb" as const), app, minAvailable: fc.integer({ min: 0, max: 4 }) })),
    w(1, fc.record({ kind: fc.constant("removePdb" as const), app })),
  );
}

export function scenarioArb(p: Profile, opts: { minFirstReplicas?: number } = {}): fc.Arbitrary<Scenario> {
  const nodeSpec = fc.record({
    cpuMilli: fc.constantFrom(...p.nodeCpu),
    memoryMiB: fc.constantFrom(...p.nodeMem),
    pods: fc.constantFrom(...p.nodePods),
  });
  return fc
    .record({
      seed: fc.nat({ max: 0xffff_ffff }),
      nodes: fc.array(nodeSpec, { minLength: 2, maxLength: 4 }),
      apps: fc.array(deployExtraArb(p, true), { minLength: p.minApps, maxLength: APP_NAMES.length }),
    })
    .chain(({ seed, nodes, apps }) =>
      fc.array(stepArb(p, nodes.length), { maxLength: p.maxSteps, size: "max" }).map((steps) => {
        if (opts.minFirstReplicas !== undefined) {
          apps = apps.map((a, i) => (i === 0 ? { ...a, replicas: Math.max(a.replicas ?? 1, opts.minFirstReplicas!) } : a));
        }
        return { seed, nodes, apps, settleMs: p.settleMs, steps };
      }),
    );
}

// ---------------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------------

export type LogEntry = { cmd: Command; ok: boolean; note?: string } | { advance: number };

export interface RunChecks {
  /** Invariants 1 and 2 after every command and every sub-advance. */
  structure?: boolean;
  /** Invariant 3 right after every (sub-)advance. */
  traffic?: boolean;
  /** A refused command leaves stateHash unchanged. */
  refusedUnchanged?: boolean;
  /** A deleted pod on a node whose kubelet is reachable is gone within the termination grace period. */
  terminating?: boolean;
  /** Cut advances into slices of at most this many ms, checking in between (default 10 s). */
  sliceMs?: number;
}

export const nodeName = (i: number): string => `node-${i + 1}`;

/** terminationGracePeriodSeconds (30 s) is the longest a reachable kubelet may take to finish a deletion; 1 s of slack. */
const TERMINATION_BOUND_MS = K8S.terminationGraceSeconds * 1000 + 1000;

/** Same rule as the kubelet's (machine on, network up, student connected); restated here so the test does not trust the code under test. */
function kubeletReachable(n: { powered: boolean; partitioned: boolean; connected: boolean }): boolean {
  return n.powered && !n.partitioned && n.connected;
}

export class Runner {
  readonly s: ClusterState;
  readonly log: LogEntry[] = [];
  readonly checks: RunChecks;

  constructor(seed: number, checks: RunChecks) {
    this.s = createCluster({ seed });
    this.checks = checks;
  }

  fail(what: string): never {
    throw new Error(`${what}\n  at cluster t=${this.s.timeMs} ms; concrete log (seed ${this.s.seed}):\n${formatLog(this.log)}`);
  }

  cmd(c: Command): CommandResult {
    const wantHash = this.checks.refusedUnchanged;
    const beforeText = wantHash ? JSON.stringify(this.s) : "";
    const beforeHash = wantHash ? stateHash(this.s) : "";
    const r = applyCommand(this.s, c);
    this.log.push({ cmd: c, ok: r.ok, note: r.ok ? undefined : r.error });
    if (!r.ok && wantHash && stateHash(this.s) !== beforeHash) {
      this.fail(`refused command changed the state (${r.error}): ${diffPaths(JSON.parse(beforeText), this.s).join("; ")}`);
    }
    this.checkAfter(false);
    return r;
  }

  advance(ms: number): void {
    this.log.push({ advance: ms });
    const slice = this.checks.sliceMs ?? 10_000;
    let left = ms;
    while (left > 0) {
      const d = Math.min(slice, left);
      advance(this.s, d);
      left -= d;
      this.checkAfter(true);
    }
  }

  /** Since when each node's kubelet has been reachable without a break (null: unreachable now). */
  private readonly reachableSince = new Map<string, number | null>();

  private trackReachability(): void {
    for (const name of this.s.nodeOrder) {
      const up = kubeletReachable(this.s.nodes[name]!);
      const since = this.reachableSince.get(name);
      if (!up) this.reachableSince.set(name, null);
      else if (since === undefined || since === null) this.reachableSince.set(name, this.s.timeMs);
    }
  }

  private checkAfter(advanced: boolean): void {
    this.trackReachability();
    if (this.checks.terminating) {
      const v: string[] = [];
      for (const p of Object.values(this.s.pods)) {
        if (p.deletionAtMs === null || p.nodeName === null) continue;
        const since = this.reachableSince.get(p.nodeName);
        if (since === null || since === undefined) continue;
        const from = Math.max(since, p.deletionAtMs);
        if (this.s.timeMs - from > TERMINATION_BOUND_MS) {
          v.push(`pod ${p.name} deleted at ${p.deletionAtMs} ms is still there at ${this.s.timeMs} ms although node ${p.nodeName} ` +
            `has been reachable since ${since} ms (phase=${p.phase} running=${p.running} reason=${p.reason} restarts=${p.restartCount} lastTermination=${p.lastTerminationReason})`);
        }
      }
      if (v.length) this.fail(`termination invariant broken:\n    ${v.join("\n    ")}`);
    }
    if (this.checks.structure) {
      const v = [...checkCapacity(this.s), ...checkReferences(this.s)];
      if (v.length) this.fail(`structural invariant broken:\n    ${v.join("\n    ")}`);
    }
    if (advanced && this.checks.traffic) {
      const v = checkOnlyReadyServe(this.s);
      if (v.length) this.fail(`traffic invariant broken right after advancing:\n    ${v.join("\n    ")}`);
    }
  }

  setup(sc: Scenario): void {
    sc.nodes.forEach((n, i) => this.cmd({ type: "addNode", name: nodeName(i), ...n }));
    sc.apps.forEach((a, i) => this.cmd({ type: "deploy", app: APP_NAMES[i]!, ...a }));
    if (sc.settleMs > 0) this.advance(sc.settleMs);
  }

  runSteps(sc: Scenario): void {
    for (const st of sc.steps) {
      if (st.kind === "advance") this.advance(st.ms);
      else this.cmd(this.resolve(st, sc.nodes.length));
    }
  }

  /** Turn an abstract step into a concrete command against the current state. */
  resolve(st: Exclude<Step, { kind: "advance" }>, nodeCount: number): Command {
    const node = (i: number) => (i < nodeCount ? nodeName(i) : GHOST_NODE);
    const app = (i: number) => APP_NAMES[i] ?? GHOST_APP;
    const podNames = Object.keys(this.s.pods);
    const podAt = (i: number) => (i < 0 || podNames.length === 0 ? "no-such-pod-zz" : podNames[i % podNames.length]!);
    const terminating = podNames.filter((n) => this.s.pods[n]!.deletionAtMs !== null);
    const target = (t: PodTarget) => {
      if (t.by === "pod") return { pod: podAt(t.index) };
      if (t.by === "terminating") return { pod: terminating.length ? terminating[t.index % terminating.length]! : podAt(t.index) };
      return t.by === "app" ? { app: app(t.app) } : {};
    };
    switch (st.kind) {
      case "killNode":
      case "partitionNode":
        return st.node === null ? { type: st.kind } : { type: st.kind, node: node(st.node) };
      case "restoreNode":
        return { type: "restoreNode", node: node(st.node) };
      case "heartbeat":
        return { type: "heartbeat", node: node(st.node), connected: st.connected };
      case "slowNode":
        return { type: "slowNode", node: node(st.node), factor: st.factor };
      case "memoryPressure":
        return { type: "memoryPressure", node: node(st.node), on: st.on };
      case "crash":
        return { type: "crashContainer", ...target(st.target), ...(st.how ? { how: st.how } : {}) };
      case "leak":
        return { type: "leakMemory", ...target(st.target), mibPerSecond: st.mibPerSecond };
      case "registryOutage":
        return { type: "registryOutage", on: st.on };
      case "trafficSpike":
        return { type: "trafficSpike", service: app(st.app), multiplier: st.multiplier, rampSeconds: st.rampSeconds, durationSeconds: st.durationSeconds };
      case "scale":
        return { type: "scale", deployment: app(st.app), replicas: st.replicas };
      case "setHpa":
        return {
          type: "setHpa", deployment: app(st.app), maxReplicas: st.maxReplicas,
          ...(st.minReplicas !== undefined ? { minReplicas: st.minReplicas } : {}),
          ...(st.target !== undefined ? { targetCpuUtilization: st.target } : {}),
        };
      case "removeHpa":
        return { type: "removeHpa", deployment: app(st.app) };
      case "rolloutUndo":
        return { type: "rolloutUndo", deployment: app(st.app), ...(st.toRevision !== undefined ? { toRevision: st.toRevision } : {}) };
      case "cordon":
      case "uncordon":
      case "drain":
        return { type: st.kind, node: node(st.node) };
      case "deletePod":
        return { type: "deletePod", pod: podAt(st.pod) };
      case "deploy":
        return { type: "deploy", app: app(st.app), ...st.extra };
      case "setPdb":
        return { type: "setPdb", app: app(st.app), minAvailable: st.minAvailable };
      case "removePdb":
        return { type: "removePdb", app: app(st.app) };
    }
  }

  /** Chaos stops: every node healthy and reachable, registry up, no HPA, a healthy release of every app. */
  stopChaos(): void {
    for (const n of [...this.s.nodeOrder]) {
      this.cmd({ type: "restoreNode", node: n });
      this.cmd({ type: "heartbeat", node: n, connected: true });
      this.cmd({ type: "memoryPressure", node: n, on: false });
      this.cmd({ type: "uncordon", node: n });
    }
    this.cmd({ type: "registryOutage", on: false });
    for (const d of Object.keys(this.s.hpas)) this.cmd({ type: "removeHpa", deployment: d });
    for (const d of Object.keys(this.s.deployments)) this.cmd({ type: "deploy", app: d, version: "final", behavior: "healthy" });
  }
}

/** Replay a concrete log on a fresh cluster (no checks), optionally cutting advances differently. */
export function replay(seed: number, log: LogEntry[], opts: { splitAdvances?: boolean; snapshotEvery?: number } = {}): ClusterState {
  let s = createCluster({ seed });
  log.forEach((e, i) => {
    if ("advance" in e) {
      if (opts.splitAdvances && e.advance > 1) {
        const a = Math.floor(e.advance / 3) + 1;
        advance(s, a);
        advance(s, e.advance - a);
      } else advance(s, e.advance);
    } else applyCommand(s, e.cmd);
    if (opts.snapshotEvery && i % opts.snapshotEvery === 0) s = JSON.parse(JSON.stringify(s)) as ClusterState;
  });
  return s;
}

export function formatLog(log: LogEntry[], max = 80): string {
  const lines: string[] = [];
  for (let i = 0; i < log.length; i++) {
    const e = log[i]!;
    if ("advance" in e) {
      let n = 1;
      while (i + 1 < log.length && "advance" in log[i + 1]! && (log[i + 1] as { advance: number }).advance === e.advance) {
        n++;
        i++;
      }
      lines.push(`    advance(${e.advance})${n > 1 ? ` x${n}` : ""}`);
    } else lines.push(`    ${JSON.stringify(e.cmd)}${e.ok ? "" : `  -> refused: ${e.note}`}`);
  }
  if (lines.length <= max) return lines.join("\n");
  return [...lines.slice(0, 10), `    ... ${lines.length - max} entries ...`, ...lines.slice(lines.length - (max - 10))].join("\n");
}

/** Paths (up to a few) where two JSON values differ, for a readable failure. */
export function diffPaths(a: unknown, b: unknown, path = "$", out: string[] = [], max = 8): string[] {
  if (out.length >= max) return out;
  if (a === b) return out;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    out.push(`${path}: ${JSON.stringify(a)?.slice(0, 80)} -> ${JSON.stringify(b)?.slice(0, 80)}`);
    return out;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) diffPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out, max);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

const terminal = (p: PodState) => p.phase === "Failed" || p.phase === "Succeeded";

/** Invariant 1: requests of live pods fit each node, and node.requested is their exact sum. */
export function checkCapacity(s: ClusterState): string[] {
  const out: string[] = [];
  const sums = new Map<string, { cpu: number; mem: number; pods: number }>();
  for (const name in s.pods) {
    const p = s.pods[name]!;
    if (p.nodeName === null || terminal(p)) continue;
    const acc = sums.get(p.nodeName) ?? { cpu: 0, mem: 0, pods: 0 };
    acc.cpu += p.template.requests.cpuMilli;
    acc.mem += p.template.requests.memoryMiB;
    acc.pods++;
    sums.set(p.nodeName, acc);
  }
  for (const name of s.nodeOrder) {
    const n = s.nodes[name]!;
    const sum = sums.get(name) ?? { cpu: 0, mem: 0, pods: 0 };
    if (sum.cpu > n.capacity.cpuMilli) out.push(`node ${name}: live pods request ${sum.cpu}m cpu > capacity ${n.capacity.cpuMilli}m`);
    if (sum.mem > n.capacity.memoryMiB) out.push(`node ${name}: live pods request ${sum.mem}Mi > capacity ${n.capacity.memoryMiB}Mi`);
    if (sum.pods > n.capacity.pods) out.push(`node ${name}: ${sum.pods} live pods > capacity ${n.capacity.pods}`);
    if (n.requested.cpuMilli !== sum.cpu || n.requested.memoryMiB !== sum.mem) {
      out.push(`node ${name}: requested bookkeeping ${n.requested.cpuMilli}m/${n.requested.memoryMiB}Mi != recomputed ${sum.cpu}m/${sum.mem}Mi`);
    }
  }
  return out;
}

/** Invariant 2: every index points at a live object that points back. */
export function checkReferences(s: ClusterState): string[] {
  const out: string[] = [];
  const nodeKeys = Object.keys(s.nodes);
  if (nodeKeys.length !== s.nodeOrder.length || nodeKeys.some((k) => !s.nodeOrder.includes(k))) out.push(`nodeOrder ${s.nodeOrder} != nodes ${nodeKeys}`);
  for (const name in s.pods) {
    const p = s.pods[name]!;
    if (p.name !== name) out.push(`pod key ${name} holds pod ${p.name}`);
    if (p.nodeName !== null) {
      const n = s.nodes[p.nodeName];
      if (!n) out.push(`pod ${name} bound to missing node ${p.nodeName}`);
      else if (n.podIds.filter((x) => x === name).length !== 1) out.push(`pod ${name} bound to ${p.nodeName} but listed ${n.podIds.filter((x) => x === name).length} times in its podIds`);
    }
    if (p.replicaSet !== null) {
      const rs = s.replicaSets[p.replicaSet];
      if (!rs) out.push(`pod ${name} owned by missing replicaset ${p.replicaSet}`);
      else if (rs.podIds.filter((x) => x === name).length !== 1) out.push(`pod ${name} owned by ${p.replicaSet} but listed ${rs.podIds.filter((x) => x === name).length} times in its podIds`);
    }
  }
  for (const name of s.nodeOrder) {
    const n = s.nodes[name];
    if (!n) continue;
    for (const id of n.podIds) {
      const p = s.pods[id];
      if (!p) out.push(`node ${name} lists missing pod ${id}`);
      else if (p.nodeName !== name) out.push(`node ${name} lists pod ${id} whose nodeName is ${p.nodeName}`);
    }
  }
  for (const rsName in s.replicaSets) {
    const rs = s.replicaSets[rsName]!;
    for (const id of rs.podIds) {
      const p = s.pods[id];
      if (!p) out.push(`replicaset ${rsName} lists missing pod ${id}`);
      else if (p.replicaSet !== rsName) out.push(`replicaset ${rsName} lists pod ${id} whose replicaSet is ${p.replicaSet}`);
    }
  }
  return out;
}

/** Invariant 3: a pod that served requests is an endpoint (ready and not terminating). */
export function checkOnlyReadyServe(s: ClusterState): string[] {
  const out: string[] = [];
  for (const name in s.pods) {
    const p = s.pods[name]!;
    if (p.servedLastSecond > 0 && (!p.ready || p.deletionAtMs !== null)) {
      out.push(
        `pod ${name} servedLastSecond=${p.servedLastSecond} but ready=${p.ready} deletionAtMs=${p.deletionAtMs} ` +
          `(running=${p.running} phase=${p.phase} reason=${p.reason} readyAtMs=${p.readyAtMs} node=${p.nodeName})`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Convergence helpers
// ---------------------------------------------------------------------------------------------

/** Why a deployment is not converged, or null: all its active pods are in the current ReplicaSet, ready, and as many as asked. */
export function notConverged(s: ClusterState): string | null {
  for (const dName in s.deployments) {
    const d = s.deployments[dName]!;
    const pods = Object.values(s.pods).filter((p) => p.replicaSet !== null && s.replicaSets[p.replicaSet]?.deployment === dName);
    const active = pods.filter((p) => p.deletionAtMs === null && !terminal(p));
    const ready = active.filter((p) => p.ready).length;
    const stale = active.filter((p) => p.replicaSet !== d.currentReplicaSet).length;
    if (ready !== d.replicas || active.length !== d.replicas || stale > 0 || d.readyReplicas !== d.replicas) {
      return `deployment ${dName}: want ${d.replicas}, ready pods ${ready}, active pods ${active.length} (${stale} of an old replicaset), status.readyReplicas ${d.readyReplicas}`;
    }
  }
  return null;
}

export function describePods(s: ClusterState): string {
  return Object.values(s.pods)
    .map((p) => `    ${p.name} node=${p.nodeName} phase=${p.phase} ready=${p.ready} running=${p.running} reason=${p.reason} del=${p.deletionAtMs} msg=${p.message}`)
    .join("\n");
}

/** Capacity check for the converged shape: every deployment at replicas + surge fits, with fragmentation slack. */
export function capacitySuffices(s: ClusterState): boolean {
  let cpu = 0;
  let mem = 0;
  let maxCpu = 0;
  let maxMem = 0;
  let pods = 0;
  for (const dName in s.deployments) {
    const d = s.deployments[dName]!;
    const surge = d.strategy.type === "RollingUpdate"
      ? (typeof d.strategy.maxSurge === "number" ? d.strategy.maxSurge : Math.ceil((Number(d.strategy.maxSurge.replace("%", "")) * d.replicas) / 100))
      : 0;
    const n = d.replicas + Math.max(surge, 1);
    cpu += n * d.template.requests.cpuMilli;
    mem += n * d.template.requests.memoryMiB;
    pods += n;
    maxCpu = Math.max(maxCpu, d.template.requests.cpuMilli);
    maxMem = Math.max(maxMem, d.template.requests.memoryMiB);
  }
  const nodes = s.nodeOrder.map((n) => s.nodes[n]!);
  const capCpu = nodes.reduce((a, n) => a + n.capacity.cpuMilli, 0);
  const capMem = nodes.reduce((a, n) => a + n.capacity.memoryMiB, 0);
  const capPods = nodes.reduce((a, n) => a + n.capacity.pods - n.podIds.length, 0);
  return cpu + nodes.length * maxCpu <= capCpu && mem + nodes.length * maxMem <= capMem && pods + nodes.length <= capPods;
}

const PERIODIC = new Set<SimEvent["kind"]>(["nodeMonitor", "trafficTick", "hpaSync", "kubeletEviction"]);

/** Queue events that could still change something (stale-generation events are dropped by the engine). */
export function liveNonPeriodicEvents(s: ClusterState): SimEvent[] {
  return s.queue.filter((ev) => {
    if (PERIODIC.has(ev.kind)) return false;
    switch (ev.kind) {
      case "pullDone": {
        const n = s.nodes[ev.ref];
        return !!n && n.gen === ev.gen;
      }
      case "taintEviction":
        return !!s.nodes[ev.ref]?.taints.some((t) => t.effect === "NoExecute");
      case "progressCheck": {
        const d = s.deployments[ev.ref];
        return !!d && d.progressing.status === "True" && d.progressing.reason !== "NewReplicaSetAvailable";
      }
      case "minReadyCheck":
        return !!s.deployments[ev.ref];
      case "drainRetry":
        return !!s.nodes[ev.ref]?.draining;
      default: {
        const p = s.pods[ev.ref];
        return !!p && p.gen === ev.gen;
      }
    }
  });
}

/** What "nothing changed" means for property 5: the pods, where they run and whether they are ready. */
export function podProjection(s: ClusterState): string[] {
  return Object.values(s.pods)
    .map((p) => `${p.name}@${p.nodeName}:${p.ready ? "ready" : "not-ready"}:${p.phase}:${p.deletionAtMs === null ? "live" : "terminating"}`)
    .sort();
}

/** The state without its seed-derived fields, to show that the seed changed the outcome itself. */
export function outcomeHash(s: ClusterState): string {
  const { seed: _seed, rng: _rng, ...rest } = s;
  return stateHash(rest);
}
