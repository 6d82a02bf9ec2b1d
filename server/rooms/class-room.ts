/**
 * One class = one Colyseus room = one cluster simulation. The room owns the roster and the roles;
 * the simulation owns every outcome. A student's connection feeds its node's heartbeat: a drop
 * stops the kubelet's lease, a reconnection within the window brings the same node back.
 *
 * Every class is recorded (server/store): its command log and timeline every second, a snapshot
 * every STORE_SNAPSHOT_SECONDS and at every phase change. After a restart the server re-creates
 * the room from that record (options.resume): same code, same teacher key, the students' nodes and
 * points, paused. Keys and tokens are kept only as sha256 hashes.
 */
import { CloseCode, Protocol, Room, ServerError, type AuthContext, type Client, type Deferred } from "@colyseus/core";
import { advance, applyCommand, createCluster, type ClusterState, type Command, type CommandResult } from "../../shared/sim/index.ts";
import {
  ACTION_PHASES, CloseCodes, MAX_KUBECTL_OUTPUT, clientMessageSchemas, joinOptionsSchema,
  type ClientMessage, type ClientMessageType, type HistoryMessage, type KubectlReply, type Phase, type ResultMessage, type Role, type WelcomeMessage,
} from "../../shared/protocol/messages.ts";
import { points, sloTotals } from "../../shared/game/score.ts";
import { ClassRecorder, type PredictionResult, type RecorderSource, type RoomData, type RosterEntry } from "../store/index.ts";
import { finishClass, resumeState } from "../reports/index.ts";
import { exportCompose, exportManifests, kubectl } from "../../shared/kubectl/index.ts";
import {
  answerPrediction, clockHeld, currentStep, imageLayersView, lessonControl as lessonControlFn, lessonScores, lessonTick, parseLesson,
  publicLessonView, startLesson, studentAnswers, studentAwards, studentLessonPoints, teacherLessonView, type Lesson, type LessonControl, type LessonState,
} from "../../shared/lessons/index.ts";
import { cleanNickname, generateNickname, uniqueNickname } from "../nicknames.ts";
import { syncState, type StudentLink } from "../sync.ts";
import { servedByNode } from "../../shared/sim/views.ts";
import { ClassState, TeacherPanel } from "./schema.ts";
import { safeEqual, sha256 } from "../secrets.ts";
import type { ServerContext } from "../context.ts";
import { KICK_COOLDOWN_MS, Roster, describeDevice, studentView, type Student } from "./roster.ts";
import { MessageGate } from "./message-gate.ts";
import { PersonalMessages, ProjectorViews } from "./audiences.ts";

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
  /** Re-create a class from the store after a restart (the keys above: the stored teacher key hash, a fresh display key). */
  resume?: boolean;
}

/** Room data the store keeps beside the simulation (RoomData.extra), to carry on after a restart. */
interface RoomExtra {
  sloBaseline?: { requests: number; errors: number };
  advanced?: boolean;
  leaderboardNames?: boolean;
  /** Wall ms of cluster time 0 (kubectl's dates). */
  createdAt?: number;
  /** The lesson engine's state: plain JSON, the lesson itself included (a teacher's own YAML too). */
  lesson?: LessonState | null;
}

interface AuthResult {
  role: Role;
  studentId?: string;
  name?: string;
  device?: string;
}

/** Points, per-pod load and the SLO figures change every tick; clients get them this often. */
const SLOW_SYNC_MS = 1000;
/** The clock alone (a quiet class) is published this often; clients tick their countdowns between. */
const CLOCK_SYNC_MS = 500;
/** A failing store (full disk) is logged at most this often per class, with a count. */
const STORE_ERROR_LOG_MS = 30_000;

export class ClassRoom extends Room<{ state: ClassState }> {
  static context: ServerContext;

  override state = new ClassState();
  private sim!: ClusterState;
  /** The lesson being run, if any: a pure state machine stepped on every tick. */
  private lesson: LessonState | null = null;
  private lessonDef: Lesson | null = null;
  private lastTeacherLessonSync = 0;
  /** The lesson state the teacher's view was last written from (the runner replaces it on every change). */
  private teacherLessonFor: LessonState | null | undefined = undefined;
  /** A teacher's press moved the lesson since the last tick: publish it before the cluster moves on. */
  private publishLessonFirst = false;
  private opts!: ClassRoomOptions;
  private students = new Roster();
  private gate = new MessageGate({
    rate: () => ({ perSecond: this.ctx.config.MESSAGE_RATE, burst: this.ctx.config.MESSAGE_BURST }),
    metrics: ClassRoom.context.metrics,
    log: () => this.log,
    onRefused: () => {
      if (this.state.teacher) this.state.teacher.rejectedMessages++;
    },
  });
  /** Reconnection windows still open, by session id: a student who rejoins elsewhere closes the old one. */
  private waitingSeats = new Map<string, Deferred<Client>>();
  /** Every applied command at its cluster time (replayable), with the simulation's answer for people. */
  private commandLog: { atMs: number; command: Command; note?: string }[] = [];
  private lastTick = 0;
  /** Something the clients see may have changed since the last sync (left to the next patch). */
  private dirty = true;
  private tickWithPatch = false;
  /** Wall ms of the last sync that wrote the once-a-second figures, and of the last clock write. */
  private lastSlowSync = 0;
  private lastClockSync = 0;
  /** Wall ms the class has run, pauses excluded (published with the clock). */
  private wallMs = 0;
  /** Requests and errors before the class started: the SLO counts from the start, not the warm-up. */
  private sloBaseline = { requests: 0, errors: 0 };
  /** Wall time at which cluster time 0 happened, for kubectl's dates. */
  private createdAt = Date.now();
  private emptySince: number | null = null;
  private recorder!: ClassRecorder;
  /** Coalesced "save now" requests: one snapshot in flight, at most one more queued. */
  private saving: Promise<void> | null = null;
  private saveQueued = false;
  /** The end of the class (last save, report), once it began. */
  private ending: Promise<void> | null = null;
  /** onBeforeShutdown ran: the class is saved to be resumed, not ended. */
  private shuttingDown = false;
  /** Cluster ms at which each answer was last given, by "stepId\nstudentId" (for the report). */
  private answeredAt = new Map<string, number>();
  private storeErrors = { count: 0, loggedAt: 0 };
  private projectors = new ProjectorViews();
  private personal = new PersonalMessages();
  /** onCreate completed (a failed one is disposed too, and must neither count nor end anything). */
  private created = false;
  private get ctx(): ServerContext {
    return ClassRoom.context;
  }
  private get log() {
    return this.ctx.logger.child({ class: this.roomId });
  }

  override async onCreate(options: ClassRoomOptions): Promise<void> {
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
    const recorderOpts = {
      snapshotEveryMs: this.ctx.config.STORE_SNAPSHOT_SECONDS * 1000,
      onError: (err: unknown, what: string) => this.storeFailed(err, what),
    };
    if (options.resume) {
      await this.restore(recorderOpts);
    } else {
      await this.ctx.store.createClass({
        code: options.code,
        teacherKeyHash: options.teacherKeyHash,
        displayKeyHash: options.displayKeyHash,
        mode: options.mode,
        seed: options.seed,
        compression: options.compression,
        lessonId: options.lessonId,
        maxStudents: options.maxStudents,
        joinUrl: options.joinUrl,
      });
      this.recorder = ClassRecorder.forNewClass(this.ctx.store, options.code, this.recorderSource(), recorderOpts);
      this.lessonDef = options.lessonId ? (this.ctx.lessons.get(options.lessonId) ?? null) : null;
      this.resetSimulation();
      // The compression asked for at creation wins: the lesson's own is only its default.
      this.state.compression = options.compression;
    }
    this.lastTick = Date.now();
    // Ticking right before each patch keeps the steps regular and sends nothing stale; a
    // different simulation rate gets its own timer, and the patch then syncs what it did.
    if (this.ctx.config.SIM_RATE_HZ !== this.ctx.config.PATCH_RATE_HZ) this.clock.setInterval(() => this.tick(), 1000 / this.ctx.config.SIM_RATE_HZ);
    else this.tickWithPatch = true;
    for (const type of Object.keys(clientMessageSchemas) as ClientMessageType[]) {
      this.onMessage(type, (client, payload) => this.receive(client, type, payload));
    }
    this.onMessage("*", (client, type) => this.gate.unknown(client, type));
    this.ctx.metrics.classes.inc();
    this.created = true;
    if (options.resume) this.log.info({ role: "server", students: this.students.size, clusterMs: this.sim.timeMs, phase: this.state.phase }, "class resumed");
    else this.log.info({ role: "server", mode: options.mode, compression: options.compression }, "class created");
  }

  /**
   * Back from the store after a restart: the cluster from the last snapshot plus the commands
   * logged after it, the roster with every student disconnected (their nodes stop heartbeating,
   * through the logged path, so a replay agrees), and a running class paused until the teacher
   * resumes it.
   */
  private async restore(recorderOpts: { snapshotEveryMs: number; onError: (err: unknown, what: string) => void }): Promise<void> {
    const store = this.ctx.store;
    const loaded = await store.loadClass(this.opts.code);
    if (!loaded) throw new Error(`class ${this.opts.code} is not in the store`);
    if (loaded.meta.endedAt !== null) throw new Error(`class ${this.opts.code} has ended`);
    for (const warning of loaded.warnings) this.log.warn({ role: "server", warning }, "resume: stored snapshot not used");
    this.sim = resumeState(loaded);
    this.commandLog = loaded.commands.map((e) => ({ atMs: e.atMs, command: e.command }));
    const room = loaded.snapshot?.room;
    const extra = (room?.extra ?? {}) as RoomExtra;
    if (room) {
      this.lesson = extra.lesson ?? null;
      this.lessonDef = this.lesson?.lesson ?? null;
    } else {
      // No snapshot of this run (it failed, or the crash came first): the lesson starts over.
      this.lessonDef = loaded.meta.lessonId ? (this.ctx.lessons.get(loaded.meta.lessonId) ?? null) : null;
      this.lesson = this.lessonDef ? startLesson(this.lessonDef) : null;
    }
    const phase = (room?.phase ?? "lobby") as Phase;
    this.state.phase = phase === "running" ? "paused" : phase;
    this.state.compression = room?.compression ?? loaded.meta.compression;
    this.wallMs = room?.wallMs ?? 0;
    this.state.locked = room?.locked ?? false;
    if (extra.advanced !== undefined) this.state.advanced = extra.advanced;
    if (extra.leaderboardNames !== undefined) this.state.leaderboardNames = extra.leaderboardNames;
    this.sloBaseline = extra.sloBaseline ?? { requests: 0, errors: 0 };
    this.createdAt = extra.createdAt ?? loaded.meta.createdAt;
    for (const st of this.students.restore(loaded.roster, Date.now())) this.state.students.set(st.id, studentView(st));
    this.recorder = ClassRecorder.forResumedClass(store, loaded, this.recorderSource(), recorderOpts);
    for (const st of this.students.values()) {
      if (this.sim.nodes[st.nodeName]?.connected) this.run({ type: "heartbeat", node: st.nodeName, connected: false });
    }
    // The display key was never stored in plain text: a fresh one, shown in the teacher's panel.
    await store.updateClass(this.opts.code, { displayKeyHash: this.opts.displayKeyHash });
    this.sync(Date.now());
    this.requestSave();
    if (this.state.phase === "ended") {
      // The teacher had ended it, and the crash came before its report was kept: finish the job.
      void this.lock();
      void this.finish();
      this.clock.setTimeout(() => this.disconnect(CloseCodes.classEnded), 60_000);
    }
  }

  /** What the recorder reads, at the moment of each write. */
  private recorderSource(): RecorderSource {
    return {
      sim: () => this.sim,
      commandLog: () => this.commandLog,
      room: () => this.roomData(),
      roster: () => this.roster(),
    };
  }

  private roomData(): RoomData {
    const extra: RoomExtra = {
      sloBaseline: { ...this.sloBaseline },
      advanced: this.state.advanced,
      leaderboardNames: this.state.leaderboardNames,
      createdAt: this.createdAt,
      lesson: this.lesson,
    };
    return { phase: this.state.phase as Phase, compression: this.state.compression, wallMs: this.wallMs, locked: this.state.locked, extra: extra as Record<string, unknown> };
  }

  private roster(): RosterEntry[] {
    const scores = this.lesson ? lessonScores(this.lesson) : {};
    return this.students.entries((id) => scores[id]?.correct ?? 0);
  }

  /** Snapshot now (phase changes, lesson steps, kicks); requests made while one is written coalesce into one more. */
  private requestSave(): void {
    if (this.saving) {
      this.saveQueued = true;
      return;
    }
    this.saving = this.recorder.saveNow().finally(() => {
      this.saving = null;
      if (this.saveQueued && !this.ending) {
        this.saveQueued = false;
        this.requestSave();
      }
    });
  }

  private setPhase(phase: Phase): void {
    if (this.state.phase === phase) return;
    this.state.phase = phase;
    if (phase !== "ended") this.requestSave();
  }

  private storeFailed(err: unknown, what: string): void {
    this.storeErrors.count++;
    const now = Date.now();
    if (now - this.storeErrors.loggedAt < STORE_ERROR_LOG_MS) return;
    this.storeErrors.loggedAt = now;
    this.log.error({ role: "server", err, what, failures: this.storeErrors.count }, "class store write failed; the class carries on");
  }

  /** Revealed predictions as the store keeps them (one row per student and question). */
  private predictionRows(onlyStep?: string): PredictionResult[] {
    const out: PredictionResult[] = [];
    if (!this.lesson) return out;
    for (const [stepId, ps] of Object.entries(this.lesson.predictions)) {
      if ((onlyStep !== undefined && stepId !== onlyStep) || ps.status !== "revealed") continue;
      for (const [studentId, answer] of Object.entries(ps.answers)) {
        const atMs = this.answeredAt.get(`${stepId}\n${studentId}`) ?? ps.revealedAtMs ?? this.sim.timeMs;
        out.push({ questionId: stepId, studentId, answer, correct: ps.correct?.includes(answer) ?? false, atMs });
      }
    }
    return out;
  }

  private savePredictions(rows: PredictionResult[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.ctx.store.savePredictions(this.roomId, rows).catch((err: unknown) => this.storeFailed(err, "save predictions"));
  }

  /**
   * The class is over (the teacher ended it, or it sat idle): a last save, then the report built
   * from the store and kept with it. Runs once; errors are logged, never thrown into the room.
   */
  private finish(): Promise<void> {
    this.ending ??= (async () => {
      try {
        await this.saving;
        await this.recorder.saveNow();
        await this.savePredictions(this.predictionRows());
        const report = await finishClass(this.ctx.store, this.roomId);
        this.log.info({ role: "server", incidents: report.incidents.length, students: report.class.students }, "class report saved");
      } catch (err) {
        this.log.error({ role: "server", err }, "could not save the class report");
      }
    })();
    return this.ending;
  }

  /** Before a report download of a live class: write what the store does not have yet. */
  async saveForReport(): Promise<boolean> {
    if (this.ending) await this.ending;
    else await this.recorder.saveNow();
    return true;
  }

  /** A fresh cluster with one node per student still in the class, and the shop app to look after. */
  private resetSimulation(): void {
    // First: the recorder flushes what the old run has not stored yet, then starts a new run.
    this.recorder.newRun();
    this.answeredAt.clear();
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
    this.wallMs = 0;
    this.dirty = true;
    this.forceSlowSync();
  }

  /** Apply a command and log it with its cluster time, so the class can be replayed. */
  private run(command: Command): CommandResult {
    const result = applyCommand(this.sim, command);
    this.dirty = true;
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
    if (this.students.isBlocked(o, Date.now())) throw new ServerError(403, "The teacher removed you from this class. Ask them before joining again.");
    const device = describeDevice(context.headers?.get?.("user-agent") ?? "");
    const returning = o.rejoinToken ? this.students.byToken(o.rejoinToken) : undefined;
    if (returning) return { role: "student", studentId: returning.id, name: returning.name, device };
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
    return { role: "student", name: uniqueNickname(name, this.students.names()), device };
  }

  override onJoin(client: Client, rawOptions: unknown, auth: AuthResult): void {
    const o = joinOptionsSchema.safeParse(rawOptions ?? {});
    const options = o.success ? o.data : {};
    // A view per student would cost every student its own encode of every patch.
    if (auth.role !== "student") this.projectors.attach(client, auth.role, this.state);
    this.countPatchBytes(client);
    const meta = this.gate.open(client.sessionId, auth.role);
    this.emptySince = null;
    this.dirty = true;
    if (auth.role === "teacher") {
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
    if (student) {
      // onAuth matched the token's hash: remember the token itself for this student's welcome.
      if (options.rejoinToken) st.rejoinToken = options.rejoinToken;
      if (auth.device && auth.device !== st.device) {
        st.device = auth.device;
        const v = this.state.students.get(st.id);
        if (v) v.device = auth.device;
      }
    }
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
  }

  private addStudent(name: string, deviceId: string, device: string, client: Client): Student {
    const st = this.students.add(name, { deviceId, device, sessionId: client.sessionId, takenNodeNames: Object.keys(this.sim.nodes), now: Date.now() });
    const view = studentView(st);
    this.state.students.set(st.id, view);
    this.projectors.share(view);
    this.run({ type: "addNode", name: st.nodeName });
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
    const msg: WelcomeMessage = { role: meta.role, studentId: st.id, nodeName: st.nodeName };
    if (st.rejoinToken) msg.rejoinToken = st.rejoinToken;
    return msg;
  }

  override async onDrop(client: Client): Promise<void> {
    const meta = this.gate.get(client.sessionId);
    const st = meta?.studentId ? this.students.get(meta.studentId) : undefined;
    if (st) {
      st.connected = false;
      this.run({ type: "heartbeat", node: st.nodeName, connected: false });
      this.ctx.metrics.students.dec();
    }
    const seat = this.allowReconnection(client, this.ctx.config.RECONNECT_SECONDS);
    // Colyseus 0.18 clears its reservation timer only when the reconnection succeeds: a seat
    // refused here (the student rejoined with its token) would keep the room alive for the window.
    const timer = (this as unknown as { _reservedSeatTimeouts: Record<string, ReturnType<typeof setTimeout> | undefined> })._reservedSeatTimeouts[client.sessionId];
    this.waitingSeats.set(client.sessionId, seat);
    try {
      await seat;
    } finally {
      clearTimeout(timer);
      this.waitingSeats.delete(client.sessionId);
    }
  }

  override onReconnect(client: Client): void {
    const meta = this.gate.get(client.sessionId);
    const st = meta?.studentId ? this.students.get(meta.studentId) : undefined;
    if (!st) return;
    st.connected = true;
    // Messages sent while the connection was down are lost: the next sync sends everything again.
    st.resend = true;
    if (this.sim.nodes[st.nodeName]) this.run({ type: "heartbeat", node: st.nodeName, connected: true });
    this.ctx.metrics.students.inc();
    this.dirty = true;
  }

  override onLeave(client: Client, code?: number): void {
    const meta = this.gate.close(client.sessionId);
    this.projectors.detach(client);
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
    this.dirty = true;
  }

  override async onDispose(): Promise<void> {
    void this.presence.srem(this.ctx.codeSetKey, this.roomId);
    // onCreate failed (Colyseus disposes such a room too): nothing was counted, nothing is to be ended.
    if (!this.created) return;
    this.ctx.metrics.classes.dec();
    for (const st of this.students.values()) if (st.connected) this.ctx.metrics.students.dec();
    // A restart keeps the class open to be resumed; anything else (idle, ended) ends it with its report.
    if (this.shuttingDown && !this.ending) await this.recorder.settled();
    else await this.finish();
    this.log.info({ role: "server" }, "class closed");
  }

  /** Every message passes the same gate (message-gate.ts); what gets through is handled here. */
  private receive(client: Client, type: ClientMessageType, payload: unknown): void {
    const checked = this.gate.check(client, type, payload);
    if (!checked) return;
    const { session: meta, message } = checked;
    if (type === "hello") {
      this.welcome(client, this.identity(meta));
      // After the welcome: the SDK drops messages nobody listens to yet, and the page listens
      // before it says hello. The next sync sends the student's figures and node events.
      const st = meta.studentId ? this.students.get(meta.studentId) : undefined;
      if (st) {
        st.resend = true;
        this.dirty = true;
      }
      return;
    }
    if (type === "getHistory") {
      client.send("history", this.history());
      return;
    }
    if (type === "kubectl") {
      const m = message as ClientMessage<"kubectl">;
      const reply = this.kubectl(meta, m.line, m.stdin);
      if (m.id !== undefined) reply.id = m.id;
      this.ctx.metrics.messages.inc({ type, outcome: reply.ok ? "accepted" : "refused" });
      client.send("kubectlResult", reply);
      return;
    }
    const result = this.handle(type, message, meta.studentId);
    this.ctx.metrics.messages.inc({ type, outcome: result.ok ? "accepted" : "refused" });
    const reply: ResultMessage = { type, ok: result.ok };
    if ("id" in message && message.id !== undefined) reply.id = message.id;
    if (result.ok) reply.message = result.message;
    else reply.error = result.error;
    client.send("result", reply);
    // The next patch carries the change: one sync per patch, however many messages came in.
    if (result.ok) this.dirty = true;
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
        this.answeredAt.set(`${a.stepId}\n${studentId}`, this.sim.timeMs);
        return { ok: true, message: "answer saved" };
      }
      case "setOptions": {
        const o = msg as ClientMessage<"setOptions">;
        if (o.advanced !== undefined) this.state.advanced = o.advanced;
        if (o.leaderboardNames !== undefined) this.state.leaderboardNames = o.leaderboardNames;
        this.forceSlowSync(); // the leaderboard shows or hides the names in the next patch
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
        this.sloBaseline = sloTotals(this.sim.totals);
        this.forceSlowSync(); // the SLO restarts from zero in the very next patch
        this.setPhase("running");
        this.lastTick = Date.now();
        break;
      case "resume":
        this.setPhase("running");
        this.lastTick = Date.now();
        break;
      case "pause":
        this.setPhase("paused");
        break;
      case "debrief":
        this.setPhase("debrief");
        break;
      case "end":
        this.setPhase("ended");
        void this.lock();
        void this.finish();
        this.clock.setTimeout(() => this.disconnect(CloseCodes.classEnded), 60_000);
        break;
      case "reset":
        this.resetSimulation();
        this.state.phase = "lobby";
        this.requestSave();
        break;
      case "lock":
        this.state.locked = true;
        this.requestSave();
        break;
      case "unlock":
        this.state.locked = false;
        this.requestSave();
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
    if (this.state.phase === "running") {
      this.stepLesson();
      // The step this press started must reach the screens before the cluster moves on: at a high
      // compression one tick can end a short step, which nobody would then ever see.
      this.publishLessonFirst = true;
    }
    this.lastTeacherLessonSync = 0; // the teacher sees the effect of their own press at once
    this.teacherLessonFor = undefined;
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
    this.requestSave();
    this.ctx.store.updateClass(this.roomId, { lessonId: lesson?.id ?? null }).catch((err: unknown) => this.storeFailed(err, "update lesson"));
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
      } else if (a.type === "revealPrediction") {
        void this.savePredictions(this.predictionRows(a.stepId));
      } else if (a.type === "lessonDone") {
        if (this.state.phase === "running") this.setPhase("debrief");
      }
    }
    // A lesson step moved: snapshot the lesson and the cluster together, so a restart neither
    // repeats the step's commands nor skips them.
    if (r.actions.length > 0) this.requestSave();
  }

  private kick(studentId: string): CommandResult {
    const st = this.students.get(studentId);
    if (!st) return { ok: false, error: `no student with id "${studentId}"` };
    this.students.block(st, Date.now() + KICK_COOLDOWN_MS);
    if (this.sim.nodes[st.nodeName]) this.run({ type: "drain", node: st.nodeName });
    st.leaving = true;
    const client = this.clients.find((c) => c.sessionId === st.sessionId);
    if (client) client.leave(CloseCodes.kicked, "The teacher removed you from the class.");
    if (st.connected) this.ctx.metrics.students.dec();
    st.connected = false;
    this.log.info({ role: "teacher", student: st.id }, "student kicked");
    this.requestSave();
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
    // Going down: the last snapshot is being written; the class resumes from exactly there.
    if (this.shuttingDown) return;
    const now = Date.now();
    const wallDt = Math.min(1000, now - this.lastTick);
    this.lastTick = now;
    const phase = this.state.phase;
    const publishFirst = this.publishLessonFirst;
    this.publishLessonFirst = false;
    const held = this.lesson !== null && (clockHeld(this.lesson) || publishFirst);
    if ((phase === "running" && !held) || (phase === "lobby" && !this.lesson)) {
      const started = performance.now();
      const before = this.sim.timeMs;
      const dt = Math.round(wallDt * this.state.compression);
      // advance(0) would run events already due between two commands of one cluster millisecond,
      // which a replay of the command log could not reproduce.
      if (dt > 0) {
        advance(this.sim, dt);
        this.dirty = true;
      }
      this.ctx.metrics.simStep.observe((performance.now() - started) / 1000);
      if (phase === "running") {
        this.wallMs += wallDt;
        this.tally(this.sim.timeMs - before);
      }
    }
    if ((phase === "running" || phase === "paused") && !publishFirst) this.stepLesson();
    this.removeDrainedNodes();
    // Saving (a snapshot of a large class is a multi-megabyte JSON) runs in a task of its own,
    // halfway to the next patch: right after this one, the two would add up into one long stall.
    setTimeout(() => {
      if (!this.shuttingDown) this.recorder.tick();
    }, this.patchRate ? this.patchRate / 2 : 0);
    this.checkIdle(now);
  }

  /** Points: time the student's node was ready and requests its pods answered. */
  private tally(dtMs: number): void {
    const served = servedByNode(this.sim);
    for (const st of this.students.values()) {
      const node = this.sim.nodes[st.nodeName];
      if (!node) continue;
      if (node.ready === "True") st.readyMs += dtMs;
      st.served += ((served.get(st.nodeName) ?? 0) * dtMs) / 1000;
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

  /** Colyseus calls this right before it encodes a patch: tick (unless on a timer of its own), then sync once. */
  override onBeforePatch(): void {
    if (this.tickWithPatch) this.tick();
    if (this.dirty) this.sync(Date.now());
  }

  /** The next patch carries the once-a-second figures and the leaderboard, whatever their timers say. */
  private forceSlowSync(): void {
    this.lastSlowSync = 0;
    this.personal.forceBoard();
    this.dirty = true;
  }

  /**
   * The schema from the simulation and the roster. Points and per-tick figures go out once a
   * second, the clock twice a second or with any other change: a quiet class sends empty patches.
   */
  private sync(now: number): void {
    this.dirty = false;
    const slow = now - this.lastSlowSync >= SLOW_SYNC_MS;
    if (slow) this.lastSlowSync = now;
    const owners = new Map<string, StudentLink>();
    for (const st of this.students.values()) {
      owners.set(st.nodeName, { id: st.id, name: st.name });
      const v = this.state.students.get(st.id);
      if (v && v.connected !== st.connected) v.connected = st.connected;
    }
    const clock = now - this.lastClockSync >= CLOCK_SYNC_MS;
    const changed = syncState(this.sim, this.state, owners, {
      since: this.sloBaseline, slow, clock,
      created: (v) => this.projectors.share(v),
      nodeEvent: (e) => {
        const st = this.students.get(owners.get(e.node)?.id ?? "");
        if (st?.connected) st.pendingEvents.set(e.id, e);
      },
    }) + this.syncLesson();
    if (clock || changed > 0) this.lastClockSync = now;
    // Only the debrief reads the wall clock: once a second is plenty.
    if (slow && this.state.wallMs !== this.wallMs) this.state.wallMs = this.wallMs;
    this.personal.send({
      state: this.state, sim: this.sim, students: () => this.students.values(),
      pointsOf: (st) => points(st) + (this.lesson ? studentLessonPoints(this.lesson, st.id) : 0),
      answersOf: (st) => (this.lesson ? studentAnswers(this.lesson, st.id) : null),
      awardsOf: (st) => (this.lesson ? studentAwards(this.lesson, st.id) : null),
      clientOf: (sessionId) => this.clients.getById(sessionId),
    }, slow, now);
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

  /** Lesson views as JSON strings, written only when they change; the teacher's at most twice a second. Returns the fields written. */
  private syncLesson(): number {
    let changed = 0;
    const view = this.lesson ? publicLessonView(this.lesson) : null;
    const step = this.lesson ? currentStep(this.lesson) : null;
    const image = step?.showImage ? imageLayersView(this.sim, step.showImage) : null;
    const pub = view ? JSON.stringify({ ...view, image }) : "";
    if (this.state.lesson !== pub) {
      this.state.lesson = pub;
      changed++;
    }
    const now = Date.now();
    if (this.state.teacher && this.lesson !== this.teacherLessonFor) {
      if (now - this.lastTeacherLessonSync >= 500) {
        this.lastTeacherLessonSync = now;
        this.teacherLessonFor = this.lesson;
        const tv = this.lesson ? JSON.stringify(teacherLessonView(this.lesson)) : "";
        if (this.state.teacher.lesson !== tv) this.state.teacher.lesson = tv;
      } else {
        // Throttled: look again at the next patch, or an answer given while the clock is held
        // would wait for the next unrelated change to reach the teacher.
        this.dirty = true;
      }
    }
    return changed;
  }

  /** For tests and replays: the simulation and its command log. */
  inspect(): { sim: ClusterState; log: readonly { atMs: number; command: Command; note?: string }[] } {
    return { sim: this.sim, log: this.commandLog };
  }

  /**
   * A restart (SIGTERM, a deploy): save the class as it is, then close it without ending it, so
   * the next boot resumes it. Colyseus waits for every room to dispose before it exits.
   */
  override onBeforeShutdown(): void {
    this.shuttingDown = true;
    const text = this.ctx.persistent && !this.ending
      ? "The server is restarting. Your class is saved: join again in a moment to carry on."
      : "The server is restarting; this class has closed.";
    this.broadcast("notice", { kind: "shutdown", text });
    void (async () => {
      try {
        await this.saving;
        if (!this.ending) await this.recorder.saveNow();
      } catch (err) {
        this.log.error({ role: "server", err }, "could not save the class before shutdown");
      }
      await this.disconnect(this.ctx.persistent && !this.ending ? CloseCodes.restarting : CloseCodes.classEnded);
    })();
  }
}

/** "killNode node-bao"; for a random pick the simulation's note says what was hit ("killNode: node/bao powered off"). */
function describeCommand(c: Command, note?: string): string {
  const target = "node" in c && c.node ? ` ${c.node}` : "pod" in c && c.pod ? ` ${c.pod}` : "app" in c && c.app ? ` ${c.app}` : "deployment" in c ? ` ${c.deployment}` : "service" in c ? ` ${c.service}` : "";
  const random = (c.type === "killNode" || c.type === "partitionNode" || c.type === "crashContainer" || c.type === "leakMemory") && !("node" in c && c.node) && !("pod" in c && c.pod);
  return random && note ? `${c.type}: ${note}` : `${c.type}${target}`;
}
