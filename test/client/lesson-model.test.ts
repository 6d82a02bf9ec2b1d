/** The lesson screens' pure parts: answer bars, the Next button, outcomes, the leaderboard, remembered answers. */
import { describe, expect, it } from "vitest";
import { MapStorage } from "../support/storage.ts";
import { en } from "../../client/src/i18n/en.ts";
import { vi } from "../../client/src/i18n/vi.ts";
import {
  AnswerMemory, answerBars, answeredOf, controlsEnabled, describeTrigger, formatMiB, layerRows, leaderboard, lessonsForMode, nextButton, outcomeOf, textIn, viewReader, waitingKey,
  type PublicLesson,
} from "../../client/src/ui/lesson-model.ts";
import type { PublicPredictionView } from "../../shared/lessons/views.ts";
import type { Condition, ConditionType, Trigger } from "../../shared/lessons/schema.ts";
import { translator } from "../../client/src/ui/format.ts";
import { rankStudents } from "../../shared/game/leaderboard.ts";

const opt = (id: string, en: string, vi = `${en} (vi)`) => ({ id, text: { en, vi } });
const OPTIONS = [opt("one", "All in one building"), opt("spread", "Spread out"), opt("ask", "It waits")];

describe("answer bars", () => {
  it("lists every option in the author's order, with counts and whole percents", () => {
    const bars = answerBars({ kind: "choice", options: OPTIONS, results: { counts: { one: 1, spread: 2, ask: 0 }, total: 3 }, lang: "en" });
    expect(bars.map((b) => [b.id, b.label, b.count, b.percent])).toEqual([
      ["one", "All in one building", 1, 33],
      ["spread", "Spread out", 2, 67],
      ["ask", "It waits", 0, 0],
    ]);
    expect(bars.every((b) => b.correct === null && !b.mine)).toBe(true);
    expect(bars[1]!.share).toBeCloseTo(2 / 3);
  });

  it("marks the right answer and the viewer's own after the reveal; labels follow the language", () => {
    const bars = answerBars({ kind: "choice", options: OPTIONS, results: { counts: { one: 1, spread: 1 }, total: 2, correct: ["spread"] }, lang: "vi", mine: "one" });
    expect(bars.map((b) => [b.id, b.correct, b.mine])).toEqual([["one", false, true], ["spread", true, false], ["ask", false, false]]);
    expect(bars[0]!.label).toBe("All in one building (vi)");
  });

  it("nobody answered: zero shares, no division by zero", () => {
    const bars = answerBars({ kind: "choice", options: OPTIONS, results: { counts: {}, total: 0 }, lang: "en" });
    expect(bars.map((b) => b.share)).toEqual([0, 0, 0]);
  });

  it("whichNode: buildings by picks, most first; a right building nobody picked is shown with 0", () => {
    const bars = answerBars({
      kind: "whichNode", options: null, results: { counts: { "node-b": 1, "node-a": 3 }, total: 4 }, correct: ["node-c"], lang: "en",
      nodeLabel: (n) => n.toUpperCase(),
    });
    expect(bars.map((b) => [b.id, b.label, b.count, b.correct])).toEqual([
      ["node-a", "NODE-A", 3, false],
      ["node-b", "NODE-B", 1, false],
      ["node-c", "NODE-C", 0, true],
    ]);
  });
});

describe("the teacher's Next button and what the lesson waits for", () => {
  it("says what it will do", () => {
    expect(nextButton("release", "running")).toEqual({ label: "lesson.next.release", enabled: true });
    expect(nextButton("reveal", "running")).toEqual({ label: "lesson.next.reveal", enabled: true });
    expect(nextButton("next", "running")).toEqual({ label: "lesson.next.next", enabled: true });
    expect(nextButton("trigger", "running")).toEqual({ label: "lesson.next.next", enabled: true });
    expect(nextButton("tick", "running").enabled).toBe(false);
    expect(nextButton("done", "done")).toEqual({ label: "lesson.next.done", enabled: false });
    expect(nextButton(null, "setup").enabled).toBe(false);
    for (const k of ["lesson.next.release", "lesson.next.reveal", "lesson.next.next", "lesson.next.done"] as const) expect(en[k]).toBeTruthy();
    expect(en["lesson.next.release"]).toBe("Start step");
    expect(en["lesson.next.reveal"]).toBe("Reveal answer");
  });

  it("enables only the controls the room would accept", () => {
    expect(controlsEnabled(null)).toEqual({ next: false, repeat: false, back: false, skip: false });
    expect(controlsEnabled({ status: "setup", stepIndex: 0, waitingFor: "tick" })).toEqual({ next: false, repeat: false, back: false, skip: false });
    expect(controlsEnabled({ status: "running", stepIndex: 0, waitingFor: "release" })).toEqual({ next: true, repeat: true, back: false, skip: true });
    expect(controlsEnabled({ status: "running", stepIndex: 2, waitingFor: "trigger" })).toEqual({ next: true, repeat: true, back: true, skip: true });
    expect(controlsEnabled({ status: "done", stepIndex: 4, waitingFor: "done" })).toEqual({ next: false, repeat: true, back: true, skip: false });
  });

  it("has words for every state, in both languages", () => {
    for (const w of ["release", "reveal", "next", "trigger", "done", "tick"] as const) {
      const key = waitingKey(w, "running");
      expect(en[key], w).toBeTruthy();
      expect(vi[key], w).toBeTruthy();
    }
    expect(waitingKey("tick", "setup")).toBe("lesson.waiting.setup");
  });
});

describe("a student's outcome", () => {
  const p = (over: Partial<PublicPredictionView>): Pick<PublicPredictionView, "status" | "correct" | "discussion"> => ({ status: "revealed", correct: ["spread"], discussion: false, ...over });
  it("right, wrong, no answer, a discussion, skipped, still open", () => {
    expect(outcomeOf(p({}), "spread")).toBe("right");
    expect(outcomeOf(p({}), "one")).toBe("wrong");
    expect(outcomeOf(p({}), null)).toBe("noAnswer");
    expect(outcomeOf(p({ discussion: true, correct: null }), "one")).toBe("participated");
    expect(outcomeOf(p({ status: "cancelled", correct: null }), "one")).toBe("cancelled");
    expect(outcomeOf(p({ status: "open", correct: null }), "one")).toBe("pending");
    // Tied buildings: every one of them is right.
    expect(outcomeOf(p({ correct: ["node-a", "node-b"] }), "node-b")).toBe("right");
  });
});

describe("leaderboard", () => {
  const students = [
    { id: "a", name: "Amara", points: 120 },
    { id: "b", name: "Bảo", points: 300 },
    { id: "c", name: "Chi", points: 120 },
    { id: "d", name: "Dũng", points: 90 },
    { id: "e", name: "Emi", points: 80 },
    { id: "f", name: "Femi", points: 10 },
  ];
  const published = (names: boolean, size?: number) => JSON.stringify(rankStudents(students, { names, size }).view);

  it("most points first; equal points share a rank and are listed by name; top five only", () => {
    const b = leaderboard(published(true));
    expect(b.top.map((r) => [r.rank, r.name, r.points])).toEqual([
      [1, "Bảo", 300],
      [2, "Amara", 120],
      [2, "Chi", 120],
      [4, "Dũng", 90],
      [5, "Emi", 80],
    ]);
    expect(b.total).toBe(6);
    expect(b.me).toBeNull();
  });

  it("without names, nobody's name is published; each student learns its own place", () => {
    const { view, places } = rankStudents(students, { names: false });
    expect(JSON.stringify(view)).not.toMatch(/Amara|Bảo|Chi|Dũng|Emi|Femi/);
    expect(places.get("f")).toEqual({ rank: 6, of: 6, points: 10 });
    expect(places.get("c")).toEqual({ rank: 2, of: 6, points: 120 });
    const b = leaderboard(JSON.stringify(view), { myId: "f", me: places.get("f") });
    expect(b.top.every((r) => r.name === null)).toBe(true);
    expect(b.me).toEqual({ rank: 6, of: 6, points: 10 });
    expect(en["board.youAre"].replace("{rank}", "6").replace("{n}", "6")).toBe("You are #6 of 6");
  });

  it("marks the viewer's row and handles an empty class or a missing board", () => {
    expect(leaderboard(published(true), { myId: "c" }).top.find((r) => r.me)?.id).toBe("c");
    expect(leaderboard(JSON.stringify(rankStudents([], { names: true }).view))).toEqual({ top: [], me: null, total: 0 });
    expect(leaderboard("")).toEqual({ top: [], me: null, total: 0 });
    expect(leaderboard("{not json")).toEqual({ top: [], me: null, total: 0 });
    expect(leaderboard(published(true, 2)).top).toHaveLength(2);
  });
});

type View = Pick<PublicLesson, "step" | "prediction" | "lastReveal">;
function view(stepId: string, status: PublicPredictionView["status"] | null, phase: "asking" | "running" = "running"): View {
  return {
    step: { id: stepId, title: { en: stepId, vi: stepId }, studentText: { en: "", vi: "" }, phase, studentActions: [], showImage: null },
    prediction: status
      ? { stepId, kind: "choice", question: { en: "?", vi: "?" }, options: OPTIONS, status, answered: 0, discussion: false, correct: null, explanation: null, results: null }
      : null,
    lastReveal: null,
  };
}

describe("a student's remembered answers", () => {
  it("survive a reload (same storage and scope), not another student's page", () => {
    const storage = new MapStorage();
    const m = new AnswerMemory(storage, "ABC123:s1");
    m.set("declare", "spread");
    expect(new AnswerMemory(storage, "ABC123:s1").get("declare")).toBe("spread");
    expect(new AnswerMemory(storage, "ABC123:s2").get("declare")).toBeNull();
  });

  it("are forgotten when a question is asked again, kept while it stays open or after its reveal", () => {
    const m = new AnswerMemory(new MapStorage(), "x");
    m.observe(view("declare", "open", "asking"));
    m.set("declare", "spread");
    m.observe(view("declare", "open", "asking"));
    m.observe(view("declare", "open", "running"));
    expect(m.get("declare")).toBe("spread");
    m.observe(view("declare", "revealed"));
    expect(m.get("declare")).toBe("spread");
    // repeat: the same question open again after its reveal
    m.observe(view("declare", "open", "asking"));
    expect(m.get("declare")).toBeNull();
    m.set("declare", "one");
    // repeat while still open: the step goes back from its action to asking
    m.observe(view("declare", "open", "running"));
    m.observe(view("declare", "open", "asking"));
    expect(m.get("declare")).toBeNull();
    // back to an earlier step: a new current step with an open question
    m.set("why", "fits");
    m.observe(view("why", "open"));
    expect(m.get("why")).toBeNull();
  });

  it("a page opened mid-question keeps what it had saved", () => {
    const storage = new MapStorage();
    new AnswerMemory(storage, "x").set("why", "fits");
    const m = new AnswerMemory(storage, "x");
    m.observe(view("why", "open"));
    expect(m.get("why")).toBe("fits");
  });

  it("broken storage is not fatal", () => {
    const storage = new MapStorage();
    storage.setItem("container-city:answers:x", "{not json");
    expect(new AnswerMemory(storage, "x").get("a")).toBeNull();
    expect(new AnswerMemory(null, "x").get("a")).toBeNull();
  });
});

describe("small helpers", () => {
  it("reads a published view once per distinct string", () => {
    const read = viewReader<{ a: number }>();
    const first = read('{"a":1}');
    expect(first).toEqual({ a: 1 });
    expect(read('{"a":1}')).toBe(first);
    expect(read("")).toBeNull();
    expect(read("{oops")).toBeNull();
  });

  it("texts fall back to English; lessons fit their round or any", () => {
    expect(textIn({ en: "Hello", vi: "" }, "vi")).toBe("Hello");
    expect(textIn(null, "en")).toBe("");
    const list = [{ id: "a", mode: "kubernetes" }, { id: "b", mode: "compose" }, { id: "c", mode: "any" }];
    expect(lessonsForMode(list, "kubernetes").map((l) => l.id)).toEqual(["a", "c"]);
  });

  it("image layers keep the Dockerfile's order with their share of the size", () => {
    const rows = layerRows({
      ref: "shop:v1", totalMiB: 100,
      layers: [
        { step: "FROM debian", mib: 75, digest: "sha256:1", sharedWith: ["shop:v2"], cachedOn: 2 },
        { step: "COPY . /app", mib: 25, digest: "sha256:2", sharedWith: [], cachedOn: 0 },
      ],
    });
    expect(rows.map((r) => [r.step, r.share])).toEqual([["FROM debian", 0.75], ["COPY . /app", 0.25]]);
    expect([formatMiB(0.44), formatMiB(12.4), formatMiB(2048)]).toEqual(["0.4 MiB", "12 MiB", "2.0 GiB"]);
  });
});

describe("a step's trigger in words", () => {
  const tEn = translator(en);
  const tVi = translator(vi);
  const when = (condition: Condition, timeoutMs: number | null = null): Trigger => ({ kind: "when", condition, timeoutMs });

  it("says who or what ends the step, in either language", () => {
    expect(describeTrigger({ kind: "teacher" }, tEn)).toBe("when you press Next step");
    expect(describeTrigger({ kind: "teacher" }, tEn, "reveal")).toBe("when you press Reveal answer");
    expect(describeTrigger({ kind: "teacher" }, tVi, "reveal")).toBe("khi thầy cô bấm Công bố đáp án");
    expect(describeTrigger({ kind: "after", ms: 90_000 }, tEn)).toBe("after 1 min 30 s of cluster time");
    expect(describeTrigger({ kind: "after", ms: 90_000 }, tVi)).toBe("sau 1 phút 30 giây theo đồng hồ cụm");
    expect(describeTrigger("stepEnd", tEn, "reveal")).toBe("when the step ends");
    expect(describeTrigger(when({ type: "allPodsReady", arg: "shop" }, 300_000), tEn)).toBe(
      "when every pod of shop is ready and no old version is left, or after 5 min at the latest",
    );
    expect(describeTrigger(when({ type: "nodeNotReady", arg: "any" }, 180_000), tVi)).toBe("khi một node bị đánh dấu NotReady, hoặc chậm nhất sau 3 phút");
    expect(describeTrigger(when({ type: "servingHostsAtLeast", arg: 0.8 }), tEn)).toBe("when at least 80% of the machines serve the app");
    expect(describeTrigger(when({ type: "availabilityBelow", arg: 0.995 }), tEn)).toBe("when fewer than 99.5% of requests get an answer");
    expect(describeTrigger(when({ type: "readyReplicasAtLeast", arg: { deployment: "shop", n: 6 } }), tVi)).toBe("khi có ít nhất 6 pod của shop sẵn sàng");
    expect(describeTrigger(when({ type: "event", arg: { reason: "BackOff", objectContains: "pod/shop", messageContains: "restarting" } }), tEn)).toBe(
      "when a BackOff event about pod/shop is recorded, saying \u201crestarting\u201d",
    );
  });

  // One of each condition (the Record makes the compiler insist on every type the schema knows).
  const SAMPLES: Record<ConditionType, Condition> = {
    allPodsReady: { type: "allPodsReady", arg: "shop" },
    progressDeadlineExceeded: { type: "progressDeadlineExceeded", arg: "shop" },
    nodeNotReady: { type: "nodeNotReady", arg: "node-amara" },
    nodePoweredOff: { type: "nodePoweredOff", arg: "node-amara" },
    podsEvicted: { type: "podsEvicted", arg: "shop" },
    podsRescheduled: { type: "podsRescheduled", arg: "shop" },
    replicasAtLeast: { type: "replicasAtLeast", arg: { deployment: "shop", n: 7 } },
    readyReplicasAtLeast: { type: "readyReplicasAtLeast", arg: { deployment: "shop", n: 7 } },
    hpaScaledUp: { type: "hpaScaledUp", arg: "shop" },
    hpaScaledDown: { type: "hpaScaledDown", arg: "shop" },
    availabilityBelow: { type: "availabilityBelow", arg: 0.9 },
    availabilityAtLeast: { type: "availabilityAtLeast", arg: 0.9 },
    spikeOver: { type: "spikeOver", arg: "shop" },
    servingHostsAtLeast: { type: "servingHostsAtLeast", arg: 0.9 },
    servingHostsBelow: { type: "servingHostsBelow", arg: 0.9 },
    composeAutoRestarted: { type: "composeAutoRestarted", arg: "db" },
    event: { type: "event", arg: { reason: "Killing" } },
  };
  const argText = (c: Condition): string =>
    typeof c.arg === "number" ? "90%" : typeof c.arg === "string" ? c.arg : "deployment" in c.arg ? c.arg.deployment : c.arg.reason;

  it.each(Object.values(SAMPLES))("describes $type in English and Vietnamese, naming what it watches", (c) => {
    const words = [describeTrigger(when(c), tEn), describeTrigger(when(c), tVi)];
    for (const w of words) {
      expect(w).toContain(argText(c));
      expect(w).not.toMatch(/[{}]/);
    }
    expect(words[1]).not.toBe(words[0]);
    // No two conditions read alike: a teacher must be able to tell them apart.
    const others = Object.values(SAMPLES).filter((o) => o.type !== c.type).map((o) => describeTrigger(when(o), tEn));
    expect(others).not.toContain(words[0]);
  });

  it("tells \"any node\" from a named one", () => {
    expect(describeTrigger(when({ type: "podsEvicted", arg: "any" }), tEn)).toBe("when a pod is evicted");
    expect(describeTrigger(when({ type: "podsEvicted", arg: "shop" }), tEn)).toBe("when a pod of shop is evicted");
    expect(describeTrigger(when({ type: "nodePoweredOff", arg: "any" }), tVi)).toBe("khi một máy bị tắt");
  });
});

describe("how many have answered", () => {
  it("counts the students here now, never fewer than those who answered", () => {
    const st = (connected: boolean) => ({ connected });
    expect(answeredOf(2, [st(true), st(true), st(false), st(true)])).toEqual({ n: 2, of: 3 });
    // Someone answered, then lost the Wi-Fi: "3 of 2" would read as a mistake.
    expect(answeredOf(3, [st(true), st(true), st(false)])).toEqual({ n: 3, of: 3 });
    expect(answeredOf(0, [])).toEqual({ n: 0, of: 0 });
  });

  it("reads \"n of m\" in both languages", () => {
    expect(translator(en)("lesson.answered", { n: 7, students: 24 })).toBe("7 of 24 students answered");
    expect(translator(vi)("lesson.answered", { n: 7, students: 24 })).toBe("7 / 24 học sinh đã trả lời");
  });
});
