/**
 * Simulation benchmark: what one simulated second costs at 30, 300, 1,000 and 10,000 nodes.
 *
 * Each scenario builds a cluster of N nodes running 10 apps of N replicas each (10 pods per node,
 * N*10 pods), with baseline traffic so requests flow, warms it up until every pod is ready, then
 * measures advance(state, 1000) step by step while one node is killed: the run covers the node
 * going NotReady (~50 s later) and the eviction and rescheduling of its pods (~300 s after that).
 *
 *   npm run bench                      table + ratios
 *   npm run bench -- --json            one JSON object per scenario and line
 *   npm run bench -- --sizes 30,300    only some sizes;  --steps 200  fewer measured steps
 *   npm run bench -- --budget 60       wall-clock seconds a measured run may take (default 180)
 *   npm run bench -- --profile DIR     write a V8 CPU profile of each measured run (setup excluded)
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { fileURLToPath } from "node:url";
import { advance, applyCommand, createCluster, stateHash, type ClusterState, type Command } from "../shared/sim/index.ts";

const APPS = 10;
/** Each pod gets this many requests per second on average (capacity is 20 rps per pod by default). */
const RPS_PER_POD = 3;
/** Room for 32 pods of 250m/256Mi each, so the killed node's pods always fit elsewhere. */
const NODE = { cpuMilli: 8000, memoryMiB: 16_384, pods: 110 };
const STEP_MS = 1000;
/** Measured steps before the kill, so the steady state is in the sample too. */
const KILL_AT_STEP = 10;
/** Cover NotReady (~50 s) + toleration (300 s) + pull, start and readiness of the replacements. */
const DEFAULT_STEPS = 400;
/** A run may stop early only after this many simulated seconds past the kill. */
const MIN_AFTER_KILL = 60;
const WARMUP_LIMIT_MS = 900_000;

interface Options {
  json: boolean;
  sizes: number[];
  steps: number;
  budgetMs: number;
  profileDir: string | null;
}

interface Timeline {
  killedAtMs: number;
  notReadyAtMs: number | null;
  evictedAtMs: number | null;
  recoveredAtMs: number | null;
}

interface Result {
  scenario: string;
  nodes: number;
  pods: number;
  stepMsP50: number;
  stepMsP99: number;
  heapMB: number;
  stepMsMean: number;
  stepMsMax: number;
  /** When the slowest step ran, in simulated seconds after the kill (negative: before it). */
  stepMaxAtS: number;
  steps: number;
  stepsPlanned: number;
  setup: { addNodesMs: number; deployMs: number; warmupMs: number; warmupSimS: number };
  stateMB: number;
  ready: number;
  desired: number;
  readyPods: number;
  pending: number;
  terminating: number;
  queue: number;
  events: number;
  history: number;
  timeline: { notReadyS: number | null; evictedS: number | null; recoveredS: number | null };
  hashMs: number;
  jsonMB: number;
}

function parseArgs(argv: string[]): Options {
  const opt: Options = { json: false, sizes: [30, 300, 1000, 10_000], steps: DEFAULT_STEPS, budgetMs: 180_000, profileDir: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") opt.json = true;
    else if (a === "--sizes") opt.sizes = argv[++i]!.split(",").map(Number);
    else if (a === "--steps") opt.steps = Number(argv[++i]);
    else if (a === "--budget") opt.budgetMs = Number(argv[++i]) * 1000;
    else if (a === "--profile") opt.profileDir = argv[++i]!;
    else throw new Error(`unknown argument ${a}`);
  }
  return opt;
}

/** Heap numbers are only meaningful after a full GC: re-run this file with --expose-gc if needed. */
function reexecWithGc(): boolean {
  if (typeof globalThis.gc === "function" || process.env.CC_BENCH_CHILD) return false;
  const file = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ["--expose-gc", ...process.execArgv, file, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, CC_BENCH_CHILD: "1" },
  });
  process.exitCode = r.status ?? 1;
  return true;
}

function heapMB(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

function cmd(s: ClusterState, c: Command): void {
  const r = applyCommand(s, c);
  if (!r.ok) throw new Error(`${c.type} refused: ${r.error}`);
}

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function nodeName(i: number): string {
  return `node-${i}`;
}

function readyCount(s: ClusterState): { ready: number; desired: number } {
  let ready = 0;
  let desired = 0;
  for (const name in s.deployments) {
    ready += s.deployments[name]!.readyReplicas;
    desired += s.deployments[name]!.replicas;
  }
  return { ready, desired };
}

function allReady(s: ClusterState): boolean {
  const { ready, desired } = readyCount(s);
  return ready === desired;
}

function build(nodes: number): { s: ClusterState; setup: Result["setup"] } {
  const s = createCluster({ seed: 42 });
  const addNodesMs = timed(() => {
    for (let i = 1; i <= nodes; i++) cmd(s, { type: "addNode", name: nodeName(i), ...NODE });
  });
  // deploy settles the controllers at once, so this includes creating and scheduling every pod.
  const deployMs = timed(() => {
    for (let a = 1; a <= APPS; a++) {
      cmd(s, { type: "deploy", app: `app-${a}`, version: "v1", replicas: nodes, baselineRps: nodes * RPS_PER_POD });
    }
  });
  const simStart = s.timeMs;
  const warmupMs = timed(() => {
    while (!allReady(s)) {
      if (s.timeMs - simStart > WARMUP_LIMIT_MS) throw new Error(`${nodes} nodes: not all pods ready after warm-up`);
      advance(s, STEP_MS);
    }
  });
  return { s, setup: { addNodesMs, deployMs, warmupMs, warmupSimS: (s.timeMs - simStart) / 1000 } };
}

/** A node from the middle of the join order that runs pods: the victim. */
function pickVictim(s: ClusterState): string {
  const order = s.nodeOrder;
  for (let k = 0; k < order.length; k++) {
    const name = order[(Math.floor(order.length / 2) + k) % order.length]!;
    if (s.nodes[name]!.podIds.length > 0) return name;
  }
  throw new Error("no node runs a pod");
}

/** Checks between measured steps (outside the timed region) to follow the failure's stages. */
function observe(s: ClusterState, victim: string, victimPods: string[], tl: Timeline): void {
  if (tl.notReadyAtMs === null && s.nodes[victim]!.ready !== "True") tl.notReadyAtMs = s.timeMs;
  if (tl.evictedAtMs === null && victimPods.every((p) => !s.pods[p] || s.pods[p]!.deletionAtMs !== null)) {
    tl.evictedAtMs = s.timeMs;
  }
  if (tl.evictedAtMs !== null && tl.recoveredAtMs === null && allReady(s)) tl.recoveredAtMs = s.timeMs;
}

function measure(s: ClusterState, opt: Options): { times: number[]; ends: number[]; tl: Timeline } {
  const times: number[] = [];
  const ends: number[] = [];
  const tl: Timeline = { killedAtMs: 0, notReadyAtMs: null, evictedAtMs: null, recoveredAtMs: null };
  let victim = "";
  let victimPods: string[] = [];
  const t0 = performance.now();
  for (let step = 0; step < opt.steps; step++) {
    if (step === KILL_AT_STEP) {
      victim = pickVictim(s);
      victimPods = [...s.nodes[victim]!.podIds];
      tl.killedAtMs = s.timeMs;
      cmd(s, { type: "killNode", node: victim });
    }
    times.push(timed(() => advance(s, STEP_MS)));
    ends.push(s.timeMs);
    if (victim) observe(s, victim, victimPods, tl);
    const pastMinimum = step >= KILL_AT_STEP + MIN_AFTER_KILL;
    if (pastMinimum && performance.now() - t0 > opt.budgetMs) break;
  }
  return { times, ends, tl };
}

/**
 * node --cpu-prof would mix setup (scheduling every pod) into the profile; this profiles only fn.
 * An in-process inspector session answers synchronously, so no await is needed.
 */
function profiled<T>(file: string | null, fn: () => T): T {
  if (!file) return fn();
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  const out = fn();
  session.post("Profiler.stop", (err, res) => {
    if (err) throw err;
    writeFileSync(file, JSON.stringify(res.profile));
  });
  session.disconnect();
  return out;
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const sinceKill = (tl: Timeline, t: number | null): number | null => (t === null ? null : (t - tl.killedAtMs) / 1000);

/** Counted from the pods themselves, to cross-check the Deployments' status. */
function podCounts(s: ClusterState): { readyPods: number; pending: number; terminating: number } {
  let readyPods = 0;
  let pending = 0;
  let terminating = 0;
  for (const name in s.pods) {
    const p = s.pods[name]!;
    if (p.ready && p.deletionAtMs === null) readyPods++;
    if (p.nodeName === null) pending++;
    if (p.deletionAtMs !== null) terminating++;
  }
  return { readyPods, pending, terminating };
}

function runScenario(nodes: number, opt: Options): Result {
  const baseHeap = heapMB();
  const { s, setup } = build(nodes);
  const pods = Object.keys(s.pods).length;
  const profile = opt.profileDir ? `${opt.profileDir}/measure-${nodes}.cpuprofile` : null;
  const { times, ends, tl } = profiled(profile, () => measure(s, opt));
  const heap = heapMB();
  const sorted = [...times].sort((a, b) => a - b);
  const counts = podCounts(s);
  // What a snapshot or a replay check would pay: the server hashes and serializes this state.
  const hashMs = timed(() => {
    stateHash(s);
  });
  const jsonLength = JSON.stringify(s).length;
  return {
    scenario: "kill-node",
    nodes,
    pods,
    stepMsP50: round(percentile(sorted, 50)),
    stepMsP99: round(percentile(sorted, 99)),
    heapMB: round(heap, 1),
    stepMsMean: round(times.reduce((a, b) => a + b, 0) / times.length),
    stepMsMax: round(sorted[sorted.length - 1]!),
    stepMaxAtS: (ends[times.indexOf(sorted[sorted.length - 1]!)]! - tl.killedAtMs) / 1000,
    steps: times.length,
    stepsPlanned: opt.steps,
    setup: { addNodesMs: round(setup.addNodesMs, 0), deployMs: round(setup.deployMs, 0), warmupMs: round(setup.warmupMs, 0), warmupSimS: setup.warmupSimS },
    stateMB: round(heap - baseHeap, 1),
    ...readyCount(s),
    readyPods: counts.readyPods,
    pending: counts.pending,
    terminating: counts.terminating,
    queue: s.queue.length,
    events: s.events.length,
    history: s.history.length,
    timeline: { notReadyS: sinceKill(tl, tl.notReadyAtMs), evictedS: sinceKill(tl, tl.evictedAtMs), recoveredS: sinceKill(tl, tl.recoveredAtMs) },
    hashMs: round(hashMs, 0),
    jsonMB: round(jsonLength / 1024 / 1024, 1),
  };
}

function pad(v: unknown, w: number): string {
  return String(v ?? "-").padStart(w);
}

function printTable(results: Result[]): void {
  const head = ["nodes", "pods", "steps", "p50 ms", "p99 ms", "max ms", "heap MB", "state MB", "setup s", "ready/desired", "NotReady/evict/healed s"];
  const widths = [7, 8, 6, 8, 8, 8, 8, 9, 8, 14, 24];
  console.log(head.map((h, i) => pad(h, widths[i]!)).join(" "));
  for (const r of results) {
    const setupS = (r.setup.addNodesMs + r.setup.deployMs + r.setup.warmupMs) / 1000;
    const t = r.timeline;
    const cells = [r.nodes, r.pods, r.steps, r.stepMsP50, r.stepMsP99, r.stepMsMax, r.heapMB, r.stateMB, setupS.toFixed(1),
      r.readyPods === r.ready ? `${r.ready}/${r.desired}` : `${r.ready}(pods ${r.readyPods})/${r.desired}`, `${t.notReadyS ?? "-"}/${t.evictedS ?? "-"}/${t.recoveredS ?? "-"}`];
    console.log(cells.map((c, i) => pad(c, widths[i]!)).join(" "));
  }
  console.log("\nsetup (ms): addNode / deploy+schedule / warm-up to all ready (simulated s)");
  for (const r of results) {
    console.log(`  ${pad(r.nodes, 6)}: ${r.setup.addNodesMs} / ${r.setup.deployMs} / ${r.setup.warmupMs} (${r.setup.warmupSimS} s)`);
  }
  console.log("\nafter the run: pending pods, terminating pods, event queue, events kept, history samples, stateHash ms, JSON MB");
  for (const r of results) {
    console.log(`  ${pad(r.nodes, 6)}: ${r.pending}, ${r.terminating}, ${r.queue}, ${r.events}, ${r.history}, ${r.hashMs}, ${r.jsonMB}`);
  }
}

/** Linear scaling target: 10x the nodes may cost at most 12x per simulated second. */
function printRatios(results: Result[]): void {
  const by = new Map(results.map((r) => [r.nodes, r]));
  const lines: string[] = [];
  for (const [base, big] of [[30, 300], [300, 3000], [1000, 10_000], [100, 1000]] as const) {
    const a = by.get(base);
    const b = by.get(big);
    if (!a || !b) continue;
    const p50 = b.stepMsP50 / a.stepMsP50;
    const p99 = b.stepMsP99 / a.stepMsP99;
    lines.push(`  ${big}/${base} nodes: p50 x${p50.toFixed(1)}, p99 x${p99.toFixed(1)} ${p50 <= 12 ? "ok" : "MISSED"} (target <= x12)`);
  }
  const r1k = by.get(1000);
  const r10k = by.get(10_000);
  if (r1k) lines.push(`  1,000 nodes p50 ${r1k.stepMsP50} ms ${r1k.stepMsP50 <= 2 ? "ok" : "MISSED"} (target <= 2 ms)`);
  if (r10k) lines.push(`  10,000 nodes p50 ${r10k.stepMsP50} ms ${r10k.stepMsP50 <= 50 ? "ok" : "MISSED"} (target <= 50 ms)`);
  if (lines.length) console.log("\nscaling (cost at 10x nodes / cost at base):\n" + lines.join("\n"));
}

function main(): void {
  if (reexecWithGc()) return;
  const opt = parseArgs(process.argv.slice(2));
  const results: Result[] = [];
  for (const nodes of opt.sizes) {
    const r = runScenario(nodes, opt);
    results.push(r);
    if (opt.json) console.log(JSON.stringify(r));
    else console.error(`  ${nodes} nodes done (${r.steps} steps, p50 ${r.stepMsP50} ms)`);
  }
  if (opt.json) return;
  console.log(`\nkill-node: ${APPS} apps x N replicas, ${RPS_PER_POD} rps per pod, node killed after ${KILL_AT_STEP} steps; ms of wall time per simulated second\n`);
  printTable(results);
  printRatios(results);
}

main();
