/**
 * The lesson screens' pure parts: reading the lesson views the room publishes as JSON, the answer
 * spread as labelled bars, which word the teacher's Next button says, whether a student was right,
 * the leaderboard, and a student's own answers (the room does not send them back). No DOM and no
 * current language: the tests run them with either catalog, and the root typecheck can load them.
 */
import type { MessageKey } from "../i18n/en.ts";
import type { ImageLayersView, PublicLessonView, PublicPredictionView, TeacherLessonView } from "../../../shared/lessons/views.ts";
import type { PredictionResults, Waiting } from "../../../shared/lessons/runner.ts";
import type { Condition, Text, Trigger } from "../../../shared/lessons/schema.ts";
import { humanDuration, type Translate } from "./format.ts";
import { parseLeaderboard, type Place } from "../../../shared/game/leaderboard.ts";

export type Lang = "en" | "vi";

/** state.lesson: the public view plus the layers of the image the current step shows. */
export type PublicLesson = PublicLessonView & { image?: ImageLayersView | null };
export type TeacherLesson = TeacherLessonView;
export type { PublicPredictionView, ImageLayersView, Waiting };

/** One entry of GET /api/lessons. */
export interface LessonSummary {
  id: string;
  title: Text;
  summary: Text;
  durationMinutes: number;
  mode: string;
  compression: number;
}

/** A bilingual text in the page's language (English when the other is missing). */
export function textIn(text: Partial<Text> | null | undefined, lang: Lang): string {
  if (!text) return "";
  return text[lang] || text.en || "";
}

/** Parses a view published as a JSON string; the same string gives the same object (no re-render). */
export function viewReader<T>(): (json: string | null | undefined) => T | null {
  let lastJson: string | null = null;
  let last: T | null = null;
  return (json) => {
    const s = json ?? "";
    if (s === lastJson) return last;
    lastJson = s;
    try {
      last = s ? (JSON.parse(s) as T) : null;
    } catch {
      last = null;
    }
    return last;
  };
}

/** The lessons a class can switch to: its own round's and the round-free ones. */
export function lessonsForMode<L extends Pick<LessonSummary, "mode">>(lessons: readonly L[], mode: string): L[] {
  return lessons.filter((l) => l.mode === mode || l.mode === "any");
}

// ---- answers as bars ------------------------------------------------------------------------------

export interface AnswerBar {
  /** Option id, or node name for a whichNode question. */
  id: string;
  label: string;
  count: number;
  /** Share of all answers, 0..1 (0 when nobody answered). */
  share: number;
  /** Whole percent, for the words next to the bar. */
  percent: number;
  /** true/false after the reveal; null before it and in a discussion. */
  correct: boolean | null;
  /** The person looking answered this. */
  mine: boolean;
}

export interface BarsInput {
  kind: "choice" | "whichNode";
  options: { id: string; text: Text }[] | null;
  results: Pick<PredictionResults, "counts" | "total"> & { correct?: string[] | null } | null;
  /** The revealed right answers, when known from elsewhere than results. */
  correct?: string[] | null;
  lang: Lang;
  /** How to name a building (whichNode): "node-amara (Amara)". */
  nodeLabel?: (node: string) => string;
  mine?: string | null;
}

/**
 * One bar per option (in the author's order, unpicked ones included) or per building somebody
 * picked (most picks first); a right building nobody picked is listed too, with 0.
 */
export function answerBars(input: BarsInput): AnswerBar[] {
  const counts = input.results?.counts ?? {};
  const total = input.results?.total ?? Object.values(counts).reduce((a, b) => a + b, 0);
  const correct = input.correct ?? input.results?.correct ?? null;
  const right = correct ? new Set(correct) : null;
  const bar = (id: string, label: string): AnswerBar => {
    const count = counts[id] ?? 0;
    const share = total > 0 ? count / total : 0;
    return { id, label, count, share, percent: Math.round(share * 100), correct: right ? right.has(id) : null, mine: input.mine === id };
  };
  if (input.kind === "choice") {
    return (input.options ?? []).map((o) => bar(o.id, textIn(o.text, input.lang)));
  }
  const ids = new Set(Object.keys(counts));
  for (const c of correct ?? []) ids.add(c);
  if (input.mine) ids.add(input.mine);
  const name = input.nodeLabel ?? ((n: string) => n);
  return [...ids]
    .map((id) => bar(id, name(id)))
    .sort((a, b) => b.count - a.count || Number(b.correct) - Number(a.correct) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

// ---- the teacher's buttons ------------------------------------------------------------------------

export interface NextButton {
  label: MessageKey;
  enabled: boolean;
}

/** The Next button says what it will do: release the step's action, reveal the answer, or move on. */
export function nextButton(waiting: Waiting | null | undefined, status: PublicLessonView["status"] | null | undefined): NextButton {
  if (!status || status === "setup") return { label: "lesson.next.next", enabled: false };
  switch (waiting) {
    case "release":
      return { label: "lesson.next.release", enabled: true };
    case "reveal":
      return { label: "lesson.next.reveal", enabled: true };
    case "next":
    case "trigger":
      return { label: "lesson.next.next", enabled: true };
    case "done":
      return { label: "lesson.next.done", enabled: false };
    default:
      // "tick": the room carries out the last press on its next tick.
      return { label: "lesson.next.next", enabled: false };
  }
}

/** Which controls make sense now (the server refuses the others with a reason anyway). */
export function controlsEnabled(v: Pick<TeacherLessonView, "status" | "stepIndex" | "waitingFor"> | null): Record<"next" | "repeat" | "back" | "skip", boolean> {
  if (!v || v.status === "setup" || v.waitingFor === "tick") return { next: false, repeat: false, back: false, skip: false };
  if (v.status === "done") return { next: false, repeat: true, back: true, skip: false };
  return { next: nextButton(v.waitingFor, v.status).enabled, repeat: true, back: v.stepIndex > 0, skip: true };
}

/** What the lesson waits for, as a catalog key. */
export function waitingKey(waiting: Waiting | null | undefined, status: PublicLessonView["status"] | null | undefined): MessageKey {
  if (!status || status === "setup") return "lesson.waiting.setup";
  switch (waiting) {
    case "release":
      return "lesson.waiting.release";
    case "reveal":
      return "lesson.waiting.reveal";
    case "next":
      return "lesson.waiting.next";
    case "trigger":
      return "lesson.waiting.trigger";
    case "done":
      return "lesson.waiting.done";
    default:
      return "lesson.waiting.tick";
  }
}

// ---- what a step waits for, in words ---------------------------------------------------------------

/** A share as people say it: 0.8 -> "80%", 0.995 -> "99.5%". */
function share(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

function describeCondition(c: Condition, tr: Translate): string {
  switch (c.type) {
    case "allPodsReady":
      return tr("cond.allPodsReady", { app: c.arg });
    case "progressDeadlineExceeded":
      return tr("cond.progressDeadlineExceeded", { app: c.arg });
    case "nodeNotReady":
      return c.arg === "any" ? tr("cond.nodeNotReady.any") : tr("cond.nodeNotReady", { node: c.arg });
    case "nodePoweredOff":
      return c.arg === "any" ? tr("cond.nodePoweredOff.any") : tr("cond.nodePoweredOff", { node: c.arg });
    case "podsEvicted":
      return c.arg === "any" ? tr("cond.podsEvicted.any") : tr("cond.podsEvicted", { app: c.arg });
    case "podsRescheduled":
      return c.arg === "any" ? tr("cond.podsRescheduled.any") : tr("cond.podsRescheduled", { app: c.arg });
    case "replicasAtLeast":
      return tr("cond.replicasAtLeast", { app: c.arg.deployment, n: c.arg.n });
    case "readyReplicasAtLeast":
      return tr("cond.readyReplicasAtLeast", { app: c.arg.deployment, n: c.arg.n });
    case "hpaScaledUp":
      return tr("cond.hpaScaledUp", { app: c.arg });
    case "hpaScaledDown":
      return tr("cond.hpaScaledDown", { app: c.arg });
    case "availabilityBelow":
      return tr("cond.availabilityBelow", { share: share(c.arg) });
    case "availabilityAtLeast":
      return tr("cond.availabilityAtLeast", { share: share(c.arg) });
    case "spikeOver":
      return tr("cond.spikeOver", { service: c.arg });
    case "servingHostsAtLeast":
      return tr("cond.servingHostsAtLeast", { share: share(c.arg) });
    case "servingHostsBelow":
      return tr("cond.servingHostsBelow", { share: share(c.arg) });
    case "composeAutoRestarted":
      return tr("cond.composeAutoRestarted", { service: c.arg });
    case "event": {
      const base = c.arg.objectContains
        ? tr("cond.eventAbout", { reason: c.arg.reason, object: c.arg.objectContains })
        : tr("cond.event", { reason: c.arg.reason });
      return c.arg.messageContains ? tr("cond.eventSaying", { event: base, text: c.arg.messageContains }) : base;
    }
  }
}

/**
 * How a step ends (role "step") or when its answer comes out (role "reveal"), in the reader's
 * language, from the teacher view's triggerSpec and revealSpec: "after 30 s of cluster time",
 * "when every pod of shop is ready, or after 5 min at the latest".
 */
export function describeTrigger(trigger: Trigger | "stepEnd", tr: Translate, role: "step" | "reveal" = "step"): string {
  if (trigger === "stepEnd") return tr("trigger.stepEnd");
  switch (trigger.kind) {
    case "teacher":
      return tr(role === "reveal" ? "trigger.teacherReveal" : "trigger.teacher");
    case "after":
      return tr("trigger.after", { time: humanDuration(trigger.ms, tr) });
    case "when": {
      const when = describeCondition(trigger.condition, tr);
      return trigger.timeoutMs === null ? when : tr("trigger.orAfter", { when, time: humanDuration(trigger.timeoutMs, tr) });
    }
  }
}

// ---- how many have answered -----------------------------------------------------------------------

/**
 * "n of m answered" for an open question: m is the students in the class now (connected), and
 * never fewer than n, since a student who answered and then lost the Wi-Fi still counts.
 */
export function answeredOf(answered: number, students: Iterable<{ connected: boolean }>): { n: number; of: number } {
  let here = 0;
  for (const st of students) if (st.connected) here++;
  return { n: answered, of: Math.max(here, answered) };
}

// ---- a student's outcome --------------------------------------------------------------------------

export type Outcome = "pending" | "right" | "wrong" | "participated" | "noAnswer" | "cancelled";

export function outcomeOf(p: Pick<PublicPredictionView, "status" | "correct" | "discussion">, mine: string | null | undefined): Outcome {
  if (p.status === "open") return "pending";
  if (p.status === "cancelled") return "cancelled";
  if (!mine) return "noAnswer";
  if (p.discussion || !p.correct) return "participated";
  return p.correct.includes(mine) ? "right" : "wrong";
}

// ---- leaderboard ----------------------------------------------------------------------------------

export interface BoardRow {
  id: string;
  rank: number;
  /** null when the teacher hides names (the viewer's own row says "you" instead). */
  name: string | null;
  points: number;
  me: boolean;
}

export interface Board {
  top: BoardRow[];
  /** The viewer's place, when the viewer is a student of the class. */
  me: { rank: number; of: number; points: number } | null;
  total: number;
}

/**
 * The board a screen shows: the server's ranking (state.leaderboard, names already left out when
 * the teacher hides them) with the viewer's own row marked, and the viewer's place from its `you`
 * message.
 */
export function leaderboard(json: string | undefined, opts: { myId?: string | null; me?: Place | null } = {}): Board {
  const view = parseLeaderboard(json);
  return {
    top: view.top.map((r) => ({ ...r, me: !!opts.myId && r.id === opts.myId })),
    me: opts.me ?? null,
    total: view.total,
  };
}

// ---- a student's own answers ----------------------------------------------------------------------

export interface SmallStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * The answers this student gave, by step id. The room keeps them but does not send them back, so
 * the page remembers them (in sessionStorage, to survive a reload) and forgets one when it sees its
 * question asked again: a new step whose question is open, or a question open again after its reveal.
 */
export class AnswerMemory {
  private readonly key: string;
  private readonly storage: SmallStorage | null;
  private answers: Record<string, string>;
  private seenStep: string | null = null;
  private seenStatus = new Map<string, PublicPredictionView["status"]>();
  private seenPhase: string | null = null;

  constructor(storage: SmallStorage | null, scope: string) {
    this.storage = storage;
    this.key = `container-city:answers:${scope}`;
    let saved: Record<string, string> = {};
    try {
      const raw = storage?.getItem(this.key);
      if (raw) saved = JSON.parse(raw) as Record<string, string>;
    } catch {
      saved = {};
    }
    this.answers = saved && typeof saved === "object" ? saved : {};
  }

  get(stepId: string): string | null {
    return this.answers[stepId] ?? null;
  }

  set(stepId: string, answer: string): void {
    this.answers[stepId] = answer;
    this.save();
  }

  forget(stepId: string): void {
    if (!(stepId in this.answers)) return;
    delete this.answers[stepId];
    this.save();
  }

  /** Feed every public view: it forgets the answers of questions that are asked again. */
  observe(view: Pick<PublicLessonView, "step" | "prediction" | "lastReveal"> | null): void {
    if (!view) return;
    const step = view.step;
    const p = view.prediction;
    if (step && p && p.status === "open") {
      const before = this.seenStatus.get(p.stepId);
      const newStep = this.seenStep !== null && this.seenStep !== step.id;
      const reasked = before !== undefined && before !== "open";
      // A repeated step that asks first goes back from its action to asking.
      const repeated = this.seenStep === step.id && this.seenPhase === "running" && step.phase === "asking";
      if (newStep || reasked || repeated) this.forget(p.stepId);
    }
    if (p) this.seenStatus.set(p.stepId, p.status);
    if (view.lastReveal) this.seenStatus.set(view.lastReveal.stepId, view.lastReveal.status);
    if (step) {
      this.seenStep = step.id;
      this.seenPhase = step.phase;
    }
  }

  private save(): void {
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.answers));
    } catch {
      /* storage full or blocked: the answers still live for this page */
    }
  }
}

// ---- image layers ---------------------------------------------------------------------------------

export interface LayerRow {
  step: string;
  mib: number;
  /** Share of the image's size, 0..1. */
  share: number;
  sharedWith: string[];
  cachedOn: number;
}

/** An image's layers, biggest share first is not kubectl's order: keep the Dockerfile's order. */
export function layerRows(image: ImageLayersView): LayerRow[] {
  const total = image.layers.reduce((n, l) => n + l.mib, 0);
  return image.layers.map((l) => ({ step: l.step, mib: l.mib, share: total > 0 ? l.mib / total : 0, sharedWith: l.sharedWith, cachedOn: l.cachedOn }));
}

/** "12 MiB", "0.4 MiB", "1.2 GiB". */
export function formatMiB(mib: number): string {
  if (mib >= 1024) return `${(mib / 1024).toFixed(1)} GiB`;
  if (mib >= 10) return `${Math.round(mib)} MiB`;
  return `${Math.round(mib * 10) / 10} MiB`;
}
