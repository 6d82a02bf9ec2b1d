/**
 * Fill a class with bot students, so a teacher can demo Container City with three people in the
 * room, or a developer can watch the server under a class of flaky phones:
 *
 *   npm run bots -- --url http://localhost:2567 --code ABC123 --count 30
 *
 * Ctrl-C makes every bot leave on purpose, so their nodes drain and disappear from the city.
 */
import { parseArgs } from "node:util";
import { DEFAULT_BEHAVIOUR, muteSdkReconnectLogs, seededRandom, startBot, type Bot, type BotBehaviour } from "./bot.ts";
import { normalizeClassCode } from "./class-code.ts";

const HELP = `Usage: npm run bots -- --code CODE [options]
       node server/bots.ts --code CODE [options]

Joins bot students to a Container City class. Each bot is a node that behaves like a phone on
classroom Wi-Fi: it drops now and then and reconnects, sometimes cordons or drains its own node,
and in the Compose round restarts its crashed containers. Ctrl-C makes them all leave.

Options:
  --code CODE          class code shown on the teacher's screen (required)
  --url URL            server address (default http://localhost:2567)
  --count N            number of bots, 1-1000 (default 10)
  --names "A,B,C"      nicknames for the first bots, comma-separated; the rest get generated names
  --drop-rate N        Wi-Fi drops per bot per minute (default ${DEFAULT_BEHAVIOUR.dropsPerMinute})
  --action-rate N      own-node actions per bot per minute (default ${DEFAULT_BEHAVIOUR.actionsPerMinute})
  --stagger MS         pause between two joins, so a big class does not stampede (default 100)
  --interval S         seconds between status lines (default 3)
  --seed N             make the bots' choices repeatable
  --quiet              print only status lines, not what each bot does
  -h, --help           show this help
`;

class UsageError extends Error {}

interface Settings {
  url: string;
  code: string;
  count: number;
  names: string[];
  behaviour: Partial<BotBehaviour>;
  staggerMs: number;
  intervalMs: number;
  seed: number | null;
  quiet: boolean;
}

function number(flag: string, raw: string | undefined, fallback: number, min: number, max: number, integer = false): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${flag} must be ${integer ? "a whole number" : "a number"} from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

function parseSettings(argv: string[]): Settings | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: "string" },
        code: { type: "string" },
        count: { type: "string" },
        names: { type: "string" },
        "drop-rate": { type: "string" },
        "action-rate": { type: "string" },
        stagger: { type: "string" },
        interval: { type: "string" },
        seed: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return "help";
  if (values.code === undefined) throw new UsageError("--code is required: the six characters on the teacher's screen");
  const code = normalizeClassCode(values.code);
  if (!code) throw new UsageError(`--code "${values.code}" is not a class code (six letters and digits, like 4K7QXM)`);
  const url = values.url ?? "http://localhost:2567";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url "${url}" is not a URL (try http://localhost:2567)`);
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(parsed.protocol)) throw new UsageError(`--url must start with http://, https://, ws:// or wss:// (got "${url}")`);
  const names = (values.names ?? "").split(",").map((n) => n.trim()).filter((n) => n.length > 0);
  const count = number("count", values.count, 10, 1, 1000, true);
  if (names.length > count) throw new UsageError(`--names lists ${names.length} names for --count ${count} bots`);
  const seed = values.seed === undefined ? null : number("seed", values.seed, 0, 0, 0xffffffff, true);
  return {
    url: url.replace(/\/$/, ""),
    code,
    count,
    names,
    behaviour: {
      dropsPerMinute: number("drop-rate", values["drop-rate"], DEFAULT_BEHAVIOUR.dropsPerMinute, 0, 600),
      actionsPerMinute: number("action-rate", values["action-rate"], DEFAULT_BEHAVIOUR.actionsPerMinute, 0, 300),
    },
    staggerMs: number("stagger", values.stagger, 100, 0, 60_000, true),
    intervalMs: number("interval", values.interval, 3, 0.5, 3600) * 1000,
    seed,
    quiet: values.quiet ?? false,
  };
}

function statusLine(bots: Bot[], wanted: number, joining: number): string {
  const by = (s: Bot["status"]) => bots.filter((b) => b.status === s).length;
  const sum = (f: (b: Bot) => number) => bots.reduce((n, b) => n + f(b), 0);
  const errors = sum((b) => Object.values(b.stats.errors).reduce((n, e) => n + (e ?? 0), 0));
  const parts = [
    new Date().toTimeString().slice(0, 8),
    `bots ${bots.length}/${wanted}${joining ? ` (+${joining} joining)` : ""}`,
    `connected ${by("connected")}`,
    `reconnecting ${by("reconnecting") + by("rejoining")}`,
    `gone ${by("gone")}`,
    `drops ${sum((b) => b.stats.drops)}`,
    `back ${sum((b) => b.stats.reconnects + b.stats.rejoins)}`,
    `actions ${sum((b) => b.stats.actionsSent)}`,
    `errors ${errors}`,
  ];
  return parts.join(" | ");
}

async function reachable(url: string): Promise<void> {
  const http = url.replace(/^ws(s?):/, "http$1:");
  try {
    const res = await fetch(`${http}/healthz`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (err) {
    throw new Error(`cannot reach the server at ${http} (${(err as Error).message}). Is it running?`, { cause: err });
  }
}

async function main(argv: string[]): Promise<number> {
  let settings: Settings | "help";
  try {
    settings = parseSettings(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bots: ${err.message}\nRun with --help for usage.`);
    return 2;
  }
  if (settings === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  const s = settings;
  muteSdkReconnectLogs();
  const log = s.quiet ? undefined : (line: string) => console.log(line);
  const random = s.seed === null ? Math.random : seededRandom(s.seed, "bots");

  const bots: Bot[] = [];
  const joins: Promise<unknown>[] = [];
  let joining = 0;
  let failures = 0;
  let stopping = false;
  let ticker: ReturnType<typeof setInterval> | undefined = undefined;
  let wakeStagger: (() => void) | undefined;
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const stopAll = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    wakeStagger?.();
    clearInterval(ticker);
    // Bots still joining leave too, once they are in: none may stay behind as a NotReady node.
    await Promise.allSettled(joins);
    console.log(`${why}: ${bots.length} bot(s) leaving the class...`);
    await Promise.allSettled(bots.map((b) => b.stop()));
    console.log(statusLine(bots, s.count, 0));
    finish(failures > 0 && bots.length === 0 ? 1 : 0);
  };

  let signals = 0;
  process.on("SIGINT", () => {
    // A second Ctrl-C means "now": do not wait for the goodbyes.
    if (++signals > 1) process.exit(130);
    void stopAll("Ctrl-C");
  });
  process.on("SIGTERM", () => void stopAll("SIGTERM"));

  try {
    await reachable(s.url);
  } catch (err) {
    console.error(`bots: ${(err as Error).message}`);
    return 1;
  }
  if (stopping) return done;
  console.log(`Joining ${s.count} bot(s) to class ${s.code} at ${s.url}. Ctrl-C to make them leave.`);
  ticker = setInterval(() => {
    console.log(statusLine(bots, s.count, joining));
    if (!stopping && joining === 0 && bots.length > 0 && bots.every((b) => b.status === "gone")) {
      console.log(`Every bot is gone (${bots[0]!.goneReason ?? "?"}).`);
      void stopAll("Done");
    }
  }, s.intervalMs);

  for (let i = 0; i < s.count && !stopping; i++) {
    // Each bot gets its own stream, so adding a bot does not change what the others do.
    const seed = Math.floor(random() * 2 ** 32);
    const name = s.names[i];
    joining++;
    const started = startBot({ url: s.url, code: s.code, name, behaviour: s.behaviour, random: seededRandom(seed, `bot-${i}`), log }).then(
      (bot) => {
        bots.push(bot);
        // Ctrl-C landed while this one was joining, after stopAll took its list: it leaves alone.
        if (stopping) return bot.stop().then(() => true);
        return true;
      },
      (err: Error) => {
        failures++;
        console.error(`bots: bot ${i + 1}${name ? ` (${name})` : ""} could not join: ${err.message}`);
        return false;
      },
    ).finally(() => joining--);
    joins.push(started);
    // The first join tells whether the code and server are right; no point sending 299 more.
    if (i === 0 && !(await started)) {
      clearInterval(ticker);
      return 1;
    }
    if (s.staggerMs > 0) {
      await new Promise<void>((resolve) => {
        wakeStagger = resolve;
        setTimeout(resolve, s.staggerMs);
      });
    }
  }
  return done;
}

process.exitCode = await main(process.argv.slice(2));
// Sockets the SDK keeps for a late reconnection would otherwise hold the process open.
process.exit();
