/** The runner as a state machine: setup, asking, triggers, teacher controls, answers, scores, views. */
import { describe, expect, test } from "vitest";
import { advance, applyCommand, createCluster, stateHash, type ClusterState } from "../../shared/sim/index.ts";
import {
  CORRECT_POINTS, PARTICIPATION_POINTS, answerPrediction, clockHeld, lessonControl, lessonScores, lessonTick, parseLesson,
  predictionResults, publicLessonView, startLesson, teacherLessonView, waitingFor, type Lesson, type LessonAction, type LessonState,
} from "../../shared/lessons/index.ts";
import { loadLesson, playLesson } from "./play.ts";

const t = (s: string) => `{ en: "${s}", vi: "${s} (vi)" }`;

const UNIT = `
id: unit
title: ${t("Unit")}
summary: ${t("Unit")}
durationMinutes: 5
mode: kubernetes
compression: 20
minStudents: 1
maxStudents: 10
setup:
  minNodes: 3
  commands:
    - { type: deploy, app: shop, version: v1, replicas: 3, baselineRps: 10 }
steps:
  - id: intro
    title: ${t("Intro")}
    teacherNotes: ${t("Notes")}
    studentText: ${t("Text")}
    prediction:
      kind: choice
      question: ${t("Q")}
      options: [{ id: a, text: ${t("A")} }, { id: b, text: ${t("B")} }]
      answer: a
      explanation: ${t("E")}
    trigger: { teacher: true }
  - id: act
    title: ${t("Act")}
    teacherNotes: ${t("Notes")}
    studentText: ${t("Text")}
    prediction:
      kind: choice
      question: ${t("Q")}
      options: [{ id: x, text: ${t("X")} }, { id: y, text: ${t("Y")} }]
      answer: null
      explanation: ${t("E")}
    commands:
      - { type: scale, deployment: shop, replicas: 5 }
    trigger: { when: { allPodsReady: shop } }
  - id: wait
    title: ${t("Wait")}
    teacherNotes: ${t("Notes")}
    studentText: ${t("Text")}
    trigger: { after: "30s" }
  - id: where
    title: ${t("Where")}
    teacherNotes: ${t("Notes")}
    studentText: ${t("Text")}
    prediction:
      kind: whichNode
      question: ${t("Q")}
      resolve: mostPods
      app: shop
      explanation: ${t("E")}
    trigger: { teacher: true }
debrief: { summary: ${t("S")}, points: [${t("1")}, ${t("2")}, ${t("3")}] }
`;

function unitLesson(): Lesson {
  const r = parseLesson(UNIT);
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.lesson;
}

/** A class of `nodes` students and a lesson, driven by hand. */
class Class {
  c: ClusterState;
  s: LessonState;
  log: LessonAction[] = [];
  constructor(lesson: Lesson, nodes = 1) {
    this.c = createCluster({ seed: 5 });
    for (let i = 1; i <= nodes; i++) applyCommand(this.c, { type: "addNode", name: `node-${i}` });
    this.s = startLesson(lesson);
  }
  tick(): LessonAction[] {
    const r = lessonTick(this.s, this.c);
    this.s = r.state;
    for (const a of r.actions) if (a.type === "apply") expect(applyCommand(this.c, a.command)).toMatchObject({ ok: true });
    this.log.push(...r.actions);
    return r.actions;
  }
  control(c: "next" | "skip" | "repeat" | "back"): LessonAction[] {
    const r = lessonControl(this.s, c);
    if (!r.ok) throw new Error(r.error);
    this.s = r.state;
    return this.tick();
  }
  run(ms: number): void {
    for (let i = 0; i < ms / 1000; i++) {
      if (!clockHeld(this.s)) advance(this.c, 1000);
      this.tick();
    }
  }
  answer(student: string, step: string, answer: string) {
    const r = answerPrediction(this.s, student, step, answer, this.c.nodeOrder);
    if (r.ok) this.s = r.state;
    return r;
  }
  /** Past setup, with the first step on screen. */
  started(): this {
    this.tick();
    this.tick();
    this.tick();
    return this;
  }
}

describe("setup", () => {
  test("spare nodes top the class up, then setup commands, then the first step", () => {
    const k = new Class(unitLesson(), 1);
    expect(k.tick()).toEqual([
      { type: "apply", command: { type: "addNode", name: "spare-1" }, stepId: null },
      { type: "apply", command: { type: "addNode", name: "spare-2" }, stepId: null },
    ]);
    expect(k.tick()).toEqual([{ type: "apply", command: { type: "deploy", app: "shop", version: "v1", replicas: 3, baselineRps: 10 }, stepId: null }]);
    expect(k.tick()).toEqual([{ type: "stepStarted", stepId: "intro", index: 0 }]);
    expect(k.s.spares).toEqual(["spare-1", "spare-2"]);
  });

  test("a large class gets no spares; extraNodes always adds", () => {
    const k = new Class(unitLesson(), 5);
    expect(k.tick().filter((a) => a.type === "apply" && a.command.type === "addNode")).toEqual([]);
    const extra = unitLesson();
    const k2 = new Class({ ...extra, setup: { ...extra.setup, extraNodes: 1, minNodes: 0 } }, 5);
    expect(k2.tick()).toEqual([{ type: "apply", command: { type: "addNode", name: "spare-1" }, stepId: null }]);
  });

  test("controls wait until the first step is on screen", () => {
    const k = new Class(unitLesson());
    expect(lessonControl(k.s, "next")).toEqual({ ok: false, error: "the lesson is still setting up the cluster" });
    k.tick();
    k.tick();
    expect(lessonControl(k.s, "next")).toEqual({ ok: false, error: "the next step is starting" });
  });
});

describe("a lesson played by hand", () => {
  test("reveal, ask first, act, trigger, time, whichNode, done", () => {
    const k = new Class(unitLesson()).started();
    expect(waitingFor(k.s)).toBe("reveal");
    expect(k.answer("s1", "intro", "a").ok).toBe(true);
    expect(k.answer("s2", "intro", "a").ok).toBe(true);
    expect(k.answer("s2", "intro", "b").ok).toBe(true); // changeable until the reveal
    expect(k.answer("s3", "intro", "zzz")).toEqual({ ok: false, error: '"zzz" is not one of the options' });
    expect(k.answer("s3", "act", "x")).toEqual({ ok: false, error: "this question is not open yet" });
    expect(predictionResults(k.s, "intro")).toMatchObject({ total: 2, counts: { a: 1, b: 1 }, correct: null, status: "open" });

    // First "next" reveals, the second moves on.
    expect(k.control("next")).toEqual([{ type: "revealPrediction", stepId: "intro" }]);
    expect(k.s.predictions.intro!.awards).toEqual({ s1: CORRECT_POINTS, s2: 0 });
    expect(k.answer("s3", "intro", "a")).toEqual({ ok: false, error: "the answer has been revealed" });
    expect(predictionResults(k.s, "intro")).toMatchObject({ correct: ["a"], status: "revealed" });
    expect(waitingFor(k.s)).toBe("next");
    expect(k.control("next")).toEqual([{ type: "stepStarted", stepId: "act", index: 1 }]);

    // A step with a question and commands asks first: clock and commands held.
    expect(clockHeld(k.s)).toBe(true);
    expect(waitingFor(k.s)).toBe("release");
    expect(k.tick()).toEqual([]);
    k.answer("s1", "act", "y");
    k.answer("s2", "act", "x");
    const release = k.control("next");
    expect(release).toEqual([{ type: "apply", command: { type: "scale", deployment: "shop", replicas: 5 }, stepId: "act" }]);
    expect(clockHeld(k.s)).toBe(false);
    expect(waitingFor(k.s)).toBe("trigger");
    const actionAt = k.c.timeMs;
    expect(k.s.actionAtMs).toBe(actionAt);

    // The condition fires once the two new pods are ready; the discussion pays everyone who answered.
    while (k.s.stepIndex === 1) k.run(1000);
    expect(k.log).toContainEqual({ type: "revealPrediction", stepId: "act" });
    expect(k.s.predictions.act!.correct).toBeNull();
    expect(k.s.predictions.act!.awards).toEqual({ s1: PARTICIPATION_POINTS, s2: PARTICIPATION_POINTS });
    expect(k.s.log[1]).toMatchObject({ stepId: "act", endedBy: "condition", actionAtMs: actionAt });

    // "after" counts cluster time from the step's action.
    const waitStart = k.c.timeMs;
    while (k.s.stepIndex === 2) k.run(1000);
    expect(k.s.log[2]).toMatchObject({ stepId: "wait", endedBy: "after" });
    expect(k.s.log[2]!.endedAtMs - waitStart).toBe(30_000);

    // whichNode: any existing node name; every node tied for the most pods is right.
    expect(k.answer("s1", "where", "node-nowhere")).toEqual({ ok: false, error: '"node-nowhere" is not a building in this city' });
    for (const [i, n] of k.c.nodeOrder.entries()) k.answer(`s${i + 1}`, "where", n);
    k.control("next");
    const counts = k.c.nodeOrder.map((n) => Object.values(k.c.pods).filter((p) => p.nodeName === n && p.deletionAtMs === null).length);
    const most = Math.max(...counts);
    expect(k.s.predictions.where!.correct).toEqual(k.c.nodeOrder.filter((_, i) => counts[i] === most));
    k.c.nodeOrder.forEach((_, i) => expect(k.s.predictions.where!.awards[`s${i + 1}`]).toBe(counts[i] === most ? CORRECT_POINTS : 0));

    expect(k.control("next")).toEqual([{ type: "lessonDone" }]);
    expect(waitingFor(k.s)).toBe("done");
    expect(lessonControl(k.s, "next")).toMatchObject({ ok: false });
    const scores = lessonScores(k.s);
    expect(scores.s1).toMatchObject({ correct: expect.any(Number), participated: 1 });
    expect(scores.s1!.points).toBe(CORRECT_POINTS + PARTICIPATION_POINTS + (k.s.predictions.where!.awards.s1 ?? 0));
  });

  test("skip cancels the question: nobody scores", () => {
    const k = new Class(unitLesson()).started();
    k.answer("s1", "intro", "a");
    expect(k.control("skip")).toEqual([{ type: "stepStarted", stepId: "act", index: 1 }]);
    expect(k.s.predictions.intro!.status).toBe("cancelled");
    expect(k.answer("s2", "intro", "a")).toEqual({ ok: false, error: "this question was skipped" });
    expect(lessonScores(k.s)).toEqual({});
    expect(k.s.log[0]).toMatchObject({ stepId: "intro", endedBy: "skip" });
  });

  test("repeat runs the step's commands again and scores the question once", () => {
    const k = new Class(unitLesson()).started();
    k.control("next");
    k.control("next"); // -> act, asking
    k.answer("s1", "act", "x");
    k.control("next"); // release: scale to 5
    expect(k.control("repeat")).toEqual([{ type: "stepStarted", stepId: "act", index: 1 }]);
    expect(k.s.predictions.act).toMatchObject({ status: "open", answers: {} });
    k.answer("s1", "act", "y");
    expect(k.control("next")).toEqual([{ type: "apply", command: { type: "scale", deployment: "shop", replicas: 5 }, stepId: "act" }]);
    while (k.s.stepIndex === 1) k.run(1000);
    expect(lessonScores(k.s).s1!.points).toBe(PARTICIPATION_POINTS);
  });

  test("back restarts the previous step; not before the first", () => {
    const k = new Class(unitLesson()).started();
    expect(lessonControl(k.s, "back")).toEqual({ ok: false, error: "already at the first step" });
    k.answer("s1", "intro", "a");
    k.control("next");
    k.control("next");
    expect(k.control("back")).toEqual([{ type: "stepStarted", stepId: "intro", index: 0 }]);
    // The question is asked afresh, so points earned before going back are replaced, never doubled.
    expect(k.s.predictions.intro).toMatchObject({ status: "open", answers: {} });
    expect(lessonScores(k.s)).toEqual({});
  });

  test("after the end, back replays the last step", () => {
    const k = new Class(unitLesson()).started();
    k.control("next"); // reveal intro
    k.control("next"); // act: asking
    k.control("next"); // act: release; its condition and the 30 s wait end the next two steps
    while (k.s.stepIndex < 3) k.run(1000);
    k.control("next"); // reveal where
    k.control("next"); // done
    expect(k.s.status).toBe("done");
    expect(k.s.log.map((e) => e.endedBy)).toEqual(["teacher", "condition", "after", "teacher"]);
    expect(k.control("back")).toEqual([{ type: "stepStarted", stepId: "where", index: 3 }]);
    expect(k.s.status).toBe("running");
  });

  test("one control at a time", () => {
    const k = new Class(unitLesson()).started();
    const r = lessonControl(k.s, "next");
    if (!r.ok) throw new Error(r.error);
    expect(lessonControl(r.state, "next")).toEqual({ ok: false, error: 'still carrying out "next"' });
  });
});

describe("purity", () => {
  test("lessonTick, lessonControl and answerPrediction never change their input", () => {
    const k = new Class(unitLesson()).started();
    const before = structuredClone(k.s);
    const clusterBefore = stateHash(k.c);
    const frozen = k.s;
    lessonTick(frozen, k.c);
    lessonControl(frozen, "next");
    answerPrediction(frozen, "s1", "intro", "a");
    expect(frozen).toEqual(before);
    expect(stateHash(k.c)).toBe(clusterBefore);
  });

  test("a tick with nothing to do returns the very same state", () => {
    const k = new Class(unitLesson()).started();
    const r = lessonTick(k.s, k.c);
    expect(r.state).toBe(k.s);
    expect(r.actions).toEqual([]);
  });

  test("the same seed and the same class play the same lesson identically", () => {
    const lesson = loadLesson("the-city-planner");
    const a = playLesson(lesson, { nodes: 5, seed: 9, maxClusterMs: 3_600_000 });
    const b = playLesson(lesson, { nodes: 5, seed: 9, maxClusterMs: 3_600_000 });
    expect(a.applied).toEqual(b.applied);
    expect(stateHash(a.cluster)).toBe(stateHash(b.cluster));
    expect(a.state.predictions).toEqual(b.state.predictions);
  });
});

describe("views", () => {
  test("students see the question, not the answer, until the reveal; the teacher sees everything", () => {
    const k = new Class(unitLesson()).started();
    k.answer("s1", "intro", "b");
    const before = publicLessonView(k.s);
    expect(before.step).toMatchObject({ id: "intro", phase: "running" });
    expect(before.prediction).toMatchObject({ stepId: "intro", status: "open", correct: null, explanation: null, results: null });
    expect(JSON.stringify(before)).not.toContain("Notes");
    const teacher = teacherLessonView(k.s);
    expect(teacher).toMatchObject({
      teacherNotes: { en: "Notes" }, expected: "a", waitingFor: "reveal", trigger: "teacher presses next",
      liveResults: { total: 1, counts: { a: 0, b: 1 } }, nextStep: { id: "act" },
    });
    k.control("next");
    const after = publicLessonView(k.s);
    expect(after.prediction).toMatchObject({ status: "revealed", correct: ["a"], explanation: { en: "E" }, results: { counts: { b: 1 } } });
    expect(after.lastReveal?.stepId).toBe("intro");
  });

  test("the debrief appears when the lesson is over", () => {
    const k = new Class(unitLesson()).started();
    expect(publicLessonView(k.s).debrief).toBeNull();
    k.control("skip");
    k.control("skip");
    k.control("skip");
    k.control("skip");
    expect(k.s.status).toBe("done");
    expect(publicLessonView(k.s).debrief?.points).toHaveLength(3);
  });
});

describe("how many have answered (public view)", () => {
  test("counts answers while the question is open, never who or what, and keeps the count after the reveal", () => {
    const k = new Class(unitLesson(), 3).started();
    const open = () => publicLessonView(k.s).prediction!;
    expect(open()).toMatchObject({ stepId: "intro", status: "open", answered: 0 });
    k.answer("student-aaa", "intro", "b");
    expect(open().answered).toBe(1);
    // Changing one's mind is still one answer; a refused answer counts for nothing.
    k.answer("student-aaa", "intro", "a");
    expect(k.answer("student-bbb", "intro", "zzz").ok).toBe(false);
    expect(open().answered).toBe(1);
    k.answer("student-bbb", "intro", "b");
    expect(open().answered).toBe(2);
    const json = JSON.stringify(publicLessonView(k.s));
    expect(json).not.toContain("student-aaa");
    expect(json).not.toContain("student-bbb");
    expect(open().results).toBeNull();
    k.control("next");
    expect(open()).toMatchObject({ status: "revealed", answered: 2, results: { total: 2 } });
  });

  test("a repeated question starts again from zero", () => {
    const k = new Class(unitLesson(), 3).started();
    k.answer("s1", "intro", "a");
    expect(publicLessonView(k.s).prediction!.answered).toBe(1);
    k.control("repeat");
    expect(publicLessonView(k.s).prediction).toMatchObject({ stepId: "intro", status: "open", answered: 0 });
  });
});

describe("trigger data for the teacher's page", () => {
  test("the step's trigger and its reveal's, as data beside the English words", () => {
    const k = new Class(unitLesson(), 3).started();
    expect(teacherLessonView(k.s)).toMatchObject({ triggerSpec: { kind: "teacher" }, revealSpec: { kind: "teacher" }, trigger: "teacher presses next" });
    k.control("next"); // reveal
    k.control("next"); // on to "act", which asks before its action
    const act = teacherLessonView(k.s);
    expect(act.step?.id).toBe("act");
    expect(act.triggerSpec).toEqual({ kind: "when", condition: { type: "allPodsReady", arg: "shop" }, timeoutMs: null });
    // Its question has no reveal of its own: it comes out when the cluster ends the step.
    expect(act).toMatchObject({ revealSpec: "stepEnd", revealWhen: "when the step ends" });
    k.control("skip");
    const wait = teacherLessonView(k.s);
    expect(wait).toMatchObject({ step: { id: "wait" }, triggerSpec: { kind: "after", ms: 30_000 }, revealSpec: null });
  });
});
