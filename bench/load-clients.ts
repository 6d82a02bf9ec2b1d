/**
 * Students and teachers for bench/load.ts: plain @colyseus/sdk clients whose rooms count every
 * byte they receive and send. Most students are "lite": the SDK's schema decoder is swapped for a
 * counter, so one process can hold a thousand sockets without decoding a thousand copies of a
 * thousand-node city. A few sampled students (and the teacher of the first class) decode the state
 * for real: they are the eyes that see an injected failure arrive, and the source of the JSON
 * baseline. Both kinds join, say hello and act on their own node exactly as a phone does.
 */
import { Client, CloseCode, Protocol, Room } from "@colyseus/sdk";
import type { JoinOptions, ResultMessage, WelcomeMessage } from "../shared/protocol/messages.ts";
import type { Command } from "../shared/sim/index.ts";

/** Bytes and frames on the wire, as the client sees them (WebSocket payloads, without frame headers). */
export interface Traffic {
  inBytes: number;
  inFrames: number;
  patchBytes: number;
  patchFrames: number;
  stateBytes: number;
  stateFrames: number;
  outBytes: number;
  outFrames: number;
}

export function newTraffic(): Traffic {
  return { inBytes: 0, inFrames: 0, patchBytes: 0, patchFrames: 0, stateBytes: 0, stateFrames: 0, outBytes: 0, outFrames: 0 };
}

export function diffTraffic(a: Traffic, b: Traffic): Traffic {
  const d = newTraffic();
  for (const k of Object.keys(d) as (keyof Traffic)[]) d[k] = b[k] - a[k];
  return d;
}

/** Stands in for the SDK's SchemaSerializer: counts, decodes nothing. */
class CountingSerializer {
  setState(): void {}
  getState(): undefined {
    return undefined;
  }
  patch(): void {}
  teardown(): void {}
  /** Skip the state reflection: the SDK hands it over as bytes[0, end) and reads on from it.offset. */
  handshake(bytes: Uint8Array, it?: { offset: number }): void {
    if (it) it.offset = bytes.byteLength;
  }
}

const PATCH = Protocol.ROOM_STATE_PATCH as number;
const STATE = Protocol.ROOM_STATE as number;
/** Low bits of the first byte: the protocol code (the high bits are modifiers). */
const CODE_MASK = 0x3f;

class CountingRoom extends Room {
  traffic!: Traffic;

  override connect(endpoint: string, options?: unknown, headers?: unknown): void {
    super.connect(endpoint, options, headers);
    const conn = this.connection;
    const send = conn.send.bind(conn);
    conn.send = (data: Buffer | Uint8Array) => {
      this.traffic.outBytes += data.byteLength;
      this.traffic.outFrames++;
      send(data);
    };
  }

  protected override onMessageCallback(event: MessageEvent): void {
    const data = event.data as ArrayBuffer;
    const t = this.traffic;
    t.inBytes += data.byteLength;
    t.inFrames++;
    const code = new Uint8Array(data, 0, 1)[0]! & CODE_MASK;
    if (code === PATCH) {
      t.patchBytes += data.byteLength;
      t.patchFrames++;
    } else if (code === STATE) {
      t.stateBytes += data.byteLength;
      t.stateFrames++;
    }
    super.onMessageCallback(event);
  }
}

class CountingClient extends Client {
  private readonly traffic: Traffic;
  private readonly decode: boolean;

  constructor(url: string, traffic: Traffic, decode: boolean) {
    super(url);
    this.traffic = traffic;
    this.decode = decode;
  }

  protected override createRoom<T>(roomName: string): Room<unknown, T> {
    const room = new CountingRoom(roomName);
    room.traffic = this.traffic;
    // A preset serializer is kept by the SDK (it only instantiates one when none is there).
    if (!this.decode) (room as unknown as { serializer: unknown }).serializer = new CountingSerializer();
    return room as unknown as Room<unknown, T>;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

export interface StudentBehaviour {
  /** Own-node actions per minute once the class runs (cordon, or drain for drainShare of them). */
  actionsPerMinute: number;
  drainShare: number;
  /** How long the bot holds a cordon before it uncordons, [min, max] ms. */
  cordonHoldMs: [number, number];
  /** Wi-Fi drops per minute (the SDK resumes the session after offlineMs). */
  dropsPerMinute: number;
  offlineMs: [number, number];
}

export interface StudentStats {
  actions: number;
  results: number;
  errors: number;
  drops: number;
  reconnects: number;
  left: number;
}

export function newStudentStats(): StudentStats {
  return { actions: 0, results: 0, errors: 0, drops: 0, reconnects: 0, left: 0 };
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface JoinResult {
  /** joinById called -> welcome received, ms. */
  joinMs: number;
  /** joinById called -> JOIN_ROOM handshake (the seat is taken), ms. */
  seatMs: number;
}

/** One student's phone: joins, says hello, plays its node, counts what it does. */
export class Student {
  readonly decode: boolean;
  room!: Room;
  welcome!: WelcomeMessage;
  playing = false;
  private stopped = false;
  private holding = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly url: string;
  private readonly code: string;
  private readonly traffic: Traffic;
  private readonly stats: StudentStats;
  private readonly behaviour: StudentBehaviour;
  private readonly random: () => number;
  private seq = 0;

  constructor(o: { url: string; code: string; decode: boolean; traffic: Traffic; stats: StudentStats; behaviour: StudentBehaviour; random: () => number }) {
    this.url = o.url;
    this.code = o.code;
    this.decode = o.decode;
    this.traffic = o.traffic;
    this.stats = o.stats;
    this.behaviour = o.behaviour;
    this.random = o.random;
  }

  get nodeName(): string {
    return this.welcome?.nodeName ?? "";
  }

  /** The decoded class state (sampled students only). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get state(): any {
    return this.room?.state;
  }

  async join(timeoutMs: number): Promise<JoinResult> {
    const client = new CountingClient(this.url, this.traffic, this.decode);
    const deviceId = "load-" + Math.floor(this.random() * 2 ** 48).toString(16);
    const options: JoinOptions = { generateName: true, deviceId };
    const t0 = performance.now();
    const pending = client.joinById(this.code, options);
    let room: Room;
    try {
      room = await withTimeout(pending, timeoutMs, "join");
    } catch (err) {
      // A join that answers after we gave up must not stay in the class as a ghost.
      pending.then((late) => {
        late.reconnection.enabled = false;
        void late.leave(false).catch(() => undefined);
      }, () => undefined);
      throw err;
    }
    const seatMs = performance.now() - t0;
    this.room = room;
    const welcome = new Promise<WelcomeMessage>((resolve) => {
      const off = room.onMessage("welcome", (w: WelcomeMessage) => {
        off();
        resolve(w);
      });
    });
    room.onMessage("welcome", () => undefined);
    room.onMessage("result", () => this.stats.results++);
    room.onMessage("error", () => this.stats.errors++);
    room.onMessage("*", () => undefined);
    room.onDrop(() => this.stats.drops++);
    room.onReconnect(() => this.stats.reconnects++);
    room.onLeave((code) => {
      if (!this.stopped && code !== CloseCode.CONSENTED) this.stats.left++;
      this.halt();
    });
    room.send("hello", {});
    this.welcome = await withTimeout(welcome, Math.max(1000, timeoutMs - seatMs), "welcome");
    const joinMs = performance.now() - t0;
    this.scheduleAction();
    this.scheduleDrop();
    return { joinMs, seatMs };
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, Math.min(ms, MAX_TIMER_MS));
    this.timers.add(t);
  }

  private poisson(perMinute: number): number | null {
    return perMinute > 0 ? (-Math.log(1 - this.random()) * 60_000) / perMinute : null;
  }

  private between([min, max]: [number, number]): number {
    return min + this.random() * Math.max(0, max - min);
  }

  private open(): boolean {
    return !this.stopped && this.room?.connection?.isOpen === true;
  }

  private send(action: "cordon" | "uncordon" | "drain"): void {
    this.room.send("nodeAction", { id: `a${++this.seq}`, action });
    this.stats.actions++;
  }

  private scheduleAction(): void {
    const ms = this.poisson(this.behaviour.actionsPerMinute);
    if (ms === null) return;
    this.later(ms, () => {
      if (this.playing && this.open() && !this.holding) {
        this.send(this.random() < this.behaviour.drainShare ? "drain" : "cordon");
        this.holding = true;
        this.later(this.between(this.behaviour.cordonHoldMs), () => this.uncordon());
      }
      this.scheduleAction();
    });
  }

  private uncordon(): void {
    if (!this.open()) {
      this.later(1000, () => this.uncordon());
      return;
    }
    this.holding = false;
    this.send("uncordon");
  }

  private scheduleDrop(): void {
    const ms = this.poisson(this.behaviour.dropsPerMinute);
    if (ms === null) return;
    this.later(ms, () => {
      if (this.open()) {
        const r = this.room.reconnection;
        const offline = this.between(this.behaviour.offlineMs);
        r.minUptime = 0;
        r.minDelay = offline;
        r.maxDelay = Math.max(r.maxDelay, offline);
        this.room.connection.close(CloseCode.MAY_TRY_RECONNECT, "load: Wi-Fi dropped");
      }
      this.scheduleDrop();
    });
  }

  private halt(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Stop acting and drop the socket without a goodbye (the server is going away anyway). */
  close(): void {
    this.stopped = true;
    this.halt();
    if (!this.room) return;
    this.room.reconnection.enabled = false;
    try {
      if (this.room.connection?.isOpen) this.room.connection.close();
    } catch {
      // already closing
    }
  }
}

/** The teacher's laptop: starts the class and injects failures, each command with an id. */
export class Teacher {
  room!: Room;
  private readonly pending = new Map<string, (r: ResultMessage) => void>();
  private seq = 0;
  private readonly url: string;
  private readonly code: string;
  private readonly key: string;
  private readonly decode: boolean;
  private readonly traffic: Traffic;

  constructor(o: { url: string; code: string; teacherKey: string; decode: boolean; traffic: Traffic }) {
    this.url = o.url;
    this.code = o.code;
    this.key = o.teacherKey;
    this.decode = o.decode;
    this.traffic = o.traffic;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get state(): any {
    return this.room?.state;
  }

  async join(timeoutMs: number): Promise<void> {
    const client = new CountingClient(this.url, this.traffic, this.decode);
    this.room = await withTimeout(client.joinById(this.code, { teacherKey: this.key }), timeoutMs, "teacher join");
    this.room.onMessage("result", (r: ResultMessage) => {
      if (r.id === undefined) return;
      const done = this.pending.get(r.id);
      this.pending.delete(r.id);
      done?.(r);
    });
    this.room.onMessage("*", () => undefined);
  }

  private request(type: "command" | "classControl", payload: Record<string, unknown>, timeoutMs = 15_000): { id: string; result: Promise<ResultMessage> } {
    const id = `t${++this.seq}`;
    const result = withTimeout(new Promise<ResultMessage>((resolve) => this.pending.set(id, resolve)), timeoutMs, `${type} ${id}`);
    this.room.send(type, { id, ...payload });
    return { id, result };
  }

  control(action: "start" | "pause" | "resume" | "end"): Promise<ResultMessage> {
    return this.request("classControl", { action }).result;
  }

  command(command: Command): { id: string; result: Promise<ResultMessage> } {
    return this.request("command", { command });
  }

  close(): void {
    if (!this.room) return;
    this.room.reconnection.enabled = false;
    try {
      if (this.room.connection?.isOpen) this.room.connection.close();
    } catch {
      // already closing
    }
  }
}
