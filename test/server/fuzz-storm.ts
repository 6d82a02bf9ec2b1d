/**
 * The fuzz test's storm (fuzz.test.ts), in a worker thread: hostile clients belong on their own
 * CPU, not on the event loop of the server they attack, or the well-behaved clients' latency
 * would measure the attackers' own work. Each client joins the class as a student and sends its
 * share of fast-check-generated messages (fuzz-arbitraries.ts) in small bursts; when the server
 * closes it (oversized frame, protocol garbage, flooding) it comes back with its rejoin token and
 * carries on. Reports what it sent and what came back.
 */
import { parentPort, workerData } from "node:worker_threads";
import fc from "fast-check";
import { Client, Protocol, type Room } from "@colyseus/sdk";
import { encode } from "@colyseus/schema";
import { FRAME_BUSTER, fuzzMessage, type FuzzMessage, type Known } from "./fuzz-arbitraries.ts";

export interface StormOptions {
  url: string;
  code: string;
  clients: number;
  /** Messages to send in all. */
  total: number;
  seed: number;
  /** Wall time to spread them over. */
  durationMs: number;
  /** Messages of more than the WebSocket frame limit, in all. */
  frameBusters: number;
}

export interface StormReport {
  sent: number;
  byCategory: Record<string, number>;
  /** `error` replies by code. */
  errors: Record<string, number>;
  /** Other replies by type (result, kubectlResult, welcome, history...). */
  replies: Record<string, number>;
  /** Server-side closes by close code. */
  closes: Record<string, number>;
  joins: number;
  joinFailures: string[];
  elapsedMs: number;
}

const opts = workerData as StormOptions;
const report: StormReport = { sent: 0, byCategory: {}, errors: {}, replies: {}, closes: {}, joins: 0, joinFailures: [], elapsedMs: 0 };
const bump = (m: Record<string, number>, k: string | number) => (m[String(k)] = (m[String(k)] ?? 0) + 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ids and nodes seen in the shared state: the storm impersonates other students with them. */
const known: Known = { studentIds: [], nodeNames: [] };

interface Player {
  room: Room | null;
  token: string | null;
  quota: number;
  sent: number;
  queue: FuzzMessage[];
  busters: number;
}

async function join(i: number, p: Player): Promise<void> {
  const client = new Client(opts.url);
  let room: Room;
  try {
    room = await client.joinById(opts.code, p.token ? { rejoinToken: p.token } : { name: `Fuzz ${i}` });
  } catch (err) {
    if (report.joinFailures.length < 20) report.joinFailures.push(String(err));
    p.room = null;
    return;
  }
  report.joins++;
  // The storm decides when to come back, with its token; the SDK must not resume on its own.
  room.reconnection.enabled = false;
  room.onMessage("*", (type: string | number, payload: unknown) => {
    if (type === "error") bump(report.errors, (payload as { code?: string }).code ?? "?");
    else bump(report.replies, type);
    if (type === "welcome") p.token = (payload as { rejoinToken?: string }).rejoinToken ?? p.token;
  });
  room.onLeave((code: number) => {
    bump(report.closes, code);
    if (p.room === room) p.room = null;
  });
  p.room = room;
  room.send("hello", {});
}

function refreshKnown(room: Room): void {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const s = room.state as any;
  if (!s?.students) return;
  known.studentIds = [...s.students.keys()] as string[];
  known.nodeNames = [...s.nodes.keys()] as string[];
}

/**
 * A ROOM_DATA frame with an empty-map payload, written by hand: the SDK's send() reserves at most
 * 255 bytes for the type, and a hostile client is not bound by its SDK.
 */
function longTypeFrame(type: string): Uint8Array {
  const buf = new Uint8Array(type.length * 3 + 16);
  buf[0] = Protocol.ROOM_DATA;
  const it = { offset: 1 };
  encode.string(buf, type, it);
  buf[it.offset] = 0x80;
  return buf.subarray(0, it.offset + 1);
}

function sendOne(room: Room, m: FuzzMessage): void {
  if (m.kind === "raw") room.connection.send(m.bytes);
  else if (typeof m.type === "string" && m.type.length > 200) room.connection.send(longTypeFrame(m.type));
  else room.send(m.type as string, m.payload);
  report.sent++;
  bump(report.byCategory, m.category);
}

async function play(i: number, p: Player, deadline: number): Promise<void> {
  const seed = opts.seed + i;
  let batchNo = 0;
  const tickMs = 50;
  while (p.sent < p.quota) {
    if (!p.room) {
      await join(i, p);
      if (!p.room) await sleep(200);
      continue;
    }
    const room = p.room;
    if (!room.connection.isOpen) {
      await sleep(tickMs);
      continue;
    }
    // Spread what is left over the time left, in bursts every tick.
    const ticksLeft = Math.max(1, (deadline - Date.now()) / tickMs);
    const burst = Math.max(1, Math.ceil((p.quota - p.sent) / ticksLeft));
    for (let k = 0; k < burst && p.sent < p.quota && room.connection.isOpen && p.room === room; k++) {
      if (p.queue.length === 0) {
        refreshKnown(room);
        p.queue = fc.sample(fuzzMessage(known, { raw: true }), { numRuns: 100, seed: seed * 1000 + batchNo++ });
      }
      const m = p.busters > 0 && p.sent > p.quota / 2 ? (p.busters--, FRAME_BUSTER) : p.queue.shift()!;
      sendOne(room, m);
      p.sent++;
    }
    await sleep(tickMs);
  }
}

async function main(): Promise<void> {
  const players: Player[] = [];
  for (let i = 0; i < opts.clients; i++) {
    const quota = Math.floor(opts.total / opts.clients) + (i < opts.total % opts.clients ? 1 : 0);
    players.push({ room: null, token: null, quota, sent: 0, queue: [], busters: i < opts.frameBusters ? 1 : 0 });
  }
  for (let i = 0; i < players.length; i++) await join(i, players[i]!);
  parentPort!.postMessage({ kind: "joined", joins: report.joins });
  // The test thread measures its baseline while every storm client is connected and quiet.
  await new Promise<void>((resolve) => parentPort!.once("message", () => resolve()));
  const stormStarted = Date.now();
  const deadline = stormStarted + opts.durationMs;
  const progress = setInterval(() => parentPort!.postMessage({ kind: "progress", sent: report.sent }), 1000);
  await Promise.all(players.map((p, i) => play(i, p, deadline)));
  clearInterval(progress);
  report.elapsedMs = Date.now() - stormStarted;
  // Let the last replies arrive, then leave on purpose.
  await sleep(500);
  await Promise.all(players.map((p) => p.room?.leave().catch(() => undefined)));
  parentPort!.postMessage({ kind: "done", report });
}

main().catch((err: unknown) => parentPort!.postMessage({ kind: "failed", error: String((err as Error)?.stack ?? err) }));
