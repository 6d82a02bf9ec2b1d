/**
 * Plays a lesson the way a class would, without a server: a cluster with one node per student, a
 * teacher who presses "next" when the lesson waits for them, students who answer every question
 * and do what a step asks of them. Everything that happens is recorded for the tests to check.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { advance, applyCommand, createCluster, type ClusterState, type Command, type Mode } from "../../shared/sim/index.ts";
import {
  CORRECT_POINTS, PARTICIPATION_POINTS, answerPrediction, clockHeld, currentStep, lessonControl, lessonTick, parseLesson,
  startLesson, waitingFor, type Lesson, type LessonAction, type LessonState,
} from "../../shared/lessons/index.ts";

export const LESSON_DIR = join(import.meta.dirname, "../../lessons");

export function lessonFiles(): string[] {
  return readdirSync(LESSON_DIR).filter((f) => f.endsWith(".yaml")).sort();
}

export function loadLesson(id: string): Lesson {
  const r = parseLesson(readFileSync(join(LESSON_DIR, `${id}.yaml`), "utf8"));
  if (!r.ok) throw new Error(`${id}.yaml does not parse:\n${r.errors.join("\n")}`);
  return r.lesson;
}

export interface PlayOptions {
  nodes: number;
  seed?: number;
  /** For lessons of mode "any". */
  mode?: Mode;
  /** Cluster ms per simulation step (the server's tick at 20x is ~2 s). */
  stepMs?: number;
  /** Fail if the lesson is not over by then. */
  maxClusterMs: number;
  /** How long the teacher lets a teacher-paced step run before pressing next. */
  teacherWaitMs?: number;
  /** How long after a step's action students take to do what it asks (restart a container). */
  studentDelayMs?: number;
  /** Called after every tick's actions have been applied, to look at the cluster at that moment. */
  observe?: (c: ClusterState, state: LessonState, actions: readonly LessonAction[]) => void;
}

export interface Reveal {
  stepId: string;
  atMs: number;
  correct: string[] | null;
  answers: Record<string, string>;
  awards: Record<string, number>;
}

export interface PlayResult {
  cluster: ClusterState;
  state: LessonState;
  started: { stepId: string; atMs: number }[];
  applied: { command: Command; atMs: number; stepId: string | null }[];
  reveals: Reveal[];
  problems: string[];
  teacherPresses: number;
}

/** Fake students: one per node, named after it so each knows its own building. */
function studentsOf(n: number): { id: string; node: string }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `student-${i + 1}`, node: `node-${i + 1}` }));
}

export function playLesson(lesson: Lesson, opts: PlayOptions): PlayResult {
  const mode = opts.mode ?? (lesson.mode === "any" ? "kubernetes" : lesson.mode);
  const c = createCluster({ seed: opts.seed ?? 1, mode });
  const students = studentsOf(opts.nodes);
  for (const s of students) {
    const r = applyCommand(c, { type: "addNode", name: s.node });
    if (!r.ok) throw new Error(r.error);
  }
  const stepMs = opts.stepMs ?? 1000;
  const teacherWait = opts.teacherWaitMs ?? 40_000;
  const studentDelay = opts.studentDelayMs ?? 10_000;
  const result: PlayResult = { cluster: c, state: startLesson(lesson), started: [], applied: [], reveals: [], problems: [], teacherPresses: 0 };
  const answered = new Set<string>();
  let state = result.state;

  const tick = () => {
    const r = lessonTick(state, c);
    state = r.state;
    for (const a of r.actions) {
      if (a.type === "apply") {
        const out = applyCommand(c, a.command);
        if (!out.ok) result.problems.push(`t=${c.timeMs}: ${JSON.stringify(a.command)} refused: ${out.error}`);
        result.applied.push({ command: a.command, atMs: c.timeMs, stepId: a.stepId });
      } else if (a.type === "stepStarted") {
        result.started.push({ stepId: a.stepId, atMs: c.timeMs });
      } else if (a.type === "revealPrediction") {
        const ps = state.predictions[a.stepId]!;
        result.reveals.push({ stepId: a.stepId, atMs: c.timeMs, correct: ps.correct, answers: ps.answers, awards: ps.awards });
      }
    }
    opts.observe?.(c, state, r.actions);
  };

  const answerAll = () => {
    const step = currentStep(state);
    const p = step?.prediction;
    const ps = step ? state.predictions[step.id] : undefined;
    if (!step || !p || !ps || ps.status !== "open") return;
    const key = `${step.id}@${ps.openedAtMs}`;
    if (answered.has(key)) return;
    answered.add(key);
    students.forEach((s, i) => {
      // The last student never answers: no answer must mean no points, even in a discussion.
      if (i === students.length - 1 && students.length > 1) return;
      let answer: string;
      if (p.kind === "choice") {
        const right = p.answer ?? p.options[0]!.id;
        const wrong = p.options.find((o) => o.id !== right)!.id;
        answer = p.answer === null ? p.options[i % p.options.length]!.id : i % 2 === 0 ? right : wrong;
      } else {
        answer = c.nodeOrder[i % c.nodeOrder.length]!;
      }
      const r = answerPrediction(state, s.id, step.id, answer, c.nodeOrder);
      if (!r.ok) result.problems.push(`answer ${answer} to ${step.id} refused: ${r.error}`);
      else state = r.state;
    });
  };

  /** Students restart their own crashed containers once the step asks them to. */
  const studentActions = () => {
    const step = currentStep(state);
    if (!step || state.phase !== "running" || state.actionAtMs === null || c.timeMs - state.actionAtMs < studentDelay) return;
    for (const a of step.studentActions) {
      if (a.action !== "restartContainer" || !a.service) continue;
      for (const s of students) {
        const host = c.nodes[s.node];
        const box = host?.compose?.containers[a.service];
        if (!host?.powered || !box || box.status !== "exited") continue;
        const r = applyCommand(c, { type: "composeRestart", node: s.node, service: a.service });
        if (!r.ok) result.problems.push(`student restart refused: ${r.error}`);
      }
    }
  };

  const press = () => {
    const r = lessonControl(state, "next");
    if (!r.ok) {
      result.problems.push(`next refused: ${r.error}`);
      return;
    }
    result.teacherPresses++;
    state = r.state;
    tick();
  };

  for (let guard = 0; guard < 1_000_000; guard++) {
    tick();
    answerAll();
    studentActions();
    const w = waitingFor(state);
    if (w === "done") break;
    if (c.timeMs > opts.maxClusterMs) {
      result.problems.push(`lesson not over after ${opts.maxClusterMs} ms (waiting for ${w}, step ${currentStep(state)?.id})`);
      break;
    }
    if (w === "release" || w === "reveal") {
      press();
      continue;
    }
    if (w === "next" && state.actionAtMs !== null && c.timeMs - state.actionAtMs >= teacherWait) {
      press();
      continue;
    }
    if (clockHeld(state)) {
      result.problems.push("the clock is held but the lesson is not waiting for the teacher");
      break;
    }
    advance(c, stepMs);
  }

  // Right answers earn CORRECT_POINTS, wrong ones nothing, discussions PARTICIPATION_POINTS to all who answered.
  for (const r of result.reveals) {
    for (const [student, answer] of Object.entries(r.answers)) {
      const want = r.correct === null ? PARTICIPATION_POINTS : r.correct.includes(answer) ? CORRECT_POINTS : 0;
      if (r.awards[student] !== want) result.problems.push(`${r.stepId}: ${student} answered ${answer} and got ${r.awards[student]}, expected ${want}`);
    }
    for (const student of Object.keys(r.awards)) {
      if (!(student in r.answers)) result.problems.push(`${r.stepId}: ${student} got points without answering`);
    }
  }
  result.state = state;
  return result;
}

export function stepLog(r: PlayResult, stepId: string) {
  const e = r.state.log.find((x) => x.stepId === stepId);
  if (!e) throw new Error(`step ${stepId} never ended`);
  return e;
}
