/**
 * The browser's link to a class. Pages never decide outcomes: they join with the right role, read
 * the state the server sends and send intents, each answered by a `result` or an `error`.
 */
import { Client, type Room } from "@colyseus/sdk";
import type { ClientMessageType, ErrorMessage, KubectlReply, NodeEventsMessage, ResultMessage, WelcomeMessage, YouMessage } from "../../../shared/protocol/messages.ts";
import { CloseCodes } from "../../../shared/protocol/messages.ts";
import { PersonalFeed } from "./personal.ts";

export type { Room };

/** The server that served this page (the client is static files of the game server). */
export function serverUrl(): string {
  return `${location.protocol}//${location.host}`;
}

const DEVICE_KEY = "container-city:device";
const rejoinKey = (code: string) => `container-city:rejoin:${code}`;

/** A random id per browser, so a kicked device is recognized; not linked to anything personal. */
export function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

export function savedRejoinToken(code: string): string | null {
  return localStorage.getItem(rejoinKey(code));
}

export function forgetRejoinToken(code: string): void {
  localStorage.removeItem(rejoinKey(code));
}

export interface Connection {
  room: Room;
  welcome: WelcomeMessage;
  /** A student's own points, place and node events (empty for the teacher and the projector). */
  mine: PersonalFeed;
  /** Send an intent; resolves with the server's result (ok or a reason), or rejects with an error message. */
  request(type: ClientMessageType, payload?: Record<string, unknown>): Promise<ResultMessage>;
  /** One kubectl line (stdin: the YAML of `apply -f -`); resolves with what the terminal prints. */
  kubectl(line: string, stdin?: string): Promise<KubectlReply>;
}

let nextId = 1;

async function open(room: Room): Promise<Connection> {
  const pending = new Map<string, { type: ClientMessageType; resolve: (r: ResultMessage) => void; reject: (e: Error) => void }>();
  const pendingKubectl = new Map<string, { resolve: (r: KubectlReply) => void; reject: (e: Error) => void }>();
  room.onMessage("kubectlResult", (r: KubectlReply) => {
    if (r.id && pendingKubectl.has(r.id)) {
      pendingKubectl.get(r.id)!.resolve(r);
      pendingKubectl.delete(r.id);
    }
  });
  room.onMessage("result", (r: ResultMessage) => {
    if (r.id && pending.has(r.id)) {
      pending.get(r.id)!.resolve(r);
      pending.delete(r.id);
    }
  });
  room.onMessage("error", (e: ErrorMessage) => {
    // Errors carry no id (the payload may not have parsed); the oldest pending request of that type fails.
    const waiting: Map<string, { type?: ClientMessageType; reject: (e: Error) => void }> = e.type === "kubectl" ? pendingKubectl : pending;
    for (const [id, p] of waiting) {
      if (p.type !== undefined && p.type !== e.type) continue;
      p.reject(new Error(e.reason));
      waiting.delete(id);
      break;
    }
  });
  room.onMessage("notice", () => undefined);
  room.onMessage("history", () => undefined);
  // Registered before the hello: the server sends these right after its answer.
  const mine = new PersonalFeed();
  room.onMessage("you", (m: YouMessage) => mine.setYou(m));
  room.onMessage("nodeEvents", (m: NodeEventsMessage) => mine.addEvents(m));
  const welcome = await new Promise<WelcomeMessage>((resolve) => {
    room.onMessage("welcome", resolve);
    room.send("hello", {});
  });
  return {
    room,
    welcome,
    mine,
    request(type, payload = {}) {
      const id = `r${nextId++}`;
      return new Promise<ResultMessage>((resolve, reject) => {
        pending.set(id, { type, resolve, reject });
        room.send(type, { ...payload, id });
        setTimeout(() => {
          if (pending.delete(id)) reject(new Error("The server did not answer in time."));
        }, 10_000);
      });
    },
    kubectl(line, stdin) {
      const id = `k${nextId++}`;
      return new Promise<KubectlReply>((resolve, reject) => {
        pendingKubectl.set(id, { resolve, reject });
        room.send("kubectl", stdin === undefined ? { id, line } : { id, line, stdin });
        setTimeout(() => {
          if (pendingKubectl.delete(id)) reject(new Error("The server did not answer in time."));
        }, 10_000);
      });
    },
  };
}

export async function joinAsStudent(code: string, name: string | null): Promise<Connection> {
  const client = new Client(serverUrl());
  const token = savedRejoinToken(code);
  const options: Record<string, unknown> = { deviceId: deviceId() };
  if (token) options.rejoinToken = token;
  if (name) options.name = name;
  else options.generateName = true;
  let room: Room;
  try {
    room = await client.joinById(code, options);
  } catch (err) {
    // A stale token (the class was restarted) must not lock the student out: try once without it.
    if (!token) throw err;
    forgetRejoinToken(code);
    delete options.rejoinToken;
    room = await client.joinById(code, options);
  }
  const conn = await open(room);
  if (conn.welcome.rejoinToken) localStorage.setItem(rejoinKey(code), conn.welcome.rejoinToken);
  return conn;
}

export async function joinAsTeacher(code: string, teacherKey: string): Promise<Connection> {
  return open(await new Client(serverUrl()).joinById(code, { teacherKey }));
}

export async function joinAsDisplay(code: string, displayKey: string): Promise<Connection> {
  return open(await new Client(serverUrl()).joinById(code, { displayKey }));
}

/** Why a room closed, in words for the page (null when the SDK will try to reconnect by itself). */
export function closeReason(code: number): "ended" | "kicked" | "flooding" | "restarting" | "lost" {
  if (code === CloseCodes.classEnded) return "ended";
  if (code === CloseCodes.restarting) return "restarting";
  if (code === CloseCodes.kicked) return "kicked";
  if (code === CloseCodes.flooding) return "flooding";
  return "lost";
}

/** Reads `#code=...&key=...` (keys travel in the fragment so they never reach server logs). */
export function fragmentParams(): URLSearchParams {
  return new URLSearchParams(location.hash.replace(/^#/, ""));
}
