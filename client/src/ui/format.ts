/**
 * Pure formatting: times, durations, kubectl-style tables, class codes and join errors. Nothing
 * here touches the DOM or the current language, so the tests run it with either catalog and the
 * root typecheck (no DOM lib) can load it.
 */
import type { MessageKey } from "../i18n/en.ts";

export type Vars = Record<string, string | number>;
export type Translate = (key: MessageKey, vars?: Vars) => string;

/** A translator bound to one catalog; the pages use t() from i18n, tests use this with en or vi. */
export function translator(catalog: Record<MessageKey, string>): Translate {
  return (key, vars = {}) => fill(catalog[key], vars);
}

export function fill(text: string, vars: Vars): string {
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (k in vars ? String(vars[k]) : `{${k}}`));
}

/** First-strong isolates: a right-to-left nickname inside a sentence cannot reorder its neighbours. */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}

/** Cluster time as a clock ("4:05", "1:02:03"): the moment a thing happens, not how long it takes. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A duration in words people read aloud ("50 s", "4 min 10 s", "2 h 5 min"). */
export function humanDuration(ms: number, tr: Translate): string {
  const total = Math.max(0, Math.round(ms / 1000));
  if (total < 60) return tr("time.s", { s: total });
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m > 0 ? tr("time.hm", { h, m }) : tr("time.h", { h });
  return s > 0 ? tr("time.ms", { m, s }) : tr("time.m", { m });
}

/** kubectl's AGE column (HumanDuration): "45s", "3m20s", "12m", "2h5m", "3d". */
export function kubectlAge(ms: number): string {
  const sec = Math.max(0, Math.floor(ms / 1000));
  if (sec < 120) return `${sec}s`;
  const min = Math.floor(sec / 60);
  if (min < 10) return sec % 60 === 0 ? `${min}m` : `${min}m${sec % 60}s`;
  if (min < 180) return `${min}m`;
  const hours = Math.floor(min / 60);
  if (hours < 8) return min % 60 === 0 ? `${hours}h` : `${hours}h${min % 60}m`;
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function percent(fraction: number, digits = 1): string {
  if (!Number.isFinite(fraction)) return "–";
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** What kubectl get nodes and get pods read from: only the fields the tables need. */
export interface NodeRowInput {
  name: string;
  student: string;
  ready: string;
  cordoned: boolean;
  cpuCapacity: number;
  cpuRequested: number;
  memoryCapacity: number;
  memoryRequested: number;
  podCapacity: number;
}

export interface PodRowInput {
  name: string;
  node: string;
  status: string;
  ready: boolean;
  restarts: number;
  createdAtMs: number;
}

export const NODE_HEADERS = ["NAME", "STATUS", "PODS", "CPU(REQ)", "MEMORY(REQ)", "STUDENT"] as const;
export const POD_HEADERS = ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE"] as const;

/** kubectl's STATUS for a node: NotReady covers both False and Unknown; cordoning appends SchedulingDisabled. */
export function nodeStatus(n: Pick<NodeRowInput, "ready" | "cordoned">): string {
  const base = n.ready === "True" ? "Ready" : "NotReady";
  return n.cordoned ? `${base},SchedulingDisabled` : base;
}

export function nodeRows(nodes: Iterable<NodeRowInput>, pods: Iterable<PodRowInput>): string[][] {
  const count = new Map<string, number>();
  for (const p of pods) {
    // Finished pods no longer hold a slot on the node, as kubectl describe node counts them.
    if (p.node && p.status !== "Evicted" && p.status !== "Completed") count.set(p.node, (count.get(p.node) ?? 0) + 1);
  }
  const rows: string[][] = [];
  for (const n of nodes) {
    const cpuPct = n.cpuCapacity > 0 ? Math.round((n.cpuRequested / n.cpuCapacity) * 100) : 0;
    const memPct = n.memoryCapacity > 0 ? Math.round((n.memoryRequested / n.memoryCapacity) * 100) : 0;
    rows.push([
      n.name,
      nodeStatus(n),
      `${count.get(n.name) ?? 0}/${n.podCapacity}`,
      `${n.cpuRequested}m (${cpuPct}%)`,
      `${n.memoryRequested}Mi (${memPct}%)`,
      n.student || "<none>",
    ]);
  }
  return rows.sort((a, b) => compareNames(a[0]!, b[0]!));
}

export function podRows(pods: Iterable<PodRowInput>, clusterMs: number): string[][] {
  const rows: string[][] = [];
  for (const p of pods) {
    rows.push([p.name, p.ready ? "1/1" : "0/1", p.status, String(p.restarts), kubectlAge(clusterMs - p.createdAtMs), p.node || "<none>"]);
  }
  return rows.sort((a, b) => compareNames(a[0]!, b[0]!));
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Columns padded like kubectl's tabwriter: each as wide as its widest cell, three spaces apart. */
export function kubectlText(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3))).join("").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** Why a join failed, as a catalog key; `detail` is the server's own sentence when it is worth showing. */
export function joinErrorKey(err: unknown): { key: MessageKey; detail?: string } {
  const code = typeof err === "object" && err !== null && "code" in err ? Number((err as { code: unknown }).code) : NaN;
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 403:
      return { key: "join.error.kicked" };
    case 410:
      return { key: "join.error.ended" };
    case 422:
      return { key: "join.error.nickname", detail: message };
    case 423:
      return { key: "join.error.locked" };
    case 429:
      return { key: "join.error.full" };
    case 400:
      return { key: "join.error.invalid" };
  }
  if (/is locked/i.test(message)) return { key: "join.error.full" };
  if (/not found|disposed/i.test(message) || code === 522) return { key: "join.error.notFound" };
  if (err instanceof TypeError || /fetch|network|ECONNREFUSED|failed to respond/i.test(message)) return { key: "join.error.network" };
  return { key: "join.error.other", detail: message };
}

/** Events by time (kubectl lists oldest first; a feed wants the newest on top). Ties keep id order. */
export function sortEvents<E extends { atMs: number; id: number }>(events: Iterable<E>, newestFirst = true): E[] {
  const list = [...events].sort((a, b) => a.atMs - b.atMs || a.id - b.id);
  return newestFirst ? list.reverse() : list;
}
