/** The real server as a separate process, the way a container runs it: its own signals, exit code and stdout. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The project's pinned Node 24 (the machine's may be older, and main.ts needs type stripping). */
export const NODE = path.join(ROOT, "node_modules/.bin/node");

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<Exit>;
}

const live = new Set<ChildProcess>();

/** Start `node <args>` in the repository with exactly this environment (plus PATH), nothing inherited. */
export function start(args: string[], env: Record<string, string>): Proc {
  // A developer's own PORT or LOG_LEVEL must not leak into what the test asserts about.
  const child = spawn(NODE, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve({ code, signal, at: Date.now() });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** For afterAll/finally: whatever a failed test left running dies here. */
export function killAll(): void {
  for (const c of live) c.kill("SIGKILL");
  live.clear();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll a URL until it answers `status`, failing early if the process it belongs to dies. */
export async function waitForStatus(url: string, status: number, proc: Proc, timeoutMs = 10_000): Promise<void> {
  let dead = false;
  void proc.exited.then(() => (dead = true));
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (dead) throw new Error(`server exited before ${url} answered ${status}:\n${proc.stdout()}\n${proc.stderr()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).status === status) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${url} to answer ${status}:\n${proc.stdout()}\n${proc.stderr()}`);
    await sleep(50);
  }
}

/** pino writes one JSON object per line; anything else on stdout is a bug of its own. */
export function logLines(stdout: string): { level: number; msg: string; [k: string]: unknown }[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { level: number; msg: string });
}
