/**
 * The gate every client message passes before it reaches the class: rate (a token bucket per
 * connection), size, role, schema. A mistake is answered with an `error` and a reason, never a
 * disconnect; only a client that keeps flooding past its bucket is cut off (4429), because a buggy
 * page on a classroom's Wi-Fi must not lose a student their node.
 */
import type { Client } from "@colyseus/core";
import {
  CloseCodes, MESSAGE_ROLES, isClientMessageType, messageSizeLimit, parseClientMessage,
  type ClientMessage, type ClientMessageType, type ErrorMessage, type Role,
} from "../../shared/protocol/messages.ts";
import { TokenBucket } from "../rate-limit.ts";
import type { Metrics } from "../metrics.ts";
import type { Logger } from "../logger.ts";

/** Refused messages (beyond the bucket) a client may accumulate before it is disconnected. */
const FLOOD_STRIKES = 40;
/** Characters of an unknown message type echoed back in its error (a type can be any length). */
const MAX_TYPE_ECHO = 64;

export interface Session {
  role: Role;
  studentId?: string;
  bucket: TokenBucket;
}

export interface GateOptions {
  rate: () => { perSecond: number; burst: number };
  metrics: Metrics;
  log: () => Logger;
  /** Each refusal, for the teacher's counter. */
  onRefused: () => void;
}

export class MessageGate {
  private sessions = new Map<string, Session>();
  private opts: GateOptions;

  constructor(opts: GateOptions) {
    this.opts = opts;
  }

  open(sessionId: string, role: Role): Session {
    const { perSecond, burst } = this.opts.rate();
    const s: Session = { role, bucket: new TokenBucket(perSecond, burst, Date.now()) };
    this.sessions.set(sessionId, s);
    return s;
  }

  get(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  close(sessionId: string): Session | undefined {
    const s = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    return s;
  }

  /**
   * The rate check, for known types and unknown ones alike: over the rate the message is refused,
   * and a client that keeps going is disconnected. Returns the sender's session, or null.
   */
  admit(client: Client, type: string): Session | null {
    const s = this.sessions.get(client.sessionId);
    if (!s) return null;
    if (s.bucket.take(Date.now())) return s;
    if (s.bucket.strikes > FLOOD_STRIKES) {
      this.opts.metrics.messages.inc({ type: isClientMessageType(type) ? type : "unknown", outcome: "flooding" });
      this.opts.log().warn({ role: s.role }, "client disconnected for flooding");
      client.leave(CloseCodes.flooding, "Too many messages: slow down.");
    } else {
      this.refuse(client, type, "rate_limited", "Too many messages: wait a moment.");
    }
    return null;
  }

  /** A message of no known type (anything may arrive here, a payload included: never trust it to be a string). */
  unknown(client: Client, type: unknown): void {
    const name = typeof type === "string" || typeof type === "number" ? String(type).slice(0, MAX_TYPE_ECHO) : "*";
    if (this.admit(client, name)) this.refuse(client, name, "unknown_type", `unknown message type "${name}"`);
  }

  /** Rate, size, role and schema: the parsed message and its sender, or null (the client got its `error`). */
  check<T extends ClientMessageType>(client: Client, type: T, payload: unknown): { session: Session; message: ClientMessage<T> } | null {
    const session = this.admit(client, type);
    if (!session) return null;
    const limit = messageSizeLimit(type);
    if (approxSize(payload) > limit) return this.refused(client, type, "too_large", `message larger than ${limit} bytes`);
    if (!MESSAGE_ROLES[type].includes(session.role)) return this.refused(client, type, "forbidden", `a ${session.role} may not send "${type}"`);
    const parsed = parseClientMessage(type, payload);
    if (!parsed.ok) return this.refused(client, type, "invalid", parsed.reason);
    return { session, message: parsed.value as ClientMessage<T> };
  }

  refuse(client: Client, type: string, code: ErrorMessage["code"], reason: string): void {
    this.opts.metrics.messages.inc({ type: isClientMessageType(type) ? type : "unknown", outcome: code });
    this.opts.onRefused();
    const msg: ErrorMessage = { type, code, reason };
    client.send("error", msg);
  }

  private refused(client: Client, type: string, code: ErrorMessage["code"], reason: string): null {
    this.refuse(client, type, code, reason);
    return null;
  }
}

function approxSize(payload: unknown): number {
  try {
    return JSON.stringify(payload ?? null).length;
  } catch {
    return Infinity;
  }
}
