/**
 * The long soak: the CI soak (test/server/soak.test.ts) for as many minutes as you like, printing
 * one line per minute: heap after a full GC, RSS, event-loop lag p99 and max, and the sizes of
 * what a class accumulates. The server and the bots share this process, as in the test.
 *
 *   npm run bench:soak -- --minutes 30 [--bots 30] [--inject-every 3] [--port 29930]
 */
import { parseArgs } from "node:util";
import { Client } from "@colyseus/sdk";
import { createApp } from "../server/app.config.ts";
import { loadConfig } from "../server/config.ts";
import { muteSdkReconnectLogs } from "../server/bot.ts";
import type { ClassRoom } from "../server/rooms/class-room.ts";
import type { CreateClassResponse } from "../shared/protocol/messages.ts";
import { matchMaker } from "@colyseus/core";
import { runSoak, slope, type SoakSample } from "./soak-scenario.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "5" },
    bots: { type: "string", default: "30" },
    "inject-every": { type: "string", default: "3" },
    port: { type: "string", default: "29930" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log("Usage: npm run bench:soak -- [--minutes N] [--bots N] [--inject-every SECONDS] [--port PORT]");
  process.exit(0);
}
const minutes = Number(values.minutes);
const botCount = Number(values.bots);
const injectEvery = Number(values["inject-every"]);
const port = Number(values.port);
for (const [flag, v, min, max] of [["minutes", minutes, 0.1, 24 * 60], ["bots", botCount, 1, 1000], ["inject-every", injectEvery, 0.5, 3600], ["port", port, 1024, 65535]] as const) {
  if (!Number.isFinite(v) || v < min || v > max) {
    console.error(`--${flag} must be a number from ${min} to ${max}`);
    process.exit(2);
  }
}

const unmute = muteSdkReconnectLogs();
const app = createApp(loadConfig({ PORT: String(port), LOG_LEVEL: "warn", STORE_PATH: ":memory:", IDLE_TIMEOUT_SECONDS: "2" }), { gracefullyShutdown: false });
await app.server.listen(port, "127.0.0.1");
const url = `http://127.0.0.1:${port}`;
const res = await fetch(`${url}/api/classes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ compression: 30, seed: 5 }) });
const cls = (await res.json()) as CreateClassResponse;
const teacher = await new Client(url).joinById(cls.code, { teacherKey: cls.teacherKey });
const started = new Promise((resolve) => teacher.onMessage("result", resolve));
teacher.send("classControl", { action: "start" });
await started;

console.log(`soak: ${botCount} bots, a failure every ${injectEvery} s, ${minutes} min, class ${cls.code}`);
console.log("minute  heapMB  rssMB  lagP99ms  lagMaxms  stateEvents  simEvents  history  commandLog  botsUp  injected");
const window: SoakSample[] = [];
const row = (m: number, s: SoakSample, lagP99: number, lagMax: number) =>
  console.log([String(m).padStart(6), s.heapUsedMB.toFixed(1).padStart(7), s.rssMB.toFixed(0).padStart(6), lagP99.toFixed(1).padStart(9), lagMax.toFixed(1).padStart(9),
    String(s.stateEvents).padStart(12), String(s.simEvents).padStart(10), String(s.history).padStart(8), String(s.commandLog).padStart(11),
    String(s.botsConnected).padStart(7), String(s.injected).padStart(9)].join(" "));
const result = await runSoak({
  url, code: cls.code, teacher, room: () => matchMaker.getLocalRoomById(cls.code) as ClassRoom, bots: botCount,
  durationMs: minutes * 60_000, injectEveryMs: injectEvery * 1000, sampleEveryMs: 5000, seed: 7,
  onSample: (s) => {
    window.push(s);
    const m = Math.floor(s.atMs / 60_000);
    if (m >= 1 && Math.floor((s.atMs - 5000) / 60_000) < m) {
      row(m, s, Math.max(...window.map((x) => x.lagP99Ms)), Math.max(...window.map((x) => x.lagMaxMs)));
      window.length = 0;
    }
  },
});
const steady = result.samples.filter((s) => s.atMs >= Math.min(60_000, minutes * 30_000));
const perMin = slope(steady.map((s) => s.atMs), steady.map((s) => s.heapUsedMB)) * 60_000;
const first = result.samples[0]!;
const last = result.samples.at(-1)!;
console.log(`heap after GC: ${first.heapUsedMB.toFixed(1)} → ${last.heapUsedMB.toFixed(1)} MB (trend after warm-up ${perMin.toFixed(2)} MB/min); ` +
  `RSS ${first.rssMB.toFixed(0)} → ${last.rssMB.toFixed(0)} MB; drops ${result.bots.reduce((n, b) => n + b.stats.drops, 0)}, ` +
  `rejoins ${result.bots.reduce((n, b) => n + b.stats.rejoins, 0)}, injections ${result.injected.length} (${result.refused.length} refused)`);

await Promise.all(result.bots.map((b) => b.stop()));
await teacher.leave();
const until = Date.now() + 15_000;
while (matchMaker.getLocalRoomById(cls.code) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
console.log(`after the class: rooms ${matchMaker.stats.local.roomCount}, connections ${matchMaker.stats.local.ccu}, timers ${process.getActiveResourcesInfo().filter((r) => r === "Timeout").length}`);
await app.server.gracefullyShutdown(false);
unmute();
process.exit(0);
