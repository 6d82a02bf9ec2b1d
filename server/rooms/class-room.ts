/**
 * One class = one Colyseus room = one cluster simulation. The room owns the roster and the roles;
 * the simulation owns every outcome. A student's connection feeds its node's heartbeat: a drop
 * stops the kubelet's lease, a reconnection within the window brings the same node back.
 */
import { CloseCode, Protocol, Room, ServerError, type AuthContext, type Client, type Deferred } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import { advance, applyCommand, createCluster, type ClusterState, type Command, type CommandResult } from "../../shared/sim/index.ts";
import {
  ACTION_PHASES, CloseCodes, MAX_KUBECTL_OUTPUT, MAX_MESSAGE_BYTES, MESSAGE_ROLES, clientMessageSchemas, isClientMessageType, joinOptionsSchema, parseClientMessage,
  type ClientMessage, type ClientMessageType, type ErrorMessage, type HistoryMessage, type KubectlReply, type Phase, type ResultMessage, type Role, type WelcomeMessage,
} from "../../shared/protocol/messages.ts";
import { points } from "../../shared/game/score.ts";
import { exportCompose, exportManifests, kubectl } from "../../shared/kubectl/index.ts";
import {
  answerPrediction, clockHeld, currentStep, imageLayersView, lessonControl as lessonControlFn, lessonTick, parseLesson,
  publicLessonView, startLesson, studentLessonPoints, teacherLessonView, type Lesson, type LessonControl, type LessonState,
} from "../../shared/lessons/index.ts";
import { cleanNickname, generateNickname, nodeNameFor, uniqueNickname } from "../nicknames.ts";
import { TokenBucket } from "../rate-limit.ts";
import { syncState, type StudentLink } from "../sync.ts";
import { ClassState, StudentView, TeacherPanel } from "./schema.ts";
import { randomToken, safeEqual, sha256 } from "../secrets.ts";
import type { ServerContext } from "../context.ts";

export interface ClassRoomOptions {
  code: string;
  teacherKeyHash: string;
  displayKeyHash: string;
  displayKey: string;
  joinUrl: string;
  mode: ClusterState["mode"];
  compression: number;
  seed: number;
  maxStudents: number;
  lessonId: string | null;
}

interface Student {
  id: string;
  name: string;
  nodeName: string;
  rejoinToken: string;
  deviceId: string;
  device: string;
  sessionId: string | null;
  connected: boolean;
  leaving: boolean;
  readyMs: number;
  served: number;
  correctPredictions: number;
}

interface AuthResult {
  role: Role;
  studentId?: string;
  name?: string;
  device?: string;
}

/** How long a kicked device must wait before it may join the same class again. */
const KICK_COOLDOWN_MS = 10 * 60 * 1000;
/** Refused messages (beyond the bucket) a client may accumulate before it is disconnected. */
const FLOOD_STRIKES = 40;

export class ClassRoom extends Room<{ state: ClassState }> {
  static context: ServerContext;

  override state = new ClassState();
  private sim!: ClusterState;
  /** The lesson being run, if any: a pure state machine stepped on every tick. */
  private lesson: LessonState | null = null;
  private lessonDef: Lesson | null = null;
  private lastTeacherLessonSync = 0;
  private opts!: ClassRoomOptions;
  private students = new Map<string, Student>();
  private bySession = new Map<string, { role: Role; studentId?: string; bucket: TokenBucket }>();
  private kicked = new Map<string, number>();
  /** Reconnection windows still open, by session id: a student who rejoins elsewhere closes the old one. */
  private waitingSeats = new Map<string, Deferred<Client>>();
  /** Every applied command at its cluster time (replayable), with the simulation's answer for people. */
  private commandLog: { atMs: number; command: Command; note?: string }[] = [];
  private lastTick = 0;
  /** Requests and errors before the class started: the SLO counts from the start, not the warm-up. */
  private sloBaseline = { requests: 0, errors: 0 };
  /** Wall time at which cluster time 0 happened, for kubectl's dates. */
  private createdAt = Date.now();
  private emptySince: number | null = null;
  private get ctx(): ServerContext {
    return ClassRoom.context;
  }
  private get log() {
    return this.ctx.logger.child({ class: this.roomId });
  }

  override onCreate(options: ClassRoomOptions): void {
    this.opts = options;
    this.roomId = options.code;
    this.autoDispose = false;
    this.maxClients = options.maxStudents + 8;
    this.patchRate = 1000 / this.ctx.config.PATCH_RATE_HZ;
    this.state.code = options.code;
    this.state.mode = options.mode;
    this.state.compression = options.compression;
    const panel = new TeacherPanel();
    panel.displayKey = options.displayKey;
    panel.joinUrl = options.joinUrl;
    this.state.teacher = panel;
    this.lessonDef = options.lessonId ? (this.ctx.lessons.get(options.lessonId) ?? null) : null;
    this.resetSimulation();
    this.lastTick = Date.now();
    this.clock.setInterval(() => this.tick(), 1000 / this.ctx.config.SIM_RATE_HZ);
    for (const type of Object.keys(clientMessageSchemas) as ClientMessageType[]) {
      this.onMessage(type, (client, payload) => this.receive(client, type, payload));
    }
    this.onMessage("*", (client, type) => this.refuse(client, String(type), "unknown_type", `unknown message type "${String(type)}"`));
    this.ctx.metrics.classes.inc();
    this.log.info({ role: "server", mode: options.mode, compression: options.compression }, "class created");
  }

  /** A fresh cluster with one node per student still in the class, and the shop app to look after. */
  private resetSimulation(): void {
    this.sim = createCluster({ seed: this.opts.seed, mode: this.opts.mode });
    this.createdAt = Date.now();
    this.sloBaseline = { requests: 0, errors: 0 };
    this.commandLog = [];
    for (const st of this.students.values()) {
      if (st.leaving) continue;
      this.run({ type: "addNode", name: st.nodeName, connected: st.connected });
      st.readyMs = 0;
      st.served = 0;
    }
    // A lesson brings its own starting cluster (applied when the class starts); free play gets a shop.
    this.lesson = this.lessonDef ? startLesson(this.lessonDef) : null;
    if (this.lesson) this.state.compression = this.lessonDef!.compression;
    else if (this.opts.mode === "kubernetes") this.run({ type: "deploy", app: "shop", version: "v1", replicas: 2 * this.sim.nodeOrder.length, baselineRps: 30 });
    else this.run({ type: "expose", service: "shop", baselineRps: 30 });
    this.state.clusterMs = 0;
    this.state.wallMs = 0;
    this.sync();
  }

  /** Apply a command and log it with its cluster time, so the class can be replayed. */
  private run(command: Command): CommandResult {
    const result = applyCommand(this.sim, command);
    if (result.ok) this.commandLog.push({ atMs: this.sim.timeMs, command, note: result.message });
    return result;
  }

  override onAuth(_client: Client, rawOptions: unknown, context: AuthContext): AuthResult {
    const parsed = joinOptionsSchema.safeParse(rawOptions ?? {});
    if (!parsed.success) throw new ServerError(400, "Join options are not valid.");
    const o = parsed.data;
    if (o.teacherKey !== undefined) {
      if (!safeEqual(sha256(o.teacherKey), this.opts.teacherKeyHash)) throw new ServerError(403, "That teacher key does not open this class.");
      return { role: "teacher" };
    }
    if (o.displayKey !== undefined) {
      if (!safeEqual(sha256(o.displayKey), this.opts.displayKeyHash)) throw new ServerError(403, "That display key does not open this class.");
      return { role: "display" };
    }
    if (this.state.phase === "ended") throw new ServerError(410, "This class has ended.");
    const now = Date.now();
    for (const id of [o.deviceId, o.rejoinToken]) {
      const until = id ? this.kicked.get(id) : undefined;
      if (until !== undefined && until > now) throw new ServerError(403, "The teacher removed you from this class. Ask them before joining again.");
    }
    const returning = o.rejoinToken ? [...this.students.values()].find((s) => s.rejoinToken === o.rejoinToken) : undefined;
    if (returning) return { role: "student", studentId: returning.id, name: returning.name };
    if (this.state.locked) throw new ServerError(423, "The teacher has locked this class: no new students can join right now.");
    if (this.students.size >= this.opts.maxStudents) throw new ServerError(429, "This class is full.");
    let name: string;
    if (o.generateName || !o.name) {
      name = generateNickname(Math.random);
    } else {
      const clean = cleanNickname(o.name);
      if (!clean.ok) throw new ServerError(422, clean.error);
      name = clean.name;
    }
    const device = describeDevice(context.headers?.get?.("user-agent") ?? "");
    return { role: "student", name: uniqueNickname(name, [...this.students.values()].map((s) => s.name)), device };
  }

  override onJoin(client: Client, rawOptions: unknown, auth: AuthResult): void {
    const o = joinOptionsSchema.safeParse(rawOptions ?? {});
    const options = o.success ? o.data : {};
    client.view = new StateView();
    this.countPatchBytes(client);
    const meta = { role: auth.role, bucket: this.newBucket() } as { role: Role; studentId?: string; bucket: TokenBucket };
    this.bySession.set(client.sessionId, meta);
    this.emptySince = null;
    if (auth.role === "teacher") {
      client.view.add(this.state.teacher!);
      this.state.students.forEach((sv) => client.view!.add(sv));
      this.log.info({ role: "teacher" }, "teacher joined");
      return;
    }
    if (auth.role === "display") {
      this.log.info({ role: "display" }, "display joined");
      return;
    }
    const student = auth.studentId ? this.students.get(auth.studentId) : undefined;
    const st = student ?? this.addStudent(auth.name ?? "student", options.deviceId ?? "", auth.device ?? "unknown device", client);
    meta.studentId = st.id;
    // Rejoined with the token while the old session still held a seat: free it, or stale seats fill the class.
    if (st.sessionId && st.sessionId !== client.sessionId) this.waitingSeats.get(st.sessionId)?.reject(new Error("rejoined"));
    st.sessionId = client.sessionId;
    st.connected = true;
    st.leaving = false;
    if (student) {
      if (this.sim.nodes[st.nodeName]) this.run({ type: "heartbeat", node: st.nodeName, connected: true });
      else this.run({ type: "addNode", name: st.nodeName });
    }
    this.ctx.metrics.students.inc();
    this.log.info({ role: "student", student: st.id, rejoined: !!student }, "student joined");
    this.sync();
  }

  private addStudent(name: string, deviceId: string, device: string, client: Client): Student {
    const id = randomToken(9);
    const nodeName = nodeNameFor(name, Object.keys(this.sim.nodes).concat([...this.students.values()].map((s) => s.nodeName)));
    const st: Student = {
      id, name, nodeName, rejoinToken: randomToken(18), deviceId, device,
      sessionId: client.sessionId, connected: true, leaving: false, readyMs: 0, served: 0, correctPredictions: 0,
    };
    this.students.set(id, st);
    const view = new StudentView();
    view.id = id;
    view.name = name;
    view.nodeName = nodeName;
    view.connected = true;
    view.device = st.device;
    this.state.students.set(id, view);
    for (const c of this.clients) if (this.bySession.get(c.sessionId)?.role === "teacher") c.view?.add(view);
    this.run({ type: "addNode", name: nodeName });
    this.growShopWithClass();
    return st;
  }

  /**
   * Patches go out through client.raw (SchemaSerializer's sendClientFrame), framed with
   * ROOM_STATE_PATCH; counting them there measures what each student really receives.
   */
  private countPatchBytes(client: Client): void {
    const raw = client.raw.bind(client);
    const counter = this.ctx.metrics.patchBytes;
    client.raw = (data, options, cb) => {
      if (data[0] === Protocol.ROOM_STATE_PATCH) counter.inc(data.length);
      raw(data, options, cb);
    };
  }

  /**
   * Free play's shop has two apartments per student, grown one student at a time in the lobby, so that every building has tenants when the class starts (Kubernetes never moves running
   * pods to a newcomer by itself). Once the class runs, the teacher decides the replicas.
   */
  private growShopWithClass(): void {
    const shop = this.sim.deployments.shop;
    if (this.lesson || !shop || this.state.phase !== "lobby" || this.opts.mode !== "kubernetes") return;
    const want = 2 * this.sim.nodeOrder.length;
    if (shop.replicas < want) this.run({ type: "scale", deployment: "shop", replicas: want });
  }

  private welcome(client: Client, msg: WelcomeMessage): void {
    client.send("welcome", msg);
  }

  private identity(meta: { role: Role; studentId?: string }): WelcomeMessage {
    const st = meta.studentId ? this.students.get(meta.studentId) : undefined;
    if (!st) return { role: meta.role };
    return { role: meta.role, studentId: st.id, nodeName: st.nodeName, rejoinToken: st.rejoinToken };
  }

  private newBucket(): TokenBucket {
    return new TokenBucket(this.ctx.config.MESSAGE_RATE, this.ctx.config.MESSAGE_BURST, Date.now());
  }

  override async onDrop(client: Client): Promise<void> {
    const meta = this.bySession.get(client.sessionId);
    const st = meta?.studentId ? this.students.get(meta.studentId) : undefined;
    if (st) {
      st.connected = false;
      this.run({ type: "heartbeat", node: st.nodeName, connected: false });
      this.ctx.metrics.students.dec();
    }
    const seat = this.allowReconnection(client, this.ctx.config.RECONNECT_SECONDS);
    this.waitingSeats.set(client.sessionId, seat);
    try {
      await seat;
    } finally {
      this.waitingSeats.delete(client.sessionId);
    }
  }

  override onReconnect(client: Client): void {
    const meta = this.bySession.get(client.sessionId);
    const st = meta?.studentId ? this.students.get(meta.studentId) : undefined;
    if (!st) return;
    st.connected = true;
    if (this.sim.nodes[st.nodeName]) this.run({ type: "heartbeat", node: st.nodeName, connected: true });
    this.ctx.metrics.students.inc();
    this.sync();
  }

  override onLeave(client: Client, code?: number): void {
    const meta = this.bySession.get(client.sessionId);
    this.bySession.delete(client.sessionId);
    const st = meta?.studentId ? this.students.get(meta.studentId) : undefined;
    if (!st || st.sessionId !== client.sessionId) return;
    st.sessionId = null;
    if (code === CloseCode.CONSENTED) {
      // Leaving on purpose is a planned maintenance: drain the node, then remove it once empty.
      if (st.connected) this.ctx.metrics.students.dec();
      st.connected = false;
      st.leaving = true;
      if (this.sim.nodes[st.nodeName]) this.run({ type: "drain", node: st.nodeName });
    }
    this.log.info({ role: "student", student: st.id, code }, "student left");
    this.sync();
  }

  override onDispose(): void {
    this.ctx.metrics.classes.dec();
    for (const st of this.students.values()) if (st.connected) this.ctx.metrics.students.dec();
    void this.presence.srem(this.ctx.codeSetKey, this.roomId);
    this.log.info({ role: "server" }, "class closed");
  }

  /** Every message passes the same gate: rate, size, role, schema. A mistake gets a reason, never a disconnect. */
  private receive(client: Client, type: ClientMessageType, payload: unknown): void {
    const meta = this.bySession.get(client.sessionId);
    if (!meta) return;
    if (!meta.bucket.take(Date.now())) {
      if (meta.bucket.strikes > FLOOD_STRIKES) {
        this.ctx.metrics.messages.inc({ type, outcome: "flooding" });
        this.log.warn({ role: meta.role }, "client disconnected for flooding");
        client.leave(CloseCodes.flooding, "Too many messages: slow down.");
        return;
      }
      return this.refuse(client, type, "rate_limited", "Too many messages: wait a moment.");
    }
    if (approxSize(payload) > MAX_MESSAGE_BYTES) return this.refuse(client, type, "too_large", `message larger than ${MAX_MESSAGE_BYTES} bytes`);
    if (!MESSAGE_ROLES[type].includes(meta.role)) {
      return this.refuse(client, type, "forbidden", `a ${meta.role} may not send "${type}"`);
    }
    const parsed = parseClientMessage(type, payload);
    if (!parsed.ok) return this.refuse(client, type, "invalid", parsed.reason);
    if (type === "hello") return this.welcome(client, this.identity(meta));
    if (type === "getHistory") {
      client.send("history", this.history());
      return;
    }
    if (type === "kubectl") {
      const m = parsed.value as ClientMessage<"kubectl">;
      const reply = this.kubectl(meta, m.line, m.stdin);
      if (m.id !== undefined) reply.id = m.id;
      this.ctx.metrics.messages.inc({ type, outcome: reply.ok ? "accepted" : "refused" });
      client.send("kubectlResult", reply);
      return;
    }
    const result = this.handle(type, parsed.value, meta.studentId);
    this.ctx.metrics.messages.inc({ type, outcome: result.ok ? "accepted" : "refused" });
    const reply: ResultMessage = { type, ok: result.ok };
    if ("id" in parsed.value && parsed.value.id !== undefined) reply.id = parsed.value.id;
    if (result.ok) reply.message = result.message;
    else reply.error = result.error;
    client.send("result", reply);
    if (result.ok) this.sync();
  }

  private refuse(client: Client, type: string, code: ErrorMessage["code"], reason: string): void {
    this.ctx.metrics.messages.inc({ type: isClientMessageType(type) ? type : "unknown", outcome: code });
    if (this.state.teacher) this.state.teacher.rejectedMessages++;
    const msg: ErrorMessage = { type, code, reason };
    client.send("error", msg);
  }

  private handle(type: ClientMessageType, msg: ClientMessage<ClientMessageType>, studentId: string | undefined): CommandResult {
    switch (type) {
      case "command":
        return this.run((msg as ClientMessage<"command">).command);
      case "classControl":
        return this.control((msg as ClientMessage<"classControl">).action);
      case "setCompression": {
        const factor = (msg as ClientMessage<"setCompression">).factor;
        this.state.compression = factor;
        return { ok: true, message: `time runs ${factor}x` };
      }
      case "kick":
        return this.kick((msg as ClientMessage<"kick">).studentId);
      case "hello":
      case "getHistory":
      case "kubectl":
        return { ok: true, message: type };
      case "lessonControl":
        return this.lessonControl((msg as ClientMessage<"lessonControl">).action);
      case "setLesson":
        return this.setLesson(msg as ClientMessage<"setLesson">);
      case "answer": {
        const a = msg as ClientMessage<"answer">;
        if (!this.lesson || !studentId) return { ok: false, error: "there is no question to answer right now" };
        const r = answerPrediction(this.lesson, studentId, a.stepId, a.answer, this.sim.nodeOrder);
        if (!r.ok) return { ok: false, error: r.error };
        this.lesson = r.state;
        return { ok: true, message: "answer saved" };
      }
      case "setOptions": {
        const o = msg as ClientMessage<"setOptions">;
        if (o.advanced !== undefined) this.state.advanced = o.advanced;
        if (o.leaderboardNames !== undefined) this.state.leaderboardNames = o.leaderboardNames;
        return { ok: true, message: "options saved" };
      }
      case "nodeAction":
        return this.nodeAction(msg as ClientMessage<"nodeAction">, studentId);
    }
  }

  private control(action: ClientMessage<"classControl">["action"]): CommandResult {
    const phase = this.state.phase as Phase;
    if (!ACTION_PHASES[action].includes(phase)) return { ok: false, error: `cannot ${action} while the class is ${phase}` };
    switch (action) {
      case "start":
        this.sloBaseline = { ...this.sim.totals };
        this.state.phase = "running";
        this.lastTick = Date.now();
        break;
      case "resume":
        this.state.phase = "running";
        this.lastTick = Date.now();
        break;
      case "pause":
        this.state.phase = "paused";
        break;
      case "debrief":
        this.state.phase = "debrief";
        break;
      case "end":
        this.state.phase = "ended";
        void this.lock();
        this.clock.setTimeout(() => this.disconnect(CloseCodes.classEnded), 60_000);
        break;
      case "reset":
        this.resetSimulation();
        this.state.phase = "lobby";
        break;
      case "lock":
        this.state.locked = true;
        break;
      case "unlock":
        this.state.locked = false;
        break;
    }
    this.log.info({ role: "teacher", action }, "class control");
    return { ok: true, message: `class ${action}` };
  }

  private lessonControl(action: LessonControl): CommandResult {
    if (!this.lesson) return { ok: false, error: "no lesson is running: choose one first" };
    const r = lessonControlFn(this.lesson, action);
    if (!r.ok) return { ok: false, error: r.error };
    this.lesson = r.state;
    if (this.state.phase === "running") this.stepLesson();
    this.lastTeacherLessonSync = 0; // the teacher sees the effect of their own press at once
    return { ok: true, message: r.message };
  }

  /** A built-in lesson by id, a teacher's own YAML, or null for free play. The class starts over. */
  private setLesson(m: ClientMessage<"setLesson">): CommandResult {
    let lesson: Lesson | null = null;
    if (m.yaml !== undefined) {
      const r = parseLesson(m.yaml);
      if (!r.ok) return { ok: false, error: `that lesson file has mistakes:\n${r.errors.slice(0, 10).join("\n")}` };
      lesson = r.lesson;
    } else if (m.lessonId) {
      lesson = this.ctx.lessons.get(m.lessonId) ?? null;
      if (!lesson) return { ok: false, error: `no lesson called "${m.lessonId}"` };
    }
    if (lesson && lesson.mode !== "any" && lesson.mode !== this.opts.mode) {
      return { ok: false, error: `that lesson is for the ${lesson.mode} round; this class is in the ${this.opts.mode} round (create a new class for it)` };
    }
    this.lessonDef = lesson;
    this.resetSimulation();
    this.state.phase = "lobby";
    return { ok: true, message: lesson ? `lesson "${lesson.id}" ready: start the class to begin` : "free play" };
  }

  /** One step of the lesson runner: apply its commands through the logged path, publish its views. */
  private stepLesson(): void {
    if (!this.lesson) return;
    const r = lessonTick(this.lesson, this.sim);
    this.lesson = r.state;
    for (const a of r.actions) {
      if (a.type === "apply") {
        const applied = this.run(a.command);
        if (!applied.ok) this.log.warn({ role: "server", step: a.stepId, error: applied.error }, "lesson command refused");
      } else if (a.type === "lessonDone") {
        if (this.state.phase === "running") this.state.phase = "debrief";
      }
    }
  }

  private kick(studentId: string): CommandResult {
    const st = this.students.get(studentId);
    if (!st) return { ok: false, error: `no student with id "${studentId}"` };
    const until = Date.now() + KICK_COOLDOWN_MS;
    if (st.deviceId) this.kicked.set(st.deviceId, until);
    this.kicked.set(st.rejoinToken, until);
    if (this.sim.nodes[st.nodeName]) this.run({ type: "drain", node: st.nodeName });
    st.leaving = true;
    const client = this.clients.find((c) => c.sessionId === st.sessionId);
    if (client) client.leave(CloseCodes.kicked, "The teacher removed you from the class.");
    if (st.connected) this.ctx.metrics.students.dec();
    st.connected = false;
    this.log.info({ role: "teacher", student: st.id }, "student kicked");
    return { ok: true, message: `${st.name} removed; node ${st.nodeName} drained` };
  }

  private nodeAction(msg: ClientMessage<"nodeAction">, studentId: string | undefined): CommandResult {
    const st = studentId ? this.students.get(studentId) : undefined;
    if (!st || !this.sim.nodes[st.nodeName]) return { ok: false, error: "you have no node in this class" };
    const node = st.nodeName;
    switch (msg.action) {
      case "cordon":
      case "uncordon":
      case "drain":
        return this.run({ type: msg.action, node });
      case "restartContainer":
        if (!msg.service) return { ok: false, error: "say which service to restart" };
        return this.run({ type: "composeRestart", node, service: msg.service });
    }
  }

  /**
   * Advance the cluster by wall time x compression, then refresh what clients see. The city also
   * runs in the lobby, so apartments are built while students join; points and the SLO count only
   * once the class has started.
   */
  private tick(): void {
    const now = Date.now();
    const wallDt = Math.min(1000, now - this.lastTick);
    this.lastTick = now;
    const phase = this.state.phase;
    const held = this.lesson !== null && clockHeld(this.lesson);
    if ((phase === "running" && !held) || (phase === "lobby" && !this.lesson)) {
      const started = performance.now();
      const before = this.sim.timeMs;
      const dt = Math.round(wallDt * this.state.compression);
      // advance(0) would run events already due between two commands of one cluster millisecond,
      // which a replay of the command log could not reproduce.
      if (dt > 0) advance(this.sim, dt);
      this.ctx.metrics.simStep.observe((performance.now() - started) / 1000);
      if (phase === "running") {
        this.state.wallMs += wallDt;
        this.tally(this.sim.timeMs - before);
      }
    }
    if (phase === "running" || phase === "paused") this.stepLesson();
    this.removeDrainedNodes();
    this.sync();
    this.checkIdle(now);
  }

  /** Points: time the student's node was ready and requests its pods answered. */
  private tally(dtMs: number): void {
    const servedByNode = new Map<string, number>();
    for (const name in this.sim.pods) {
      const p = this.sim.pods[name]!;
      if (p.nodeName && p.servedLastSecond > 0) servedByNode.set(p.nodeName, (servedByNode.get(p.nodeName) ?? 0) + p.servedLastSecond);
    }
    for (const st of this.students.values()) {
      const node = this.sim.nodes[st.nodeName];
      if (!node) continue;
      if (node.ready === "True") st.readyMs += dtMs;
      st.served += ((servedByNode.get(st.nodeName) ?? 0) * dtMs) / 1000;
    }
  }

  private removeDrainedNodes(): void {
    for (const st of this.students.values()) {
      const node = this.sim.nodes[st.nodeName];
      // A leaving student's node goes once its drain has finished (a disruption budget may hold it).
      if (st.leaving && node && !node.draining) {
        this.run({ type: "removeNode", node: st.nodeName });
      }
    }
  }

  private checkIdle(now: number): void {
    if (this.clients.length > 0) {
      this.emptySince = null;
      return;
    }
    this.emptySince ??= now;
    if (now - this.emptySince > this.ctx.config.IDLE_TIMEOUT_SECONDS * 1000) {
      this.log.info({ role: "server" }, "closing idle class");
      void this.disconnect(CloseCodes.classEnded);
    }
  }

  private sync(): void {
    const owners = new Map<string, StudentLink>();
    for (const st of this.students.values()) {
      owners.set(st.nodeName, { id: st.id, name: st.name });
      const v = this.state.students.get(st.id);
      if (!v) continue;
      if (v.connected !== st.connected) v.connected = st.connected;
      const p = points(st) + (this.lesson ? studentLessonPoints(this.lesson, st.id) : 0);
      if (v.points !== p) v.points = p;
    }
    syncState(this.sim, this.state, owners, this.sloBaseline);
    this.syncLesson();
  }

  /**
   * kubectl against the class's cluster. The console is pure: it prints, and for changes returns the
   * simulation commands, which go through the same path as the teacher's buttons (and the replay log).
   */
  private kubectl(meta: { role: Role; studentId?: string }, line: string, stdin?: string): KubectlReply {
    const teacher = meta.role === "teacher";
    if (!teacher && !this.state.advanced) return { ok: false, output: "The teacher has not opened the kubectl console to students." };
    const user = teacher ? "teacher" : (this.students.get(meta.studentId ?? "")?.name ?? "student");
    const opts: { allowMutations: boolean; user: string; epochMs: number; stdin?: string } = { allowMutations: teacher, user, epochMs: this.createdAt };
    if (stdin !== undefined) opts.stdin = stdin;
    const r = kubectl(this.sim, line, opts);
    let output = r.output;
    let ok = r.ok;
    for (const command of r.commands) {
      const applied = this.run(command);
      if (!applied.ok) {
        output += `\nerror: ${applied.error}`;
        ok = false;
        break;
      }
    }
    if (r.commands.length > 0) this.sync();
    if (output.length > MAX_KUBECTL_OUTPUT) output = output.slice(0, MAX_KUBECTL_OUTPUT) + "\n… (output cut: narrow it with a name or -l)";
    return { ok, output };
  }

  /** Teacher-only download: the city as real manifests (or a compose.yaml in the Compose round). */
  exportFor(teacherKey: string): { ok: true; body: string; filename: string } | { ok: false } {
    if (!safeEqual(sha256(teacherKey), this.opts.teacherKeyHash)) return { ok: false };
    return this.sim.mode === "compose"
      ? { ok: true, body: exportCompose(this.sim), filename: "compose.yaml" }
      : { ok: true, body: exportManifests(this.sim), filename: `container-city-${this.roomId}.yaml` };
  }

  /** The debrief's data: metric samples and what the teacher injected, both on the cluster clock. */
  private history(): HistoryMessage {
    const routine = new Set(["heartbeat", "addNode", "removeNode", "expose"]);
    const annotations = this.commandLog
      .filter((e) => !routine.has(e.command.type))
      .map((e) => ({ t: e.atMs, label: describeCommand(e.command, e.note) }));
    return { samples: this.sim.history, annotations };
  }

  /** Lesson views as JSON strings, written only when they change; the teacher's at most twice a second. */
  private syncLesson(): void {
    const view = this.lesson ? publicLessonView(this.lesson) : null;
    const step = this.lesson ? currentStep(this.lesson) : null;
    const image = step?.showImage ? imageLayersView(this.sim, step.showImage) : null;
    const pub = view ? JSON.stringify({ ...view, image }) : "";
    if (this.state.lesson !== pub) this.state.lesson = pub;
    const now = Date.now();
    if (this.state.teacher && now - this.lastTeacherLessonSync >= 500) {
      this.lastTeacherLessonSync = now;
      const tv = this.lesson ? JSON.stringify(teacherLessonView(this.lesson)) : "";
      if (this.state.teacher.lesson !== tv) this.state.teacher.lesson = tv;
    }
  }

  /** For tests and replays: the simulation and its command log. */
  inspect(): { sim: ClusterState; log: readonly { atMs: number; command: Command; note?: string }[] } {
    return { sim: this.sim, log: this.commandLog };
  }

  override onBeforeShutdown(): void {
    this.broadcast("notice", { kind: "shutdown", text: "The server is restarting; this class has closed." });
    void this.disconnect(CloseCodes.classEnded);
  }
}

/** "killNode node-bao"; for a random pick the simulation's note says what was hit ("killNode: node/bao powered off"). */
function describeCommand(c: Command, note?: string): string {
  const target = "node" in c && c.node ? ` ${c.node}` : "pod" in c && c.pod ? ` ${c.pod}` : "app" in c && c.app ? ` ${c.app}` : "deployment" in c ? ` ${c.deployment}` : "service" in c ? ` ${c.service}` : "";
  const random = (c.type === "killNode" || c.type === "partitionNode" || c.type === "crashContainer" || c.type === "leakMemory") && !("node" in c && c.node) && !("pod" in c && c.pod);
  return random && note ? `${c.type}: ${note}` : `${c.type}${target}`;
}

function approxSize(payload: unknown): number {
  try {
    return JSON.stringify(payload ?? null).length;
  } catch {
    return Infinity;
  }
}

/** A short, non-identifying description of the student's device for the teacher's roster. */
function describeDevice(ua: string): string {
  if (!ua) return "unknown device";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS/.test(ua) ? "macOS" : /CrOS/.test(ua) ? "ChromeOS" : /Linux/.test(ua) ? "Linux" : "other";
  const browser = /Edg\//.test(ua) ? "Edge" : /Chrome\//.test(ua) ? "Chrome" : /Firefox\//.test(ua) ? "Firefox" : /Safari\//.test(ua) ? "Safari" : "browser";
  return `${browser} on ${os}`;
}
