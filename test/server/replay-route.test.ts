/**
 * GET /api/classes/:code/replay.json on the real server: a class with students, a killed node and
 * an end. Only the class's teacher or display key opens it; what it serves replays to exactly the
 * state the server stored (same hash), while the class runs and once it has ended.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import type { Room } from "@colyseus/sdk";
import { bootServer, createClass, startAndKillANode, sleep, waitFor, type Booted } from "./boot.ts";
import type { ReplayData } from "../../shared/protocol/replay.ts";
import { stateHash } from "../../shared/sim/index.ts";
import { ReplayPlayer, replay } from "../../shared/replay/index.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

let b: Booted;
beforeAll(async () => {
  b = await bootServer(29_641, { STORE_SNAPSHOT_SECONDS: "1", CLASS_CREATE_PER_MINUTE: "600", CLASS_CREATE_BURST: "50" });
});
afterAll(async () => {
  await b.colyseus.shutdown();
});

function get(p: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${b.url}${p}`, { headers });
}

describe("the replay route", () => {
  let code = "";
  let key = "";
  let displayKey = "";
  let victim = "";
  const rooms: Room[] = [];

  it("serves the seed and command log to the teacher key, and the same 404 to anyone else", async () => {
    const cls = await createClass(b, { compression: 60, seed: 9 });
    ({ code, teacherKey: key, displayKey } = cls);
    const started = await startAndKillANode(b, cls, 1, rooms);
    victim = started.victim;
    const ts = () => started.teacher.state as AnyState;

    const other = await createClass(b, { seed: 1 });
    const refused = [
      await get(`/api/classes/${code}/replay.json`),
      await get(`/api/classes/${code}/replay.json`, { "x-teacher-key": "not-the-key" }),
      await get(`/api/classes/${code}/replay.json`, { "x-display-key": "not-the-key" }),
      await get(`/api/classes/${code}/replay.json`, { "x-teacher-key": "x".repeat(200) }),
      await get(`/api/classes/ZZZZZZ/replay.json`, { "x-teacher-key": key }),
      // Another class's keys open that class, not this one.
      await get(`/api/classes/${code}/replay.json`, { "x-teacher-key": other.teacherKey }),
      await get(`/api/classes/${code}/replay.json`, { "x-display-key": other.displayKey }),
    ];
    expect(refused.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);
    expect(new Set(await Promise.all(refused.map((r) => r.text()))).size).toBe(1);

    const res = await get(`/api/classes/${code.toLowerCase()}/replay.json`, { "x-teacher-key": key });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const data = (await res.json()) as ReplayData;
    expect(data).toMatchObject({ format: 1, code, mode: "kubernetes", seed: 9, run: 1, endedAt: null });
    expect(data.students.map((s) => s.name).sort()).toEqual(["Ana", "Bo", "Cy"]);
    expect(data.students.map((s) => s.nodeName).sort()).toEqual([...ts().nodes.keys()].sort());
    // A number the page can subtract (0 here: the shop had not served before the start).
    expect(data.sloBaseline.requests).toBeGreaterThanOrEqual(0);
    // Saved on request: the log reaches the kill, and replays to the stored hash.
    expect(data.commands.some((e) => e.command.type === "killNode")).toBe(true);
    expect(data.finalHash).toMatch(/^[0-9a-f]{16}$/);
    expect(stateHash(replay(data.seed, data.mode, data.commands, data.endMs))).toBe(data.finalHash);
  });

  it("opens with the display key too", async () => {
    const res = await get(`/api/classes/${code}/replay.json`, { "x-display-key": displayKey });
    expect(res.status).toBe(200);
    expect(((await res.json()) as ReplayData).code).toBe(code);
  });

  it("replays an ended class to the state the server stored at its end, kill marker included", async () => {
    await sleep(1500); // some more cluster time after the kill: evictions, rescheduling
    rooms[0]!.send("classControl", { action: "end" });
    await waitFor(() => (rooms[0]!.state as AnyState).phase === "ended", 5000, "class ended");
    // The end's last save and report happen just after the phase flips: wait for the store to say so.
    const end = Date.now() + 8000;
    while (!(await b.app.ctx.store.getClass(code))?.endedAt) {
      if (Date.now() > end) throw new Error("class never ended in the store");
      await sleep(100);
    }
    const data = (await (await get(`/api/classes/${code}/replay.json`, { "x-teacher-key": key })).json()) as ReplayData;
    expect(data.endedAt).toEqual(expect.any(Number));
    const stored = await b.app.ctx.store.loadReportData(code);
    expect(data.finalHash).toBe(stored!.snapshot!.stateHash);
    expect(data.endMs).toBe(stored!.snapshot!.clusterMs);
    // The stored hash is the state's own, and the browser's player lands on it.
    expect(stateHash(stored!.snapshot!.state)).toBe(data.finalHash);
    const player = new ReplayPlayer(data);
    expect(player.finalHash).toBe(data.finalHash);
    const kill = player.markers.find((m) => m.kind === "kill");
    expect(kill).toMatchObject({ target: victim });
    expect(player.seek(kill!.atMs - 1).nodes[victim]!.powered).toBe(true);
    expect(player.seek(kill!.atMs).nodes[victim]!.powered).toBe(false);
    await Promise.all(rooms.map((r) => r.leave()));
  });

  it("is rate-limited like the report downloads", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await get(`/api/classes/${code}/replay.json`, { "x-teacher-key": "wrong" })).status);
    expect(statuses).toContain(429);
  });
});
