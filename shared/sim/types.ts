/**
 * The cluster state: plain JSON data only (no classes, no Maps, no functions), so that it can be
 * hashed, snapshotted, sent and replayed. Records keep insertion order, which the simulation relies
 * on for deterministic iteration.
 */
import type { RngState } from "./rng.ts";

export type Mode = "kubernetes" | "compose" | "bare";

export interface Resources {
  cpuMilli: number;
  memoryMiB: number;
}

export interface Taint {
  key: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  addedAtMs: number;
}

export type NodeReady = "True" | "False" | "Unknown";

export interface NodeState {
  name: string;
  capacity: Resources & { pods: number };
  bandwidthBytesPerSecond: number;
  /** The student's connection: while it is up (and the machine is on and reachable) the kubelet renews its lease. */
  connected: boolean;
  powered: boolean;
  partitioned: boolean;
  /** 1 = normal speed; 0.25 = a node running at a quarter speed. */
  speed: number;
  /** Memory used on the host outside pods (an injected memory hog). */
  systemMemoryMiB: number;
  unschedulable: boolean;
  draining: boolean;
  ready: NodeReady;
  memoryPressure: boolean;
  /** Last time the kubelet saw memory below its eviction threshold was crossed. */
  lastPressureMs: number | null;
  /** Time of the last lease renewal the control plane saw (while the kubelet is silent). */
  lastLeaseMs: number;
  /** Each kubelet renews on its own phase, as real kubelets are not synchronized. */
  leaseOffsetMs: number;
  readySinceMs: number;
  notReadySinceMs: number | null;
  taints: Taint[];
  podIds: string[];
  /** Sum of requests of the pods bound here (kept incrementally, used by the scheduler filter). */
  requested: Resources;
  /** Layer digests in the node's image cache. */
  layers: string[];
  pull: PullState | null;
  pullQueue: string[];
  /** Installed language runtimes, for the "before containers" round. */
  runtimes: Record<string, string>;
  /** What shipped bare code does on this machine in the "before containers" round. */
  bare: BareAppState | null;
  /** The Docker Compose project on this host, in the Compose round. */
  compose: ComposeHostState | null;
  /** A pod here was given a memory leak: the kubelet's eviction loop must look at this node. */
  leaky: boolean;
  joinedAtMs: number;
  gen: number;
}

export interface PullState {
  image: string;
  startedAtMs: number;
  doneAtMs: number;
  /** Layers being fetched, in order, with the cumulative ms at which each one completes. */
  layers: { digest: string; bytes: number; doneAtMs: number }[];
}

export interface Layer {
  digest: string;
  bytes: number;
  /** What the Dockerfile step was, for the "ship the whole kitchen" lesson. */
  step: string;
}

export interface Image {
  ref: string;
  layers: Layer[];
}

/** How a version of an app behaves once it runs: the teacher chooses it when deploying. */
export type Behavior = "healthy" | "crashing" | "failingReadiness" | "slowStart";

export interface PodTemplate {
  app: string;
  version: string;
  image: string;
  behavior: Behavior;
  requests: Resources;
  limits: Resources;
  pullPolicy: "IfNotPresent" | "Always";
  livenessProbe: boolean;
  readinessProbe: boolean;
  /** Requests per second one pod serves at full speed. */
  capacityRps: number;
  /** Working-set memory of a fresh container. */
  baseMemoryMiB: number;
  /** not-ready / unreachable toleration; 300 s by default (DefaultTolerationSeconds). */
  tolerationSeconds: number;
}

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

export type ContainerReason =
  | ""
  | "ContainerCreating"
  | "ErrImagePull"
  | "ImagePullBackOff"
  | "CrashLoopBackOff"
  | "OOMKilled"
  | "Error"
  | "Completed";

export interface PodState {
  name: string;
  app: string;
  version: string;
  replicaSet: string | null;
  template: PodTemplate;
  nodeName: string | null;
  phase: PodPhase;
  container: "Waiting" | "Running" | "Terminated";
  reason: ContainerReason;
  /** The Ready condition as the API server shows it. */
  ready: boolean;
  /** The app process inside answers requests (may differ from `ready` when the API has not noticed yet). */
  serving: boolean;
  /** Containers really run on the machine (true on a partitioned node even when the API says otherwise). */
  running: boolean;
  deletionAtMs: number | null;
  createdAtMs: number;
  scheduledAtMs: number | null;
  startedAtMs: number | null;
  readyAtMs: number | null;
  restartCount: number;
  lastTerminationReason: string;
  crashBackoffMs: number;
  lastBackoffAtMs: number | null;
  /** When a crashed container is due to start again. */
  restartAtMs: number | null;
  imageBackoffMs: number;
  memoryMiB: number;
  /** Memory leak, MiB per cluster second, injected by the teacher. */
  leakMiBPerSecond: number;
  /** The app hangs: liveness and readiness probes fail. */
  hung: boolean;
  cpuMilli: number;
  backlog: number;
  servedLastSecond: number;
  schedulerAttempts: number;
  nextScheduleAtMs: number;
  scheduling: SchedulingExplanation | null;
  message: string;
  probeOffsetMs: number;
  gen: number;
}

export interface NodeScore {
  node: string;
  total: number;
  parts: Record<string, number>;
}

export interface SchedulingExplanation {
  atMs: number;
  chosen: string | null;
  examined: number;
  feasible: number;
  /** Filter reason -> number of nodes it removed. */
  filtered: Record<string, number>;
  top: NodeScore[];
  message: string;
}

export interface RollingUpdateStrategy {
  type: "RollingUpdate";
  maxSurge: number | string;
  maxUnavailable: number | string;
}

export interface DeploymentState {
  name: string;
  replicas: number;
  strategy: RollingUpdateStrategy | { type: "Recreate" };
  minReadySeconds: number;
  progressDeadlineSeconds: number;
  revisionHistoryLimit: number;
  template: PodTemplate;
  revision: number;
  currentReplicaSet: string | null;
  /** When the pending progress-deadline check fires (one at a time), or null. */
  progressCheckAtMs: number | null;
  progressing: { status: "True" | "False"; reason: string; lastProgressMs: number };
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  createdAtMs: number;
}

export interface ReplicaSetState {
  name: string;
  deployment: string;
  templateHash: string;
  revision: number;
  replicas: number;
  template: PodTemplate;
  podIds: string[];
  createdAtMs: number;
}

export interface Spike {
  startMs: number;
  rampMs: number;
  durationMs: number;
  multiplier: number;
}

export interface ServiceState {
  name: string;
  app: string;
  baselineRps: number;
  spikes: Spike[];
  last: TrafficSample;
  /**
   * It has had a ready endpoint at least once. Requests to a service that never served (an app
   * deployed a moment ago, its apartments still under scaffolding) are counted apart: the class's
   * SLO starts with the service, not before (absent in snapshots older than this field).
   */
  launched?: boolean;
}

export interface TrafficSample {
  rps: number;
  served: number;
  errors: number;
  p95Ms: number;
  endpoints: number;
}

export interface HpaState {
  name: string;
  target: string;
  minReplicas: number;
  maxReplicas: number;
  targetCpuUtilization: number;
  currentUtilization: number | null;
  desiredReplicas: number;
  recommendations: { atMs: number; replicas: number }[];
  scaleEvents: { atMs: number; from: number; to: number }[];
  lastScaleMs: number | null;
}

export interface PdbState {
  name: string;
  app: string;
  minAvailable: number;
}

export interface KubeEvent {
  /** Unique and increasing: screens key their feeds on it. */
  id: number;
  type: "Normal" | "Warning";
  reason: string;
  object: string;
  /** The node the event concerns, so a student's screen can filter its own. */
  node: string | null;
  message: string;
  count: number;
  firstMs: number;
  lastMs: number;
}

export interface HistorySample {
  t: number;
  rps: number;
  served: number;
  errors: number;
  p95Ms: number;
  availability: number;
  desiredReplicas: number;
  readyReplicas: number;
  readyNodes: number;
  totalNodes: number;
}

export interface BareAppState {
  app: string;
  packaging: "bare" | "image";
  needs: Record<string, string>;
  status: "running" | "failed";
  reason: string;
}

export type ComposeRestart = "no" | "always" | "on-failure" | "unless-stopped";

export interface ComposeServiceSpec {
  name: string;
  image: string;
  restart: ComposeRestart;
  dependsOn: { service: string; condition: "service_started" | "service_healthy" }[];
  healthcheck: boolean;
  /** Only the front service answers the gate's requests. */
  public: boolean;
  startMs: number;
}

export interface ComposeContainerState {
  service: string;
  status: "created" | "running" | "restarting" | "exited";
  health: "none" | "starting" | "healthy" | "unhealthy";
  exitCode: number;
  restartCount: number;
  backoffMs: number;
  startedAtMs: number | null;
  /** Stopped by a person (docker stop): unless-stopped then stays down across host restarts. */
  stoppedByUser: boolean;
  hung: boolean;
  failedChecks: number;
  gen: number;
}

export interface ComposeHostState {
  containers: Record<string, ComposeContainerState>;
}

export interface SimEvent {
  at: number;
  seq: number;
  kind: EventKind;
  ref: string;
  gen: number;
}

export type EventKind =
  | "nodeMonitor"
  | "trafficTick"
  | "hpaSync"
  | "kubeletEviction"
  | "pullDone"
  | "containerStarted"
  | "podReady"
  | "containerExit"
  | "livenessKill"
  | "readinessLost"
  | "restartContainer"
  | "podTerminated"
  | "retryPull"
  | "taintEviction"
  | "scheduleRetry"
  | "progressCheck"
  | "deploymentStatus"
  | "minReadyCheck"
  | "drainRetry"
  | "composeExit"
  | "composeStart"
  | "composeHealth"
  | "composeRestart";

export interface ClusterState {
  schema: 1;
  mode: Mode;
  seed: number;
  timeMs: number;
  seq: number;
  rng: Record<RngStream, RngState>;
  nodes: Record<string, NodeState>;
  /** Node names in join order: the scheduler's rotation and the city's stable layout. */
  nodeOrder: string[];
  schedulerNextStart: number;
  pods: Record<string, PodState>;
  images: Record<string, Image>;
  deployments: Record<string, DeploymentState>;
  replicaSets: Record<string, ReplicaSetState>;
  services: Record<string, ServiceState>;
  hpas: Record<string, HpaState>;
  pdbs: Record<string, PdbState>;
  registryDown: boolean;
  compose: { services: ComposeServiceSpec[] } | null;
  bare: { app: string; packaging: "bare" | "image"; needs: Record<string, string> } | null;
  queue: SimEvent[];
  /** Reconcilers to run before time moves on (watch-driven controllers). */
  dirty: { replicaSets: string[]; deployments: string[]; scheduling: boolean };
  /** Deployments whose status refresh is already scheduled (readiness changes are coalesced per second). */
  statusDue: string[];
  /** Pods waiting for the scheduler, in queue order. */
  pending: string[];
  eviction: { queue: string[]; nextAllowedMs: number; disrupted: boolean };
  events: KubeEvent[];
  history: HistorySample[];
  window: { rps: number; served: number; errors: number; p95Ms: number; samples: number };
  /** Since the start of the run; `prelaunch…` are the requests and errors of services not yet launched (ServiceState.launched). */
  totals: { requests: number; served: number; errors: number; prelaunchRequests?: number; prelaunchErrors?: number };
}

export type RngStream = "scheduler" | "traffic" | "jitter" | "names" | "chaos";
