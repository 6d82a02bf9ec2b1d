/**
 * The class state as plain data, as a client sees it after decoding (room.state.toJSON()). The
 * server's schema (server/rooms/schema.ts) is checked against these types at compile time, so the
 * screens and third-party clients can rely on them without importing server code.
 */
export interface ComposeContainerSnapshot {
  service: string;
  status: string;
  health: string;
  restarts: number;
}

export interface NodeSnapshot {
  name: string;
  slot: number;
  student: string;
  studentId: string;
  /** "True", "Unknown" or "False", as kubectl shows the Ready condition. */
  ready: string;
  powered: boolean;
  partitioned: boolean;
  connected: boolean;
  cordoned: boolean;
  draining: boolean;
  memoryPressure: boolean;
  speed: number;
  cpuCapacity: number;
  memoryCapacity: number;
  podCapacity: number;
  cpuRequested: number;
  memoryRequested: number;
  pulling: string;
  pullProgress: number;
  pullLayersDone: number;
  pullLayersTotal: number;
  notReadySinceMs: number;
  evictAtMs: number;
  runtimes: string;
  bareStatus: string;
  bareReason: string;
  containers: Record<string, ComposeContainerSnapshot>;
  /**
   * Requests per second its pods answered over the last second (refreshed once a second). Teacher
   * and projector only: a student gets its own node's figure in the `you` message.
   */
  servedRps?: number;
}

export interface PodSnapshot {
  name: string;
  app: string;
  version: string;
  node: string;
  status: string;
  ready: boolean;
  running: boolean;
  terminating: boolean;
  restarts: number;
  createdAtMs: number;
  backoffUntilMs: number;
  message: string;
  why: string;
}

export interface DeploymentSnapshot {
  name: string;
  version: string;
  behavior: string;
  replicas: number;
  updated: number;
  ready: number;
  available: number;
  revision: number;
  strategy: string;
  progressing: string;
  hpaMin: number;
  hpaMax: number;
  hpaTarget: number;
  /** Current CPU utilization the HPA saw, or -1 when unknown. */
  hpaCurrent: number;
}

export interface ServiceSnapshot {
  name: string;
  rps: number;
  served: number;
  errors: number;
  p95Ms: number;
  endpoints: number;
}

export interface EventSnapshot {
  id: number;
  type: string;
  reason: string;
  object: string;
  node: string;
  message: string;
  count: number;
  atMs: number;
}

export interface StudentSnapshot {
  id: string;
  name: string;
  nodeName: string;
  connected: boolean;
  /** Teacher and projector only: a student gets its own points and place in the `you` message. */
  points?: number;
  /** Teacher only. */
  device?: string;
}

export interface TeacherPanelSnapshot {
  displayKey: string;
  /** JSON of the teacher's lesson view (TeacherLessonView), or "". */
  lesson: string;
  joinUrl: string;
  rejectedMessages: number;
}

export interface ClassSnapshot {
  code: string;
  phase: string;
  locked: boolean;
  mode: string;
  compression: number;
  clusterMs: number;
  wallMs: number;
  availability: number;
  errorBudget: number;
  requests: number;
  errors: number;
  registryDown: boolean;
  advanced: boolean;
  leaderboardNames: boolean;
  /** JSON of the lesson's public view (shared/lessons/views.ts PublicLessonView), or "". */
  lesson: string;
  /** JSON of the top of the leaderboard (shared/game/leaderboard.ts LeaderboardView), refreshed once a second. */
  leaderboard: string;
  nodes: Record<string, NodeSnapshot>;
  pods: Record<string, PodSnapshot>;
  deployments: Record<string, DeploymentSnapshot>;
  services: Record<string, ServiceSnapshot>;
  students: Record<string, StudentSnapshot>;
  /** The last events. Teacher and projector only (empty for students, who get their node's in `nodeEvents`). */
  events: Record<string, EventSnapshot>;
  /** Teacher only (empty or absent for others). */
  teacher?: Partial<TeacherPanelSnapshot>;
}
