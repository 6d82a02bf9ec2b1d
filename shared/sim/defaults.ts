/**
 * Real Kubernetes and Docker defaults, in real seconds (or bytes), each with where it comes from.
 * The simulation never shortens one of these on its own: a class plays them all under one
 * time-compression factor, so every ratio a student sees is the ratio of a production cluster.
 * Sources are paths in kubernetes/kubernetes (k/k) or kubernetes/website (k/w) unless named.
 */
export const K8S = {
  /** kubelet renews its node Lease every 10 s (k/w concepts/architecture/nodes.md, "Heartbeats"). */
  leaseRenewSeconds: 10,
  /** --node-monitor-period 5 s: how often the node lifecycle controller looks at leases. */
  nodeMonitorPeriodSeconds: 5,
  /** --node-monitor-grace-period: 50 s since v1.32 (kubernetes/kubernetes#126287; 40 s before). */
  nodeMonitorGraceSeconds: 50,
  /** DefaultTolerationSeconds admission plugin: not-ready/unreachable tolerated for 300 s. */
  defaultTolerationSeconds: 300,
  /** --node-eviction-rate 0.1 nodes/s: NoExecute taints are added to at most one node per 10 s. */
  nodeEvictionRatePerSecond: 0.1,
  /** --secondary-node-eviction-rate, used when a large cluster's zone is partially disrupted. */
  secondaryNodeEvictionRatePerSecond: 0.01,
  /** --unhealthy-zone-threshold: a zone with >= 55% not-ready nodes is "partially disrupted". */
  unhealthyZoneThreshold: 0.55,
  /** --large-cluster-size-threshold: at or below 50 nodes, a disrupted zone stops evictions. */
  largeClusterSizeThreshold: 50,

  /** Probe defaults (k/k pkg/apis/core/v1/defaults.go SetDefaults_Probe). */
  probePeriodSeconds: 10,
  probeFailureThreshold: 3,
  probeSuccessThreshold: 1,
  /** terminationGracePeriodSeconds default (v1.DefaultTerminationGracePeriodSeconds). */
  terminationGraceSeconds: 30,

  /** kubelet backOffPeriod 10 s doubling to MaxContainerBackOff 300 s (pkg/kubelet/kubelet.go). */
  crashBackoffInitialSeconds: 10,
  crashBackoffMaxSeconds: 300,
  /** client-go flowcontrol backoff forgets an entry after 2 x max without a failure: 10 min. */
  crashBackoffResetSeconds: 600,
  /** MaxImageBackOff 300 s, same 10 s start (pkg/kubelet/kubelet.go). */
  imageBackoffInitialSeconds: 10,
  imageBackoffMaxSeconds: 300,

  /** Scheduler podInitialBackoffSeconds 1 / podMaxBackoffSeconds 10 (scheduler config v1 defaults). */
  schedulerInitialBackoffSeconds: 1,
  schedulerMaxBackoffSeconds: 10,
  /** Small clusters score every node; this is the floor before percentageOfNodesToScore applies. */
  minFeasibleNodesToFind: 100,
  /** Adaptive percentageOfNodesToScore: 50% - nodes/125, floor 5% (k/w scheduler-perf-tuning.md). */
  minFeasibleNodesPercentageToFind: 5,
  /** Score plugin weights (pkg/scheduler/apis/config/v1/default_plugins.go). */
  scoreWeights: { taintToleration: 3, nodeResourcesFit: 1, balancedAllocation: 1, imageLocality: 1, podTopologySpread: 2 },
  /** PodTopologySpread system default: hostname maxSkew 3, ScheduleAnyway (soft). */
  systemSpreadMaxSkew: 3,
  /** ImageLocality thresholds: 23 MB and 1000 MB per container (imagelocality plugin). */
  imageLocalityMinBytes: 23 * 1024 * 1024,
  imageLocalityMaxBytes: 1000 * 1024 * 1024,
  /** kubelet maxPods default. */
  maxPodsPerNode: 110,

  /** Deployment defaults (pkg/apis/apps/v1/defaults.go). */
  maxSurge: "25%",
  maxUnavailable: "25%",
  revisionHistoryLimit: 10,
  progressDeadlineSeconds: 600,
  minReadySeconds: 0,

  /** HPA (pkg/controller/podautoscaler/config/v1alpha1/defaults.go, pkg/apis/autoscaling/v2/defaults.go). */
  hpaSyncPeriodSeconds: 15,
  hpaTolerance: 0.1,
  hpaDownscaleStabilizationSeconds: 300,
  hpaScaleUpPods: 4,
  hpaScaleUpPercent: 100,
  hpaScaleDownPercent: 100,
  hpaPolicyPeriodSeconds: 15,
  hpaDefaultCpuUtilization: 80,
  /** --horizontal-pod-autoscaler-cpu-initialization-period: fresh pods' CPU is not trusted for 5 min. */
  hpaCpuInitializationSeconds: 300,
  /** --horizontal-pod-autoscaler-initial-readiness-delay. */
  hpaInitialReadinessDelaySeconds: 30,

  /** kubelet evictionHard memory.available<100Mi. */
  evictionHardMemoryMiB: 100,
  /** kubelet housekeeping: how often eviction thresholds are checked (10 s). */
  kubeletEvictionPeriodSeconds: 10,
  /** evictionPressureTransitionPeriod 5 m: a pressure condition is held that long after it clears. */
  evictionPressureTransitionSeconds: 300,
  /** Pod GC: --terminated-pod-gc-threshold 12500. */
  terminatedPodGcThreshold: 12500,
} as const;

/** Docker and Compose (docker run --restart docs, Dockerfile HEALTHCHECK reference, compose-spec). */
export const DOCKER = {
  restartBackoffInitialMs: 100,
  restartBackoffMaxMs: 60_000,
  /** A container that stays up for 10 s resets its restart delay. */
  restartBackoffResetMs: 10_000,
  healthcheckIntervalSeconds: 30,
  healthcheckTimeoutSeconds: 30,
  healthcheckRetries: 3,
  stopTimeoutSeconds: 10,
} as const;

/** Values of our own model (not Kubernetes settings): how fast things are in this toy world. */
export const MODEL = {
  /** Node 9 MB/s by default: a 100 MB image takes ~11 s, long enough to watch scaffolding. */
  defaultBandwidthBytesPerSecond: 9 * 1024 * 1024,
  /** A registry round trip when every layer is cached (pull policy Always). */
  manifestCheckMs: 500,
  /** Time from "image ready" to "container started". */
  containerCreateMs: 1000,
  /** Time a well-behaved app needs to exit after SIGTERM. */
  appShutdownMs: 2000,
  /** Traffic and metrics are computed once per cluster second. */
  trafficTickMs: 1000,
  /** History keeps one sample every 5 cluster seconds for the debrief charts. */
  historySampleMs: 5000,
  historyMaxSamples: 4000,
  eventsMax: 500,
  /** Requests waiting longer than this time out and count as errors. */
  requestTimeoutMs: 1000,
  defaultNode: { cpuMilli: 4000, memoryMiB: 8192 },
} as const;

export const seconds = (s: number): number => Math.round(s * 1000);
