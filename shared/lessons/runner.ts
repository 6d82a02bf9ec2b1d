/**
 * The lesson runner: a pure state machine over plain data. The server (or a test) calls
 * lessonTick after every simulation step and applies the actions it returns, in order, before
 * the cluster advances again; the teacher's buttons go through lessonControl, students' answers
 * through answerPrediction. Nothing here reads a clock or draws a random number: time is the
 * cluster's, and every choice is a function of the lesson and the cluster state, so a class can
 * be replayed from its command log.
 *
 * A step's life: it starts (stepStarted, its prediction opens); if it asks first, the cluster
 * clock is held and its commands wait for the teacher's "next"; then its commands are applied
 * (the step's "action") and its trigger is watched, measured from the action; when the trigger
 * fires the step ends, its prediction is revealed if it was not already, and the next step starts
 * in the same tick.
 */
import { isActive } from "../sim/core.ts";
import type { Command } from "../sim/command-schema.ts";
import type { ClusterState } from "../sim/types.ts";
import { takeBaseline, triggerFired, type Baseline } from "./conditions.ts";
import { nextSpareName, resolveCommand } from "./resolve.ts";
import {
  CORRECT_POINTS, PARTICIPATION_POINTS, asksFirst,
  type Lesson, type LessonCommand, type Prediction, type Step, type Trigger, type WhichNodePrediction,
} from "./schema.ts";

export type LessonControl = "next" | "repeat" | "back" | "skip";
export const LESSON_CONTROLS: readonly LessonControl[] = ["next", "repeat", "back", "skip"];

export type LessonAction =
  /** Apply this command to the cluster now (stepId null for the lesson's setup). */
  | { type: "apply"; command: Command; stepId: string | null }
  | { type: "stepStarted"; stepId: string; index: number }
  | { type: "revealPrediction"; stepId: string }
  | { type: "lessonDone" };

export type RevealCause = "teacher" | "condition" | "after" | "timeout" | "stepEnd" | "lessonEnd";
export type StepEnd = "condition" | "after" | "timeout" | "teacher" | "skip" | "back" | "repeat";

export interface PredictionState {
  stepId: string;
  status: "open" | "revealed" | "cancelled";
  openedAtMs: number;
  /** When the step's action began: a whichNode answer counts what happened from then on. */
  sinceMs: number | null;
  /** studentId -> option id (choice) or node name (whichNode). */
  answers: Record<string, string>;
  /** After the reveal: the right answers (several when buildings tie), or null in a discussion. */
  correct: string[] | null;
  /** After the reveal: points per student who answered. */
  awards: Record<string, number>;
  revealedAtMs: number | null;
  revealedBy: RevealCause | null;
}

export interface StepRecord {
  stepId: string;
  index: number;
  startedAtMs: number;
  actionAtMs: number | null;
  endedAtMs: number;
  endedBy: StepEnd;
}

export interface LessonState {
  lesson: Lesson;
  /** setup: spares and setup commands still to issue; running: a step is current; done: all steps ended. */
  status: "setup" | "running" | "done";
  setupStage: 0 | 1;
  stepIndex: number;
  /** pending: starts at the next tick; asking: prediction open, clock and commands held; running: action under way. */
  phase: "pending" | "asking" | "running";
  stepStartedAtMs: number | null;
  actionAtMs: number | null;
  baseline: Baseline | null;
  /** By step id: the latest run of each step's prediction. */
  predictions: Record<string, PredictionState>;
  /** Nodes this lesson added, in the order added. */
  spares: string[];
  /** A teacher's control waiting for the next tick, which has the cluster to act on. */
  pendingControl: LessonControl | null;
  log: StepRecord[];
  doneAnnounced: boolean;
}

export interface TickResult {
  state: LessonState;
  actions: LessonAction[];
}

export type ControlResult = { ok: true; state: LessonState; message: string } | { ok: false; error: string };
export type AnswerResult = { ok: true; state: LessonState } | { ok: false; error: string };

export function startLesson(lesson: Lesson): LessonState {
  return {
    lesson,
    status: "setup",
    setupStage: 0,
    stepIndex: 0,
    phase: "pending",
    stepStartedAtMs: null,
    actionAtMs: null,
    baseline: null,
    predictions: {},
    spares: [],
    pendingControl: null,
    log: [],
    doneAnnounced: false,
  };
}

/** Reveal timing when the author did not say: the teacher's "next" on teacher-paced steps, else the step's end. */
export function revealTriggerOf(step: Step): Trigger | null {
  const p = step.prediction;
  if (!p) return null;
  if (p.revealWhen) return p.revealWhen;
  return step.trigger.kind === "teacher" ? { kind: "teacher" } : null;
}

export function currentStep(state: LessonState): Step | null {
  return state.status === "running" ? state.lesson.steps[state.stepIndex] ?? null : null;
}

/** The cluster clock must not advance: the class is answering before the step's action. */
export function clockHeld(state: LessonState): boolean {
  return state.status === "running" && state.phase === "asking";
}

export type Waiting = "tick" | "release" | "reveal" | "next" | "trigger" | "done";

/** What the lesson waits for: a tick, the teacher (release, reveal, next), the step's trigger, or nothing. */
export function waitingFor(state: LessonState): Waiting {
  if (state.status === "done") return state.doneAnnounced ? "done" : "tick";
  if (state.status === "setup" || state.phase === "pending" || state.pendingControl !== null) return "tick";
  if (state.phase === "asking") return "release";
  const step = state.lesson.steps[state.stepIndex]!;
  const p = state.predictions[step.id];
  if (p?.status === "open" && revealTriggerOf(step)?.kind === "teacher") return "reveal";
  return step.trigger.kind === "teacher" ? "next" : "trigger";
}

interface Tick {
  d: LessonState;
  c: ClusterState;
  actions: LessonAction[];
  dirty: boolean;
  /** A step's commands were issued in this tick: its triggers wait until the caller has applied them. */
  acted: boolean;
}

function issue(t: Tick, cmds: readonly LessonCommand[], stepId: string | null): void {
  for (const cmd of cmds) {
    const r = resolveCommand(t.c, cmd, t.d.spares);
    if (r.newSpares.length) t.d.spares = [...t.d.spares, ...r.newSpares];
    for (const command of r.commands) t.actions.push({ type: "apply", command, stepId });
  }
}

function resolveWhichNode(p: WhichNodePrediction, c: ClusterState, sinceMs: number): string[] {
  const counts = new Map<string, number>();
  for (const name in c.pods) {
    const pod = c.pods[name]!;
    if (!isActive(pod) || pod.nodeName === null) continue;
    if (p.app !== undefined && pod.app !== p.app) continue;
    if (p.resolve === "mostNewPods" && pod.createdAtMs < sinceMs) continue;
    counts.set(pod.nodeName, (counts.get(pod.nodeName) ?? 0) + 1);
  }
  let most = 0;
  for (const n of counts.values()) most = Math.max(most, n);
  if (most === 0) return [];
  // Join order keeps the list stable for screens; every tied node is a right answer.
  return c.nodeOrder.filter((n) => counts.get(n) === most);
}

function score(p: Prediction, answers: Record<string, string>, correct: string[] | null): Record<string, number> {
  const awards: Record<string, number> = {};
  for (const [student, answer] of Object.entries(answers)) {
    if (p.kind === "choice" && p.answer === null) awards[student] = PARTICIPATION_POINTS;
    else awards[student] = correct?.includes(answer) ? CORRECT_POINTS : 0;
  }
  return awards;
}

function reveal(t: Tick, step: Step, by: RevealCause): void {
  const ps = t.d.predictions[step.id];
  const p = step.prediction;
  if (!ps || ps.status !== "open" || !p) return;
  const correct = p.kind === "choice"
    ? (p.answer === null ? null : [p.answer])
    : resolveWhichNode(p, t.c, ps.sinceMs ?? ps.openedAtMs);
  t.d.predictions = {
    ...t.d.predictions,
    [step.id]: { ...ps, status: "revealed", correct, awards: score(p, ps.answers, correct), revealedAtMs: t.c.timeMs, revealedBy: by },
  };
  t.actions.push({ type: "revealPrediction", stepId: step.id });
  t.dirty = true;
}

function cancel(t: Tick, step: Step): void {
  const ps = t.d.predictions[step.id];
  if (!ps || ps.status !== "open") return;
  t.d.predictions = { ...t.d.predictions, [step.id]: { ...ps, status: "cancelled" } };
  t.dirty = true;
}

function beginAction(t: Tick, step: Step): void {
  const d = t.d;
  d.baseline = takeBaseline(t.c);
  d.actionAtMs = t.c.timeMs;
  d.phase = "running";
  const ps = d.predictions[step.id];
  if (ps && ps.status === "open") d.predictions = { ...d.predictions, [step.id]: { ...ps, sinceMs: t.c.timeMs } };
  issue(t, step.commands, step.id);
  t.dirty = true;
  t.acted = true;
}

function startStep(t: Tick): void {
  const d = t.d;
  const step = d.lesson.steps[d.stepIndex]!;
  d.stepStartedAtMs = t.c.timeMs;
  d.actionAtMs = null;
  d.baseline = null;
  if (step.prediction) {
    // A repeated step asks again from scratch; its earlier points are replaced, never added twice.
    d.predictions = {
      ...d.predictions,
      [step.id]: {
        stepId: step.id, status: "open", openedAtMs: t.c.timeMs, sinceMs: null,
        answers: {}, correct: null, awards: {}, revealedAtMs: null, revealedBy: null,
      },
    };
  }
  t.actions.push({ type: "stepStarted", stepId: step.id, index: d.stepIndex });
  t.dirty = true;
  if (asksFirst(step)) d.phase = "asking";
  else beginAction(t, step);
}

function record(t: Tick, step: Step, endedBy: StepEnd): void {
  const d = t.d;
  d.log = [...d.log, {
    stepId: step.id, index: d.stepIndex, startedAtMs: d.stepStartedAtMs ?? t.c.timeMs,
    actionAtMs: d.actionAtMs, endedAtMs: t.c.timeMs, endedBy,
  }];
}

/** The current step ends; `to` is the index that runs next (past the end = the lesson is over). */
function endStep(t: Tick, endedBy: StepEnd, to: number): void {
  const d = t.d;
  const step = d.lesson.steps[d.stepIndex]!;
  if (endedBy === "skip" || endedBy === "back" || endedBy === "repeat") cancel(t, step);
  else reveal(t, step, endedBy === "teacher" ? "teacher" : "stepEnd");
  record(t, step, endedBy);
  d.stepIndex = Math.max(0, to);
  d.phase = "pending";
  d.stepStartedAtMs = null;
  d.actionAtMs = null;
  d.baseline = null;
  if (d.stepIndex >= d.lesson.steps.length) {
    d.status = "done";
    d.doneAnnounced = false;
  }
  t.dirty = true;
}

function applyControl(t: Tick, control: LessonControl): void {
  const d = t.d;
  d.pendingControl = null;
  t.dirty = true;
  const last = d.lesson.steps.length - 1;
  if (d.status === "done") {
    // Only back and repeat are accepted once the lesson is over: both replay the last step.
    d.status = "running";
    d.stepIndex = last;
    d.phase = "pending";
    d.doneAnnounced = false;
    return;
  }
  const step = d.lesson.steps[d.stepIndex]!;
  switch (control) {
    case "next":
      if (d.phase === "asking") return beginAction(t, step);
      if (d.predictions[step.id]?.status === "open" && revealTriggerOf(step)?.kind === "teacher") return reveal(t, step, "teacher");
      return endStep(t, "teacher", d.stepIndex + 1);
    case "skip":
      return endStep(t, "skip", d.stepIndex + 1);
    case "repeat":
      return endStep(t, "repeat", d.stepIndex);
    case "back":
      return endStep(t, "back", d.stepIndex - 1);
  }
}

function revealAllOpen(t: Tick): void {
  for (const step of t.d.lesson.steps) if (t.d.predictions[step.id]?.status === "open") reveal(t, step, "lessonEnd");
}

/**
 * Advance the lesson against the cluster as it is now. Returns the same state object when nothing
 * changed. The caller applies `apply` actions in order, at the current cluster time, before the
 * cluster advances; a new step's trigger is only looked at from the next tick, once its commands
 * have landed.
 */
export function lessonTick(state: LessonState, cluster: ClusterState): TickResult {
  const t: Tick = { d: { ...state }, c: cluster, actions: [], dirty: false, acted: false };
  const d = t.d;
  const lesson = d.lesson;

  if (d.status === "setup") {
    t.dirty = true;
    if (d.setupStage === 0) {
      d.setupStage = 1;
      // extraNodes always come; minNodes only tops a small class up (the extra ones count towards it).
      const want = Math.max(lesson.setup.extraNodes ?? 0, (lesson.setup.minNodes ?? 0) - cluster.nodeOrder.length);
      const spares: string[] = [];
      for (let i = 0; i < want; i++) {
        const name = nextSpareName(cluster, [...d.spares, ...spares]);
        spares.push(name);
        t.actions.push({ type: "apply", command: { type: "addNode", name }, stepId: null });
      }
      d.spares = [...d.spares, ...spares];
      // Setup commands wait a tick when nodes were added, so "@nodes" and "@each" see them.
      if (spares.length > 0) return { state: d, actions: t.actions };
    }
    issue(t, lesson.setup.commands, null);
    d.status = "running";
    d.phase = "pending";
    return { state: d, actions: t.actions };
  }

  if (d.pendingControl !== null) applyControl(t, d.pendingControl);

  // Each pass ends a step or stops; a step cannot start and end in one tick, so this is bounded.
  for (let guard = 0; guard <= lesson.steps.length + 1; guard++) {
    if (d.status === "done") {
      if (!d.doneAnnounced) {
        revealAllOpen(t);
        t.actions.push({ type: "lessonDone" });
        d.doneAnnounced = true;
        t.dirty = true;
      }
      break;
    }
    if (d.phase === "pending") startStep(t);
    if (d.phase === "asking" || t.acted) break;
    const step = lesson.steps[d.stepIndex]!;
    const base = d.baseline!;
    const rt = revealTriggerOf(step);
    if (rt && rt.kind !== "teacher" && d.predictions[step.id]?.status === "open") {
      const fired = triggerFired(rt, cluster, base);
      if (fired) reveal(t, step, fired);
    }
    const fired = triggerFired(step.trigger, cluster, base);
    if (!fired) break;
    endStep(t, fired, d.stepIndex + 1);
  }
  return t.dirty ? { state: d, actions: t.actions } : { state, actions: [] };
}

/**
 * A teacher's button. Validated now, carried out by the next lessonTick (call it right away), which
 * has the cluster a reveal or a step's commands need. Going back or repeating re-runs a step's
 * commands on the cluster as it is: nothing is undone.
 */
export function lessonControl(state: LessonState, control: LessonControl): ControlResult {
  if (!LESSON_CONTROLS.includes(control)) return { ok: false, error: `unknown lesson control "${String(control)}"` };
  if (state.status === "setup") return { ok: false, error: "the lesson is still setting up the cluster" };
  if (state.pendingControl !== null) return { ok: false, error: `still carrying out "${state.pendingControl}"` };
  // Between a step's end and the next tick nothing is on screen yet: a second click must not skip it unseen.
  if (state.status === "running" && state.phase === "pending") return { ok: false, error: "the next step is starting" };
  const steps = state.lesson.steps;
  let message: string;
  if (state.status === "done") {
    if (control === "next" || control === "skip") return { ok: false, error: "the lesson is over (back or repeat replays the last step)" };
    message = `replaying step "${steps[steps.length - 1]!.id}"`;
  } else {
    const step = steps[state.stepIndex]!;
    const isLast = state.stepIndex === steps.length - 1;
    switch (control) {
      case "next": {
        const w = waitingFor(state);
        message = w === "release" ? `step "${step.id}": answers are in, the action starts`
          : w === "reveal" ? `step "${step.id}": revealing the answer`
            : isLast ? "finishing the lesson" : `moving on to "${steps[state.stepIndex + 1]!.id}"`;
        break;
      }
      case "skip":
        message = isLast ? "skipping the last step: the lesson ends" : `skipping "${step.id}"`;
        break;
      case "repeat":
        message = `repeating "${step.id}" (the cluster is not reset)`;
        break;
      case "back":
        if (state.stepIndex === 0) return { ok: false, error: "already at the first step" };
        message = `back to "${steps[state.stepIndex - 1]!.id}" (the cluster is not reset)`;
        break;
    }
  }
  return { ok: true, state: { ...state, pendingControl: control }, message };
}

const STUDENT_ID_MAX = 64;
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A student's answer: one per student per prediction, changeable until the reveal. For whichNode,
 * pass the nodes that exist so a made-up building is refused.
 */
export function answerPrediction(
  state: LessonState,
  studentId: string,
  stepId: string,
  answer: string,
  nodes?: readonly string[],
): AnswerResult {
  if (typeof studentId !== "string" || studentId.length === 0 || studentId.length > STUDENT_ID_MAX) return { ok: false, error: "unknown student" };
  const step = state.lesson.steps.find((s) => s.id === stepId);
  const p = step?.prediction;
  if (!step || !p) return { ok: false, error: `step "${stepId}" asks no question` };
  const ps = state.predictions[stepId];
  if (!ps) return { ok: false, error: "this question is not open yet" };
  if (ps.status !== "open") return { ok: false, error: ps.status === "revealed" ? "the answer has been revealed" : "this question was skipped" };
  if (typeof answer !== "string") return { ok: false, error: "expected an answer" };
  if (p.kind === "choice") {
    if (!p.options.some((o) => o.id === answer)) return { ok: false, error: `"${answer}" is not one of the options` };
  } else if (!NODE_NAME.test(answer) || answer.length > 63 || (nodes !== undefined && !nodes.includes(answer))) {
    return { ok: false, error: `"${answer}" is not a building in this city` };
  }
  if (ps.answers[studentId] === answer) return { ok: true, state };
  return {
    ok: true,
    state: { ...state, predictions: { ...state.predictions, [stepId]: { ...ps, answers: { ...ps.answers, [studentId]: answer } } } },
  };
}

export interface PredictionResults {
  stepId: string;
  kind: Prediction["kind"];
  status: PredictionState["status"];
  total: number;
  /** Answers per option (choice, every option listed) or per building (whichNode, only those picked). */
  counts: Record<string, number>;
  /** After the reveal: the right answers; null before it, and in a discussion. */
  correct: string[] | null;
  discussion: boolean;
}

/** The spread of answers, for the teacher's live view (and everyone's, after the reveal). */
export function predictionResults(state: LessonState, stepId: string): PredictionResults | null {
  const step = state.lesson.steps.find((s) => s.id === stepId);
  const p = step?.prediction;
  const ps = state.predictions[stepId];
  if (!p || !ps) return null;
  const counts: Record<string, number> = {};
  if (p.kind === "choice") for (const o of p.options) counts[o.id] = 0;
  let total = 0;
  for (const a of Object.values(ps.answers)) {
    counts[a] = (counts[a] ?? 0) + 1;
    total++;
  }
  return {
    stepId,
    kind: p.kind,
    status: ps.status,
    total,
    counts,
    correct: ps.status === "revealed" ? ps.correct : null,
    discussion: p.kind === "choice" && p.answer === null,
  };
}

export interface StudentScore {
  points: number;
  /** Predictions answered right. */
  correct: number;
  /** Discussion rounds taken part in. */
  participated: number;
}

/** Points each student earned from this lesson's predictions (revealed ones only). */
export function lessonScores(state: LessonState): Record<string, StudentScore> {
  const out: Record<string, StudentScore> = {};
  for (const step of state.lesson.steps) {
    const ps = state.predictions[step.id];
    const p = step.prediction;
    if (!ps || !p || ps.status !== "revealed") continue;
    const discussion = p.kind === "choice" && p.answer === null;
    for (const [student, pts] of Object.entries(ps.awards)) {
      const s = (out[student] ??= { points: 0, correct: 0, participated: 0 });
      s.points += pts;
      if (discussion) s.participated++;
      else if (pts > 0) s.correct++;
    }
  }
  return out;
}

export function studentLessonPoints(state: LessonState, studentId: string): number {
  return lessonScores(state)[studentId]?.points ?? 0;
}
