/**
 * Real server processes (node server/main.ts) sharing one Redis, for the multi-process suites:
 * start one on a free port, create a class through it, join through it, read its gauges, and let
 * go of the clients of a process about to die.
 */
import { expect } from "vitest";
import { Client, type Room } from "@colyseus/sdk";
import { start, waitForStatus, type Proc } from "../ops/spawn.ts";
import { sleep } from "../server/boot.ts";
import { freePort } from "./redis-server.ts";
import type { CreateClassResponse } from "../../shared/protocol/messages.ts";

export interface Game {
  name: string;
  port: number;
  base: string;
  env: Record<string, string>;
  proc: Proc;
  /** Every process this name ran, for the log checks. */
  runs: Proc[];
}

/** (Re)start a game's process and wait until it answers /healthz. */
export async function boot(g: Game): Promise<void> {
  g.proc = start(["server/main.ts"], g.env);
  g.runs.push(g.proc);
  await waitForStatus(`${g.base}/healthz`, 200, g.proc, 20_000);
}

/** A server process on a port of its own, using the Redis at `redisUrl`; `env` adds the suite's own settings. */
export async function startGame(name: string, redisUrl: string, env: Record<string, string> = {}): Promise<Game> {
  const port = await freePort();
  const g: Game = {
    name,
    port,
    base: `http://127.0.0.1:${port}`,
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      REDIS_URL: redisUrl,
      // What the client puts in its WebSocket URL when a seat in this process was reserved by another.
      PUBLIC_ADDRESS: `127.0.0.1:${port}`,
      STORE_SNAPSHOT_SECONDS: "1",
      SHUTDOWN_GRACE_MS: "0",
      // The tests create classes faster than a teacher would.
      CLASS_CREATE_PER_MINUTE: "6000",
      CLASS_CREATE_BURST: "100",
      ...env,
    },
    proc: undefined as unknown as Proc,
    runs: [],
  };
  await boot(g);
  return g;
}

export async function createClass(g: Game, body: object = {}): Promise<CreateClassResponse> {
  const res = await fetch(`${g.base}/api/classes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, `POST /api/classes on ${g.name}`).toBe(201);
  return (await res.json()) as CreateClassResponse;
}

/**
 * join() and joinWhenBack() through any game; every room joined is kept in `rooms`, for abandon()
 * at the end. joinWhenBack retries every `retryEveryMs` for up to `timeoutMs`, while no live
 * process holds the class yet.
 */
export function joiner(retry: { timeoutMs: number; retryEveryMs: number }) {
  const rooms: Room[] = [];
  async function join(g: Game, code: string, options: object): Promise<Room> {
    const room = await new Client(g.base).joinById(code, options);
    rooms.push(room);
    return room;
  }
  async function joinWhenBack(g: Game, code: string, options: object, timeoutMs = retry.timeoutMs): Promise<Room> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await join(g, code, options);
      } catch (err) {
        if (Date.now() > end) throw err;
        await sleep(retry.retryEveryMs);
      }
    }
  }
  return { rooms, join, joinWhenBack };
}

/** A gauge from the process's /metrics (NaN when it is missing). */
export async function gauge(g: Game, name: string): Promise<number> {
  const text = await (await fetch(`${g.base}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? NaN);
}

/** The clients of a process about to die must not reconnect by themselves. */
export function abandon(list: Room[]): void {
  for (const r of list) {
    r.reconnection.enabled = false;
    r.removeAllListeners();
  }
}
