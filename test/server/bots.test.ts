import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { Room } from "@colyseus/sdk";
import { bootServer, createClass, inbox, sdk, waitFor, type Booted } from "./boot.ts";
import { muteSdkReconnectLogs, seededRandom, startBot, type Bot, type BotBehaviour } from "../../server/bot.ts";
import type { ErrorMessage } from "../../shared/protocol/messages.ts";
import type { ClassRoom } from "../../server/rooms/class-room.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A class on the worst Wi-Fi in the district, compressed into a few seconds. */
const FLAKY: Partial<BotBehaviour> = {
  dropsPerMinute: 20,
  offlineMs: [100, 500],
  giveUpShare: 0.3,
  minUptimeMs: 0,
  actionsPerMinute: 60,
  drainShare: 0.2,
  cordonHoldMs: [300, 1200],
  reactionMs: [100, 300],
};

let b: Booted;
let unmute: () => void;
beforeAll(async () => {
  unmute = muteSdkReconnectLogs();
  b = await bootServer(29_590, { CLASS_CREATE_PER_MINUTE: "6000", CLASS_CREATE_BURST: "100" });
});
afterAll(async () => {
  await b.colyseus.shutdown();
  unmute();
});

function serverRoom(code: string): ClassRoom {
  return b.colyseus.getRoomById<ClassRoom>(code);
}

const total = (bots: Bot[], f: (b: Bot) => number) => bots.reduce((n, x) => n + f(x), 0);

describe("bot students over real WebSockets", () => {
  let code = "";
  let teacher: Room;

  it("10 flaky bots keep their own nodes through drops, act on them, and leave cleanly", async () => {
    const cls = await createClass(b, { compression: 60, seed: 11 });
    code = cls.code;
    teacher = await sdk(b).joinById(cls.code, { teacherKey: cls.teacherKey });
    const teacherErrors = inbox<ErrorMessage>(teacher, "error");
    inbox(teacher, "result");
    const ts = () => teacher.state as AnyState;
    const sim = () => serverRoom(cls.code).inspect().sim;

    const bots = await Promise.all(
      Array.from({ length: 10 }, (_, i) => startBot({ url: b.url, code: cls.code, name: `Bot ${i + 1}`, random: seededRandom(1000 + i), behaviour: FLAKY })),
    );
    const firstNode = new Map(bots.map((x) => [x, x.welcome.nodeName]));
    expect(new Set(firstNode.values()).size).toBe(10);
    await waitFor(() => ts().nodes?.size === 10 && ts().students?.size === 10, 5000, "10 nodes in the teacher's state");
    for (const bot of bots) expect(ts().nodes.get(bot.welcome.nodeName)?.studentId).toBe(bot.welcome.studentId);

    teacher.send("classControl", { action: "start" });
    const botNodes = new Set(firstNode.values());
    const cordonsLogged = () => serverRoom(cls.code).inspect().log.filter((e) => e.command.type === "cordon" && botNodes.has(e.command.node)).length;
    await waitFor(
      () => total(bots, (x) => x.stats.reconnects) >= 3 && total(bots, (x) => x.stats.rejoins) >= 2 && total(bots, (x) => x.stats.actionsOk) >= 10 && cordonsLogged() >= 2,
      12_000,
      "drops, returns and node actions",
    );

    // Calm the Wi-Fi so everyone is back at once, then check nobody lost their node on the way.
    for (const bot of bots) bot.setBehaviour({ dropsPerMinute: 0, actionsPerMinute: 0 });
    await waitFor(() => bots.every((x) => x.status === "connected") && Object.values(sim().nodes).every((n) => n.connected), 8000, "all bots back");
    await waitFor(() => [...ts().students.values()].every((s: AnyState) => s.connected), 3000, "teacher sees all connected");

    const returned = bots.filter((x) => x.stats.drops > 0 && x.stats.reconnects + x.stats.rejoins > 0);
    expect(returned.length).toBeGreaterThanOrEqual(1);
    for (const bot of bots) {
      expect(bot.stats.identityChanges).toBe(0);
      expect(bot.welcome.nodeName).toBe(firstNode.get(bot));
      expect(ts().students.get(bot.welcome.studentId)?.nodeName).toBe(bot.welcome.nodeName);
      expect(ts().nodes.get(bot.welcome.nodeName)?.studentId).toBe(bot.welcome.studentId);
    }
    expect(Object.keys(sim().nodes).sort()).toEqual([...botNodes].sort());
    expect(ts().nodes.size).toBe(10);
    expect(ts().students.size).toBe(10);

    // What the bots did reached the simulation, and nothing they sent was refused as forbidden.
    const log = serverRoom(cls.code).inspect().log.map((e) => e.command);
    // The server saw the drops as lost heartbeats, and the returns as heartbeats on the same node.
    const beats = log.filter((c) => c.type === "heartbeat" && botNodes.has(c.node));
    expect(beats.some((c) => c.type === "heartbeat" && !c.connected)).toBe(true);
    expect(beats.some((c) => c.type === "heartbeat" && c.connected)).toBe(true);
    expect(log.some((c) => c.type === "addNode" && !botNodes.has(c.name))).toBe(false);
    expect(log.some((c) => c.type === "cordon" && botNodes.has(c.node))).toBe(true);
    expect(log.some((c) => c.type === "uncordon" && botNodes.has(c.node))).toBe(true);
    expect(total(bots, (x) => x.stats.errors.forbidden ?? 0)).toBe(0);
    expect(bots.flatMap((x) => Object.keys(x.stats.errors))).toEqual([]);
    expect(teacherErrors).toEqual([]);

    await Promise.all(bots.map((x) => x.stop()));
    expect(bots.every((x) => x.status === "stopped")).toBe(true);
    // A consented leave drains the node, then the room removes it.
    await waitFor(() => Object.keys(sim().nodes).length === 0, 5000, "nodes drained and removed");
    await waitFor(() => ts().nodes.size === 0 && [...ts().students.values()].every((s: AnyState) => !s.connected), 3000, "teacher sees them gone");
  });

  it("the CLI joins bots and makes them leave on Ctrl-C", async () => {
    expect(code).not.toBe("");
    const ts = () => teacher.state as AnyState;
    const before = new Set<string>(ts().students.keys());
    const child = spawn(process.execPath, ["server/bots.ts", "--url", b.url, "--code", code, "--count", "3", "--quiet", "--stagger", "20"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    const fresh = () => [...ts().students.values()].filter((s: AnyState) => !before.has(s.id)) as AnyState[];
    try {
      await waitFor(() => fresh().length === 3 && fresh().every((s) => s.connected), 8000, "3 CLI students");
    } catch (err) {
      child.kill("SIGKILL");
      throw new Error(`${(err as Error).message}; CLI said:\n${output}`, { cause: err });
    }
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(output).toMatch(/leaving the class/);
    await waitFor(() => fresh().every((s) => !s.connected), 3000, "CLI students disconnected");
    await waitFor(() => Object.keys(serverRoom(code).inspect().sim.nodes).length === 0, 5000, "their nodes drained");
    await teacher.leave();
  });

  it("stop() in the middle of a drop still leaves on purpose, so the node drains", async () => {
    const cls = await createClass(b, { compression: 60 });
    const calm = { dropsPerMinute: 0, actionsPerMinute: 0, minUptimeMs: 0 };
    const [resuming, reloading] = await Promise.all(
      ["Mid Drop", "Mid Reload"].map((name, i) => startBot({ url: b.url, code: cls.code, name, random: seededRandom(500 + i), behaviour: calm })),
    ) as [Bot, Bot];
    const sim = () => serverRoom(cls.code).inspect().sim;
    await waitFor(() => Object.keys(sim().nodes).length === 2, 3000, "2 nodes");
    expect(resuming.drop(600)).toBe(true);
    expect(reloading.drop(600, true)).toBe(true);
    await waitFor(() => Object.values(sim().nodes).every((n) => !n.connected), 3000, "server sees both drops");
    expect([resuming.status, reloading.status]).toEqual(["reconnecting", "rejoining"]);
    await Promise.all([resuming.stop(), reloading.stop()]);
    expect(resuming.stats.reconnects + reloading.stats.rejoins).toBe(1);
    await waitFor(() => Object.keys(sim().nodes).length === 0, 5000, "both nodes drained and removed");
  });

  it("in the Compose round a bot restarts its own crashed container, after a pause", async () => {
    const cls = await createClass(b, { mode: "compose", compression: 120, seed: 5 });
    const t = await sdk(b).joinById(cls.code, { teacherKey: cls.teacherKey });
    inbox(t, "result");
    const calm = { dropsPerMinute: 0, actionsPerMinute: 0, reactionMs: [300, 600] as [number, number] };
    const bots = await Promise.all([0, 1].map((i) => startBot({ url: b.url, code: cls.code, name: `Dock ${i}`, random: seededRandom(77 + i), behaviour: calm })));
    const [mine, other] = bots.map((x) => x.welcome.nodeName) as [string, string];
    const sim = () => serverRoom(cls.code).inspect().sim;
    const web = (node: string) => sim().nodes[node]?.compose?.containers.web;
    t.send("classControl", { action: "start" });
    await waitFor(() => web(mine)?.status === "running", 8000, "web up");

    t.send("command", { command: { type: "composeCrash", node: mine, service: "web" } });
    await waitFor(() => web(mine)?.status === "exited", 3000, "web crashed");
    const crashedAt = Date.now();
    // restart: "no" keeps web down until someone acts; the bot is that someone.
    await waitFor(() => web(mine)?.status === "running", 5000, "bot restarted web");
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(250);
    const restarts = serverRoom(cls.code).inspect().log.filter((e) => e.command.type === "composeRestart").map((e) => e.command);
    expect(restarts).toEqual([{ type: "composeRestart", node: mine, service: "web" }]);
    expect(bots[0]!.stats.restarts).toBe(1);
    expect(bots[1]!.stats.restarts).toBe(0);
    expect(web(other)?.status).toBe("running");
    await Promise.all([...bots.map((x) => x.stop()), t.leave()]);
  });
});
