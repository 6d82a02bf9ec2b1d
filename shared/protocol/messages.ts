/**
 * The wire protocol between a class's clients and its room, defined once: zod schemas for every
 * message a client may send, the types derived from them, and the shapes the server sends back.
 * docs/protocol.md describes the same contract for people writing their own client.
 */
import { z } from "zod";
import { commandSchema, describeIssues } from "../sim/command-schema.ts";
import type { HistorySample } from "../sim/types.ts";
import type { EventSnapshot } from "./snapshot.ts";

export const ROOM_NAME = "classroom";

/** Close codes the server uses (4000-4999 is the application range of WebSocket close codes). */
export const CloseCodes = {
  /** The class ended or the server is shutting down. */
  classEnded: 4100,
  /** The teacher removed this student. */
  kicked: 4101,
  /** The server is restarting and the class is saved: join again (with the rejoin token) in a moment. */
  restarting: 4102,
  /** Too many messages, too fast, for too long. */
  flooding: 4429,
} as const;

/** Largest message payload a client may send, in bytes of JSON... */
export const MAX_MESSAGE_BYTES = 8 * 1024;

/** ...except the two that carry a file: a lesson's YAML, and manifests pasted into kubectl apply -f -. */
export const MAX_FILE_MESSAGE_BYTES = 300 * 1024;

export function messageSizeLimit(type: string): number {
  return type === "setLesson" || type === "kubectl" ? MAX_FILE_MESSAGE_BYTES : MAX_MESSAGE_BYTES;
}

export const PHASES = ["lobby", "running", "paused", "debrief", "ended"] as const;
export type Phase = (typeof PHASES)[number];

export type ClassAction = "start" | "pause" | "resume" | "debrief" | "end" | "reset" | "lock" | "unlock";

/** In which phases each class action is allowed: the server enforces it, the host page greys out buttons. */
export const ACTION_PHASES: Readonly<Record<ClassAction, readonly Phase[]>> = {
  start: ["lobby"],
  pause: ["running"],
  resume: ["paused", "debrief"],
  debrief: ["running", "paused"],
  end: ["lobby", "running", "paused", "debrief"],
  reset: ["lobby", "running", "paused", "debrief"],
  lock: ["lobby", "running", "paused", "debrief"],
  unlock: ["lobby", "running", "paused", "debrief"],
};

/** An optional correlation id: the server echoes it in the `result` it sends back. */
const requestId = z.string().max(64).optional();

export const clientMessageSchemas = {
  /** Anyone: ask for your welcome again (identity, node, rejoin token) once your handlers are ready. */
  hello: z.object({ id: requestId }),
  /** Teacher and display: the metric history and the injected events, for the debrief charts. */
  getHistory: z.object({ id: requestId }),
  /** Teacher: run one simulation command (chaos, deploy, scale, HPA, undo, cordon, drain...). */
  command: z.object({ id: requestId, command: commandSchema }),
  /** Teacher: move the class through its phases, lock or unlock joining. */
  classControl: z.object({
    id: requestId,
    action: z.enum(["start", "pause", "resume", "debrief", "end", "reset", "lock", "unlock"] satisfies ClassAction[]),
  }),
  /** Teacher: how many cluster seconds pass per wall second (one factor for every timer). */
  setCompression: z.object({ id: requestId, factor: z.number().min(1).max(120) }),
  /** Teacher: remove a student; its node is drained and tainted, its device cannot rejoin at once. */
  kick: z.object({ id: requestId, studentId: z.string().min(1).max(64) }),
  /** Teacher (and students when the teacher enables "advanced"): one kubectl command line. */
  kubectl: z.object({ id: requestId, line: z.string().min(1).max(2048), stdin: z.string().max(256 * 1024).optional() }),
  /** Teacher: class options. */
  setOptions: z.object({ id: requestId, advanced: z.boolean().optional(), leaderboardNames: z.boolean().optional() }),
  /** Teacher: drive the lesson (next step or reveal, repeat, back, skip). */
  lessonControl: z.object({ id: requestId, action: z.enum(["next", "repeat", "back", "skip"]) }),
  /** Teacher: choose a built-in lesson, or load one from YAML text; the class starts over in the lobby. */
  setLesson: z.object({ id: requestId, lessonId: z.string().max(64).nullable().optional(), yaml: z.string().max(128 * 1024).optional() }),
  /** Student: answer the open prediction (an option id, or a building's node name). */
  answer: z.object({ id: requestId, stepId: z.string().min(1).max(63), answer: z.string().min(1).max(63) }),
  /** Student: act on its own node (or its own containers in the Compose round). */
  nodeAction: z.object({
    id: requestId,
    action: z.enum(["cordon", "uncordon", "drain", "restartContainer"]),
    service: z.string().min(1).max(63).optional(),
  }),
} as const;

export type ClientMessageType = keyof typeof clientMessageSchemas;
export type ClientMessage<T extends ClientMessageType> = z.infer<(typeof clientMessageSchemas)[T]>;

/** Which role may send which message. The display (projector) sends nothing. */
export const MESSAGE_ROLES: Record<ClientMessageType, readonly Role[]> = {
  hello: ["teacher", "student", "display"],
  getHistory: ["teacher", "display"],
  command: ["teacher"],
  classControl: ["teacher"],
  setCompression: ["teacher"],
  kick: ["teacher"],
  kubectl: ["teacher", "student"],
  setOptions: ["teacher"],
  lessonControl: ["teacher"],
  setLesson: ["teacher"],
  answer: ["student"],
  nodeAction: ["student"],
};

export type Role = "teacher" | "student" | "display";

export function isClientMessageType(type: unknown): type is ClientMessageType {
  return typeof type === "string" && Object.hasOwn(clientMessageSchemas, type);
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Validate a message payload; the reason is one sentence a developer can act on. */
export function parseClientMessage<T extends ClientMessageType>(type: T, payload: unknown): ParseResult<ClientMessage<T>> {
  const r = clientMessageSchemas[type].safeParse(payload);
  if (r.success) return { ok: true, value: r.data as ClientMessage<T> };
  return { ok: false, reason: describeIssues(r.error) };
}

/** Server -> client messages. */
export interface ResultMessage {
  id?: string;
  type: ClientMessageType;
  ok: boolean;
  message?: string;
  error?: string;
}

export interface ErrorMessage {
  /** The message type that was refused ("unknown" when the type itself was not understood). */
  type: string;
  code: "invalid" | "forbidden" | "rate_limited" | "too_large" | "unknown_type" | "refused";
  reason: string;
}

export interface WelcomeMessage {
  role: Role;
  studentId?: string;
  nodeName?: string;
  /** Kept by the browser: joining again with it restores the nickname and points. */
  rejoinToken?: string;
}

/**
 * A student's own figures, sent to that student alone (at most once a second, when they change,
 * and after each hello): the state carries only the top of the leaderboard, not everyone's points.
 */
export interface YouMessage {
  points: number;
  rank: number;
  of: number;
  /** Requests per second the pods on this student's node answered, over the last second. */
  servedRps: number;
  /**
   * The student's answers in the running lesson, by question id: only in the `you` sent after a
   * hello or a reconnection, so a reloaded page or another device shows what was answered.
   */
  answers?: Record<string, string>;
  /** Points earned on each revealed question of the running lesson, by question id. */
  awards?: Record<string, number>;
}

/**
 * Events about a student's own node, sent to that student alone: new ones and updated counts as
 * they happen, and the recent ones with `replace: true` after each hello (joining, reconnecting).
 * The state's event feed is for the teacher and the projector.
 */
export interface NodeEventsMessage {
  replace: boolean;
  events: EventSnapshot[];
}

/** Reply to kubectl: what the terminal prints. */
export interface KubectlReply {
  id?: string;
  ok: boolean;
  output: string;
}

/** Most characters of kubectl output sent back: a wide listing of a 1,000-student class is ~1 MB. */
export const MAX_KUBECTL_OUTPUT = 64 * 1024;

/** Reply to getHistory: samples every 5 cluster seconds, and the teacher's injections on the same clock. */
export interface HistoryMessage {
  samples: HistorySample[];
  annotations: { t: number; label: string }[];
}

/** Options a client passes to joinById(code, options). */
export const joinOptionsSchema = z.object({
  name: z.string().max(200).optional(),
  teacherKey: z.string().max(128).optional(),
  displayKey: z.string().max(128).optional(),
  rejoinToken: z.string().max(128).optional(),
  deviceId: z.string().max(128).optional(),
  generateName: z.boolean().optional(),
});
export type JoinOptions = z.infer<typeof joinOptionsSchema>;

/** Body of POST /api/classes. */
export const createClassSchema = z.object({
  mode: z.enum(["kubernetes", "compose", "bare"]).optional(),
  compression: z.number().min(1).max(120).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  lesson: z.string().max(64).optional(),
  maxStudents: z.number().int().min(1).max(1000).optional(),
});
export type CreateClassRequest = z.infer<typeof createClassSchema>;

export interface CreateClassResponse {
  code: string;
  teacherKey: string;
  displayKey: string;
  joinUrl: string;
  hostUrl: string;
  displayUrl: string;
}
