/**
 * server/main.ts as an orchestrator sees it: a process that starts on its environment, reports
 * healthy and ready, and on SIGTERM (docker stop, a Kubernetes rollout) closes its classes and
 * exits 0 well before the SIGKILL that follows. Refuses a wrong environment with exit code 1 and
 * a message that names every mistake.
 */
import { describe, it, expect, afterAll } from "vitest";
import { Client, type Room } from "@colyseus/sdk";
import { CloseCodes, type CreateClassResponse } from "../../shared/protocol/messages.ts";
import { killAll, logLines, sleep, start, waitForStatus, type Proc } from "./spawn.ts";

// Ports of their own: test/server uses 29567, test/ops/compose-file.test.ts lets the OS pick.
const PORT = 29_811;
const BASE = `http://127.0.0.1:${PORT}`;
/** What Docker and Kubernetes wait by default between SIGTERM and SIGKILL. */
const STOP_TIMEOUT_MS = 10_000;

afterAll(() => killAll());

/** A student's device that joins, then vanishes without a goodbye (the tab killed, Wi-Fi gone). */
async function droppedStudent(code: string): Promise<void> {
  const script = `
    import { Client } from "@colyseus/sdk";
    const room = await new Client(process.env.BASE).joinById(process.env.CODE, { name: "Mallory" });
    console.log("joined " + room.sessionId);
    setInterval(() => {}, 60_000);
  `;
  const device = start(["--input-type=module", "-e", script], { BASE, CODE: code });
  const end = Date.now() + 5000;
  while (!device.stdout().includes("joined")) {
    if (Date.now() > end) throw new Error(`the dropped student never joined: ${device.stderr()}`);
    await sleep(20);
  }
  device.child.kill("SIGKILL");
  await device.exited;
}

async function studentsConnected(): Promise<number> {
  const text = await (await fetch(`${BASE}/metrics`)).text();
  return Number(/^container_city_students (\d+)/m.exec(text)?.[1] ?? NaN);
}

describe("the server process", () => {
  it("on SIGTERM closes its classes, tells connected students, and exits 0 within the stop timeout", async () => {
    let server: Proc | undefined;
    let eve: Room | undefined;
    try {
      // An in-memory store: a test must neither read nor leave classes in the developer's data/.
      server = start(["server/main.ts"], { PORT: String(PORT), HOST: "127.0.0.1", LOG_LEVEL: "info", STORE_PATH: ":memory:" });
      await waitForStatus(`${BASE}/healthz`, 200, server);
      expect((await fetch(`${BASE}/readyz`)).status).toBe(200);

      const res = await fetch(`${BASE}/api/classes`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(res.status).toBe(201);
      const cls = (await res.json()) as CreateClassResponse;

      eve = await new Client(BASE).joinById(cls.code, { name: "Eve" });
      const eveLeft = new Promise<number>((resolve) => eve!.onLeave((code) => resolve(code)));
      const notices: { kind: string }[] = [];
      eve.onMessage("notice", (n: { kind: string }) => notices.push(n));
      // A dropped student holds a reconnection slot open for RECONNECT_SECONDS (minutes): shutdown
      // must not wait for it, or every restart would end in SIGKILL.
      await droppedStudent(cls.code);
      const waitEnd = Date.now() + 5000;
      while ((await studentsConnected()) !== 1) {
        if (Date.now() > waitEnd) throw new Error("the server never noticed the dropped student");
        await sleep(20);
      }

      const sentAt = Date.now();
      server.child.kill("SIGTERM");
      // Readiness as a load balancer would poll it. The window between "not ready" and the listener
      // closing may be too short to hit, so only what is seen is checked: never ready again once not.
      const seen: number[] = [];
      let exitedYet = false;
      void server.exited.then(() => (exitedYet = true));
      while (!exitedYet) {
        try {
          seen.push((await fetch(`${BASE}/readyz`, { signal: AbortSignal.timeout(500) })).status);
        } catch {
          break; // The listener is closed: nothing more to see.
        }
        await sleep(10);
      }
      const exit = await server.exited;

      expect(exit.signal).toBeNull();
      expect(exit.code).toBe(0);
      const tookMs = exit.at - sentAt;
      expect(tookMs).toBeLessThan(STOP_TIMEOUT_MS);
      expect(seen.every((s) => s === 200 || s === 503), `readyz answered ${seen.join(",")}`).toBe(true);
      if (seen.includes(503)) expect(seen.slice(seen.indexOf(503)).every((s) => s === 503), "ready again after not ready").toBe(true);
      // Releasing the dropped student's seat keeps the room (and so the listener) about a second:
      // a poller that long must have seen "not ready". A fast exit may legitimately show nothing.
      if (tookMs > 500) expect(seen).toContain(503);

      expect(await eveLeft).toBe(CloseCodes.classEnded);
      expect(notices.map((n) => n.kind)).toEqual(["shutdown"]);

      // Only lines logged well before exit are asserted: pino writes asynchronously and the last
      // lines before process.exit() can come out of order (see the report on server/logger.ts).
      const logs = logLines(server.stdout());
      const msgs = logs.map((l) => l.msg);
      expect(msgs).toContain("shutting down");
      expect(msgs.some((m) => m.includes("shutdown took too long"))).toBe(false);
      // Errors at shutdown would page someone on every deploy.
      expect(logs.filter((l) => l.level >= 50)).toEqual([]);
      expect(server.stderr()).toBe("");
    } finally {
      eve?.removeAllListeners();
      server?.child.kill("SIGKILL");
    }
  });

  it("refuses an invalid environment with exit code 1 and one line per mistake", async () => {
    const server = start(["server/main.ts"], { PORT: "abc", LOG_LEVEL: "loud", HOST: "127.0.0.1" });
    try {
      const exit = await server.exited;
      expect(exit.code).toBe(1);
      const lines = server.stderr().trim().split("\n");
      expect(lines[0]).toMatch(/invalid configuration/i);
      const mistakes = lines.slice(1);
      expect(mistakes).toHaveLength(2);
      expect(mistakes.filter((l) => /^\s*PORT\b/.test(l) && l.includes('"abc"'))).toHaveLength(1);
      expect(mistakes.filter((l) => /^\s*LOG_LEVEL\b/.test(l) && l.includes('"loud"'))).toHaveLength(1);
      // It failed before starting anything: no log line claims it listens.
      expect(server.stdout()).toBe("");
    } finally {
      server.child.kill("SIGKILL");
    }
  });
});
