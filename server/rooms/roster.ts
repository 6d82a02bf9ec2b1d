/**
 * The students of one class: who they are, which node is theirs, how they prove it when they come
 * back (a rejoin token, kept only as its hash), and who may not come back for a while (kicks, by
 * token and by device). No Colyseus here: the room decides when; this keeps the books.
 */
import type { RosterEntry } from "../store/index.ts";
import { randomToken, sha256 } from "../secrets.ts";
import { nodeNameFor } from "../nicknames.ts";
import { StudentView, type EventView } from "./schema.ts";

export interface Student {
  id: string;
  name: string;
  nodeName: string;
  /** The token itself, only once this process has seen it (issued here, or presented on a rejoin). */
  rejoinToken: string | null;
  /** What the store keeps, and what a rejoin is checked against. */
  rejoinTokenHash: string;
  deviceIdHash: string | null;
  device: string;
  sessionId: string | null;
  connected: boolean;
  leaving: boolean;
  /** Wall ms until which a kicked student may not come back; null if never kicked. */
  kickedUntil: number | null;
  joinedAt: number;
  readyMs: number;
  served: number;
  correctPredictions: number;
  /** The last `you` message sent (as JSON), and whether the next sync resends everything personal. */
  lastYou: string;
  resend: boolean;
  /** Events about this student's node waiting for the next sync to send. */
  pendingEvents: Map<number, EventView>;
}

/** How long a kicked device must wait before it may join the same class again. */
export const KICK_COOLDOWN_MS = 10 * 60 * 1000;

export class Roster {
  readonly students = new Map<string, Student>();
  /** Student id by sha256 of its rejoin token. */
  private byTokenHash = new Map<string, string>();
  /** Kick cooldowns by sha256 of a device id or rejoin token. */
  private kicked = new Map<string, number>();

  get size(): number {
    return this.students.size;
  }

  values(): IterableIterator<Student> {
    return this.students.values();
  }

  get(id: string): Student | undefined {
    return this.students.get(id);
  }

  /** A new student with a fresh id, token and node name (unlike any node of the cluster or the class). */
  add(name: string, opts: { deviceId: string; device: string; sessionId: string; takenNodeNames: readonly string[]; now: number }): Student {
    const id = randomToken(9);
    const nodeName = nodeNameFor(name, opts.takenNodeNames.concat([...this.students.values()].map((s) => s.nodeName)));
    const rejoinToken = randomToken(18);
    const st: Student = {
      id, name, nodeName, rejoinToken, rejoinTokenHash: sha256(rejoinToken), deviceIdHash: opts.deviceId ? sha256(opts.deviceId) : null, device: opts.device,
      sessionId: opts.sessionId, connected: true, leaving: false, kickedUntil: null, joinedAt: opts.now, readyMs: 0, served: 0, correctPredictions: 0,
      lastYou: "", resend: true, pendingEvents: new Map(),
    };
    this.insert(st);
    return st;
  }

  /** Back from the store after a restart: everyone disconnected, kicks still in force. */
  restore(entries: readonly RosterEntry[], now: number): Student[] {
    const out: Student[] = [];
    for (const e of entries) {
      const st: Student = {
        id: e.id, name: e.name, nodeName: e.nodeName, rejoinToken: null, rejoinTokenHash: e.rejoinTokenHash, deviceIdHash: e.deviceIdHash,
        device: "unknown device", sessionId: null, connected: false, leaving: e.status !== "active", kickedUntil: e.kickedUntil, joinedAt: e.joinedAt,
        // Prediction points live in the lesson state, restored with it.
        readyMs: e.readyMs, served: e.served, correctPredictions: 0, lastYou: "", resend: true, pendingEvents: new Map(),
      };
      this.insert(st);
      if (e.kickedUntil !== null && e.kickedUntil > now) this.block(st, e.kickedUntil);
      out.push(st);
    }
    return out;
  }

  /** The student a rejoin token belongs to. */
  byToken(token: string): Student | undefined {
    const id = this.byTokenHash.get(sha256(token));
    return id ? this.students.get(id) : undefined;
  }

  /** Whether this device or token was kicked and may not come back yet. */
  isBlocked(opts: { deviceId?: string; rejoinToken?: string }, now: number): boolean {
    for (const secret of [opts.deviceId, opts.rejoinToken]) {
      // Compared as hashes: that is all a resumed class has of them.
      const until = secret ? this.kicked.get(sha256(secret)) : undefined;
      if (until !== undefined && until > now) return true;
    }
    return false;
  }

  /** Keep a student out until `until` (wall ms), by token and by device. */
  block(st: Student, until: number): void {
    st.kickedUntil = until;
    this.kicked.set(st.rejoinTokenHash, until);
    if (st.deviceIdHash) this.kicked.set(st.deviceIdHash, until);
  }

  names(): string[] {
    return [...this.students.values()].map((s) => s.name);
  }

  /** What the store keeps of each student; `correct` adds the lesson's right answers. */
  entries(correct: (id: string) => number): RosterEntry[] {
    const out: RosterEntry[] = [];
    for (const st of this.students.values()) {
      out.push({
        id: st.id,
        name: st.name,
        nodeName: st.nodeName,
        rejoinTokenHash: st.rejoinTokenHash,
        deviceIdHash: st.deviceIdHash,
        readyMs: st.readyMs,
        served: st.served,
        correctPredictions: st.correctPredictions + correct(st.id),
        status: st.kickedUntil !== null ? "kicked" : st.leaving ? "left" : "active",
        kickedUntil: st.kickedUntil,
        joinedAt: st.joinedAt,
      });
    }
    return out;
  }

  private insert(st: Student): void {
    this.students.set(st.id, st);
    this.byTokenHash.set(st.rejoinTokenHash, st.id);
  }
}

/** The student as the state shows it (points come with the first sync). */
export function studentView(st: Student): StudentView {
  const v = new StudentView();
  v.id = st.id;
  v.name = st.name;
  v.nodeName = st.nodeName;
  v.connected = st.connected;
  v.device = st.device;
  return v;
}

/** A short, non-identifying description of the student's device for the teacher's roster. */
export function describeDevice(ua: string): string {
  if (!ua) return "unknown device";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS/.test(ua) ? "macOS" : /CrOS/.test(ua) ? "ChromeOS" : /Linux/.test(ua) ? "Linux" : "other";
  const browser = /Edg\//.test(ua) ? "Edge" : /Chrome\//.test(ua) ? "Chrome" : /Firefox\//.test(ua) ? "Firefox" : /Safari\//.test(ua) ? "Safari" : "browser";
  return `${browser} on ${os}`;
}
