/**
 * Medians of several `bench/load.ts --json` runs, per scenario: on a machine shared with other
 * work, one run says little, the median of three says more.
 *
 *   node bench/load.ts --json > run1.jsonl   (and run2, run3...)
 *   node bench/load-median.ts run1.jsonl run2.jsonl run3.jsonl [--markdown]
 */
import { readFileSync } from "node:fs";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;

const COLUMNS: { head: string; get: (r: Row) => number | null; digits?: number }[] = [
  { head: "joined", get: (r) => r.joined },
  { head: "join p50 ms", get: (r) => r.join?.p50Ms },
  { head: "join p99 ms", get: (r) => r.join?.p99Ms },
  { head: "visible p50 ms", get: (r) => r.injection?.p50Ms },
  { head: "visible p99 ms", get: (r) => r.injection?.p99Ms },
  { head: "CPU % core", get: (r) => r.server?.cpuPct },
  { head: "lag p99 ms", get: (r) => r.server?.lagP99Ms },
  { head: "step p50 ms", get: (r) => r.simStep?.p50Ms, digits: 2 },
  { head: "step p99 ms", get: (r) => r.simStep?.p99Ms, digits: 1 },
  { head: "out B/s/student", get: (r) => r.traffic?.outPerStudentBps },
  { head: "in B/s/student", get: (r) => r.traffic?.inPerStudentBps, digits: 1 },
  { head: "full state KB", get: (r) => r.traffic?.fullStateKB },
  { head: "JSON KB", get: (r) => r.baseline?.jsonKB },
  { head: "patch % of JSON", get: (r) => r.baseline?.patchPct, digits: 2 },
  { head: "RSS peak MB", get: (r) => r.server?.rssPeakMB },
  { head: "host busy %", get: (r) => r.bench?.hostBusyPct },
  { head: "idle proc lag p99 ms", get: (r) => r.bench?.controlLagP99Ms },
];

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

const args = process.argv.slice(2);
const markdown = args.includes("--markdown");
const files = args.filter((a) => !a.startsWith("--"));
if (files.length === 0) {
  console.error("usage: node bench/load-median.ts RUN.jsonl... [--markdown]");
  process.exit(2);
}
const byScenario = new Map<string, Row[]>();
for (const f of files) {
  for (const line of readFileSync(f, "utf8").split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    const r = JSON.parse(line) as Row;
    if (r.error) continue;
    const list = byScenario.get(r.scenario) ?? [];
    list.push(r);
    byScenario.set(r.scenario, list);
  }
}

const rows: string[][] = [];
for (const [scenario, runs] of byScenario) {
  const cells = [`${scenario} (${runs.length})`];
  for (const c of COLUMNS) {
    const m = median(runs.map(c.get).filter((v): v is number => typeof v === "number" && Number.isFinite(v)));
    cells.push(m === null ? "–" : m.toFixed(c.digits ?? 0));
  }
  // A target counts as met when it was met in the median run, i.e. in most runs.
  const targets = new Map<string, boolean[]>();
  for (const r of runs) for (const t of r.targets ?? []) targets.set(t.target, [...(targets.get(t.target) ?? []), t.ok]);
  const late = runs.map((r) => r.lateJoiner?.consistent).filter((v) => typeof v === "boolean");
  if (late.length) targets.set("late joiner state", late as boolean[]);
  cells.push([...targets.entries()].map(([t, oks]) => `${t}: ${oks.filter(Boolean).length}/${oks.length} ok`).join("; ") || "–");
  rows.push(cells);
}
const head = ["scenario (runs)", ...COLUMNS.map((c) => c.head), "targets met"];
if (markdown) {
  console.log(`| ${head.join(" | ")} |`);
  console.log(`|${head.map((_, i) => (i === 0 || i === head.length - 1 ? "---" : "---:")).join("|")}|`);
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
} else {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}
