/**
 * A real, throwaway redis-server (Debian's package, no Docker) on a port of its own, with nothing
 * written to disk, for tests that run the multi-process topology.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";
import { describe, it } from "vitest";

/** redis-server and redis-cli (one Debian package, redis-server, brings both), or null when missing. */
export function findRedis(): { server: string; cli: string } | null {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), "/usr/bin", "/usr/local/bin"].filter(Boolean);
  const find = (name: string) => dirs.map((d) => path.join(d, name)).find((p) => existsSync(p));
  const server = find("redis-server");
  const cli = find("redis-cli");
  return server && cli ? { server, cli } : null;
}

/** Where redis-server is missing, a suite shows up as one skipped test that says what to install. */
export function skippedWithoutRedis(title: string): void {
  // CI installs it (.ci/run): there, a missing server must fail the run, not skip it quietly.
  if (process.env.CI) throw new Error(`${title}: redis-server and redis-cli are missing in CI; install Debian's redis-server`);
  describe(title, () => {
    it.skip("SKIPPED: redis-server (and redis-cli) not found on PATH or in /usr/bin; install Debian's redis-server package (.ci/run does)", () => {});
  });
}

/** A port nobody listens on right now (the OS picks it; a race with other processes is unlikely). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  port: number;
  password: string;
  url: string;
  child: ChildProcess;
  /** One command through redis-cli; its output lines. */
  command(...args: string[]): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startRedis(bin: { server: string; cli: string }, password: string): Promise<RedisServer> {
  const port = await freePort();
  // --save '' and --appendonly no: presence data must not outlive the test, nor land in the cwd.
  const child = spawn(bin.server, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", password], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const command = (...args: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      execFile(bin.cli, ["-h", "127.0.0.1", "-p", String(port), "--no-auth-warning", "-a", password, ...args], { timeout: 5000 }, (err, stdout) => {
        if (err) reject(err);
        else resolve(stdout.split("\n").filter((l) => l !== ""));
      });
    });
  const end = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
    const pong = await command("PING").catch(() => []);
    if (pong[0] === "PONG") break;
    if (Date.now() > end) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not answer PING: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    password,
    url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}/0`,
    child,
    command,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
