/** Boots the real server (app.config.ts) on a port of its own, with real SDK clients over WebSocket. */
import { ColyseusTestServer } from "@colyseus/testing";
import { Client, type Room } from "@colyseus/sdk";
import { createApp, type App } from "../../server/app.config.ts";
import { loadConfig } from "../../server/config.ts";
import type { CreateClassResponse, ResultMessage, WelcomeMessage, YouMessage } from "../../shared/protocol/messages.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

export interface Booted {
  app: App;
  colyseus: ColyseusTestServer;
  url: string;
  port: number;
}

/**
 * The store is in memory unless the test passes STORE_PATH (a temp file, to test persistence). As
 * main.ts does, classes left in the store are resumed once the server listens.
 */
export async function bootServer(port: number, env: Record<string, string> = {}): Promise<Booted> {
  const config = loadConfig({ PORT: String(port), LOG_LEVEL: "silent", STORE_PATH: ":memory:", ...env });
  const app = createApp(config, { gracefullyShutdown: false });
  await app.server.listen(port, "127.0.0.1");
  await app.resumeClasses();
  return { app, colyseus: new ColyseusTestServer(app.server), url: `http://127.0.0.1:${port}`, port };
}

export async function createClass(b: Booted, body: object = {}): Promise<CreateClassResponse> {
  const res = await fetch(`${b.url}/api/classes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create class: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreateClassResponse;
}

export function sdk(b: Booted): Client {
  return new Client(b.url);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until pred holds (state arrives by patches, not on a schedule we could guess). */
export async function waitFor(pred: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Collect the messages of one type a client receives. */
export function inbox<T = unknown>(room: Room, type: string): T[] {
  const got: T[] = [];
  room.onMessage(type, (m: T) => got.push(m));
  return got;
}

/** The latest `you` message a student got (its points and place), kept up to date. */
export function youOf(room: Room): { current: YouMessage | null; count: number } {
  const box = { current: null as YouMessage | null, count: 0 };
  room.onMessage("you", (m: YouMessage) => {
    box.current = m;
    box.count++;
  });
  return box;
}

/** The server's welcome (identity, node, rejoin token), asked for once the handler is in place. */
export function welcomeOf(room: Room): Promise<WelcomeMessage> {
  const p = new Promise<WelcomeMessage>((resolve) => room.onMessage("welcome", resolve));
  room.send("hello", {});
  return p;
}

/**
 * A class under way with a node down: its teacher and three students (Ana, Bo, Cy) join, the teacher
 * starts it and, once the shop's 6 pods are ready, kills the node at `victimIndex` (in the state's
 * order) and sees the kill acknowledged. Every room joined goes into `rooms`, the teacher first.
 */
export async function startAndKillANode(b: Booted, cls: CreateClassResponse, victimIndex: number, rooms: Room[]): Promise<{ teacher: Room; victim: string }> {
  const teacher = await sdk(b).joinById(cls.code, { teacherKey: cls.teacherKey });
  rooms.push(teacher);
  const results = inbox<ResultMessage>(teacher, "result");
  for (const name of ["Ana", "Bo", "Cy"]) rooms.push(await sdk(b).joinById(cls.code, { name }));
  teacher.send("classControl", { action: "start" });
  const ts = () => teacher.state as AnyState;
  await waitFor(() => [...(ts().pods?.values() ?? [])].filter((p: AnyState) => p.ready).length === 6, 15_000, "6 shop pods ready");
  const victim = [...ts().nodes.keys()][victimIndex] as string;
  teacher.send("command", { id: "kill", command: { type: "killNode", node: victim } });
  await waitFor(() => results.some((r) => r.id === "kill" && r.ok), 5000, "kill acknowledged");
  return { teacher, victim };
}
