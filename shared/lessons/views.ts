/**
 * What each role may see of a running lesson, as plain JSON for the room to publish. Students and
 * the projector get the step's text and the question without its answer; the answer, the
 * explanation and the spread of answers reach them only after the reveal. The teacher's view adds
 * the notes, the expected answer and the live spread.
 */
import { currentStep, predictionResults, revealTriggerOf, waitingFor, type LessonState, type PredictionResults, type StepRecord, type Waiting } from "./runner.ts";
import type { ClusterState } from "../sim/types.ts";
import type { LessonMode, Step, StudentAction, Text, Trigger } from "./schema.ts";

export interface PublicPredictionView {
  stepId: string;
  kind: "choice" | "whichNode";
  question: Text;
  /** Choice questions only; whichNode answers are building (node) names. */
  options: { id: string; text: Text }[] | null;
  status: "open" | "revealed" | "cancelled";
  /**
   * How many students have answered so far: a count only, never who or what, so the projector
   * and the students can see the class's progress while the question is open.
   */
  answered: number;
  discussion: boolean;
  /** After the reveal only. */
  correct: string[] | null;
  explanation: Text | null;
  results: PredictionResults | null;
}

export interface PublicLessonView {
  lessonId: string;
  title: Text;
  mode: LessonMode;
  status: LessonState["status"];
  stepIndex: number;
  stepCount: number;
  /** The cluster clock is stopped while the class answers. */
  clockHeld: boolean;
  step: {
    id: string;
    title: Text;
    studentText: Text;
    phase: LessonState["phase"];
    studentActions: StudentAction[];
    /** An image whose layers to show (see imageLayersView). */
    showImage: string | null;
  } | null;
  /** The current step's question. */
  prediction: PublicPredictionView | null;
  /** The question revealed most recently (often the previous step's, whose end revealed it). */
  lastReveal: PublicPredictionView | null;
  debrief: { summary: Text; points: Text[] } | null;
}

export interface TeacherLessonView extends PublicLessonView {
  teacherNotes: Text | null;
  waitingFor: Waiting;
  /** The current step's trigger and its reveal's, in English words (logs, tools, tests). */
  trigger: string | null;
  revealWhen: string | null;
  /**
   * The same two as data, for the teacher's page to say in the teacher's language: the step's
   * trigger, and its question's reveal ("stepEnd": when the step ends; null: no question).
   */
  triggerSpec: Trigger | null;
  revealSpec: Trigger | "stepEnd" | null;
  /** Cluster time the step started and its action began (0 = not yet). */
  stepStartedAtMs: number;
  actionAtMs: number;
  /** The right answer before the reveal (choice), or how the building will be chosen (whichNode). */
  expected: string | null;
  /** Live spread of the current question's answers, before the reveal too. */
  liveResults: PredictionResults | null;
  nextStep: { id: string; title: Text } | null;
  log: StepRecord[];
  spares: string[];
}

export function describeTrigger(t: Trigger | null): string | null {
  if (!t) return null;
  switch (t.kind) {
    case "teacher":
      return "teacher presses next";
    case "after":
      return `after ${t.ms / 1000}s of cluster time`;
    case "when": {
      const arg = typeof t.condition.arg === "object" ? JSON.stringify(t.condition.arg) : String(t.condition.arg);
      return `when ${t.condition.type} ${arg}${t.timeoutMs !== null ? ` (or after ${t.timeoutMs / 1000}s)` : ""}`;
    }
  }
}

function predictionView(state: LessonState, step: Step): PublicPredictionView | null {
  const p = step.prediction;
  const ps = state.predictions[step.id];
  if (!p || !ps) return null;
  const revealed = ps.status === "revealed";
  return {
    stepId: step.id,
    kind: p.kind,
    question: p.question,
    options: p.kind === "choice" ? p.options.map((o) => ({ id: o.id, text: o.text })) : null,
    status: ps.status,
    answered: Object.keys(ps.answers).length,
    discussion: p.kind === "choice" && p.answer === null,
    correct: revealed ? ps.correct : null,
    explanation: revealed ? p.explanation : null,
    results: revealed ? predictionResults(state, step.id) : null,
  };
}

export function publicLessonView(state: LessonState): PublicLessonView {
  const l = state.lesson;
  const step = currentStep(state);
  let last: Step | null = null;
  let lastAt = -1;
  for (const s of l.steps) {
    const ps = state.predictions[s.id];
    if (ps?.status === "revealed" && ps.revealedAtMs !== null && ps.revealedAtMs >= lastAt) {
      lastAt = ps.revealedAtMs;
      last = s;
    }
  }
  return {
    lessonId: l.id,
    title: l.title,
    mode: l.mode,
    status: state.status,
    stepIndex: Math.min(state.stepIndex, l.steps.length - 1),
    stepCount: l.steps.length,
    clockHeld: state.status === "running" && state.phase === "asking",
    step: step
      ? { id: step.id, title: step.title, studentText: step.studentText, phase: state.phase, studentActions: step.studentActions, showImage: step.showImage ?? null }
      : null,
    prediction: step ? predictionView(state, step) : null,
    lastReveal: last ? predictionView(state, last) : null,
    debrief: state.status === "done" ? { summary: l.debrief.summary, points: l.debrief.points } : null,
  };
}

export function teacherLessonView(state: LessonState): TeacherLessonView {
  const step = currentStep(state);
  const p = step?.prediction;
  const next = state.status === "running" ? state.lesson.steps[state.stepIndex + 1] : undefined;
  return {
    ...publicLessonView(state),
    teacherNotes: step?.teacherNotes ?? null,
    waitingFor: waitingFor(state),
    trigger: step ? describeTrigger(step.trigger) : null,
    revealWhen: step && p ? describeTrigger(revealTriggerOf(step)) ?? "when the step ends" : null,
    triggerSpec: step?.trigger ?? null,
    revealSpec: step && p ? revealTriggerOf(step) ?? "stepEnd" : null,
    stepStartedAtMs: state.stepStartedAtMs ?? 0,
    actionAtMs: state.actionAtMs ?? 0,
    expected: !p ? null : p.kind === "choice" ? p.answer ?? "(discussion: every answer earns participation points)" : `${p.resolve}${p.app ? ` of ${p.app}` : ""}`,
    liveResults: step ? predictionResults(state, step.id) : null,
    nextStep: next ? { id: next.id, title: next.title } : null,
    log: state.log,
    spares: state.spares,
  };
}

/** Every answer this student gave in the lesson, by question (sent back after a reconnection or on a new device). */
export function studentAnswers(state: LessonState, studentId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [stepId, ps] of Object.entries(state.predictions)) {
    const a = ps.answers[studentId];
    if (a !== undefined) out[stepId] = a;
  }
  return out;
}

/** The points this student earned on each revealed question (the runner's awards: the page shows, never computes, them). */
export function studentAwards(state: LessonState, studentId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [stepId, ps] of Object.entries(state.predictions)) {
    if (ps.status === "revealed") out[stepId] = ps.awards[studentId] ?? 0;
  }
  return out;
}

export interface ImageLayersView {
  ref: string;
  totalMiB: number;
  layers: {
    /** The Dockerfile instruction that made the layer. */
    step: string;
    mib: number;
    digest: string;
    /** Other images in the registry built on this very layer. */
    sharedWith: string[];
    /** Nodes that already hold it: the ones that will not download it again. */
    cachedOn: number;
  }[];
}

/** An image's layers as the kitchen lesson shows them, from the registry and the nodes' caches. */
export function imageLayersView(c: ClusterState, ref: string): ImageLayersView | null {
  const image = c.images[ref];
  if (!image) return null;
  const MiB = 1024 * 1024;
  return {
    ref,
    totalMiB: Math.round(image.layers.reduce((n, l) => n + l.bytes, 0) / MiB),
    layers: image.layers.map((l) => ({
      step: l.step,
      mib: Math.round((l.bytes / MiB) * 10) / 10,
      digest: l.digest,
      sharedWith: Object.keys(c.images).filter((r) => r !== ref && c.images[r]!.layers.some((x) => x.digest === l.digest)),
      cachedOn: c.nodeOrder.filter((n) => c.nodes[n]!.layers.includes(l.digest)).length,
    })),
  };
}
