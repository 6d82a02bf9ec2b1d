/**
 * Load benchmark: the real game server in a child process, bot students over real WebSockets on
 * 127.0.0.1, one scenario after another, each on a fresh server.
 *
 *   npm run bench:load                          every scenario (about 7 minutes), a block per scenario and a summary
 *   npm run bench:load -- --quick               smaller and shorter: a smoke test (under 2 minutes)
 *   npm run bench:load -- --json                one JSON object per scenario and line (progress on stderr)
 *   npm run bench:load -- --scenarios class-300,inject-300
 *   npm run bench:load -- --profile /tmp/loadprof   server under --cpu-prof; hot functions of each measured window
 *   npm run bench:load -- --bots startbot       students from server/bot.ts's startBot (every one decodes the state)
 *
 * Scenarios: class-30, class-300, class-1000 (one class of N), classes-40x30 (40 classes of 30),
 * join-burst-300 (300 students in 10 s), inject-300 (a teacher injects a failure every 10 s).
 *
 * What is measured, per scenario:
 *  - join latency: joinById called -> `welcome` received (the seat, the full state, then the hello's answer);
 *  - injection -> visible: the teacher sends a command with an id; each sampled student decodes its
 *    state after every patch, and the time until it shows the change is one sample (steady
 *    scenarios use a gentle probe, cordon/uncordon of one node, every 10 s);
 *  - server CPU from /proc/<pid>/stat (utime + stime, % of one core), RSS from /proc;
 *  - event-loop lag p99/max from the server's own prom-client metric
 *    container_city_process_nodejs_eventloop_lag_p99_seconds (perf_hooks, 10 ms resolution: an idle
 *    loop reads ~11 ms), scraped at the start and the end of the window (each scrape resets it);
 *  - simulation step time (container_city_sim_step_seconds histogram delta over the window);
 *  - patch bytes (container_city_patch_bytes_total delta) per student and second, bytes the bots send;
 *  - the JSON baseline: JSON.stringify(state.toJSON()).length of a sampled student's decoded state
 *    x the patch rate, i.e. what a full-state JSON broadcast would send each student.
 */
import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { DEFAULT_BEHAVIOUR, muteSdkReconnectLogs, seededRandom, startBot, type Bot } from "../server/bot.ts";
import type { CreateClassResponse } from "../shared/protocol/messages.ts";
import type { Command } from "../shared/sim/index.ts";
import { Student, Teacher, diffTraffic, newStudentStats, newTraffic, type StudentBehaviour, type StudentStats, type Traffic } from "./load-clients.ts";
import { ChurnMeter, type ChurnRow } from "./load-churn.ts";
import { formatProfile, summarizeProfile, type ProfileSummary } from "./load-profile.ts";
import {
  ROOT, describeCheckout, histogramDelta, lagControl, histogramQuantile, hostCpuTicks, metric, procSample, scrape, sleep, startServer, type Metrics, type ServerHandle,
} from "./load-server.ts";

const PATCH_RATE_HZ = Number(process.env.PATCH_RATE_HZ ?? 10);

/**
 * "refId not found" errors of the @colyseus/schema decoder in any decoding client of this process
 * (it logs them with console.error and carries on, skipping the structure): a client whose
 * decoded state has lost track of the server's. Counted, and only the first one printed.
 */
const decoder = { errors: 0, first: null as string | null };
const LAG = "container_city_process_nodejs_eventloop_lag";

// ---------------------------------------------------------------------------------------------
// Scenarios

type TargetKind = "lag" | "bytes" | "baseline" | "inject" | "join";

interface Scenario {
  name: string;
  classes: number;
  perClass: number;
  /** Joins per second (spread evenly), or all of them over burstSeconds. */
  joinRate: number;
  burstSeconds: number | null;
  warmupSeconds: number;
  measureSeconds: number;
  /**
   * "probe": cordon/uncordon of a sampled student's node (a change of two fields, so it hardly
   * disturbs the steady state); "failures": the teacher's failure cycle. Each is jittered by 0-100 ms
   * so that the injections do not keep one phase against the server's 100 ms patch clock.
   */
  injections: "probe" | "failures";
  injectEverySeconds: number;
  /** Students of class 0 that decode the state (the eyes of the injection measure). */
  sampled: number;
  targets: TargetKind[];
}

function scenarios(quick: boolean): Scenario[] {
  const q = quick;
  const base = { warmupSeconds: q ? 3 : 8, measureSeconds: q ? 8 : 30, injections: "probe" as const, injectEverySeconds: q ? 1 : 2, sampled: q ? 5 : 10, burstSeconds: null };
  return [
    { ...base, name: "class-30", classes: 1, perClass: 30, joinRate: 30, measureSeconds: q ? 8 : 20, targets: ["bytes", "baseline"] },
    { ...base, name: "class-300", classes: 1, perClass: q ? 100 : 300, joinRate: q ? 50 : 60, targets: ["bytes", "baseline"] },
    { ...base, name: "class-1000", classes: 1, perClass: q ? 200 : 1000, joinRate: q ? 50 : 40, warmupSeconds: q ? 3 : 10, targets: ["lag", "bytes", "baseline"] },
    { ...base, name: "classes-40x30", classes: q ? 5 : 40, perClass: q ? 10 : 30, joinRate: q ? 50 : 50, sampled: q ? 3 : 5, warmupSeconds: q ? 3 : 10, targets: ["lag", "bytes", "baseline"] },
    { ...base, name: "join-burst-300", classes: 1, perClass: q ? 60 : 300, joinRate: 0, burstSeconds: q ? 3 : 10, warmupSeconds: q ? 2 : 5, measureSeconds: q ? 5 : 15, targets: ["join"] },
    {
      ...base, name: "inject-300", classes: 1, perClass: q ? 100 : 300, joinRate: q ? 50 : 60, injections: "failures",
      measureSeconds: q ? 12 : 90, injectEverySeconds: q ? 1.5 : 10, sampled: q ? 5 : 20, targets: ["inject", "bytes", "baseline"],
    },
  ];
}

const TARGETS: Record<TargetKind, { label: string; limit: number; unit: string }> = {
  lag: { label: "event-loop lag p99", limit: 50, unit: "ms" },
  bytes: { label: "patch bytes per student", limit: 2048, unit: "B/s" },
  baseline: { label: "patches vs JSON broadcast", limit: 5, unit: "%" },
  inject: { label: "injection -> visible p99", limit: 250, unit: "ms" },
  join: { label: "join p99", limit: 1000, unit: "ms" },
};

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  json: boolean;
  quick: boolean;
  only: string[] | null;
  profileDir: string | null;
  bots: "lite" | "startbot";
  seconds: number | null;
  actionsPerMinute: number;
  dropRate: number;
  top: number;
  churn: boolean;
  serverRoot: string | null;
  sampleJoin: "first" | "spread" | "last";
}

const HELP = `Usage: node bench/load.ts [options]

  --quick               smaller classes and shorter windows (a smoke test, under 2 min)
  --json                one JSON object per scenario and line on stdout
  --scenarios a,b       only these (${scenarios(false).map((s) => s.name).join(", ")})
  --seconds N           measured window of every scenario, in seconds
  --profile DIR         run the server with --cpu-prof into DIR (e.g. /tmp/loadprof) and print
                        the hot functions of each measured window
  --top N               hot functions to print per profile (default 12)
  --bots lite|startbot  lite (default): @colyseus/sdk clients, only the sampled ones decode the state;
                        startbot: server/bot.ts startBot for every student (each decodes the state)
  --actions-per-minute N   own-node cordon/drain per student per minute (default ${DEFAULT_BEHAVIOUR.actionsPerMinute})
  --drop-rate N         Wi-Fi drops per student per minute, resumed by the SDK (default 0)
  --server-root DIR     run the server of another checkout (e.g. a clean \`git archive\` export whose
                        node_modules is a link to this one's); default: this working tree
  --sample-join first|spread|last   when the decoding students join (default first: they watch
                        the whole run; spread/last: they join a class that is already busy)
  --churn               also name the state fields that change most per second (seen by one
                        decoding student; costs the bots' process a toJSON per patch)
`;

function parseSampleJoin(raw: string | undefined): Options["sampleJoin"] {
  if (raw === undefined) return "first";
  if (raw === "first" || raw === "spread" || raw === "last") return raw;
  throw new Error(`--sample-join must be first, spread or last (got "${raw}")`);
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      json: { type: "boolean" },
      quick: { type: "boolean" },
      scenarios: { type: "string" },
      profile: { type: "string" },
      seconds: { type: "string" },
      bots: { type: "string" },
      "actions-per-minute": { type: "string" },
      "drop-rate": { type: "string" },
      top: { type: "string" },
      churn: { type: "boolean" },
      "server-root": { type: "string" },
      "sample-join": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return null;
  const all = scenarios(false).map((s) => s.name);
  const only = values.scenarios ? values.scenarios.split(",").map((s) => s.trim()).filter(Boolean) : null;
  for (const s of only ?? []) if (!all.includes(s)) throw new Error(`--scenarios: unknown scenario "${s}" (known: ${all.join(", ")})`);
  const bots = values.bots ?? "lite";
  if (bots !== "lite" && bots !== "startbot") throw new Error(`--bots must be lite or startbot (got "${bots}")`);
  const num = (raw: string | undefined, fallback: number, flag: string, min: number, max: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${flag} must be a number from ${min} to ${max} (got "${raw}")`);
    return n;
  };
  return {
    json: values.json ?? false,
    quick: values.quick ?? false,
    only,
    profileDir: values.profile ?? null,
    bots,
    seconds: values.seconds === undefined ? null : num(values.seconds, 0, "seconds", 2, 600),
    actionsPerMinute: num(values["actions-per-minute"], DEFAULT_BEHAVIOUR.actionsPerMinute, "actions-per-minute", 0, 60),
    dropRate: num(values["drop-rate"], 0, "drop-rate", 0, 10),
    top: num(values.top, 12, "top", 1, 100),
    churn: values.churn ?? false,
    serverRoot: values["server-root"] ?? null,
    sampleJoin: parseSampleJoin(values["sample-join"]),
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics

function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const i = Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1));
  return v[i]!;
}

const round = (x: number | null, digits = 1): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits);

// ---------------------------------------------------------------------------------------------
// The players of one scenario

interface Player {
  /** The room (its state is decoded for sampled players). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly state: any;
  readonly nodeName: string;
  readonly decode: boolean;
  onStateChange(cb: () => void): void;
  setPlaying(on: boolean): void;
  close(): void;
}

function litePlayer(s: Student): Player {
  return {
    get state() {
      return s.state;
    },
    get nodeName() {
      return s.nodeName;
    },
    decode: s.decode,
    onStateChange: (cb) => s.room.onStateChange(cb),
    setPlaying: (on) => (s.playing = on),
    close: () => s.close(),
  };
}

/** Counts a startBot room's traffic from the moment it is handed over (its first full state is missed). */
function instrument(bot: Bot, traffic: Traffic): void {
  const conn = bot.room.connection;
  const send = conn.send.bind(conn);
  conn.send = (data: Buffer | Uint8Array) => {
    traffic.outBytes += data.byteLength;
    traffic.outFrames++;
    send(data);
  };
  const events = conn.events;
  const onmessage = events.onmessage;
  events.onmessage = (event: MessageEvent) => {
    const data = event.data as ArrayBuffer;
    traffic.inBytes += data.byteLength;
    traffic.inFrames++;
    if ((new Uint8Array(data, 0, 1)[0]! & 0x3f) === 15) {
      traffic.patchBytes += data.byteLength;
      traffic.patchFrames++;
    }
    onmessage?.(event);
  };
}

function botPlayer(b: Bot): Player {
  return {
    get state() {
      return b.room.state;
    },
    get nodeName() {
      return b.welcome.nodeName;
    },
    decode: true,
    onStateChange: (cb) => b.room.onStateChange(cb),
    setPlaying: () => undefined,
    close: () => {
      b.room.reconnection.enabled = false;
      try {
        b.room.connection.close();
      } catch {
        // closing
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Injections

interface Probe {
  kind: string;
  sentAt: number;
  seen: Map<Player, number>;
  /** True when a sampled player's decoded state shows the change. */
  visible: (state: AnyState) => boolean;
  ackMs: number | null;
  refused: string | null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

const PROBE_TIMEOUT_MS = 5000;

/** The teacher's failure cycle for the injection scenario: each command and what a student then sees. */
function failureCycle(step: number, targets: string[], watcher: AnyState): { command: Command; visible: (s: AnyState) => boolean } | null {
  const node = (i: number) => targets[i % targets.length]!;
  switch (step % 8) {
    case 0:
      return { command: { type: "killNode", node: node(0) }, visible: (s) => s.nodes?.get(node(0))?.powered === false };
    case 1:
      return { command: { type: "restoreNode", node: node(0) }, visible: (s) => s.nodes?.get(node(0))?.powered === true };
    case 2: {
      let pod: string | null = null;
      let restarts = 0;
      watcher?.pods?.forEach((p: AnyState, name: string) => {
        if (!pod && p.running && p.status === "Running") {
          pod = name;
          restarts = p.restarts;
        }
      });
      if (!pod) return null;
      const name: string = pod;
      return {
        command: { type: "crashContainer", pod: name },
        visible: (s) => {
          const p = s.pods?.get(name);
          return !p || !p.running || p.restarts > restarts || p.status !== "Running";
        },
      };
    }
    case 3: {
      const rps0: number = watcher?.services?.get("shop")?.rps ?? 0;
      return {
        command: { type: "trafficSpike", service: "shop", multiplier: 4, rampSeconds: 0, durationSeconds: 60 },
        visible: (s) => (s.services?.get("shop")?.rps ?? 0) >= rps0 * 1.5 + 1,
      };
    }
    case 4:
      return { command: { type: "partitionNode", node: node(1) }, visible: (s) => s.nodes?.get(node(1))?.partitioned === true };
    case 5:
      return { command: { type: "restoreNode", node: node(1) }, visible: (s) => s.nodes?.get(node(1))?.partitioned === false };
    case 6:
      return { command: { type: "cordon", node: node(2) }, visible: (s) => s.nodes?.get(node(2))?.cordoned === true };
    default:
      return { command: { type: "uncordon", node: node(2) }, visible: (s) => s.nodes?.get(node(2))?.cordoned === false };
  }
}

/** The gentle probe of the steady scenarios: cordon, then uncordon, one node nobody else touches. */
function probeCycle(step: number, target: string): { command: Command; visible: (s: AnyState) => boolean } {
  return step % 2 === 0
    ? { command: { type: "cordon", node: target }, visible: (s) => s.nodes?.get(target)?.cordoned === true }
    : { command: { type: "uncordon", node: target }, visible: (s) => s.nodes?.get(target)?.cordoned === false };
}

// ---------------------------------------------------------------------------------------------
// One scenario

export interface ScenarioResult {
  scenario: string;
  quick: boolean;
  bots: "lite" | "startbot";
  classes: number;
  studentsPerClass: number;
  students: number;
  joined: number;
  joinFailures: number;
  sampled: number;
  measureSeconds: number;
  join: { p50Ms: number | null; p99Ms: number | null; maxMs: number | null; seatP50Ms: number | null; seatP99Ms: number | null; seconds: number; serverLagP99Ms: number | null; serverCpuPct: number | null };
  injection: { kind: string; count: number; samples: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null; missed: number; refused: number; ackP50Ms: number | null; ackP99Ms: number | null; byType: Record<string, { n: number; p50Ms: number | null; p99Ms: number | null }> };
  server: { cpuPct: number | null; lagP99Ms: number | null; lagMaxMs: number | null; lagMeanMs: number | null; rssMB: number | null; rssPeakMB: number | null };
  simStep: { p50Ms: number | null; p99Ms: number | null; meanMs: number | null; perSecond: number | null };
  traffic: {
    patchBytesPerSec: number;
    outPerStudentBps: number | null;
    clientPatchPerStudentBps: number | null;
    inPerStudentBps: number | null;
    fullStateKB: number | null;
    patchFramesPerStudentPerSec: number | null;
  };
  baseline: { jsonKB: number | null; perStudentBps: number | null; patchPct: number | null };
  students_: { actions: number; results: number; errors: number; drops: number; reconnects: number; left: number; decoderErrors: number; firstDecoderError: string | null };
  /** controlLagP99Ms: the event-loop lag of an idle process during the window (host contention alone). */
  bench: { cpuPct: number; lagP99Ms: number | null; hostBusyPct: number; loadavg1: number; controlLagP99Ms: number | null };
  targets: { target: string; value: number | null; limit: number; unit: string; ok: boolean }[];
  profile?: ProfileSummary;
  /** The same profile, for the samples taken while the students joined. */
  joinProfile?: ProfileSummary;
  churn?: ChurnRow[];
  checkout?: ReturnType<typeof describeCheckout>;
  /**
   * The last student of class 0 against an early one, after the warm-up and the window: do their
   * decoded states hold the same number of nodes, pods, deployments, services and students?
   */
  lateJoiner?: { consistent: boolean | null; early: string; late: string; serverWarning?: string };
}

const MAPS = ["nodes", "pods", "deployments", "services", "students"] as const;

function compareStates(early: AnyState, late: AnyState): { consistent: boolean | null; early: string; late: string } {
  const sizes = (st: AnyState) => (st ? MAPS.map((k) => `${k} ${st[k]?.size ?? "?"}`).join(", ") : "–");
  if (!early || !late) return { consistent: null, early: sizes(early), late: sizes(late) };
  return { consistent: MAPS.every((k) => early[k]?.size === late[k]?.size), early: sizes(early), late: sizes(late) };
}

interface RunContext {
  checkout: ReturnType<typeof describeCheckout>;
  opts: Options;
  log: (line: string) => void;
  registerCleanup: (fn: () => Promise<void> | void) => () => void;
}

async function createClass(url: string, seed: number): Promise<CreateClassResponse> {
  const res = await fetch(`${url}/api/classes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seed, maxStudents: 1000 }),
    signal: AbortSignal.timeout(15_000),
  });
  if (res.status !== 201) throw new Error(`POST /api/classes answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as CreateClassResponse;
}

async function runScenario(sc: Scenario, ctx: RunContext): Promise<ScenarioResult> {
  const { opts, log, checkout } = ctx;
  const measureSeconds = opts.seconds ?? sc.measureSeconds;
  const students = sc.classes * sc.perClass;
  log(`== ${sc.name}: ${sc.classes} class(es) x ${sc.perClass} students (${opts.bots === "lite" ? "lite SDK clients" : "startBot"}), window ${measureSeconds} s`);

  if (opts.profileDir) mkdirSync(opts.profileDir, { recursive: true });
  const server: ServerHandle = await startServer({ name: `${sc.name}${opts.quick ? "-quick" : ""}`, profileDir: opts.profileDir, root: opts.serverRoot ?? undefined });
  const unregisterServer = ctx.registerCleanup(() => server.stop());
  const players: Player[] = [];
  const teachers: Teacher[] = [];
  const unregisterPlayers = ctx.registerCleanup(() => {
    for (const p of players) p.close();
    for (const t of teachers) t.close();
  });
  // Peak RSS over the whole scenario, read every second.
  let rssPeak = 0;
  const rssTimer = setInterval(() => {
    const p = procSample(server.pid);
    if (p) rssPeak = Math.max(rssPeak, p.rssBytes);
  }, 1000);

  try {
    const studentTraffic = newTraffic();
    const teacherTraffic = newTraffic();
    const stats: StudentStats = newStudentStats();
    const behaviour: StudentBehaviour = {
      actionsPerMinute: opts.actionsPerMinute,
      drainShare: DEFAULT_BEHAVIOUR.drainShare,
      cordonHoldMs: DEFAULT_BEHAVIOUR.cordonHoldMs,
      dropsPerMinute: opts.dropRate,
      offlineMs: DEFAULT_BEHAVIOUR.offlineMs,
    };
    const passive: StudentBehaviour = { ...behaviour, actionsPerMinute: 0, dropsPerMinute: 0 };
    const random = seededRandom(20_251_126, sc.name);

    // Classes and their teachers (the first class's teacher decodes: it picks the pods to crash).
    const classes: CreateClassResponse[] = [];
    for (let c = 0; c < sc.classes; c++) classes.push(await createClass(server.url, 1000 + c));
    for (const [c, cls] of classes.entries()) {
      const t = new Teacher({ url: server.url, code: cls.code, teacherKey: cls.teacherKey, decode: c === 0, traffic: teacherTraffic });
      await t.join(15_000);
      teachers.push(t);
    }

    // Joins: open loop on a fixed schedule, round robin over the classes; the sampled students of
    // class 0 join first so that they watch the whole run.
    const order: { cls: number; decode: boolean; late?: boolean }[] = [];
    const sampledAt = (i: number) => {
      if (opts.sampleJoin === "last") return i >= sc.perClass - sc.sampled;
      if (opts.sampleJoin === "spread") return i % Math.max(1, Math.floor(sc.perClass / sc.sampled)) === 0 && i / Math.max(1, Math.floor(sc.perClass / sc.sampled)) < sc.sampled;
      return i < sc.sampled;
    };
    for (let i = 0; i < sc.perClass; i++) for (let c = 0; c < sc.classes; c++) order.push({ cls: c, decode: c === 0 && sampledAt(i) });
    // A consistency check: the last student of class 0 decodes too, and its state must match an
    // early joiner's (a full state sent to a late joiner has to agree with the patches that follow).
    const lastOfClass0 = order.map((o) => o.cls).lastIndexOf(0);
    if (lastOfClass0 >= 0 && !order[lastOfClass0]!.decode) order[lastOfClass0] = { cls: 0, decode: true, late: true };
    let latePlayer: Player | null = null;
    const spacingMs = sc.burstSeconds !== null ? (sc.burstSeconds * 1000) / students : 1000 / sc.joinRate;
    const joinTimes: number[] = [];
    const seatTimes: number[] = [];
    let joinFailures = 0;
    const failures: string[] = [];
    const sampled: Player[] = [];
    const decoderErrors0 = decoder.errors;
    decoder.first = null;
    const joinBefore = await scrape(server.url);
    const joinProc0 = procSample(server.pid);
    const joinT0 = performance.now();
    const joinHr0 = process.hrtime.bigint();
    const pending: Promise<void>[] = [];
    for (const [i, o] of order.entries()) {
      const due = joinT0 + i * spacingMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const code = classes[o.cls]!.code;
      if (opts.bots === "lite") {
        // Sampled students watch and do not act: the probes cordon their nodes, nobody else may.
        const s = new Student({ url: server.url, code, decode: o.decode, traffic: studentTraffic, stats, behaviour: o.decode ? passive : behaviour, random: seededRandom(Math.floor(random() * 2 ** 32), `s${i}`) });
        const p = litePlayer(s);
        players.push(p);
        pending.push(
          s.join(30_000).then(
            (r) => {
              joinTimes.push(r.joinMs);
              seatTimes.push(r.seatMs);
              if (o.late) latePlayer = p;
              else if (o.decode) sampled.push(p);
            },
            (err: Error) => {
              joinFailures++;
              if (failures.length < 5) failures.push(err.message);
            },
          ),
        );
      } else {
        const t0 = performance.now();
        pending.push(
          startBot({
            url: server.url,
            code,
            behaviour: { dropsPerMinute: opts.dropRate, actionsPerMinute: o.decode ? 0 : opts.actionsPerMinute },
            random: seededRandom(Math.floor(random() * 2 ** 32), `s${i}`),
            joinTimeoutMs: 30_000,
          }).then(
            (b) => {
              joinTimes.push(performance.now() - t0);
              instrument(b, studentTraffic);
              const p = botPlayer(b);
              players.push(p);
              if (o.late) latePlayer = p;
              else if (o.decode) sampled.push(p);
            },
            (err: Error) => {
              joinFailures++;
              if (failures.length < 5) failures.push(err.message);
            },
          ),
        );
      }
    }
    await Promise.all(pending);
    const joinSeconds = (performance.now() - joinT0) / 1000;
    const joinHr1 = process.hrtime.bigint();
    const joinAfter = await scrape(server.url);
    const joinProc1 = procSample(server.pid);
    const joined = joinTimes.length;
    log(`   joined ${joined}/${students} in ${joinSeconds.toFixed(1)} s${joinFailures ? `; ${joinFailures} failed (${failures.join("; ")})` : ""}`);
    if (joined === 0) throw new Error("no student could join");

    // Start every class, let it settle.
    await Promise.all(teachers.map((t) => t.control("start")));
    for (const p of players) p.setPlaying(true);
    await sleep(sc.warmupSeconds * 1000);

    // Injection watchers: every sampled player checks the open probes after each patch it decodes.
    const probes: Probe[] = [];
    const open = new Set<Probe>();
    const watch = (p: Player) => {
      p.onStateChange(() => {
        if (open.size === 0) return;
        const now = performance.now();
        const st = p.state;
        for (const probe of open) {
          if (probe.seen.has(p)) continue;
          let yes: boolean;
          try {
            yes = probe.visible(st);
          } catch {
            yes = false;
          }
          if (yes) probe.seen.set(p, now - probe.sentAt);
        }
      });
    };
    for (const p of sampled) watch(p);
    const churn = opts.churn && sampled[0] ? new ChurnMeter() : null;
    if (churn) sampled[0]!.onStateChange(() => churn.observe(sampled[0]!.state));
    // Targets: nodes of the sampled students (passive in lite mode), none of whom are acted on by others.
    const targetNodes = sampled.map((p) => p.nodeName).filter(Boolean);
    const teacher0 = teachers[0]!;

    // The window.
    const benchLag = monitorEventLoopDelay({ resolution: 10 });
    const control = lagControl(measureSeconds);
    const m0 = await scrape(server.url);
    const proc0 = procSample(server.pid);
    const traffic0 = { ...studentTraffic };
    const stats0 = { ...stats };
    const cpu0 = process.cpuUsage();
    const host0 = hostCpuTicks();
    const hr0 = process.hrtime.bigint();
    const t0 = performance.now();
    benchLag.enable();
    churn?.start(sampled[0]!.state);
    const jsonSizes: number[] = [];
    const sampleJson = () => {
      const st = sampled[0]?.state;
      if (st && typeof st.toJSON === "function") jsonSizes.push(JSON.stringify(st.toJSON()).length);
    };
    sampleJson();
    let step = 0;
    const endAt = t0 + measureSeconds * 1000;
    let nextInject = t0 + Math.min(2000, sc.injectEverySeconds * 500);
    let nextJson = t0 + 5000;
    while (performance.now() < endAt) {
      const now = performance.now();
      if (now >= nextInject && targetNodes.length > 0) {
        nextInject += sc.injectEverySeconds * 1000 + random() * 100;
        const plan = sc.injections === "failures" ? failureCycle(step, targetNodes.slice(1).length ? targetNodes.slice(1) : targetNodes, teacher0.state ?? sampled[0]?.state) : probeCycle(step, targetNodes[0]!);
        step++;
        if (plan) {
          const probe: Probe = { kind: plan.command.type, sentAt: performance.now(), seen: new Map(), visible: plan.visible, ackMs: null, refused: null };
          const req = teacher0.command(plan.command);
          probes.push(probe);
          open.add(probe);
          req.result.then(
            (r) => {
              probe.ackMs = performance.now() - probe.sentAt;
              if (!r.ok) {
                probe.refused = r.error ?? "refused";
                open.delete(probe);
              }
            },
            (err: Error) => {
              probe.refused = err.message;
              open.delete(probe);
            },
          );
          setTimeout(() => open.delete(probe), PROBE_TIMEOUT_MS);
        }
      }
      if (now >= nextJson) {
        nextJson += 5000;
        sampleJson();
      }
      await sleep(Math.max(1, Math.min(endAt, nextInject, nextJson) - performance.now()));
    }
    const m1 = await scrape(server.url);
    const proc1 = procSample(server.pid);
    const hr1 = process.hrtime.bigint();
    churn?.stop();
    const elapsed = (performance.now() - t0) / 1000;
    const cpu1 = process.cpuUsage(cpu0);
    const host1 = hostCpuTicks();
    benchLag.disable();
    sampleJson();
    const traffic = diffTraffic(traffic0, studentTraffic);
    const connected = metric(m1, "container_city_students");
    const controlLag = await control;
    // Let the last probes finish before reading them.
    await sleep(Math.min(PROBE_TIMEOUT_MS, 1500));
    open.clear();

    const result = summarize({
      sc, opts, students, joined, joinFailures, sampledCount: sampled.length, measureSeconds: elapsed,
      joinTimes, seatTimes, joinSeconds, joinBefore, joinAfter, joinProc0, joinProc1,
      probes, m0, m1, proc0, proc1, rssPeak, traffic, allTraffic: studentTraffic, stats0, stats, connected,
      jsonSizes, benchCpuSeconds: (cpu1.user + cpu1.system) / 1e6, benchLagP99Ms: benchLag.count > 0 ? benchLag.percentile(99) / 1e6 : null,
      host0, host1, controlLag,
    });
    if (churn) result.churn = churn.report(opts.top);
    result.lateJoiner = compareStates(sampled[0]?.state, (latePlayer as Player | null)?.state);
    const overflow = server.output.find((l) => l.includes("buffer overflow"));
    if (overflow) result.lateJoiner.serverWarning = "@colyseus/schema buffer overflow (the full state outgrew Encoder.BUFFER_SIZE)";
    result.students_.decoderErrors = decoder.errors - decoderErrors0;
    result.students_.firstDecoderError = decoder.first;
    result.checkout = checkout;
    log(`   ${connected} students connected at the end of the window`);

    // Tear down: the server goes first (its CPU profile is written on exit), then our sockets.
    clearInterval(rssTimer);
    for (const p of players) p.setPlaying(false);
    // close() turns the SDK's reconnection off first: no reconnection storm while the server goes away.
    for (const p of players) p.close();
    for (const t of teachers) t.close();
    await server.stop();
    unregisterPlayers();
    unregisterServer();
    if (server.profilePath) {
      try {
        result.profile = summarizeProfile(server.profilePath, { fromUs: Number(hr0 / 1000n), toUs: Number(hr1 / 1000n), top: opts.top });
        result.joinProfile = summarizeProfile(server.profilePath, { fromUs: Number(joinHr0 / 1000n), toUs: Number(joinHr1 / 1000n), top: opts.top });
      } catch (err) {
        log(`   (could not read the CPU profile ${server.profilePath}: ${(err as Error).message})`);
      }
    }
    const problems = server.output.filter((l) => /"level":(50|60)|Error/.test(l));
    if (problems.length) log(`   server reported ${problems.length} error line(s), e.g. ${problems[0]!.slice(0, 300)}`);
    return result;
  } finally {
    clearInterval(rssTimer);
    for (const p of players) p.close();
    for (const t of teachers) t.close();
    await server.stop();
  }
}

interface SummaryInput {
  sc: Scenario;
  opts: Options;
  students: number;
  joined: number;
  joinFailures: number;
  sampledCount: number;
  measureSeconds: number;
  joinTimes: number[];
  seatTimes: number[];
  joinSeconds: number;
  joinBefore: Metrics;
  joinAfter: Metrics;
  joinProc0: ReturnType<typeof procSample>;
  joinProc1: ReturnType<typeof procSample>;
  probes: Probe[];
  m0: Metrics;
  m1: Metrics;
  proc0: ReturnType<typeof procSample>;
  proc1: ReturnType<typeof procSample>;
  rssPeak: number;
  traffic: Traffic;
  allTraffic: Traffic;
  stats0: StudentStats;
  stats: StudentStats;
  connected: number;
  jsonSizes: number[];
  benchCpuSeconds: number;
  benchLagP99Ms: number | null;
  host0: { busy: number; total: number };
  host1: { busy: number; total: number };
  controlLag: { p99Ms: number; maxMs: number } | null;
}

function summarize(i: SummaryInput): ScenarioResult {
  const { sc, measureSeconds: secs } = i;
  const cpuPct = (a: ReturnType<typeof procSample>, b: ReturnType<typeof procSample>, seconds: number) => (a && b && seconds > 0 ? ((b.cpuSeconds - a.cpuSeconds) / seconds) * 100 : null);

  const samples: number[] = [];
  const acks: number[] = [];
  const byType: Record<string, number[]> = {};
  let missed = 0;
  let refused = 0;
  for (const p of i.probes) {
    if (p.ackMs !== null) acks.push(p.ackMs);
    if (p.refused) {
      refused++;
      continue;
    }
    for (const v of p.seen.values()) {
      samples.push(v);
      (byType[p.kind] ??= []).push(v);
    }
    missed += Math.max(0, i.sampledCount - p.seen.size);
  }

  const step = histogramDelta(i.m0, i.m1, "container_city_sim_step_seconds");
  const patchBytes = metric(i.m1, "container_city_patch_bytes_total") - metric(i.m0, "container_city_patch_bytes_total");
  const receivers = Math.max(1, i.connected);
  const json = i.jsonSizes.length ? i.jsonSizes.reduce((a, b) => a + b, 0) / i.jsonSizes.length : null;
  const outPerStudent = patchBytes / receivers / secs;
  const baselinePerStudent = json !== null ? json * PATCH_RATE_HZ : null;
  const hostTotal = i.host1.total - i.host0.total;
  const lagP99 = metric(i.m1, `${LAG}_p99_seconds`) * 1000;

  const r: ScenarioResult = {
    scenario: sc.name,
    quick: i.opts.quick,
    bots: i.opts.bots,
    classes: sc.classes,
    studentsPerClass: sc.perClass,
    students: i.students,
    joined: i.joined,
    joinFailures: i.joinFailures,
    sampled: i.sampledCount,
    measureSeconds: round(secs, 1)!,
    join: {
      p50Ms: round(quantile(i.joinTimes, 0.5)),
      p99Ms: round(quantile(i.joinTimes, 0.99)),
      maxMs: round(quantile(i.joinTimes, 1)),
      seatP50Ms: round(quantile(i.seatTimes, 0.5)),
      seatP99Ms: round(quantile(i.seatTimes, 0.99)),
      seconds: round(i.joinSeconds, 1)!,
      serverLagP99Ms: round(metric(i.joinAfter, `${LAG}_p99_seconds`) * 1000),
      serverCpuPct: round(cpuPct(i.joinProc0, i.joinProc1, i.joinSeconds), 0),
    },
    injection: {
      kind: sc.injections,
      count: i.probes.length,
      samples: samples.length,
      p50Ms: round(quantile(samples, 0.5)),
      p99Ms: round(quantile(samples, 0.99)),
      maxMs: round(quantile(samples, 1)),
      missed,
      refused,
      ackP50Ms: round(quantile(acks, 0.5)),
      ackP99Ms: round(quantile(acks, 0.99)),
      byType: Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, { n: v.length, p50Ms: round(quantile(v, 0.5)), p99Ms: round(quantile(v, 0.99)) }])),
    },
    server: {
      cpuPct: round(cpuPct(i.proc0, i.proc1, secs), 0),
      lagP99Ms: round(lagP99),
      lagMaxMs: round(metric(i.m1, `${LAG}_max_seconds`) * 1000),
      lagMeanMs: round(metric(i.m1, `${LAG}_mean_seconds`) * 1000),
      rssMB: i.proc1 ? round(i.proc1.rssBytes / 2 ** 20, 0) : null,
      rssPeakMB: round(i.rssPeak / 2 ** 20, 0),
    },
    simStep: {
      p50Ms: round((histogramQuantile(step, 0.5) ?? NaN) * 1000, 2),
      p99Ms: round((histogramQuantile(step, 0.99) ?? NaN) * 1000, 2),
      meanMs: step.count > 0 ? round((step.sum / step.count) * 1000, 2) : null,
      perSecond: round(step.count / secs, 1),
    },
    traffic: {
      patchBytesPerSec: Math.round(patchBytes / secs),
      outPerStudentBps: round(outPerStudent, 0),
      clientPatchPerStudentBps: i.joined ? round(i.traffic.patchBytes / i.joined / secs, 0) : null,
      inPerStudentBps: i.joined ? round(i.traffic.outBytes / i.joined / secs, 1) : null,
      fullStateKB: i.allTraffic.stateFrames > 0 ? round(i.allTraffic.stateBytes / i.allTraffic.stateFrames / 1024, 1) : null,
      patchFramesPerStudentPerSec: i.joined ? round(i.traffic.patchFrames / i.joined / secs, 1) : null,
    },
    baseline: {
      jsonKB: json !== null ? round(json / 1024, 1) : null,
      perStudentBps: baselinePerStudent !== null ? Math.round(baselinePerStudent) : null,
      patchPct: baselinePerStudent ? round((outPerStudent / baselinePerStudent) * 100, 2) : null,
    },
    students_: {
      actions: i.stats.actions - i.stats0.actions,
      results: i.stats.results - i.stats0.results,
      errors: i.stats.errors - i.stats0.errors,
      drops: i.stats.drops - i.stats0.drops,
      reconnects: i.stats.reconnects - i.stats0.reconnects,
      left: i.stats.left,
      decoderErrors: 0,
      firstDecoderError: null,
    },
    bench: {
      cpuPct: Math.round((i.benchCpuSeconds / secs) * 100),
      lagP99Ms: round(i.benchLagP99Ms),
      hostBusyPct: hostTotal > 0 ? Math.round(((i.host1.busy - i.host0.busy) / hostTotal) * 100) : 0,
      loadavg1: round(loadavg1(), 2)!,
      controlLagP99Ms: round(i.controlLag?.p99Ms ?? null),
    },
    targets: [],
  };
  const value: Record<TargetKind, number | null> = {
    lag: r.server.lagP99Ms,
    bytes: r.traffic.outPerStudentBps,
    baseline: r.baseline.patchPct,
    inject: r.injection.p99Ms,
    join: r.join.p99Ms,
  };
  for (const k of sc.targets) {
    const t = TARGETS[k];
    const v = value[k];
    // A join that failed, or an injection nobody saw, is a miss whatever the percentile says.
    const extraMiss = (k === "join" && i.joinFailures > 0) || (k === "inject" && (missed > 0 || samples.length === 0));
    r.targets.push({ target: t.label, value: v, limit: t.limit, unit: t.unit, ok: v !== null && v <= t.limit && !extraMiss });
  }
  return r;
}

function loadavg1(): number {
  return loadavg()[0] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Printing

const f = (v: number | null | undefined, unit = "", digits = 0): string => (v === null || v === undefined ? "–" : `${v.toFixed(digits)}${unit}`);
const bytes = (v: number | null): string => (v === null ? "–" : v >= 1024 * 1024 ? `${(v / 2 ** 20).toFixed(2)} MB` : v >= 1024 ? `${(v / 1024).toFixed(1)} KB` : `${v.toFixed(0)} B`);

function formatResult(r: ScenarioResult): string {
  const L: string[] = [];
  L.push(`-- ${r.scenario}: ${r.classes} x ${r.studentsPerClass} = ${r.students} students${r.quick ? " (quick)" : ""}, ${r.joined} joined, ${r.sampled} decoding, window ${r.measureSeconds} s`);
  L.push(`   join        p50 ${f(r.join.p50Ms, " ms")}  p99 ${f(r.join.p99Ms, " ms")}  max ${f(r.join.maxMs, " ms")}  (seat p50 ${f(r.join.seatP50Ms, " ms")} p99 ${f(r.join.seatP99Ms, " ms")}); ${r.joined} in ${r.join.seconds} s, server CPU ${f(r.join.serverCpuPct, "%")} lag p99 ${f(r.join.serverLagP99Ms, " ms")} while joining${r.joinFailures ? `; ${r.joinFailures} FAILED` : ""}`);
  const inj = r.injection;
  const types = Object.entries(inj.byType).map(([k, v]) => `${k} ${f(v.p50Ms)}/${f(v.p99Ms)}`).join(", ");
  L.push(`   inject      ${inj.kind}: ${inj.count} commands, ${inj.samples} sightings -> visible p50 ${f(inj.p50Ms, " ms")}  p99 ${f(inj.p99Ms, " ms")}  max ${f(inj.maxMs, " ms")}; ack p50 ${f(inj.ackP50Ms, " ms")}${inj.missed ? `; ${inj.missed} not seen in ${PROBE_TIMEOUT_MS} ms` : ""}${inj.refused ? `; ${inj.refused} refused` : ""}`);
  if (types) L.push(`               by type (p50/p99 ms): ${types}`);
  L.push(`   server      CPU ${f(r.server.cpuPct, "%")} of a core  event-loop lag p99 ${f(r.server.lagP99Ms, " ms")} (mean ${f(r.server.lagMeanMs, " ms")}, max ${f(r.server.lagMaxMs, " ms")})  RSS ${f(r.server.rssMB, " MB")} (peak ${f(r.server.rssPeakMB, " MB")})`);
  L.push(`   sim step    p50 ${f(r.simStep.p50Ms, " ms", 2)}  p99 ${f(r.simStep.p99Ms, " ms", 2)}  mean ${f(r.simStep.meanMs, " ms", 2)}  (${f(r.simStep.perSecond, "/s", 1)})`);
  L.push(`   traffic     patches ${bytes(r.traffic.patchBytesPerSec)}/s in all = ${bytes(r.traffic.outPerStudentBps)}/s per student out (client-side ${bytes(r.traffic.clientPatchPerStudentBps)}/s, ${f(r.traffic.patchFramesPerStudentPerSec, "", 1)} patches/s); in ${f(r.traffic.inPerStudentBps, " B/s", 1)} per student; full state at join ${f(r.traffic.fullStateKB, " KB", 1)}`);
  L.push(`   baseline    JSON state ${f(r.baseline.jsonKB, " KB", 1)} x ${PATCH_RATE_HZ} Hz = ${bytes(r.baseline.perStudentBps)}/s per student; patches are ${f(r.baseline.patchPct, "%", 2)} of it`);
  L.push(`   students    ${r.students_.actions} actions, ${r.students_.errors} errors, ${r.students_.drops} drops, ${r.students_.reconnects} reconnects, ${r.students_.left} lost for good; ${r.students_.decoderErrors} schema decoder errors in the decoding clients${r.students_.firstDecoderError ? ` (first: ${r.students_.firstDecoderError})` : ""}`);
  L.push(`   bench       bots' process CPU ${r.bench.cpuPct}% lag p99 ${f(r.bench.lagP99Ms, " ms")}; host busy ${r.bench.hostBusyPct}% of 2 cores, load ${r.bench.loadavg1}; an idle process's lag p99 ${f(r.bench.controlLagP99Ms, " ms")}`);
  if (r.lateJoiner) {
    const lj = r.lateJoiner;
    L.push(`   late joiner ${lj.consistent === null ? "not checked" : lj.consistent ? "state consistent with an early joiner's" : `STATE CORRUPT: early joiner sees ${lj.early}; the last joiner sees ${lj.late}`}${lj.serverWarning ? `; server: ${lj.serverWarning}` : ""}`);
  }
  if (r.targets.length) L.push(`   targets     ${r.targets.map((t) => `${t.target} ${f(t.value, "", t.unit === "%" ? 2 : 0)} ${t.unit} (limit ${t.limit}) ${t.ok ? "ok" : "MISSED"}`).join(" | ")}`);
  return L.join("\n");
}

function formatSummary(results: ScenarioResult[]): string {
  const head = ["scenario", "students", "join p50/p99 ms", "visible p50/p99 ms", "CPU %", "lag p99 ms", "idle lag", "step p99 ms", "B/s/student out", "in", "JSON %", "RSS MB", "late joiner", "targets"];
  const rows = results.map((r) => [
    r.scenario,
    `${r.joined}/${r.students}`,
    `${f(r.join.p50Ms)}/${f(r.join.p99Ms)}`,
    `${f(r.injection.p50Ms)}/${f(r.injection.p99Ms)}`,
    f(r.server.cpuPct),
    f(r.server.lagP99Ms),
    f(r.bench.controlLagP99Ms),
    f(r.simStep.p99Ms, "", 1),
    f(r.traffic.outPerStudentBps),
    f(r.traffic.inPerStudentBps, "", 1),
    f(r.baseline.patchPct, "", 2),
    f(r.server.rssPeakMB),
    r.lateJoiner?.consistent === null || !r.lateJoiner ? "–" : r.lateJoiner.consistent ? "ok" : "CORRUPT",
    r.targets.map((t) => (t.ok ? "ok" : "MISSED")).join(",") || "–",
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  let opts: Options | null;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`bench:load: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (!opts) {
    process.stdout.write(HELP);
    return 0;
  }
  const o = opts;
  // In --json mode stdout carries only the results: anything the SDK prints goes to stderr.
  muteSdkReconnectLogs();
  const write = (line: string) => process.stdout.write(line + "\n");
  const log = (line: string) => (o.json ? process.stderr.write(line + "\n") : write(line));
  if (o.json) {
    console.log = (...a: unknown[]) => process.stderr.write(a.map(String).join(" ") + "\n");
    console.info = console.log;
  }
  // The SDK warns once per socket that closes before its join completes (an expired seat): the
  // failures are counted and named in the join line instead.
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    if (typeof a[0] === "string" && a[0].startsWith("Room connection was closed unexpectedly")) return;
    if (typeof a[0] === "string" && a[0].startsWith("Please report this issue")) return;
    warn.apply(console, a);
  };
  const error = console.error;
  console.error = (...a: unknown[]) => {
    if (typeof a[0] === "string" && a[0].startsWith('"refId" not found')) {
      decoder.errors++;
      decoder.first ??= a[0];
      return;
    }
    error.apply(console, a);
  };

  const cleanups = new Set<() => Promise<void> | void>();
  const registerCleanup = (fn: () => Promise<void> | void) => {
    cleanups.add(fn);
    return () => cleanups.delete(fn);
  };
  const emergency = async (why: string, code: number) => {
    log(`bench:load: ${why}; stopping`);
    for (const fn of cleanups) await Promise.resolve().then(fn).catch(() => undefined);
    process.exit(code);
  };
  process.on("SIGINT", () => void emergency("interrupted", 130));
  process.on("uncaughtException", (err) => void emergency(`uncaught ${err.stack ?? err}`, 1));
  // A stray rejection inside the SDK (a socket closing mid-request) is noted, not fatal.
  process.on("unhandledRejection", (err) => log(`   (unhandled rejection: ${(err as Error)?.message ?? err})`));
  process.on("SIGTERM", () => void emergency("terminated", 143));

  const list = scenarios(o.quick).filter((s) => !o.only || o.only.includes(s.name));
  // A hard bound on the whole run: it stops by itself whatever happens.
  const budgetMs = list.reduce((t, s) => t + (s.measureSeconds + s.warmupSeconds + 120) * 1000, 0) + (o.seconds ? o.seconds * 1000 * list.length : 0);
  const watchdog = setTimeout(() => void emergency(`over the time budget of ${Math.round(budgetMs / 1000)} s`, 1), budgetMs);
  watchdog.unref();

  const checkout = describeCheckout(o.serverRoot ?? ROOT);
  log(`bench:load: server from ${checkout.root} at ${checkout.commit ?? "?"}${checkout.dirty ? " with uncommitted changes in server/ or shared/" : ""}`);
  log(`bench:load: ${list.length} scenario(s)${o.quick ? " (quick)" : ""}, bots: ${o.bots}, node ${process.version}, server CPU profile: ${o.profileDir ?? "off"}`);
  const results: ScenarioResult[] = [];
  let failed = 0;
  for (const sc of list) {
    try {
      const r = await runScenario(sc, { opts: o, log, registerCleanup, checkout });
      results.push(r);
      if (o.json) write(JSON.stringify(r));
      else {
        write(formatResult(r));
        if (r.churn) {
          write("   fields that change most (one decoding student; bytes are a rough estimate per receiving client):");
          for (const c of r.churn) write(`     ${c.field.padEnd(36)} ${c.changesPerSecond.toFixed(1).padStart(8)} changes/s  ~${bytes(c.estBytesPerSecond)}/s`);
        }
        if (r.profile) write(formatProfile(r.profile, o.top).replace(/^/gm, "   ").replace(/^ {3}profile/, "   steady window: profile"));
        if (r.joinProfile) write(formatProfile(r.joinProfile, Math.min(o.top, 10)).replace(/^/gm, "   ").replace(/^ {3}profile/, "   join phase: profile"));
      }
    } catch (err) {
      failed++;
      log(`   ${sc.name} FAILED: ${(err as Error).stack ?? err}`);
      if (o.json) write(JSON.stringify({ scenario: sc.name, error: (err as Error).message }));
    }
    // Let the sockets of the last scenario close before the next server starts.
    await sleep(1000);
  }
  if (!o.json && results.length) {
    write("\nsummary (server CPU % of one core; lag = the server's event-loop lag p99; idle lag = an idle process's on this host meanwhile; out = patch bytes per student per second)");
    write(formatSummary(results));
    const missed = results.flatMap((r) => r.targets.filter((t) => !t.ok).map((t) => `${r.scenario}: ${t.target}`));
    write(missed.length ? `targets MISSED: ${missed.join("; ")}` : "all targets met");
    const corrupt = results.filter((r) => r.lateJoiner?.consistent === false).map((r) => r.scenario);
    if (corrupt.length) write(`late joiners got a corrupt state in: ${corrupt.join(", ")} (see docs/performance.md, "Late joiners")`);
  }
  clearTimeout(watchdog);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
// SDK sockets kept for a late reconnection would otherwise hold the process open.
process.exit();
