/**
 * Class reports over HTTP: JSON, CSV and a Markdown postmortem, for the teacher key only, built from
 * the store while the class runs and kept in it once the class ends (by the teacher, or idle).
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Room } from "@colyseus/sdk";
import { bootServer, createClass, startAndKillANode, sdk, sleep, waitFor, welcomeOf, type Booted } from "./boot.ts";
import type { ClassReport } from "../../server/reports/index.ts";
import type { TeacherLessonView } from "../../shared/lessons/index.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

const dir = mkdtempSync(path.join(tmpdir(), "container-city-reports-"));
let b: Booted;
beforeAll(async () => {
  b = await bootServer(29_593, {
    STORE_PATH: path.join(dir, "classes.db"),
    STORE_SNAPSHOT_SECONDS: "1",
    IDLE_TIMEOUT_SECONDS: "2",
    CLASS_CREATE_PER_MINUTE: "6000",
    CLASS_CREATE_BURST: "100",
  });
});
afterAll(async () => {
  await b.colyseus.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

function get(p: string, key?: string): Promise<Response> {
  return fetch(`${b.url}${p}`, { headers: key === undefined ? {} : { "x-teacher-key": key } });
}

async function storedReport(code: string, timeoutMs = 8000): Promise<ClassReport> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await b.app.ctx.store.getReport<ClassReport>(code);
    if (r) return r.report;
    if (Date.now() > end) throw new Error(`no report stored for ${code}`);
    await sleep(100);
  }
}

describe("class reports", () => {
  let code = "";
  let key = "";
  let victim = "";
  const rooms: Room[] = [];

  it("serves JSON, CSV and Markdown to the teacher key, and the same 404 to anyone else", async () => {
    const cls = await createClass(b, { compression: 60, seed: 4 });
    code = cls.code;
    key = cls.teacherKey;
    const started = await startAndKillANode(b, cls, 0, rooms);
    victim = started.victim;
    const ts = () => started.teacher.state as AnyState;
    await waitFor(() => ts().nodes.get(victim).ready === "Unknown", 10_000, "victim NotReady");

    const refused = [
      await get(`/api/classes/${code}/report.json`),
      await get(`/api/classes/${code}/report.json`, "not-the-key"),
      await get(`/api/classes/${code}/report.csv`, "x".repeat(200)),
      await get(`/api/classes/ZZZZZZ/report.json`, key),
      await get(`/api/classes/${code}/report.xml`, key),
    ];
    expect(refused.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    const bodies = await Promise.all(refused.map((r) => r.text()));
    expect(new Set(bodies).size).toBe(1);

    const json = await get(`/api/classes/${code}/report.json`, key);
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    expect(json.headers.get("cache-control")).toBe("no-store");
    expect(json.headers.get("content-disposition")).toContain(`container-city-${code}-report.json`);
    const report = (await json.json()) as ClassReport;
    expect(report.class.code).toBe(code);
    expect(report.class.endedAt).toBeNull();
    expect(report.class.students).toBe(3);
    const kill = report.incidents.find((i) => i.command.type === "killNode");
    expect(kill, JSON.stringify(report.incidents)).toBeDefined();
    expect(kill).toMatchObject({ kind: "nodePowerOff", target: victim });
    // Saved on request: the report reaches the moment it was asked for, not the last snapshot.
    expect(report.class.durationMs).toBeGreaterThanOrEqual(kill!.injectedAtMs);
    expect(report.students.map((s) => s.nodeName).sort()).toEqual([...ts().nodes.keys()].sort());

    // Case-insensitive code, as students type it.
    const csv = await get(`/api/classes/${code.toLowerCase()}/report.csv`, key);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (await csv.text()).replace(/^\uFEFF/, "").split(/\r?\n/);
    expect(lines[0]).toMatch(/^section,/);
    expect(lines.some((l) => l.startsWith("incidents,"))).toBe(true);
    expect(lines.some((l) => l.startsWith("students,"))).toBe(true);

    const md = await get(`/api/classes/${code}/report.md`, key);
    expect(md.status).toBe(200);
    expect(md.headers.get("content-type")).toMatch(/^text\/markdown/);
    const text = await md.text();
    expect(text).toContain(`# Postmortem: class ${code}`);
    for (const section of ["## Summary", "## Impact", "## Timeline", "## What went well", "## What went wrong", "## Action items"]) expect(text).toContain(section);
    expect(text).toContain(victim);
  });

  it("lists a teacher's classes by key, never cached", async () => {
    expect((await get("/api/classes")).status).toBe(401);
    const mine = await get("/api/classes", key);
    expect(mine.status).toBe(200);
    expect(mine.headers.get("cache-control")).toBe("no-store");
    const body = (await mine.json()) as { classes: { code: string; students: number; endedAt: number | null; reports: Record<string, string> }[] };
    expect(body.classes).toHaveLength(1);
    expect(body.classes[0]).toMatchObject({ code, students: 3, endedAt: null, reports: { json: `/api/classes/${code}/report.json` } });
    const theirs = (await (await get("/api/classes", "someone-else")).json()) as { classes: unknown[] };
    expect(theirs.classes).toEqual([]);
  });

  it("ending the class stores its report, which the download then serves", async () => {
    const teacher = rooms[0]!;
    teacher.send("classControl", { action: "end" });
    const stored = await storedReport(code);
    expect(stored.class.endedAt).toEqual(expect.any(Number));
    const served = (await (await get(`/api/classes/${code}/report.json`, key)).json()) as ClassReport;
    expect(served).toEqual(stored);
    expect(served.incidents.some((i) => i.kind === "nodePowerOff" && i.target === victim)).toBe(true);
    expect((await b.app.ctx.store.getClass(code))!.endedAt).not.toBeNull();
    await Promise.all(rooms.map((r) => r.leave()));
  });

  it("a class closed for sitting idle is ended with its report", async () => {
    const cls = await createClass(b);
    const st = await sdk(b).joinById(cls.code, { name: "Solo" });
    await st.leave();
    const report = await storedReport(cls.code);
    expect(report.class.code).toBe(cls.code);
    expect(report.students.map((s) => s.name)).toEqual(["Solo"]);
    expect(report.students[0]!.status).toBe("left");
  });

  it("a lesson's revealed predictions are in the report", async () => {
    const cls = await createClass(b, { lesson: "the-city-planner" });
    const teacher = await sdk(b).joinById(cls.code, { teacherKey: cls.teacherKey });
    const students: Room[] = [];
    for (const name of ["Right", "Wrong", "Quiet"]) students.push(await sdk(b).joinById(cls.code, { name }));
    const ids = await Promise.all(students.map(async (r) => (await welcomeOf(r)).studentId!));
    teacher.send("classControl", { action: "start" });
    teacher.send("setCompression", { factor: 120 });
    const view = (): TeacherLessonView | null => ((teacher.state as AnyState).teacher?.lesson ? JSON.parse((teacher.state as AnyState).teacher.lesson) : null);
    await waitFor(() => view()?.prediction?.status === "open", 10_000, "the first question");
    const q = view()!.prediction!.stepId;
    students[0]!.send("answer", { stepId: q, answer: view()!.expected });
    students[1]!.send("answer", { stepId: q, answer: "one-building" });
    await waitFor(() => view()?.liveResults?.total === 2, 5000, "two answers");
    let pressed = "";
    const deadline = Date.now() + 20_000;
    while (view()?.log.every((s) => s.stepId !== q) ?? true) {
      if (Date.now() > deadline) throw new Error(`the question never closed: ${JSON.stringify(view())?.slice(0, 300)}`);
      const v = view();
      const seen = `${v?.step?.id}|${v?.waitingFor}`;
      if (v && ["next", "release", "reveal"].includes(v.waitingFor) && seen !== pressed) {
        pressed = seen;
        teacher.send("lessonControl", { action: "next" });
      }
      await sleep(100);
    }
    const report = (await (await get(`/api/classes/${cls.code}/report.json`, cls.teacherKey)).json()) as ClassReport;
    expect(report.predictions).toEqual([expect.objectContaining({ questionId: q, answered: 2, correct: 1 })]);
    const right = report.students.find((s) => s.id === ids[0])!;
    expect(right).toMatchObject({ correctPredictions: 1, predictionsAnswered: 1 });
    expect(report.students.find((s) => s.id === ids[2])).toMatchObject({ correctPredictions: 0, predictionsAnswered: 0 });
    await Promise.all([teacher, ...students].map((r) => r.leave()));
  });
});
