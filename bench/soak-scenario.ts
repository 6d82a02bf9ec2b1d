/**
 * A soak: one running class of flaky bot students (server/bot.ts) on the real server in this
 * process, the teacher injecting a failure every few seconds (and healing the previous one), and
 * a sample of the process every few seconds: heap after a full GC, RSS, event-loop lag, the
 * sizes of what a long class accumulates (state events, simulation events, history, command log).
 * Shared by test/server/soak.test.ts (a minute, in CI) and bench/soak.ts (--minutes N).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import type { Room } from "@colyseus/sdk";
import { matchMaker } from "@colyseus/core";
import { seededRandom, startBot, type Bot, type BotBehaviour } from "../server/bot.ts";
import type { ClassRoom } from "../server/rooms/class-room.ts";
import type { Command } from "../shared/sim/index.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

/** Phones on a poor classroom Wi-Fi, a few times worse than the defaults, so a minute shows a lesson's worth. */
export const SOAK_BEHAVIOUR: Partial<BotBehaviour> = {
  dropsPerMinute: 3,
  offlineMs: [300, 3000],
  giveUpShare: 0.2,
  minUptimeMs: 0,
  actionsPerMinute: 4,
  drainShare: 0.15,
  cordonHoldMs: [2000, 8000],
  reactionMs: [500, 2000],
};

export interface SoakSample {
  /** Since the soak started. */
  atMs: number;
  /** After a full GC. */
  heapUsedMB: number;
  rssMB: number;
  /** Event-loop delay since the previous sample. */
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  stateEvents: number;
  simEvents: number;
  history: number;
  commandLog: number;
  rooms: number;
  ccu: number;
  botsConnected: number;
  injected: number;
}

export interface SoakOptions {
  url: string;
  code: string;
  teacher: Room;
  room: () => ClassRoom;
  bots: number;
  durationMs: number;
  injectEveryMs: number;
  sampleEveryMs: number;
  seed: number;
  onSample?: (s: SoakSample) => void;
}

export interface SoakResult {
  samples: SoakSample[];
  bots: Bot[];
  injected: Command[];
  /** `result` replies to the teacher's injections that said no (a target already down, say). */
  refused: string[];
}

/**
 * A full collection before each heap sample, without --expose-gc: the flag can be set at run
 * time, and a fresh context then has `gc`.
 */
export function fullGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

/** Chaos, then its healing, in turn: the class keeps being broken and mended as in a lesson. */
function nextInjection(i: number, state: AnyState, rnd: () => number): Command[] {
  if (i % 2 === 1) {
    const heal: Command[] = [{ type: "registryOutage", on: false }];
    for (const [name, n] of state.nodes as Map<string, AnyState>) {
      if (!n.powered || n.partitioned || n.speed < 1 || n.memoryPressure) heal.push({ type: "restoreNode", node: name });
    }
    return heal;
  }
  const nodes = [...(state.nodes as Map<string, AnyState>).keys()];
  const node = nodes[Math.floor(rnd() * nodes.length)] ?? "";
  const chaos: Command[] = [
    { type: "killNode" },
    { type: "partitionNode" },
    { type: "crashContainer" },
    { type: "crashContainer", how: "hang" },
    { type: "registryOutage", on: true },
    { type: "trafficSpike", service: "shop", multiplier: 3, durationSeconds: 120 },
    { type: "leakMemory", mibPerSecond: 16 },
    { type: "slowNode", node, factor: 0.3 },
    { type: "memoryPressure", node, on: true },
  ];
  return [chaos[Math.floor(i / 2) % chaos.length]!];
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const gc = fullGc();
  const rnd = seededRandom(o.seed, "soak");
  const bots = await Promise.all(
    Array.from({ length: o.bots }, (_, i) => startBot({ url: o.url, code: o.code, name: `Soak ${i + 1}`, random: seededRandom(o.seed + i), behaviour: SOAK_BEHAVIOUR })),
  );
  const injected: Command[] = [];
  const refused: string[] = [];
  o.teacher.onMessage("result", (r: { ok: boolean; error?: string }) => {
    if (!r.ok && refused.length < 50) refused.push(r.error ?? "?");
  });
  const samples: SoakSample[] = [];
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const started = Date.now();
  let i = 0;
  const inject = setInterval(() => {
    for (const c of nextInjection(i++, o.teacher.state, rnd)) {
      injected.push(c);
      o.teacher.send("command", { command: c });
    }
  }, o.injectEveryMs);
  const sample = () => {
    gc();
    const mem = process.memoryUsage();
    const { sim, log } = o.room().inspect();
    const s: SoakSample = {
      atMs: Date.now() - started,
      heapUsedMB: mem.heapUsed / 2 ** 20,
      rssMB: mem.rss / 2 ** 20,
      lagP50Ms: lag.percentile(50) / 1e6,
      lagP99Ms: lag.percentile(99) / 1e6,
      lagMaxMs: lag.max / 1e6,
      stateEvents: (o.teacher.state as AnyState).events.size,
      simEvents: sim.events.length,
      history: sim.history.length,
      commandLog: log.length,
      rooms: matchMaker.stats.local.roomCount,
      ccu: matchMaker.stats.local.ccu,
      botsConnected: bots.filter((b) => b.status === "connected").length,
      injected: injected.length,
    };
    lag.reset();
    samples.push(s);
    o.onSample?.(s);
  };
  sample();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      sample();
      if (Date.now() - started >= o.durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, o.sampleEveryMs);
  });
  clearInterval(inject);
  lag.disable();
  return { samples, bots, injected, refused };
}

/** Least-squares slope of y over x, per unit of x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let k = 0; k < n; k++) {
    num += (xs[k]! - mx) * (ys[k]! - my);
    den += (xs[k]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
