/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and names the hot functions: self time (where the CPU
 * was) and total time (what was on the stack), optionally only for the samples taken inside a time
 * window, so bench/load.ts can look at its steady-state window and skip the joins.
 *
 *   node bench/load-profile.ts /tmp/loadprof/class-1000.cpuprofile [--top 25] [--from US --to US]
 *
 * --from/--to are microseconds on the profile's own clock (the monotonic clock that
 * process.hrtime.bigint() reads, divided by 1000).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  where: string;
  /** Share of the samples in the window (0-1). */
  selfShare: number;
  totalShare: number;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  file: string;
  samples: number;
  windowMs: number;
  /** Samples in which the process was idle (waiting in epoll), 0-1. */
  idleShare: number;
  gcShare: number;
  bySelf: HotFunction[];
  byTotal: HotFunction[];
  /** Self time grouped by package or project folder. */
  byArea: { area: string; selfShare: number }[];
  /** Total time of the project's and Colyseus's own functions (Node internals left out). */
  byTotalOwn: HotFunction[];
  /** For each watched function: its share of the samples, split by the function that called it. */
  callers: { fn: string; totalShare: number; by: { caller: string; share: number }[] }[];
}

/** Functions whose callers are worth telling apart: the room's sync runs from the tick, from every message and every join. */
const WATCH = [/^sync \(server\/rooms\/class-room\.ts/, /^applyPatches /, /^encodeAllView /, /^getFullState /];

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function shortUrl(url: string): string {
  if (!url) return "";
  let u = url.replace(/^file:\/\//, "");
  if (u.startsWith(ROOT + "/")) u = u.slice(ROOT.length + 1);
  return u;
}

function area(url: string): string {
  const u = shortUrl(url);
  if (!u) return "(native / V8)";
  if (u.startsWith("node:")) return "node: core";
  const nm = u.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (nm) return nm[1]!;
  const top = u.split("/").slice(0, 2).join("/");
  return top;
}

export function summarizeProfile(file: string, opts: { fromUs?: number; toUs?: number; top?: number } = {}): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const top = opts.top ?? 20;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of prof.nodes) byId.set(n.id, n);
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const key = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"}\u0000${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  const callerCounts = new Map<string, Map<string, number>>();
  const watchedTotal = new Map<string, number>();
  const label = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} (${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1})`;
  let t = prof.startTime;
  let counted = 0;
  let idle = 0;
  let gc = 0;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i] ?? 0;
    if (opts.fromUs !== undefined && t < opts.fromUs) continue;
    if (opts.toUs !== undefined && t > opts.toUs) continue;
    first = Math.min(first, t);
    last = Math.max(last, t);
    const node = byId.get(prof.samples[i]!);
    if (!node) continue;
    counted++;
    const fn = node.callFrame.functionName;
    if (fn === "(idle)") {
      idle++;
      continue;
    }
    if (fn === "(garbage collector)") gc++;
    const k = key(node);
    self.set(k, (self.get(k) ?? 0) + 1);
    const a = fn.startsWith("(") ? fn : area(node.callFrame.url);
    areas.set(a, (areas.get(a) ?? 0) + 1);
    const seen = new Set<string>();
    // Walking from the leaf to the root, the last caller written is the outermost call's.
    const outerCaller = new Map<string, string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (n.callFrame.functionName === "(root)") break;
      const lbl = label(n);
      if (WATCH.some((re) => re.test(lbl))) {
        const p = parent.get(id);
        outerCaller.set(lbl, p !== undefined ? label(byId.get(p)!) : "(root)");
      }
      const kk = key(n);
      if (seen.has(kk)) continue;
      seen.add(kk);
      total.set(kk, (total.get(kk) ?? 0) + 1);
    }
    for (const [fn, caller] of outerCaller) {
      watchedTotal.set(fn, (watchedTotal.get(fn) ?? 0) + 1);
      const m = callerCounts.get(fn) ?? new Map<string, number>();
      callerCounts.set(fn, m);
      m.set(caller, (m.get(caller) ?? 0) + 1);
    }
  }
  const windowMs = counted > 0 ? (last - first) / 1000 : 0;
  const msPerSample = counted > 0 ? windowMs / counted : 0;
  const rows = (m: Map<string, number>): HotFunction[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, n]) => {
        const [name, where] = k.split("\u0000") as [string, string];
        return {
          name,
          where,
          selfShare: (self.get(k) ?? 0) / Math.max(1, counted),
          totalShare: (total.get(k) ?? 0) / Math.max(1, counted),
          selfMs: (self.get(k) ?? 0) * msPerSample,
          totalMs: (total.get(k) ?? n) * msPerSample,
        };
      });
  const own = new Map([...total.entries()].filter(([k]) => {
    const where = k.split("\u0000")[1] ?? "";
    return where.startsWith("server/") || where.startsWith("shared/") || where.includes("@colyseus/");
  }));
  return {
    file,
    byTotalOwn: rows(own),
    callers: [...callerCounts.entries()]
      .map(([fn, m]) => ({
        fn,
        totalShare: (watchedTotal.get(fn) ?? 0) / Math.max(1, counted),
        by: [...m.entries()].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([caller, n]) => ({ caller, share: n / Math.max(1, counted) })),
      }))
      .sort((a, b) => b.totalShare - a.totalShare),
    samples: counted,
    windowMs,
    idleShare: idle / Math.max(1, counted),
    gcShare: gc / Math.max(1, counted),
    bySelf: rows(self),
    byTotal: rows(total),
    byArea: [...areas.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([a, n]) => ({ area: a, selfShare: n / Math.max(1, counted) })),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);

export function formatProfile(s: ProfileSummary, top = 15): string {
  const lines: string[] = [];
  lines.push(`profile ${shortUrl(s.file) || s.file}: ${s.samples} samples over ${(s.windowMs / 1000).toFixed(1)} s; idle ${pct(s.idleShare)}, GC ${pct(s.gcShare)}`);
  lines.push("  self time by area:");
  for (const a of s.byArea.slice(0, 8)) lines.push(`    ${pct(a.selfShare)}  ${a.area}`);
  lines.push("  self time (where the CPU was):");
  for (const f of s.bySelf.slice(0, top)) lines.push(`    ${pct(f.selfShare)}  ${f.name}  ${f.where}`);
  lines.push("  total time of the project's and Colyseus's functions (on the stack):");
  for (const f of s.byTotalOwn.slice(0, top)) lines.push(`    ${pct(f.totalShare)}  ${f.name}  ${f.where}`);
  for (const c of s.callers) {
    lines.push(`  ${c.fn}: ${pct(c.totalShare).trim()} of the samples, called from:`);
    for (const b of c.by) lines.push(`    ${pct(b.share)}  ${b.caller}`);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a));
  const num = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  if (!file) {
    console.error("usage: node bench/load-profile.ts FILE.cpuprofile [--top N] [--from US --to US]");
    process.exit(2);
  }
  const top = num("--top") ?? 20;
  console.log(formatProfile(summarizeProfile(file, { fromUs: num("--from"), toUs: num("--to"), top }), top));
}
