/**
 * Commands: what a teacher, a student's node or a lesson can do to the cluster. Each one is parsed
 * against its schema, then checked against the state (does that node exist?) BEFORE anything
 * changes, so a refused command leaves the state exactly as it was. Accepted commands settle the
 * watch-driven controllers at once, at the same cluster time.
 */
import { K8S, MODEL } from "./defaults.ts";
import { markDeployment, record } from "./core.ts";
import { commandSchema, describeIssues, type Command, type CommandOf } from "./command-schema.ts";
import { reconcile } from "./engine.ts";
import { ensureImage, failPullsOnOutage } from "./images.ts";
import { containerExit, deletePod, hangContainer, removePod } from "./kubelet.ts";
import { cordon, kubeletInputsChanged, leaseAlive, removeTaint, MEMORY_PRESSURE } from "./node-lifecycle.ts";
import { drain } from "./drain.ts";
import { newDeployment, replicaSetsFor, scheduleProgressCheck, templateFor } from "./workloads.ts";
import { nextInt } from "./rng.ts";
import { composeCommand, composeHostDown, composeHostUp, initComposeHost } from "./compose.ts";
import { assignRuntimes, bareCommand, bareNodeJoined } from "./bare.ts";
import type { ClusterState, NodeState, PodState } from "./types.ts";

export type CommandResult = { ok: true; message: string } | { ok: false; error: string };

const ok = (message: string): CommandResult => ({ ok: true, message });
const fail = (error: string): CommandResult => ({ ok: false, error });

type Handler<T extends Command["type"]> = (s: ClusterState, c: CommandOf<T>) => CommandResult;

function needNode(s: ClusterState, name: string | undefined): NodeState | string {
  if (name === undefined) return "no node given";
  return s.nodes[name] ?? `node "${name}" not found`;
}

/** A node picked at random (seeded), among those a teacher's "random" button may hit. */
function pickNode(s: ClusterState, name: string | undefined, eligible: (n: NodeState) => boolean): NodeState | string {
  if (name !== undefined) return needNode(s, name);
  const pool = s.nodeOrder.map((n) => s.nodes[n]!).filter(eligible);
  if (pool.length === 0) return "no node can take this right now";
  return pool[nextInt(s.rng.chaos, pool.length)]!;
}

function pickPod(s: ClusterState, pod: string | undefined, app: string | undefined, eligible: (p: PodState) => boolean = () => true): PodState | string {
  if (pod !== undefined) return s.pods[pod] ?? `pod "${pod}" not found`;
  const pool = Object.values(s.pods).filter((p) => p.running && p.deletionAtMs === null && (app === undefined || p.app === app) && eligible(p));
  if (pool.length === 0) return app ? `no running pod of app "${app}"` : "no running pod";
  return pool[nextInt(s.rng.chaos, pool.length)]!;
}

function requireMode(s: ClusterState, mode: ClusterState["mode"], what: string): string | null {
  return s.mode === mode ? null : `${what} is only available in the ${mode} round (this class is in the ${s.mode} round)`;
}

/** Flip one of the kubelet's inputs and let the node lifecycle react to the transition. */
function changeNode(s: ClusterState, node: NodeState, change: (n: NodeState) => void): void {
  const wasOnline = leaseAlive(node);
  const wasPowered = node.powered;
  change(node);
  kubeletInputsChanged(s, node, wasOnline, wasPowered);
}


const handlers: { [T in Command["type"]]: Handler<T> } = {
  addNode(s, c) {
    if (s.nodes[c.name]) return fail(`node "${c.name}" already exists`);
    const node: NodeState = {
      name: c.name,
      capacity: {
        cpuMilli: c.cpuMilli ?? MODEL.defaultNode.cpuMilli,
        memoryMiB: c.memoryMiB ?? MODEL.defaultNode.memoryMiB,
        pods: c.pods ?? K8S.maxPodsPerNode,
      },
      bandwidthBytesPerSecond: c.bandwidthMBps !== undefined ? c.bandwidthMBps * 1024 * 1024 : MODEL.defaultBandwidthBytesPerSecond,
      connected: c.connected ?? true,
      powered: true,
      partitioned: false,
      speed: 1,
      systemMemoryMiB: 0,
      unschedulable: false,
      draining: false,
      ready: c.connected === false ? "Unknown" : "True",
      memoryPressure: false,
      lastPressureMs: null,
      lastLeaseMs: s.timeMs,
      leaseOffsetMs: nextInt(s.rng.jitter, K8S.leaseRenewSeconds * 1000),
      readySinceMs: s.timeMs,
      notReadySinceMs: null,
      taints: [],
      podIds: [],
      requested: { cpuMilli: 0, memoryMiB: 0 },
      layers: [],
      pull: null,
      pullQueue: [],
      runtimes: {},
      bare: null,
      compose: null,
      leaky: false,
      joinedAtMs: s.timeMs,
      gen: 0,
    };
    s.nodes[c.name] = node;
    s.nodeOrder.push(c.name);
    record(s, "Normal", "RegisteredNode", `node/${c.name}`, `Node ${c.name} event: Registered Node ${c.name} in Controller`, c.name);
    if (s.mode === "compose") initComposeHost(s, c.name);
    if (s.mode === "bare") {
      assignRuntimes(s, c.name);
      bareNodeJoined(s, c.name);
    }
    s.dirty.scheduling = true;
    return ok(`node/${c.name} joined`);
  },

  removeNode(s, c) {
    const node = needNode(s, c.node);
    if (typeof node === "string") return fail(node);
    // Pod GC force-deletes pods bound to a node that no longer exists; their ReplicaSets replace them.
    for (const name of [...node.podIds]) removePod(s, s.pods[name]!);
    delete s.nodes[node.name];
    s.nodeOrder = s.nodeOrder.filter((n) => n !== node.name);
    s.eviction.queue = s.eviction.queue.filter((n) => n !== node.name);
    record(s, "Normal", "RemovingNode", `node/${node.name}`, `Node ${node.name} event: Removing Node ${node.name} from Controller`, node.name);
    return ok(`node/${node.name} deleted`);
  },

  heartbeat(s, c) {
    const node = needNode(s, c.node);
    if (typeof node === "string") return fail(node);
    if (node.connected === c.connected) return ok(`node/${node.name} unchanged`);
    changeNode(s, node, (n) => (n.connected = c.connected));
    return ok(`node/${node.name} ${c.connected ? "connected" : "disconnected"}`);
  },

  killNode(s, c) {
    const node = pickNode(s, c.node, (n) => n.powered);
    if (typeof node === "string") return fail(node);
    if (!node.powered) return fail(`node "${node.name}" is already powered off`);
    changeNode(s, node, (n) => (n.powered = false));
    if (s.mode === "compose") composeHostDown(s, node.name);
    record(s, "Warning", "NodePoweredOff", `node/${node.name}`, `Machine ${node.name} lost power`, node.name);
    return ok(`node/${node.name} powered off`);
  },

  partitionNode(s, c) {
    const node = pickNode(s, c.node, (n) => n.powered && !n.partitioned);
    if (typeof node === "string") return fail(node);
    if (node.partitioned) return fail(`node "${node.name}" is already cut off`);
    changeNode(s, node, (n) => (n.partitioned = true));
    record(s, "Warning", "NetworkPartition", `node/${node.name}`, `Network to ${node.name} was cut`, node.name);
    return ok(`node/${node.name} partitioned`);
  },

  restoreNode(s, c) {
    const node = needNode(s, c.node);
    if (typeof node === "string") return fail(node);
    const wasOff = !node.powered;
    changeNode(s, node, (n) => {
      n.powered = true;
      n.partitioned = false;
      n.speed = 1;
      n.systemMemoryMiB = 0;
    });
    if (wasOff && s.mode === "compose") composeHostUp(s, node.name);
    record(s, "Normal", "NodeRestored", `node/${node.name}`, `Machine ${node.name} is back on the network`, node.name);
    return ok(`node/${node.name} restored`);
  },

  slowNode(s, c) {
    const node = needNode(s, c.node);
    if (typeof node === "string") return fail(node);
    node.speed = c.factor ?? 0.25;
    record(s, "Warning", "NodeSlow", `node/${node.name}`, `${node.name} now runs at ${Math.round(node.speed * 100)}% speed`, node.name);
    return ok(`node/${node.name} slowed`);
  },

  memoryPressure(s, c) {
    const node = needNode(s, c.node);
    if (typeof node === "string") return fail(node);
    // A memory hog outside Kubernetes' control leaves less than the eviction threshold free; the kubelet's eviction loop reacts.
    node.systemMemoryMiB = c.on ? node.capacity.memoryMiB - Math.floor(K8S.evictionHardMemoryMiB / 2) : 0;
    if (!c.on && node.memoryPressure) {
      node.memoryPressure = false;
      removeTaint(node, MEMORY_PRESSURE);
      s.dirty.scheduling = true;
    }
    return ok(`node/${node.name} memory hog ${c.on ? "started" : "stopped"}`);
  },

  crashContainer(s, c) {
    const pod = pickPod(s, c.pod, c.app, (p) => c.how !== "hang" || !p.hung);
    if (typeof pod === "string") return fail(pod);
    if (!pod.running) return fail(`pod "${pod.name}" has no running container`);
    if (c.how === "hang") {
      if (pod.hung) return fail(`pod "${pod.name}" is already hung`);
      hangContainer(s, pod);
      return ok(`pod/${pod.name} stopped answering`);
    }
    containerExit(s, pod, "Error");
    return ok(`pod/${pod.name} container exited with code 1`);
  },

  leakMemory(s, c) {
    const pod = pickPod(s, c.pod, c.app);
    if (typeof pod === "string") return fail(pod);
    pod.leakMiBPerSecond = c.mibPerSecond ?? 4;
    if (pod.nodeName && s.nodes[pod.nodeName]) s.nodes[pod.nodeName]!.leaky = true;
    return ok(`pod/${pod.name} leaks ${pod.leakMiBPerSecond} MiB/s`);
  },

  registryOutage(s, c) {
    if (s.registryDown === c.on) return ok(`registry already ${c.on ? "down" : "up"}`);
    s.registryDown = c.on;
    if (c.on) failPullsOnOutage(s);
    record(s, c.on ? "Warning" : "Normal", c.on ? "RegistryDown" : "RegistryUp", "registry", c.on ? "The image registry stopped answering" : "The image registry answers again");
    return ok(`registry ${c.on ? "down" : "up"}`);
  },

  trafficSpike(s, c) {
    const svc = s.services[c.service];
    if (!svc) return fail(`service "${c.service}" not found`);
    svc.spikes.push({ startMs: s.timeMs, rampMs: (c.rampSeconds ?? 30) * 1000, durationMs: c.durationSeconds * 1000, multiplier: c.multiplier });
    return ok(`service/${svc.name} traffic x${c.multiplier} for ${c.durationSeconds}s`);
  },

  setBaseline(s, c) {
    const svc = s.services[c.service];
    if (!svc) return fail(`service "${c.service}" not found`);
    svc.baselineRps = c.rps;
    return ok(`service/${svc.name} baseline ${c.rps} rps`);
  },

  deploy(s, c) {
    const err = requireMode(s, "kubernetes", "deploy");
    if (err) return fail(err);
    const existing = s.deployments[c.app];
    const template = templateFor(c, existing?.template);
    ensureImage(s, c.app, c.version);
    const dep = existing ?? newDeployment(s, c.app, template, c.replicas ?? 1);
    dep.template = template;
    if (c.replicas !== undefined) dep.replicas = c.replicas;
    if (c.strategy === "Recreate") dep.strategy = { type: "Recreate" };
    else if (c.strategy === "RollingUpdate" || c.maxSurge !== undefined || c.maxUnavailable !== undefined) {
      const prev = dep.strategy.type === "RollingUpdate" ? dep.strategy : null;
      dep.strategy = {
        type: "RollingUpdate",
        maxSurge: c.maxSurge ?? prev?.maxSurge ?? K8S.maxSurge,
        maxUnavailable: c.maxUnavailable ?? prev?.maxUnavailable ?? K8S.maxUnavailable,
      };
    }
    if (c.minReadySeconds !== undefined) dep.minReadySeconds = c.minReadySeconds;
    if (c.progressDeadlineSeconds !== undefined && c.progressDeadlineSeconds !== dep.progressDeadlineSeconds) {
      dep.progressDeadlineSeconds = c.progressDeadlineSeconds;
      dep.progressCheckAtMs = null;
      if (existing) scheduleProgressCheck(s, dep);
    }
    s.deployments[dep.name] = dep;
    if (!s.services[c.app]) addService(s, c.app, c.app, c.baselineRps ?? 0);
    else if (c.baselineRps !== undefined) s.services[c.app]!.baselineRps = c.baselineRps;
    markDeployment(s, dep.name);
    return ok(`deployment.apps/${dep.name} ${existing ? "configured" : "created"}`);
  },

  expose(s, c) {
    if (s.services[c.service]) return fail(`services "${c.service}" already exists`);
    addService(s, c.service, c.app ?? c.service, c.baselineRps ?? 0);
    return ok(`service/${c.service} exposed`);
  },

  scale(s, c) {
    const dep = s.deployments[c.deployment];
    if (!dep) return fail(`deployment "${c.deployment}" not found`);
    dep.replicas = c.replicas;
    markDeployment(s, dep.name);
    return ok(`deployment.apps/${dep.name} scaled`);
  },

  setHpa(s, c) {
    const dep = s.deployments[c.deployment];
    if (!dep) return fail(`deployment "${c.deployment}" not found`);
    const min = c.minReplicas ?? 1;
    if (min > c.maxReplicas) return fail(`minReplicas (${min}) must not exceed maxReplicas (${c.maxReplicas})`);
    const prev = s.hpas[dep.name];
    s.hpas[dep.name] = {
      name: dep.name,
      target: dep.name,
      minReplicas: min,
      maxReplicas: c.maxReplicas,
      targetCpuUtilization: c.targetCpuUtilization ?? K8S.hpaDefaultCpuUtilization,
      currentUtilization: prev?.currentUtilization ?? null,
      desiredReplicas: dep.replicas,
      recommendations: prev?.recommendations ?? [],
      scaleEvents: prev?.scaleEvents ?? [],
      lastScaleMs: prev?.lastScaleMs ?? null,
    };
    return ok(`horizontalpodautoscaler.autoscaling/${dep.name} ${prev ? "configured" : "created"}`);
  },

  removeHpa(s, c) {
    if (!s.hpas[c.deployment]) return fail(`horizontalpodautoscaler "${c.deployment}" not found`);
    delete s.hpas[c.deployment];
    return ok(`horizontalpodautoscaler.autoscaling "${c.deployment}" deleted`);
  },

  rolloutUndo(s, c) {
    const dep = s.deployments[c.deployment];
    if (!dep) return fail(`deployment "${c.deployment}" not found`);
    const sets = replicaSetsFor(s, dep.name).sort((a, b) => b.revision - a.revision);
    const target = c.toRevision !== undefined
      ? sets.find((r) => r.revision === c.toRevision)
      : sets.find((r) => r.name !== dep.currentReplicaSet);
    if (!target) return fail(c.toRevision !== undefined ? `unable to find specified revision ${c.toRevision} in history` : "no rollout history found for deployment " + dep.name);
    if (target.name === dep.currentReplicaSet) return fail(`skipped rollback (current template already matches revision ${target.revision})`);
    dep.template = target.template;
    markDeployment(s, dep.name);
    record(s, "Normal", "DeploymentRollback", `deployment/${dep.name}`, `Rolled back deployment "${dep.name}" to revision ${target.revision}`);
    return ok(`deployment.apps/${dep.name} rolled back`);
  },

  cordon(s, c) {
    const node = needNode(s, c.node);
    if (typeof node === "string") return fail(node);
    if (node.unschedulable) return ok(`node/${node.name} already cordoned`);
    cordon(s, node, true);
    return ok(`node/${node.name} cordoned`);
  },

  uncordon(s, c) {
    const node = needNode(s, c.node);
    if (typeof node === "string") return fail(node);
    if (!node.unschedulable) return ok(`node/${node.name} already uncordoned`);
    cordon(s, node, false);
    return ok(`node/${node.name} uncordoned`);
  },

  drain(s, c) {
    const node = needNode(s, c.node);
    if (typeof node === "string") return fail(node);
    drain(s, node);
    return ok(node.draining ? `node/${node.name} draining (waiting on a disruption budget)` : `node/${node.name} drained`);
  },

  deletePod(s, c) {
    const pod = s.pods[c.pod];
    if (!pod) return fail(`pods "${c.pod}" not found`);
    deletePod(s, pod);
    return ok(`pod "${pod.name}" deleted`);
  },

  setPdb(s, c) {
    s.pdbs[c.app] = { name: c.app, app: c.app, minAvailable: c.minAvailable };
    return ok(`poddisruptionbudget.policy/${c.app} configured`);
  },

  removePdb(s, c) {
    if (!s.pdbs[c.app]) return fail(`poddisruptionbudget "${c.app}" not found`);
    delete s.pdbs[c.app];
    return ok(`poddisruptionbudget.policy "${c.app}" deleted`);
  },

  composeCrash: (s, c) => viaCompose(s, c),
  composeHang: (s, c) => viaCompose(s, c),
  composeRestart: (s, c) => viaCompose(s, c),
  composeStop: (s, c) => viaCompose(s, c),

  ship(s, c) {
    const r = bareCommand(s, c);
    return r.ok ? ok(`${c.app} shipped as ${c.packaging === "image" ? "an image" : "bare code"}`) : fail(r.error);
  },
};

function addService(s: ClusterState, name: string, app: string, baselineRps: number): void {
  s.services[name] = { name, app, baselineRps, spikes: [], last: { rps: 0, served: 0, errors: 0, p95Ms: 0, endpoints: 0 }, launched: false };
}

function viaCompose(s: ClusterState, c: Parameters<typeof composeCommand>[1]): CommandResult {
  const r = composeCommand(s, c);
  return r.ok ? ok(`${c.type} ${c.node}/${c.service}`) : fail(r.error);
}

/**
 * Parse and apply one command. Unknown shapes and impossible targets are refused with a reason,
 * and the state is left untouched.
 */
export function applyCommand(s: ClusterState, input: unknown): CommandResult {
  const parsed = commandSchema.safeParse(input);
  if (!parsed.success) return fail(describeIssues(parsed.error));
  const cmd = parsed.data;
  const handler = handlers[cmd.type] as Handler<typeof cmd.type>;
  const result = handler(s, cmd);
  if (result.ok) reconcile(s);
  return result;
}
