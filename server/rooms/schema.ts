/**
 * What a class's screens draw, as Colyseus schema. The simulation's state stays plain data; this
 * is its projection for the wire, refreshed field by field so that patches carry only changes.
 * Teacher-only fields are tagged with .view(): only clients whose StateView holds them see them.
 */
import { schema, t, type SchemaType } from "@colyseus/schema";
import type * as S from "../../shared/protocol/snapshot.ts";

export const ComposeContainerView = schema({
  service: t.string(),
  status: t.string(),
  health: t.string(),
  restarts: t.uint16(),
}, "ComposeContainerView");
export type ComposeContainerView = SchemaType<typeof ComposeContainerView>;

export const NodeView = schema({
  name: t.string(),
  /** Position in join order: keeps a building where it is while others come and go. */
  slot: t.uint16(),
  student: t.string(),
  studentId: t.string(),
  ready: t.string(),
  powered: t.boolean(),
  partitioned: t.boolean(),
  connected: t.boolean(),
  cordoned: t.boolean(),
  draining: t.boolean(),
  memoryPressure: t.boolean(),
  speed: t.float32(),
  cpuCapacity: t.uint32(),
  memoryCapacity: t.uint32(),
  podCapacity: t.uint16(),
  cpuRequested: t.uint32(),
  memoryRequested: t.uint32(),
  pulling: t.string(),
  pullProgress: t.float32(),
  pullLayersDone: t.uint8(),
  pullLayersTotal: t.uint8(),
  notReadySinceMs: t.float64(),
  /** Cluster time at which the pods here will be evicted (0 when none is planned). */
  evictAtMs: t.float64(),
  runtimes: t.string(),
  bareStatus: t.string(),
  bareReason: t.string(),
  containers: t.map(ComposeContainerView),
  /** Changes every second on every node: only the teacher's and the projector's views hold it. */
  servedRps: t.float32().view(),
}, "NodeView");
export type NodeView = SchemaType<typeof NodeView>;

export const PodView = schema({
  name: t.string(),
  app: t.string(),
  version: t.string(),
  node: t.string(),
  /** The STATUS column of kubectl get pods. */
  status: t.string(),
  ready: t.boolean(),
  running: t.boolean(),
  terminating: t.boolean(),
  restarts: t.uint16(),
  createdAtMs: t.float64(),
  /** When the next restart happens, during a crash-loop back-off. */
  backoffUntilMs: t.float64(),
  message: t.string(),
  /** One line on why the scheduler put it there (or could not). */
  why: t.string(),
}, "PodView");
export type PodView = SchemaType<typeof PodView>;

export const DeploymentView = schema({
  name: t.string(),
  version: t.string(),
  behavior: t.string(),
  replicas: t.uint32(),
  updated: t.uint32(),
  ready: t.uint32(),
  available: t.uint32(),
  revision: t.uint32(),
  strategy: t.string(),
  progressing: t.string(),
  hpaMin: t.uint32(),
  hpaMax: t.uint32(),
  hpaTarget: t.uint16(),
  hpaCurrent: t.int16(),
}, "DeploymentView");
export type DeploymentView = SchemaType<typeof DeploymentView>;

export const ServiceView = schema({
  name: t.string(),
  rps: t.float32(),
  served: t.float32(),
  errors: t.float32(),
  p95Ms: t.float32(),
  endpoints: t.uint32(),
}, "ServiceView");
export type ServiceView = SchemaType<typeof ServiceView>;

export const EventView = schema({
  id: t.uint32(),
  type: t.string(),
  reason: t.string(),
  object: t.string(),
  node: t.string(),
  message: t.string(),
  count: t.uint32(),
  atMs: t.float64(),
}, "EventView");
export type EventView = SchemaType<typeof EventView>;

export const StudentView = schema({
  id: t.string(),
  name: t.string(),
  nodeName: t.string(),
  connected: t.boolean(),
  /** Changes every second for everyone: the teacher's and projector's views only (students get `you`). */
  points: t.uint32().view(),
  /** Browser and platform, for the teacher's roster only. */
  device: t.string().view(),
}, "StudentView");
export type StudentView = SchemaType<typeof StudentView>;

export const TeacherPanel = schema({
  displayKey: t.string(),
  /** The lesson as the teacher sees it (notes, expected answers, live spread), as JSON. */
  lesson: t.string(),
  joinUrl: t.string(),
  rejectedMessages: t.uint32(),
}, "TeacherPanel");
export type TeacherPanel = SchemaType<typeof TeacherPanel>;

export const ClassState = schema({
  code: t.string(),
  phase: t.string().default("lobby"),
  locked: t.boolean().default(false),
  mode: t.string(),
  compression: t.float32(),
  clusterMs: t.float64(),
  /** Wall-clock milliseconds the class has been running (excluding pauses). */
  wallMs: t.float64(),
  availability: t.float32(),
  errorBudget: t.float32(),
  requests: t.float64(),
  errors: t.float64(),
  registryDown: t.boolean().default(false),
  /** Students may use a read-only kubectl console. */
  advanced: t.boolean().default(false),
  /** The leaderboard shows nicknames (otherwise only the class's own rank). */
  leaderboardNames: t.boolean().default(true),
  /** The running lesson as everyone may see it (no answers before the reveal), as JSON; "" without one. */
  lesson: t.string().default(""),
  leaderboard: t.string().default(""),
  nodes: t.map(NodeView),
  pods: t.map(PodView),
  deployments: t.map(DeploymentView),
  services: t.map(ServiceView),
  students: t.map(StudentView),
  /**
   * The last events, keyed by their id (a map: updating one event's count moves nothing). Each
   * event is added to the teacher's and projector's views; students get their own node's as messages.
   */
  events: t.map(EventView).view(),
  teacher: t.ref(TeacherPanel).view(),
}, "ClassState");
export type ClassState = SchemaType<typeof ClassState>;

// Compile-time check: what a client decodes has exactly the documented snapshot shape.
type Assert<T extends true> = T;
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
export type SnapshotMatchesSchema = [
  Assert<SameKeys<ReturnType<ClassState["toJSON"]>, S.ClassSnapshot>>,
  Assert<SameKeys<ReturnType<NodeView["toJSON"]>, S.NodeSnapshot>>,
  Assert<SameKeys<ReturnType<PodView["toJSON"]>, S.PodSnapshot>>,
  Assert<SameKeys<ReturnType<DeploymentView["toJSON"]>, S.DeploymentSnapshot>>,
  Assert<SameKeys<ReturnType<ServiceView["toJSON"]>, S.ServiceSnapshot>>,
  Assert<SameKeys<ReturnType<EventView["toJSON"]>, S.EventSnapshot>>,
  Assert<SameKeys<ReturnType<StudentView["toJSON"]>, S.StudentSnapshot>>,
];
