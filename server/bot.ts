/**
 * A bot student: joins a class like a phone on classroom Wi-Fi and plays its node. It keeps its
 * connection most of the time, loses it now and then and lets the SDK bring it back, sometimes
 * cordons or drains its own node, and in the Compose round restarts its crashed containers after
 * a human pause. Given an answering strategy, it also answers the lesson's questions. Teachers use it (through server/bots.ts) to demo with a handful of people; tests
 * and load benchmarks use it to put real, flaky WebSocket clients in front of the server.
 *
 * Every decision draws from `random`, split into one stream per concern, so a seed replays the
 * same schedule of drops and actions whatever the network does to the timing of the others.
 */
import { Client, CloseCode, MatchMakeError, type Room } from "@colyseus/sdk";
import { CloseCodes, type ErrorMessage, type JoinOptions, type ResultMessage, type WelcomeMessage, type YouMessage } from "../shared/protocol/messages.ts";
import type { PublicLessonView, PublicPredictionView } from "../shared/lessons/views.ts";
import { nextFloat, seedRng } from "../shared/sim/rng.ts";

export interface BotBehaviour {
  /** Expected Wi-Fi drops per minute (a Poisson process; 0 = never). */
  dropsPerMinute: number;
  /** How long the Wi-Fi stays away on a drop, [min, max] ms. */
  offlineMs: [number, number];
  /**
   * Share of drops that last long enough (or end in a page reload) for the SDK to give up, so the
   * bot comes back as a new session with its rejoin token.
   */
  giveUpShare: number;
  /**
   * The SDK's reconnection.minUptime: a drop sooner than this after joining is not resumed
   * (the SDK's default is 5000 ms, which is what a browser gets).
   */
  minUptimeMs: number;
  /** Expected own-node actions per minute while the class runs in kubernetes mode (0 = never). */
  actionsPerMinute: number;
  /** Share of those actions that drain the node rather than only cordon it. */
  drainShare: number;
  /** How long a cordon or drain lasts before the bot uncordons, [min, max] ms. */
  cordonHoldMs: [number, number];
  /** Human delay between a container going down and the tap on "restart", [min, max] ms. */
  reactionMs: [number, number];
}

const defaults: BotBehaviour = {
  dropsPerMinute: 0.5,
  offlineMs: [500, 6000],
  giveUpShare: 0.1,
  minUptimeMs: 5000,
  actionsPerMinute: 1,
  drainShare: 0.15,
  cordonHoldMs: [5000, 30_000],
  reactionMs: [2000, 8000],
};
export const DEFAULT_BEHAVIOUR: Readonly<BotBehaviour> = Object.freeze(defaults);

export interface BotOptions {
  /** The server's HTTP address, e.g. http://localhost:2567. */
  url: string;
  /** The class code. */
  code: string;
  /** Nickname; without one the server generates a name. */
  name?: string;
  behaviour?: Partial<BotBehaviour>;
  /** Uniform [0, 1): every decision comes from it. Defaults to Math.random. */
  random?: () => number;
  log?: (line: string) => void;
  /** How long the first join and its welcome may take. */
  joinTimeoutMs?: number;
  /**
   * How the bot answers a lesson's open question: an option id (choice) or a node name (whichNode),
   * or null for "not now". Asked again every WATCH_MS while the question stays open, with the
   * class state (nodes, pods) to look at; a new answer replaces the previous one, as a student
   * changing their mind before the reveal would. Without it the bot never answers. (A step the
   * teacher repeats asks again, but the public view does not say so: the bot answers it again
   * only if its answer changes.)
   */
  answer?: (question: PublicPredictionView, city: AnyState, me: StudentWelcome) => string | null;
}

export type BotStatus = "connected" | "reconnecting" | "rejoining" | "gone" | "stopped";

export interface BotStats {
  /** Connections lost, whoever closed them. */
  drops: number;
  /** Drops the SDK resumed as the same session. */
  reconnects: number;
  /** Returns as a new session with the rejoin token, after the SDK gave up. */
  rejoins: number;
  /** nodeAction messages sent (cordon, uncordon, drain, restartContainer). */
  actionsSent: number;
  actionsOk: number;
  actionsRefused: number;
  /** restartContainer messages sent (also counted in actionsSent). */
  restarts: number;
  /** `error` messages received, by code. */
  errors: Partial<Record<ErrorMessage["code"], number>>;
  /** Welcomes after a return that named another student or node: the server lost our identity. */
  identityChanges: number;
  /** answer messages sent (a changed answer counts again), and the server's verdicts on them. */
  answersSent: number;
  answersOk: number;
  answersRefused: number;
}

export interface StudentWelcome extends WelcomeMessage {
  studentId: string;
  nodeName: string;
  rejoinToken: string;
}

export interface Bot {
  /** The current room (a new one after a rejoin). */
  readonly room: Room;
  /** The latest welcome: identity, node and rejoin token. */
  readonly welcome: StudentWelcome;
  readonly status: BotStatus;
  /** Why the bot stopped playing on its own (kicked, class ended, rejoin refused). */
  readonly goneReason: string | null;
  readonly stats: Readonly<BotStats>;
  readonly behaviour: Readonly<BotBehaviour>;
  /** The latest `you` message: this student's own points and place (null before the first). */
  readonly you: YouMessage | null;
  /** By step id: the last answer this bot sent to that step's question. */
  readonly answers: Readonly<Record<string, string>>;
  /** Change knobs while running; the drop and action schedules restart from the new rates. */
  setBehaviour(patch: Partial<BotBehaviour>): void;
  /**
   * Lose the Wi-Fi now, for offlineMs; with giveUp the SDK does not resume the session and the bot
   * comes back with its rejoin token instead. Draws no randomness. False when not connected.
   */
  drop(offlineMs: number, giveUp?: boolean): boolean;
  /** Leave on purpose (consented): the server drains the node and removes it. */
  stop(): Promise<void>;
}

/** A seeded source for `random`, from the simulation's own generator. */
export function seededRandom(seed: number, stream = "bot"): () => number {
  const st = seedRng(seed, stream);
  return () => nextFloat(st);
}

/**
 * The SDK narrates every reconnection with console.info; thirty bots drown a terminal in it.
 * Returns a function that puts console.info back.
 */
export function muteSdkReconnectLogs(): () => void {
  const original = console.info;
  console.info = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("[Colyseus reconnection]")) return;
    original.apply(console, args);
  };
  return () => {
    console.info = original;
  };
}

export async function startBot(opts: BotOptions): Promise<Bot> {
  const bot = new StudentBot(opts);
  await bot.start();
  return bot;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

/** Exponential waiting time of a Poisson process; null when the rate is zero. */
function poissonDelayMs(r: () => number, perMinute: number): number | null {
  if (!(perMinute > 0)) return null;
  return (-Math.log(1 - r()) * 60_000) / perMinute;
}

function between(r: () => number, [min, max]: [number, number]): number {
  return min + r() * Math.max(0, max - min);
}

/** Longest a timer may be: setTimeout overflows beyond 2^31 - 1 ms and fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const WATCH_MS = 250;
const LEAVE_TIMEOUT_MS = 5000;
const REJOIN_BACKOFF_MS = [1000, 2000, 4000, 8000, 10_000];
const MAX_REJOIN_ATTEMPTS = 12;

class StudentBot implements Bot {
  private readonly opts: BotOptions;
  private readonly client: Client;
  private readonly deviceId: string;
  private readonly rDrop: () => number;
  private readonly rAct: () => number;
  private readonly rReact: () => number;
  private knobs: BotBehaviour;
  private current!: Room;
  private first!: StudentWelcome;
  private latest!: StudentWelcome;
  private state: BotStatus = "connected";
  private reason: string | null = null;
  private readonly counters: BotStats = {
    drops: 0, reconnects: 0, rejoins: 0, actionsSent: 0, actionsOk: 0, actionsRefused: 0, restarts: 0, errors: {}, identityChanges: 0,
    answersSent: 0, answersOk: 0, answersRefused: 0,
  };
  private latestYou: YouMessage | null = null;
  private readonly sent: Record<string, string> = {};
  /** The public lesson view last parsed, and the string it came from (parsed again only when it changes). */
  private lessonJson = "";
  private lessonView: PublicLessonView | null = null;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** Pending sleeps of the rejoin loop, woken by halt() so that stop() never waits on them. */
  private readonly sleepers = new Set<() => void>();
  private dropTimer: ReturnType<typeof setTimeout> | null = null;
  private actionTimer: ReturnType<typeof setTimeout> | null = null;
  private watcher: ReturnType<typeof setInterval> | null = null;
  /** Our own cordon awaiting its uncordon: we never uncordon what the teacher cordoned. */
  private holding = false;
  private readonly pendingRestarts = new Set<string>();
  /** Outage decided at the drop, applied to the rejoin if the SDK does not resume the session. */
  private plannedOutageMs: number | null = null;
  private sdkDefaults = { minDelay: 100, maxDelay: 5000, enabled: true };
  private stopping: Promise<void> | null = null;
  private rejoining: Promise<void> | null = null;
  private settled: (() => void) | null = null;
  private seq = 0;

  constructor(opts: BotOptions) {
    this.opts = opts;
    this.knobs = { ...DEFAULT_BEHAVIOUR, ...opts.behaviour };
    const random = opts.random ?? Math.random;
    const fork = (stream: string) => seededRandom(Math.floor(random() * 2 ** 32), stream);
    this.rDrop = fork("drop");
    this.rAct = fork("act");
    this.rReact = fork("react");
    const rId = fork("device");
    this.deviceId = "bot-" + Array.from({ length: 12 }, () => Math.floor(rId() * 16).toString(16)).join("");
    this.client = new Client(opts.url);
  }

  get room(): Room {
    return this.current;
  }
  get welcome(): StudentWelcome {
    return this.latest;
  }
  get status(): BotStatus {
    return this.state;
  }
  get goneReason(): string | null {
    return this.reason;
  }
  get stats(): Readonly<BotStats> {
    return this.counters;
  }
  get behaviour(): Readonly<BotBehaviour> {
    return this.knobs;
  }
  get you(): YouMessage | null {
    return this.latestYou;
  }
  get answers(): Readonly<Record<string, string>> {
    return this.sent;
  }

  private get label(): string {
    return this.latest?.nodeName ?? this.opts.name ?? "bot";
  }

  private log(line: string): void {
    this.opts.log?.(`[${this.label}] ${line}`);
  }

  async start(): Promise<void> {
    const options: JoinOptions = this.opts.name ? { name: this.opts.name, deviceId: this.deviceId } : { generateName: true, deviceId: this.deviceId };
    const timeoutMs = this.opts.joinTimeoutMs ?? 10_000;
    const room = await this.join(options, timeoutMs, "join");
    const welcome = this.nextWelcome(room, timeoutMs);
    this.attach(room);
    try {
      this.first = this.latest = await welcome;
    } catch (err) {
      await room.leave(true).catch(() => undefined);
      throw err;
    }
    this.log(`joined as ${this.opts.name ?? "(generated name)"} on node ${this.latest.nodeName}`);
    this.scheduleDrop();
    this.scheduleAction();
    this.watcher = setInterval(() => {
      this.watchContainers();
      this.watchLesson();
    }, WATCH_MS);
  }

  setBehaviour(patch: Partial<BotBehaviour>): void {
    this.knobs = { ...this.knobs, ...patch };
    if (this.stopping || this.state === "gone") return;
    this.scheduleDrop();
    this.scheduleAction();
  }

  /**
   * A join that gives up after timeoutMs. Should the server let us in after all, that session is
   * closed at once: it would otherwise become the student's live session behind the bot's back.
   */
  private async join(options: JoinOptions, timeoutMs: number, what: string): Promise<Room> {
    const pending = this.client.joinById(this.opts.code, options);
    try {
      return await withTimeout(pending, timeoutMs, what);
    } catch (err) {
      pending.then(
        (late) => {
          late.reconnection.enabled = false;
          // Only a stopping bot means to leave for good (which drains the node).
          void late.leave(this.stopping !== null).catch(() => undefined);
        },
        () => undefined,
      );
      throw err;
    }
  }

  /** The welcome a `hello` asks for: sent only once the handler exists, so it cannot be missed. */
  private nextWelcome(room: Room, timeoutMs: number): Promise<StudentWelcome> {
    const p = new Promise<StudentWelcome>((resolve, reject) => {
      const off = room.onMessage("welcome", (w: WelcomeMessage) => {
        off();
        if (w.role !== "student" || !w.studentId || !w.nodeName || !w.rejoinToken) reject(new Error(`welcomed as ${w.role}, not as a student with a node`));
        else resolve(w as StudentWelcome);
      });
    });
    room.send("hello", {});
    return withTimeout(p, timeoutMs, "welcome");
  }

  private attach(room: Room): void {
    this.current = room;
    this.state = "connected";
    room.reconnection.minUptime = this.knobs.minUptimeMs;
    this.sdkDefaults = { minDelay: room.reconnection.minDelay, maxDelay: room.reconnection.maxDelay, enabled: room.reconnection.enabled };
    room.onMessage("welcome", (w: WelcomeMessage) => this.checkIdentity(w));
    room.onMessage("you", (m: YouMessage) => (this.latestYou = m));
    // Events about our own node: the bot has no screen to show them on, but listening keeps the
    // SDK from warning about an unhandled message on every one.
    room.onMessage("nodeEvents", () => undefined);
    room.onMessage("result", (r: ResultMessage) => {
      if (r.type === "answer") {
        if (r.ok) this.counters.answersOk++;
        else {
          this.counters.answersRefused++;
          this.log(`answer refused: ${r.error ?? "?"}`);
        }
        return;
      }
      if (r.type !== "nodeAction") return;
      if (r.ok) this.counters.actionsOk++;
      else {
        this.counters.actionsRefused++;
        this.log(`refused: ${r.error ?? "?"}`);
      }
    });
    room.onMessage("error", (e: ErrorMessage) => {
      this.counters.errors[e.code] = (this.counters.errors[e.code] ?? 0) + 1;
      this.log(`error ${e.code} on ${e.type}: ${e.reason}`);
    });
    room.onMessage("notice", (n: { kind?: string; text?: string }) => this.log(`notice ${n.kind ?? ""}: ${n.text ?? ""}`));
    room.onDrop((code) => {
      if (room !== this.current) return;
      // The SDK reports every failed retry as another drop; the student only lost the Wi-Fi once.
      if (this.state !== "connected") return;
      this.counters.drops++;
      this.state = "reconnecting";
      this.log(`dropped (${code})`);
    });
    room.onReconnect(() => {
      // A resumption that outlived stop()'s wait: say goodbye properly so the node drains.
      if (this.state === "stopped") {
        void room.leave(true).catch(() => undefined);
        return;
      }
      if (room !== this.current) return;
      this.counters.reconnects++;
      this.state = "connected";
      this.plannedOutageMs = null;
      this.restoreSdkReconnection(room);
      this.log("reconnected");
      this.settle();
      // Ask who we are again: the answer proves the server resumed the same student and node.
      room.send("hello", {});
    });
    room.onLeave((code, reason) => this.left(room, code, reason));
  }

  private checkIdentity(w: WelcomeMessage): void {
    if (!this.first || w.role !== "student" || !w.nodeName) return;
    if (w.studentId !== this.first.studentId || w.nodeName !== this.first.nodeName) {
      this.counters.identityChanges++;
      this.log(`came back as ${w.studentId}/${w.nodeName}, was ${this.first.studentId}/${this.first.nodeName}`);
    }
    this.latest = { ...this.latest, ...w } as StudentWelcome;
  }

  private restoreSdkReconnection(room: Room): void {
    room.reconnection.minDelay = this.sdkDefaults.minDelay;
    room.reconnection.maxDelay = this.sdkDefaults.maxDelay;
    room.reconnection.enabled = this.sdkDefaults.enabled;
  }

  private left(room: Room, code: number, reason?: string): void {
    if (room !== this.current) return;
    this.settle();
    if (this.stopping) return;
    if (code === CloseCode.CONSENTED) return this.gone("left the class");
    if (code === CloseCodes.kicked) return this.gone("removed by the teacher");
    if (code === CloseCodes.classEnded) return this.gone("the class ended");
    if (this.state === "connected") this.counters.drops++;
    this.state = "rejoining";
    this.log(`disconnected for good (${code}${reason ? ` ${reason}` : ""}); rejoining with the token`);
    const wait = this.plannedOutageMs ?? REJOIN_BACKOFF_MS[0]!;
    this.plannedOutageMs = null;
    this.rejoining = this.rejoin(wait).finally(() => (this.rejoining = null));
  }

  /** Like the page reloading after a long outage: a new session that presents the rejoin token. */
  private async rejoin(firstWaitMs: number): Promise<void> {
    let wait = firstWaitMs;
    for (let attempt = 0; attempt < MAX_REJOIN_ATTEMPTS; attempt++) {
      await this.sleep(wait);
      if (this.stopping) return;
      try {
        const room = await this.join({ rejoinToken: this.latest.rejoinToken, deviceId: this.deviceId }, 10_000, "rejoin");
        if (this.stopping) {
          await withTimeout(room.leave(true), LEAVE_TIMEOUT_MS, "leave").catch(() => undefined);
          return;
        }
        this.attach(room);
        this.counters.rejoins++;
        this.log("rejoined with the token");
        room.send("hello", {});
        return;
      } catch (err) {
        const code = err instanceof MatchMakeError ? err.code : 0;
        // 410: the class ended; 403: the teacher removed us. Nothing a retry can change.
        if (code === 410 || code === 403) return this.gone(`rejoin refused: ${(err as Error).message}`);
        this.log(`rejoin failed: ${(err as Error).message}`);
        wait = REJOIN_BACKOFF_MS[Math.min(attempt + 1, REJOIN_BACKOFF_MS.length - 1)]!;
      }
    }
    this.gone(`rejoin failed ${MAX_REJOIN_ATTEMPTS} times`);
  }

  private gone(reason: string): void {
    this.state = "gone";
    this.reason = reason;
    this.halt();
    this.log(`gone: ${reason}`);
  }

  private halt(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    if (this.watcher) clearInterval(this.watcher);
    this.dropTimer = this.actionTimer = this.watcher = null;
    this.pendingRestarts.clear();
  }

  private later(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, Math.min(ms, MAX_TIMER_MS));
    this.timers.add(t);
    return t;
  }

  private cancel(t: ReturnType<typeof setTimeout> | null): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepers.delete(wake);
        resolve();
      };
      this.sleepers.add(wake);
      this.later(ms, wake);
    });
  }

  private settle(): void {
    const s = this.settled;
    this.settled = null;
    s?.();
  }

  private connected(): boolean {
    return this.state === "connected" && !this.stopping && this.current.connection?.isOpen === true;
  }

  private get classState(): AnyState {
    return this.current.state as AnyState;
  }

  private myNode(): AnyState {
    return this.classState?.nodes?.get(this.latest.nodeName);
  }

  private send(action: "cordon" | "uncordon" | "drain" | "restartContainer", service?: string): void {
    const msg: { id: string; action: typeof action; service?: string } = { id: `bot-${++this.seq}`, action };
    if (service) msg.service = service;
    this.current.send("nodeAction", msg);
    this.counters.actionsSent++;
    if (action === "restartContainer") this.counters.restarts++;
    this.log(`${action}${service ? ` ${service}` : ""}`);
  }

  private scheduleDrop(): void {
    this.cancel(this.dropTimer);
    this.dropTimer = null;
    const ms = poissonDelayMs(this.rDrop, this.knobs.dropsPerMinute);
    if (ms === null) return;
    this.dropTimer = this.later(ms, () => {
      this.dropTimer = null;
      this.dropNow();
      this.scheduleDrop();
    });
  }

  private dropNow(): void {
    const outage = between(this.rDrop, this.knobs.offlineMs);
    const giveUp = this.rDrop() < this.knobs.giveUpShare;
    this.drop(outage, giveUp);
  }

  /**
   * Close the socket the way a browser does when the OS reports the network gone (the SDK's own
   * "offline" handler): code 4010, which the SDK treats as a drop and the server as non-consented.
   */
  drop(offlineMs: number, giveUp = false): boolean {
    if (!this.connected()) return false;
    const r = this.current.reconnection;
    // Kept for the rejoin too: the SDK may refuse to resume (minUptime) even when we did not give up.
    this.plannedOutageMs = offlineMs;
    if (giveUp) {
      r.enabled = false;
    } else {
      // The SDK's first retry waits minDelay: stretching it is the Wi-Fi staying away that long.
      r.minDelay = offlineMs;
      r.maxDelay = Math.max(r.maxDelay, offlineMs);
    }
    this.log(`Wi-Fi drops for ${Math.round(offlineMs)} ms${giveUp ? " (the page gives up)" : ""}`);
    this.current.connection.close(CloseCode.MAY_TRY_RECONNECT, "bot: Wi-Fi dropped");
    return true;
  }

  private scheduleAction(): void {
    this.cancel(this.actionTimer);
    this.actionTimer = null;
    const ms = poissonDelayMs(this.rAct, this.knobs.actionsPerMinute);
    if (ms === null) return;
    this.actionTimer = this.later(ms, () => {
      this.actionTimer = null;
      this.act();
      this.scheduleAction();
    });
  }

  private act(): void {
    const pick = this.rAct();
    const hold = between(this.rAct, this.knobs.cordonHoldMs);
    if (!this.connected() || this.holding) return;
    const s = this.classState;
    if (s?.phase !== "running" || s.mode !== "kubernetes") return;
    const node = this.myNode();
    if (!node || node.cordoned) return;
    this.send(pick < this.knobs.drainShare ? "drain" : "cordon");
    this.holding = true;
    this.later(hold, () => this.uncordon());
  }

  private uncordon(): void {
    if (!this.holding || this.stopping) return;
    // Offline when the moment comes: try again shortly, as a student would on getting back.
    if (!this.connected()) {
      this.later(1000, () => this.uncordon());
      return;
    }
    this.holding = false;
    if (this.myNode()?.cordoned) this.send("uncordon");
  }

  private crashed(c: AnyState): boolean {
    return c.status === "exited" || c.health === "unhealthy";
  }

  /** Notice a container that went down and, after a human pause, restart it. */
  private watchContainers(): void {
    if (!this.connected()) return;
    const s = this.classState;
    if (s?.mode !== "compose" || s.phase !== "running") return;
    const containers = this.myNode()?.containers;
    if (!containers) return;
    containers.forEach((c: AnyState, service: string) => {
      if (!this.crashed(c) || this.pendingRestarts.has(service)) return;
      this.pendingRestarts.add(service);
      const delay = between(this.rReact, this.knobs.reactionMs);
      this.log(`sees ${service} ${c.status}/${c.health}; restarts it in ${Math.round(delay)} ms`);
      this.later(delay, () => this.restart(service));
    });
  }

  /** An open question: ask the strategy, and send its answer when it is new for this question. */
  private watchLesson(): void {
    const strategy = this.opts.answer;
    if (!strategy || !this.connected()) return;
    const s = this.classState;
    const json: unknown = s?.lesson;
    if (typeof json !== "string" || json === "") return;
    if (json !== this.lessonJson) {
      this.lessonJson = json;
      try {
        this.lessonView = JSON.parse(json) as PublicLessonView;
      } catch {
        this.lessonView = null;
      }
    }
    const q = this.lessonView?.prediction;
    if (!q || q.status !== "open") return;
    const answer = strategy(q, s, this.latest);
    if (answer === null || this.sent[q.stepId] === answer) return;
    this.sent[q.stepId] = answer;
    this.current.send("answer", { id: `bot-${++this.seq}`, stepId: q.stepId, answer });
    this.counters.answersSent++;
    this.log(`answers ${answer} to ${q.stepId}`);
  }

  private restart(service: string): void {
    if (!this.connected()) {
      this.later(1000, () => this.restart(service));
      return;
    }
    this.pendingRestarts.delete(service);
    const c = this.myNode()?.containers?.get(service);
    if (c && this.crashed(c)) this.send("restartContainer", service);
  }

  stop(): Promise<void> {
    this.stopping ??= this.leave();
    return this.stopping;
  }

  private async leave(): Promise<void> {
    this.halt();
    if (this.state === "gone") {
      this.state = "stopped";
      return;
    }
    if (this.rejoining) await this.rejoining;
    // Mid-reconnection the socket is not open yet: wait for the SDK to finish, so the leave is a
    // real consented one and the server drains the node now rather than after the reconnect window.
    if (this.state === "reconnecting") {
      await withTimeout(new Promise<void>((resolve) => (this.settled = resolve)), 15_000, "reconnection").catch(() => undefined);
    }
    const room = this.current;
    // Retries still pending after the wait must not bring the session back behind our goodbye.
    room.reconnection.maxRetries = 0;
    if (this.state === "connected" && room.connection?.isOpen) {
      await withTimeout(room.leave(true), LEAVE_TIMEOUT_MS, "leave").catch((err: Error) => this.log(`leave: ${err.message}`));
    } else {
      // Between sessions: come back with the token just to leave, or the node would stay NotReady.
      try {
        const again = await this.join({ rejoinToken: this.latest.rejoinToken, deviceId: this.deviceId }, LEAVE_TIMEOUT_MS, "rejoin");
        await withTimeout(again.leave(true), LEAVE_TIMEOUT_MS, "leave");
      } catch (err) {
        this.log(`could not leave cleanly: ${(err as Error).message}`);
      }
    }
    this.state = "stopped";
    this.log("stopped");
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}
