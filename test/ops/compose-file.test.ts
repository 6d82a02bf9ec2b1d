/**
 * The Dockerfile and docker-compose.yml name files, routes, ports, users and variables that live
 * in the code. No Docker engine runs where the tests do, so these tests hold each such name against
 * the repository and the real server, and fail when the code moves under the deployment files.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createServer, type AddressInfo } from "node:net";
import { execFile } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parse } from "yaml";
import { createApp, type App } from "../../server/app.config.ts";
import { loadConfig, type Config } from "../../server/config.ts";
import { storeRedisUrl } from "../../server/store/config.ts";
import {
  all, dockerignore, healthcheckCommand, last, parseCopy, parseDockerfile, parseEnv, probedPaths, runCommands, type Stage,
} from "./dockerfile.ts";
import {
  commandArgs, containerPorts, dependsOn, durationMs, literalRedisPassword, publishedPort, redisOption, serviceEnv, serviceEnvNames, serviceMounts,
  type ComposeFile, type ComposeService,
} from "./compose.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (rel: string) => readFileSync(path.join(ROOT, rel), "utf8");

// merge: the file shares the game's settings between its processes with YAML merge keys (<<), which
// docker compose honours and the yaml package applies only when asked.
const compose = parse(read("docker-compose.yml"), { merge: true }) as ComposeFile;
/** The game processes: the services built from this repository. */
const games = Object.entries(compose.services).filter(([, s]) => s.build !== undefined) as [string, ComposeService][];
const game = games[0]![1];
const gameBuild = typeof game.build === "string" ? { context: game.build } : (game.build ?? {});
const context = path.resolve(ROOT, gameBuild.context ?? ".");
const dockerfilePath = path.join(context, gameBuild.dockerfile ?? "Dockerfile");
const stages = parseDockerfile(readFileSync(dockerfilePath, "utf8"));
const final = stages.at(-1)!;
const buildStage = stages.find((s) => s.name === "build");
const ignored = dockerignore(existsSync(path.join(context, ".dockerignore")) ? readFileSync(path.join(context, ".dockerignore"), "utf8") : "");
const pkg = JSON.parse(read("package.json")) as { scripts?: Record<string, string>; engines?: { node?: string } };

/** Variables the container may carry that the server itself does not read (Node and npm do). */
const NOT_SERVER_CONFIG = new Set(["NODE_ENV", "NODE_OPTIONS"]);

function imageEnv(stage: Stage): Record<string, string> {
  return Object.assign({}, ...all(stage, "ENV").map(parseEnv)) as Record<string, string>;
}

function workdir(stage: Stage): string {
  return last(stage, "WORKDIR")?.args ?? "/";
}

/** Where a path of the final image comes from in the build context, through its COPY lines. */
function contextPathOf(imagePath: string): string | undefined {
  const abs = path.posix.resolve(workdir(final), imagePath);
  for (const ins of all(final, "COPY").reverse()) {
    const c = parseCopy(ins);
    if (c.from || c.sources.length !== 1) continue;
    const dest = path.posix.resolve(workdir(final), c.dest);
    if (abs === dest || abs.startsWith(dest + "/")) return path.join(context, c.sources[0]!, path.posix.relative(dest, abs));
  }
  return undefined;
}

function exposedPorts(): number[] {
  return all(final, "EXPOSE").flatMap((e) => e.args.split(/\s+/).map((p) => Number(p.replace(/\/(tcp|udp)$/, ""))));
}

function serverKeysIn(env: Record<string, string>): string[] {
  return Object.keys(env).filter((k) => !NOT_SERVER_CONFIG.has(k));
}

/** loadConfig ignores variables it does not know (zod strips them), so also check each one survives. */
function expectServerAccepts(env: Record<string, string>): Config {
  const serverEnv = Object.fromEntries(serverKeysIn(env).map((k) => [k, env[k]]));
  const config = loadConfig(serverEnv);
  for (const k of Object.keys(serverEnv)) expect(Object.keys(config), `server/config.ts does not read ${k}`).toContain(k);
  return config;
}

/** Run a probe the way Docker would, with the given PORT; resolves to its exit code. */
function runProbe(probe: { exec: string[] } | { shell: string }, port: number): Promise<number> {
  // The image's node is on PATH there; here, the project's Node 24 that runs the tests.
  const env = { ...process.env, PORT: String(port), PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` };
  const [file, args] = "exec" in probe ? [probe.exec[0]!, probe.exec.slice(1)] : ["/bin/sh", ["-c", probe.shell]];
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 10_000 }, (err) => resolve(err ? (typeof err.code === "number" ? err.code : -1) : 0));
  });
}

function composeProbe(test: string | string[] | undefined): { exec: string[] } | { shell: string } {
  if (typeof test === "string") return { shell: test };
  if (test?.[0] === "CMD") return { exec: test.slice(1) };
  if (test?.[0] === "CMD-SHELL") return { shell: test[1]! };
  throw new Error(`healthcheck test must be CMD or CMD-SHELL, got ${JSON.stringify(test)}`);
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

// The real server, booted in-process on a port the OS picks, so no other suite can collide with it.
let app: App;
let port: number;
beforeAll(async () => {
  app = createApp(loadConfig({ PORT: "0", LOG_LEVEL: "silent", STORE_PATH: ":memory:" }), { gracefullyShutdown: false });
  await app.server.listen(0, "127.0.0.1");
  port = (app.server.transport.server!.address() as AddressInfo).port;
});
afterAll(async () => {
  await app?.server.gracefullyShutdown(false);
});

describe("Dockerfile", () => {
  it("builds every stage on node:24-slim, the Node major that package.json and .nvmrc pin", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.image).toBe("node:24-slim");
    expect(pkg.engines?.node).toMatch(/>=\s*24\b/);
    expect(read(".nvmrc").trim()).toMatch(/^v?24\./);
  });

  it("runs the final stage as the unprivileged node user", () => {
    expect(last(final, "USER")?.args).toBe("node");
  });

  it("starts server/main.ts with the image's node, and the image contains that file", () => {
    const cmd = last(final, "CMD");
    expect(cmd, "final stage has a CMD").toBeDefined();
    const exec = JSON.parse(cmd!.args) as string[];
    expect(exec).toEqual(["node", "server/main.ts"]);
    const source = contextPathOf(exec[1]!);
    expect(source, `no COPY puts ${exec[1]} in the image`).toBeDefined();
    expect(existsSync(source!)).toBe(true);
    // The process test checks that main.ts really exits 0 on this signal.
    expect(last(final, "STOPSIGNAL")?.args).toBe("SIGTERM");
  });

  it("copies from the build context only paths that exist and .dockerignore lets through", () => {
    const copies = stages.flatMap((s) => all(s, "COPY").concat(all(s, "ADD")).map(parseCopy)).filter((c) => !c.from);
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) {
      for (const src of c.sources) {
        expect(existsSync(path.join(context, src)), `COPY source ${src} exists`).toBe(true);
        if (src !== ".") expect(ignored(src), `COPY source ${src} is excluded by .dockerignore`).toBe(false);
      }
    }
    // The runtime needs package.json as much as the sources: its "type": "module" makes the .ts files ESM.
    expect(ignored("package.json") || ignored("package-lock.json")).toBe(false);
  });

  it("copies from another stage only what that stage brings in or builds", () => {
    const fromStage = stages.flatMap((s) => all(s, "COPY").map(parseCopy)).filter((c) => c.from);
    for (const c of fromStage) {
      const src = stages.find((s) => s.name === c.from);
      expect(src, `stage ${c.from} exists`).toBeDefined();
      for (const abs of c.sources) {
        const rel = path.posix.relative(workdir(src!), abs);
        const broughtIn = all(src!, "COPY").map(parseCopy).some((cp) => !cp.from && cp.sources.includes(".") && existsSync(path.join(context, rel)) && !ignored(rel));
        const made = all(src!, "RUN").some((r) => r.args.includes(rel));
        expect(broughtIn || made, `${abs} is neither copied into nor made by stage ${c.from}`).toBe(true);
      }
    }
  });

  it("ships the client where Vite builds it and the server serves it", async () => {
    const shipped = stages.flatMap((s) => all(s, "COPY").map(parseCopy)).filter((c) => c.from).map((c) => path.posix.relative(workdir(final), path.posix.resolve(workdir(final), c.dest)));
    expect(shipped).toContain("client/dist");
    expect(read("server/app.config.ts")).toMatch(/["'`]\.\.\/client\/dist["'`]/);
    if (existsSync(path.join(ROOT, "vite.config.ts"))) {
      const vite = (await import(pathToFileURL(path.join(ROOT, "vite.config.ts")).href)) as { default: { root?: string; build?: { outDir?: string } } };
      const out = path.posix.join(vite.default.root ?? ".", vite.default.build?.outDir ?? "dist");
      expect(out).toBe("client/dist");
    }
  });

  it("sets an environment server/config.ts accepts, listening on the EXPOSEd port on every interface", () => {
    const env = imageEnv(final);
    expect(env.NODE_ENV).toBe("production");
    const config = expectServerAccepts(env);
    expect(exposedPorts()).toEqual([config.PORT]);
    expect(config.HOST).toBe("0.0.0.0");
  });

  it("keeps the class store (STORE_PATH) in a directory it creates for the node user", () => {
    const config = expectServerAccepts(imageEnv(final));
    expect(path.posix.isAbsolute(config.STORE_PATH), "an absolute STORE_PATH, independent of the working directory").toBe(true);
    const dir = path.posix.dirname(config.STORE_PATH);
    const commands = all(final, "RUN").flatMap(runCommands).map((c) => c.split(/\s+/));
    expect(commands.some((w) => w[0] === "mkdir" && w.includes(dir)), `mkdir ${dir}`).toBe(true);
    expect(commands.some((w) => w[0] === "chown" && /^node(:node)?$/.test(w.at(-2) ?? "") && w.at(-1) === dir), `chown node:node ${dir}`).toBe(true);
  });

  it("probes its health with node (slim images have no curl) on a route the real server answers", async () => {
    const probe = healthcheckCommand(last(final, "HEALTHCHECK")!);
    expect(probe, "final stage has a HEALTHCHECK CMD").toBeDefined();
    const text = "exec" in probe! ? probe.exec.join(" ") : probe!.shell;
    expect(text).toMatch(/^node\s/);
    const paths = probedPaths(text);
    expect(paths).toEqual(["/healthz"]);
    const res = await fetch(`http://127.0.0.1:${port}${paths[0]}`);
    expect(res.status).toBe(200);
    // The command itself, not only its path: it passes against the server and fails without one.
    expect(await runProbe(probe!, port)).toBe(0);
    expect(await runProbe(probe!, await closedPort())).not.toBe(0);
  });

  it("builds with npm commands that exist, and CI runs the same ones (CI runs what the image ships)", () => {
    expect(buildStage, "a stage named build").toBeDefined();
    const ci = read(".ci/run");
    const ciNpm = ci.split(/\r?\n/).filter((l) => !l.trim().startsWith("#")).join("\n");
    const commands = all(buildStage!, "RUN").flatMap(runCommands);
    expect(commands.length).toBeGreaterThan(0);
    for (const cmd of commands) {
      const words = cmd.split(/\s+/);
      // Directory plumbing is the only non-npm step allowed: anything else would be a build CI never runs.
      if (words[0] === "mkdir") continue;
      expect(words[0], `build step "${cmd}" is an npm command`).toBe("npm");
      const sub = words[1]!;
      if (sub === "ci") {
        expect(ciNpm).toMatch(/\bnpm ci\b/);
      } else if (sub === "run" || sub === "run-script") {
        const script = words[2]!;
        const exists = pkg.scripts?.[script] !== undefined;
        expect(exists || words.includes("--if-present"), `npm run ${script}: no such script in package.json`).toBe(true);
        if (exists) expect(ciNpm, `.ci/run must run "npm run ${script}" like the Dockerfile does`).toMatch(new RegExp(`\\bnpm run ${script}\\b`));
      } else {
        throw new Error(`build step "${cmd}": only npm ci and npm run are expected`);
      }
    }
  });
});

describe("docker-compose.yml", () => {
  it("builds every game process from one context that holds its Dockerfile, into one image", () => {
    expect(existsSync(dockerfilePath)).toBe(true);
    for (const [, g] of games) expect(g.build).toEqual(game.build);
    expect(new Set(games.map(([, g]) => g.image)).size).toBe(1);
  });

  it("runs at least two game processes, each with its own published port and PUBLIC_ADDRESS, and one class store they share", () => {
    expect(games.length).toBeGreaterThanOrEqual(2);
    const configs = games.map(([, g]) => configOf(g));
    const addresses = configs.map((c) => c.PUBLIC_ADDRESS);
    expect(new Set(addresses).size, "one PUBLIC_ADDRESS per process").toBe(games.length);
    const published = games.map(([, g], i) => publishedPort(g, configs[i]!.PORT));
    expect(new Set(published).size, "one host port per process").toBe(games.length);
    // Per-process SQLite stores would answer a report only from the process that ran the class.
    for (const c of configs) expect(c.STORE_DRIVER).toBe("redis");
    expect(new Set(configs.map((c) => storeRedisUrl(c))).size, "every process names the same store Redis").toBe(1);
  });

  it("also runs the game with PUBLIC_HOST and PUBLIC_URL passed through from the shell", () => {
    for (const [, g] of games) {
      const config = configOf(g, { PUBLIC_URL: "http://192.168.1.20:2567", PUBLIC_HOST: "192.168.1.20" });
      expect(config.PUBLIC_URL).toBe("http://192.168.1.20:2567");
      expect(config.PUBLIC_ADDRESS).toMatch(/^192\.168\.1\.20:\d+$/);
    }
  });

  it("keeps Redis off the host's network: only the game processes reach it", () => {
    for (const [name, s] of redisServices()) expect(s.ports ?? [], name).toEqual([]);
  });

  it("persists the store's Redis: AOF fsync'd every second, in its data directory on a named volume", () => {
    const [name, redis] = storeRedis();
    const args = commandArgs(redis);
    expect(args[0], `${name} runs redis-server with its options on the command line`).toBe("redis-server");
    expect(redisOption(args, "appendonly")).toBe("yes");
    expect(redisOption(args, "appendfsync") ?? "everysec", "at most a second of writes lost, like the SQLite store").toBe("everysec");
    // The official image's working directory, where Redis writes unless told otherwise.
    const dir = redisOption(args, "dir") ?? "/data";
    const mount = serviceMounts(redis).find((m) => m.target === dir);
    expect(mount, `a volume at ${dir}`).toBeDefined();
    expect(Object.keys(compose.volumes ?? {}), "a named volume, which outlives the container").toContain(mount!.source);
  });

  it("never evicts from the store's Redis: a full one refuses writes instead of dropping classes", () => {
    const args = commandArgs(storeRedis()[1]);
    expect(redisOption(args, "maxmemory-policy")).toBe("noeviction");
  });

  it("spells out no Redis password in the file (one would come from the shell or .env)", () => {
    for (const [, g] of games) {
      const env = Object.fromEntries(Object.entries(g.environment as Record<string, unknown>).map(([k, v]) => [k, String(v ?? "")]));
      for (const k of ["REDIS_URL", "STORE_REDIS_URL"]) if (env[k]) expect(literalRedisPassword(env[k]), k).toBeUndefined();
    }
    for (const [name, s] of redisServices()) {
      const pass = redisOption(commandArgs(s), "requirepass");
      if (pass !== undefined) expect(pass, `${name}: --requirepass from a variable`).toMatch(/^\$/);
    }
  });

  describe.each(games)("%s", (_name, g) => {
    it("sets only variables server/config.ts reads, to values it accepts (with nothing set in the shell)", () => {
      const names = serviceEnvNames(g);
      expect(names).toEqual(expect.arrayContaining(["REDIS_URL", "PUBLIC_ADDRESS", "PUBLIC_URL"]));
      for (const n of names) expect(NOT_SERVER_CONFIG.has(n) || n in loadConfig({ ...SAMPLE_COMPANIONS, [n]: sampleValue(n) }), `server/config.ts does not read ${n}`).toBe(true);
      // What the container really gets: the image's ENV, then compose's environment over it.
      expectServerAccepts({ ...imageEnv(final), ...serviceEnv(g) });
    });

    it("names in PUBLIC_ADDRESS the host port this process is published on, which is where browsers reach it", () => {
      const config = configOf(g);
      const address = /^(.+):(\d+)$/.exec(config.PUBLIC_ADDRESS ?? "");
      expect(address, `PUBLIC_ADDRESS=${config.PUBLIC_ADDRESS} is host:port`).not.toBeNull();
      expect(address![1]).toBe("localhost");
      expect(Number(address![2])).toBe(publishedPort(g, config.PORT));
    });

    it("keeps its classes in the shared Redis store, a Redis of this file that persists, and nothing in its own SQLite file", () => {
      const config = configOf(g);
      expect(config.STORE_DRIVER).toBe("redis");
      const url = new URL(storeRedisUrl(config)!);
      const [name, redis] = storeRedis();
      expect(url.hostname, "the store's Redis is a service of this file").toBe(name);
      expect(Number(url.port || 6379)).toBe(Number(redisOption(commandArgs(redis), "port") ?? 6379));
      // A volume where the image keeps the SQLite store would hold nothing: a leftover of per-process stores.
      expect(serviceMounts(g).find((m) => m.target === path.posix.dirname(config.STORE_PATH))).toBeUndefined();
      expect(dependsOn(g)[name]?.condition, "starts once the store answers").toBe("service_healthy");
    });

    it("publishes the port the server listens on and the image EXPOSEs", () => {
      const config = configOf(g);
      expect(containerPorts(g)).toEqual([config.PORT]);
      expect(exposedPorts()).toEqual([config.PORT]);
    });

    it("health-checks the game on a route the real server answers", async () => {
      const probe = composeProbe(g.healthcheck?.test);
      const text = "exec" in probe ? probe.exec.join(" ") : probe.shell;
      const paths = probedPaths(text);
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) expect((await fetch(`http://127.0.0.1:${port}${p}`)).status, p).toBe(200);
      expect(await runProbe(probe, port)).toBe(0);
    });

    it("starts once the Redis that REDIS_URL names answers its health check", () => {
      expect(dependsOn(g).redis?.condition).toBe("service_healthy");
      const redis = compose.services.redis!;
      expect(redis.image).toMatch(/^redis:\d/);
      expect(composeProbe(redis.healthcheck?.test)).toEqual({ exec: ["redis-cli", "ping"] });
      const url = new URL(serviceEnv(g).REDIS_URL!);
      expect(url.hostname).toBe("redis");
      // 6379 unless the redis command moves it.
      const cmd = Array.isArray(redis.command) ? redis.command : (redis.command ?? "").split(/\s+/);
      const i = cmd.indexOf("--port");
      expect(Number(url.port || 6379)).toBe(i >= 0 ? Number(cmd[i + 1]) : 6379);
    });

    it("restarts unless stopped, and waits longer than the server's own shutdown deadline before SIGKILL", () => {
      expect(g.restart).toBe("unless-stopped");
      expect(compose.services.redis!.restart).toBe("unless-stopped");
      const hardExit = /HARD_EXIT_MS\s*=\s*([\d_]+)/.exec(read("server/main.ts"));
      expect(hardExit, "server/main.ts declares HARD_EXIT_MS").not.toBeNull();
      const deadline = Number(hardExit![1]!.replace(/_/g, ""));
      // Docker's default is 10 s: a tie would SIGKILL the process just as it logs why it is stuck.
      expect(durationMs(g.stop_grace_period ?? "10s")).toBeGreaterThan(deadline);
    });
  });
});

/** The services that run Redis. */
function redisServices(): [string, ComposeService][] {
  return Object.entries(compose.services).filter(([, s]) => /^redis:\d/.test(s.image ?? ""));
}

/** The Redis service the game's class store uses (STORE_REDIS_URL, or else REDIS_URL). */
function storeRedis(): [string, ComposeService] {
  const url = storeRedisUrl(configOf(game));
  expect(url, "STORE_DRIVER=redis names a Redis").toBeDefined();
  const name = new URL(url!).hostname;
  const svc = compose.services[name];
  expect(svc, `a service called ${name}`).toBeDefined();
  return [name, svc!];
}

/** The server's configuration inside a game container: the image's ENV, then compose's environment. */
function configOf(g: ComposeService, shell: Record<string, string> = {}): Config {
  return loadConfig(Object.fromEntries(Object.entries({ ...imageEnv(final), ...serviceEnv(g, shell) }).filter(([k]) => !NOT_SERVER_CONFIG.has(k))));
}

/** Variables some others require (PUBLIC_ADDRESS with REDIS_URL), set when probing one at a time. */
const SAMPLE_COMPANIONS = { PUBLIC_ADDRESS: "example.test:1" };

/** A value of the right shape for a variable, to learn whether loadConfig keeps it. */
function sampleValue(name: string): string {
  const defaults = loadConfig({}) as Record<string, unknown>;
  const d = defaults[name];
  if (typeof d === "number") return String(d);
  if (typeof d === "boolean") return String(d);
  if (typeof d === "string") return d;
  if (name === "REDIS_URL") return "redis://example.test:1";
  if (name === "PUBLIC_ADDRESS") return "example.test:1";
  return "http://example.test:1";
}
