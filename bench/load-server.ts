/**
 * The real game server as a child process for bench/load.ts: spawned on a free loopback port,
 * watched from outside through /proc (CPU time, RSS) and its own GET /metrics (event-loop lag,
 * simulation step histogram, patch bytes). Nothing here reaches anything but 127.0.0.1.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const NODE_BIN = path.join(ROOT, "node_modules/.bin/node");
export const HOST = "127.0.0.1";

/** Linux clock ticks per second for /proc/<pid>/stat utime and stime (getconf CLK_TCK: 100 on every x86-64 Linux). */
const CLK_TCK = 100;
const PAGE_SIZE = 4096;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Which code the server runs: the commit of the checkout and whether server/ or shared/ differ from it. */
export function describeCheckout(root: string): { root: string; commit: string | null; dirty: boolean | null } {
  const git = (args: string[]) => {
    const r = spawnSync("git", ["-C", root, ...args], { encoding: "utf8", timeout: 10_000 });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const commit = git(["rev-parse", "--short", "HEAD"]);
  const status = git(["status", "--porcelain", "--", "server", "shared", "package-lock.json"]);
  return { root, commit, dirty: status === null ? null : status.length > 0 };
}

export interface ServerOptions {
  /** Checkout whose server/main.ts runs (default: this one); its node_modules are used if it has them. */
  root?: string;
  /** Extra environment on top of the bench's defaults. */
  env?: Record<string, string>;
  /** Write a V8 CPU profile of the whole server run into this directory (named after `name`). */
  profileDir?: string | null;
  name: string;
}

export interface ServerHandle {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Lines the server wrote on stderr/stdout (warnings and errors: LOG_LEVEL=warn), last 200. */
  output: string[];
  profilePath: string | null;
  stop(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<ServerHandle> {
  const port = await freePort();
  const args: string[] = [];
  let profilePath: string | null = null;
  if (opts.profileDir) {
    const file = `${opts.name}.cpuprofile`;
    args.push("--cpu-prof", "--cpu-prof-dir", opts.profileDir, "--cpu-prof-name", file);
    profilePath = path.join(opts.profileDir, file);
  }
  const root = opts.root ?? ROOT;
  args.push(path.join(root, "server/main.ts"));
  if (!existsSync(path.join(root, "server/main.ts"))) throw new Error(`no server/main.ts under ${root}`);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST,
    LOG_LEVEL: "warn",
    // Read by the class store's configuration (server/store/config.ts); harmless while the store is not wired in.
    STORE_PATH: ":memory:",
    CLASS_CREATE_PER_MINUTE: "10000",
    CLASS_CREATE_BURST: "10000",
    SHUTDOWN_GRACE_MS: "0",
    NODE_ENV: "production",
    ...opts.env,
  };
  const child = spawn(NODE_BIN, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const keep = (buf: Buffer) => {
    for (const line of buf.toString().split("\n")) if (line.trim()) output.push(line);
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  // Whatever ends the bench (an uncaught error included), the server must not outlive it.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      process.off("exit", killOnExit);
      resolve();
    }),
  );
  const url = `http://${HOST}:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited at start (${child.exitCode}):\n${output.slice(-20).join("\n")}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not answer /healthz within 30 s:\n${output.slice(-20).join("\n")}`);
    }
    await sleep(100);
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    // A CPU profile is written on a normal exit only: give it time, then insist.
    const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(t);
  };
  return { url, port, pid: child.pid!, child, output, profilePath, stop };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** CPU seconds (user + system) a process has used so far, and its resident memory in bytes. */
export function procSample(pid: number): { cpuSeconds: number; rssBytes: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state): utime is field 14, stime 15, rss (pages) 24.
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const rssPages = Number(rest[21]);
    return { cpuSeconds: (utime + stime) / CLK_TCK, rssBytes: rssPages * PAGE_SIZE };
  } catch {
    return null;
  }
}

/** Busy share of the whole machine (all cores) from /proc/stat, between two readings. */
export function hostCpuTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** One Prometheus text exposition, as name{labels} -> value. */
export type Metrics = Map<string, number>;

export function parseMetrics(text: string): Metrics {
  const m: Metrics = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    if (i < 0) continue;
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

export async function scrape(url: string): Promise<Metrics> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}

export function metric(m: Metrics, name: string): number {
  return m.get(name) ?? 0;
}

export interface HistogramDelta {
  count: number;
  sum: number;
  /** Cumulative counts per upper bound, ascending (+Inf last). */
  buckets: { le: number; count: number }[];
}

/** A histogram's growth between two scrapes (sum, count and cumulative buckets). */
export function histogramDelta(before: Metrics, after: Metrics, name: string): HistogramDelta {
  const buckets: { le: number; count: number }[] = [];
  const prefix = `${name}_bucket{le="`;
  for (const [k, v] of after) {
    if (!k.startsWith(prefix)) continue;
    const leRaw = k.slice(prefix.length, k.indexOf('"', prefix.length));
    const le = leRaw === "+Inf" ? Infinity : Number(leRaw);
    buckets.push({ le, count: v - (before.get(k) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  return {
    count: metric(after, `${name}_count`) - metric(before, `${name}_count`),
    sum: metric(after, `${name}_sum`) - metric(before, `${name}_sum`),
    buckets,
  };
}

/** histogram_quantile: linear interpolation inside the bucket that holds the quantile. */
export function histogramQuantile(h: HistogramDelta, q: number): number | null {
  if (h.count <= 0 || h.buckets.length === 0) return null;
  const rank = q * h.count;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket > 0 ? prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket : b.le;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/**
 * A control for a shared machine: an idle Node process that measures its own event-loop delay
 * (same 10 ms resolution as prom-client's) for `seconds`. What it sees is the lag that CPU
 * contention alone causes; a server's lag well above it is the server's own.
 */
export function lagControl(seconds: number): Promise<{ p99Ms: number; maxMs: number } | null> {
  const script = `const h=require("node:perf_hooks").monitorEventLoopDelay({resolution:10});h.enable();
setTimeout(()=>{process.stdout.write(JSON.stringify({p99Ms:h.percentile(99)/1e6,maxMs:h.max/1e6}));},${Math.round(seconds * 1000)});`;
  return new Promise((resolve) => {
    const child = spawn(NODE_BIN, ["-e", script], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    const kill = setTimeout(() => child.kill("SIGKILL"), (seconds + 30) * 1000);
    child.on("exit", () => {
      clearTimeout(kill);
      try {
        resolve(JSON.parse(out) as { p99Ms: number; maxMs: number });
      } catch {
        resolve(null);
      }
    });
  });
}
