import { describe, it, expect, beforeAll, afterAll } from "vitest";
import type { Room } from "@colyseus/sdk";
import { bootServer, createClass, inbox, sdk, waitFor, welcomeOf, youOf, type Booted } from "./boot.ts";
import type { ResultMessage } from "../../shared/protocol/messages.ts";
import type { PublicLessonView, TeacherLessonView } from "../../shared/lessons/index.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

let b: Booted;
beforeAll(async () => {
  b = await bootServer(29_577, { CLASS_CREATE_PER_MINUTE: "6000", CLASS_CREATE_BURST: "100" });
});
afterAll(async () => {
  await b.colyseus.shutdown();
});

describe("a lesson played over real WebSockets", () => {
  it("lists the built-in lessons and refuses an unknown one", async () => {
    const list = (await (await fetch(`${b.url}/api/lessons`)).json()) as { lessons: { id: string }[] };
    expect(list.lessons.map((l) => l.id)).toEqual(expect.arrayContaining(["the-city-planner", "rolling-out", "chaos-party"]));
    const bad = await fetch(`${b.url}/api/classes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ lesson: "nope" }) });
    expect(bad.status).toBe(400);
  });

  it("the city planner runs to its debrief; predictions are scored on being right", async () => {
    const cls = await createClass(b, { lesson: "the-city-planner" });
    const teacher = await sdk(b).joinById(cls.code, { teacherKey: cls.teacherKey });
    const results = inbox<ResultMessage>(teacher, "result");
    const students: Room[] = [];
    for (const name of ["Right", "Wrong", "Quiet"]) students.push(await sdk(b).joinById(cls.code, { name }));
    const welcomes = await Promise.all(students.map((r) => welcomeOf(r)));
    const ids = welcomes.map((w) => w.studentId!);
    teacher.send("classControl", { action: "start" });
    teacher.send("setCompression", { factor: 120 });
    const ts = () => teacher.state as AnyState;
    const tview = (): TeacherLessonView | null => (ts().teacher?.lesson ? JSON.parse(ts().teacher.lesson) : null);
    const pview = (): PublicLessonView | null => (students[0]!.state as AnyState).lesson ? JSON.parse((students[0]!.state as AnyState).lesson) : null;

    const answered = new Set<string>();
    /** What the first student answered, by question. */
    const given = new Map<string, string>();
    const steps = new Set<string>();
    let presses = 0;
    let pressedAt = "";
    const deadline = Date.now() + 60_000;
    while (ts().phase !== "debrief") {
      if (Date.now() > deadline) throw new Error(`lesson stuck: ${JSON.stringify(tview())?.slice(0, 400)}`);
      const v = tview();
      const p = pview();
      if (v?.step) steps.add(v.step.id);
      // Students see the question but never its answer before the reveal.
      if (p?.prediction?.status === "open") expect(p.prediction.correct).toBeNull();
      if (v?.prediction?.status === "open" && !answered.has(v.prediction.stepId) && v.expected) {
        const q = v.prediction;
        answered.add(q.stepId);
        const wrong = q.options?.map((o) => o.id).find((id) => id !== v.expected) ?? "node-none";
        students[0]!.send("answer", { stepId: q.stepId, answer: v.expected });
        given.set(q.stepId, v.expected);
        if (q.options) students[1]!.send("answer", { stepId: q.stepId, answer: wrong });
      } else if (v && ["next", "release", "reveal"].includes(v.waitingFor) && presses < 40) {
        // One press per state the teacher sees, as a person would (the view refreshes a few times a second).
        const seen = `${v.step?.id}|${v.waitingFor}|${v.step?.phase}|${v.prediction?.status}`;
        if (seen !== pressedAt) {
          pressedAt = seen;
          presses++;
          teacher.send("lessonControl", { action: "next" });
        }
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(steps).toEqual(new Set(["declare", "why-here", "power-cut", "which-building", "power-back"]));
    expect(answered.size).toBeGreaterThanOrEqual(3);
    expect(results.filter((r) => r.type === "lessonControl").every((r) => r.ok || /nothing/i.test(r.error ?? ""))).toBe(true);
    const pts = (i: number) => ts().students.get(ids[i]!).points as number;
    await waitFor(() => pts(0) > pts(1), 3000, "right answers outscore wrong ones");
    // The lesson's commands went through the replayable log.
    const log = b.colyseus.getRoomById<AnyState>(cls.code).inspect().log as { command: { type: string } }[];
    expect(log.some((e) => e.command.type === "killNode")).toBe(true);
    // On another device (the rejoin token), the first student's answers come back with its figures.
    const back = await sdk(b).joinById(cls.code, { rejoinToken: welcomes[0]!.rejoinToken });
    const you = youOf(back);
    await welcomeOf(back);
    await waitFor(() => you.current?.answers !== undefined, 5000, "the answers back");
    // (The "which building" question got an answer the server refused: it is not among them.)
    const returned = Object.entries(you.current!.answers!);
    expect(returned.length).toBeGreaterThanOrEqual(3);
    for (const [stepId, answer] of returned) expect(given.get(stepId)).toBe(answer);
    // And what each revealed answer earned, as the runner awarded it: the right ones 50.
    const awards = you.current!.awards ?? {};
    for (const [stepId] of returned) expect(awards[stepId]).toBe(50);
    await Promise.all([teacher, back, ...students.slice(1)].map((r) => r.leave()));
  }, 90_000);

  it("loads a teacher's own lesson file and explains its mistakes", async () => {
    const cls = await createClass(b);
    const teacher = await sdk(b).joinById(cls.code, { teacherKey: cls.teacherKey });
    const results = inbox<ResultMessage>(teacher, "result");
    teacher.send("setLesson", { id: "bad", yaml: "id: mine\ntitle: {en: x}\nsteps: 3\n" });
    await waitFor(() => results.length === 1, 5000);
    expect(results[0]).toMatchObject({ id: "bad", ok: false });
    expect(results[0]!.error).toMatch(/mistakes[\s\S]*steps/);
    teacher.send("setLesson", { id: "ok", lessonId: "sandbox" });
    await waitFor(() => results.length === 2, 5000);
    expect(results[1]).toMatchObject({ id: "ok", ok: true });
    await teacher.leave();
  });
});
