/**
 * The lesson on a student's phone: the step's title and text, the open question as big buttons
 * (one per option, or one per building), what they chose (a check mark and words, changeable until
 * the reveal), then right or wrong with the explanation and the class's answers. Also the
 * leaderboard, and the read-only kubectl console when the teacher opens it.
 */
import type { Connection } from "../net/connection.ts";
import type { LiveClassState } from "../state.ts";
import { language, t, type MessageKey } from "../i18n/index.ts";
import { h, ht, newId, replace } from "../ui/dom.ts";
import { announce, toast } from "../ui/feedback.ts";
import { icon, type IconName } from "../ui/icons.ts";
import { barsList } from "../ui/lesson.ts";
import { kubectlConsole, type KubectlConsole } from "../ui/kubectl-console.ts";
import { leaderboardBody } from "../ui/leaderboard.ts";
import {
  AnswerMemory, answerBars, answeredOf, leaderboard, outcomeOf, textIn, viewReader, type Lang, type Outcome, type PublicLesson, type PublicPredictionView,
} from "../ui/lesson-model.ts";

export interface StudentLesson {
  lessonCard: HTMLElement;
  boardCard: HTMLElement;
  consoleCard: HTMLElement;
  render(s: LiveClassState): void;
}

const OUTCOME_ICON: Record<Outcome, IconName> = { pending: "info", right: "ok", wrong: "bad", participated: "star", noAnswer: "info", cancelled: "info" };

/** Above this many buildings, the building list gets a search box. */
const FILTER_AT = 12;

export function mountStudentLesson(conn: Connection, me: { id: string; node: string }): StudentLesson {
  const read = viewReader<PublicLesson>();
  const memory = new AnswerMemory(safeSession(), `${conn.room.roomId}:${me.id}`);
  // The server's record wins: after a reload, a reconnection or on another device, the answers
  // given so far come back with the first `you` message.
  const adoptServerAnswers = () => {
    for (const [stepId, answer] of Object.entries(conn.mine.you?.answers ?? {})) if (memory.get(stepId) !== answer) memory.set(stepId, answer);
  };
  adoptServerAnswers();
  conn.mine.onChange(adoptServerAnswers);
  let last: LiveClassState | null = null;
  /** The answer being sent (shown at once), by step id. */
  const sending = new Map<string, string>();
  let status: { key: MessageKey; tone: "info" | "ok" } | null = null;
  let filter = "";
  const announced = new Set<string>();

  const kicker = h("p", { class: "lesson-kicker" });
  const title = h("h2", { class: "lesson-title", id: newId("lesson-title") });
  const text = h("p", { class: "lesson-text", "data-testid": "lesson-text" });
  const held = h("p", { class: "lesson-held", hidden: true });
  const questionBox = h("div", { class: "question-box", "data-testid": "question" });
  const statusLine = h("p", { class: "answer-status", role: "status", "aria-live": "polite" });
  /** How many in the class have answered so far: a count, never who or what. */
  const answeredLine = h("p", { class: "hint answered-count", "data-testid": "answered", hidden: true });
  const lastBox = h("div", { class: "question-box last-box", "data-testid": "last-reveal" });
  const lessonCard = h(
    "section",
    { class: "card lesson-card", "aria-labelledby": title.id, "data-testid": "student-lesson", hidden: true },
    kicker,
    title,
    text,
    held,
    questionBox,
    answeredLine,
    statusLine,
    lastBox,
  );

  const boardBody = h("div", { class: "board-body", "data-testid": "leaderboard" });
  const boardCard = h("section", { class: "card leaderboard-card", "aria-labelledby": "board-h" }, ht("h2", "board.heading", { id: "board-h" }), boardBody);

  let terminal: KubectlConsole | null = null;
  const consoleCard = h("div", { class: "console-holder", hidden: true });

  const answer = async (stepId: string, value: string) => {
    if (sending.has(stepId)) return;
    const before = memory.get(stepId);
    if (before === value) return;
    sending.set(stepId, value);
    status = { key: "lesson.sending", tone: "info" };
    render();
    try {
      const r = await conn.request("answer", { stepId, answer: value });
      if (r.ok) {
        memory.set(stepId, value);
        status = { key: "lesson.saved", tone: "ok" };
      } else {
        status = null;
        toast(`${t("ui.refused")} ${r.error ?? ""}`, "bad");
      }
    } catch (err) {
      status = null;
      toast(`${t("ui.refused")} ${(err as Error).message}`, "bad");
    } finally {
      sending.delete(stepId);
      render();
    }
  };

  /** Keyboard focus stays on the chosen button when the list is rebuilt around it. */
  const keepFocus = (box: HTMLElement, build: () => void) => {
    const focused = box.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.option : undefined;
    build();
    if (focused) box.querySelector<HTMLElement>(`[data-option="${CSS.escape(focused)}"]`)?.focus();
  };

  const choiceButton = (stepId: string, id: string, selected: boolean, pending: boolean, content: (Node | string)[]) =>
    h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: `answer-option${selected ? " is-selected" : ""}${pending ? " is-pending" : ""}`,
          "aria-pressed": String(selected),
          "data-option": id,
          onClick: () => void answer(stepId, id),
        },
        h("span", { class: "answer-mark", "aria-hidden": "true" }, selected ? icon("ok") : h("span", { class: "answer-ring" })),
        h("span", { class: "answer-text" }, ...content),
        h("span", { class: `answer-state${selected ? "" : " sr-only"}` }, t(selected ? "lesson.yourChoice" : "lesson.notChosen")),
      ),
    );

  function openQuestion(s: LiveClassState, p: PublicPredictionView, lang: Lang): (Node | null)[] {
    const mine = sending.get(p.stepId) ?? memory.get(p.stepId);
    const pending = sending.has(p.stepId);
    if (p.kind === "choice") {
      return [
        h("h3", { class: "question-text" }, textIn(p.question, lang)),
        ht("p", "lesson.pick", { class: "hint" }),
        h("ul", { class: "answer-options" }, (p.options ?? []).map((o) => choiceButton(p.stepId, o.id, mine === o.id, pending && mine === o.id, [textIn(o.text, lang)]))),
      ];
    }
    const nodes = [...s.nodes.values()].sort((a, b) => a.slot - b.slot);
    const f = filter.trim().toLowerCase();
    const shown = f ? nodes.filter((n) => n.name.includes(f) || n.student.toLowerCase().includes(f) || n.name === mine) : nodes;
    const search = nodes.length > FILTER_AT ? filterField() : null;
    return [
      h("h3", { class: "question-text" }, textIn(p.question, lang)),
      ht("p", "lesson.pickBuilding", { class: "hint" }),
      search,
      shown.length === 0
        ? ht("p", "lesson.noBuildings", { class: "empty" })
        : h(
            "ul",
            { class: "answer-options buildings" },
            shown.map((n) =>
              choiceButton(p.stepId, n.name, mine === n.name, pending && mine === n.name, [
                icon("building"),
                " ",
                h("code", {}, n.name),
                n.student ? h("span", { class: "answer-sub" }, " · ", h("bdi", {}, n.student)) : "",
                n.name === me.node ? h("span", { class: "answer-sub" }, ` (${t("lesson.yourBuilding")})`) : "",
              ]),
            ),
          ),
    ];
  }

  let filterInput: HTMLInputElement | null = null;
  function filterField(): HTMLElement {
    if (!filterInput) {
      filterInput = h("input", { type: "search", id: newId("building-filter"), autocomplete: "off", spellcheck: "false" });
      filterInput.addEventListener("input", () => {
        filter = filterInput!.value;
        render();
      });
    }
    return h("div", { class: "field" }, ht("label", "lesson.filterBuildings", { for: filterInput.id }), filterInput);
  }

  function outcomeBlock(s: LiveClassState, p: PublicPredictionView, lang: Lang): HTMLElement {
    const mine = memory.get(p.stepId);
    const outcome = outcomeOf(p, mine);
    const label = (id: string | null) => {
      if (!id) return "";
      if (p.kind === "choice") return textIn(p.options?.find((o) => o.id === id)?.text, lang) || id;
      const who = s.nodes.get(id)?.student;
      return who ? `${id} (\u2068${who}\u2069)` : id;
    };
    // The server's award (the `you` message), never a rule applied here.
    const points = conn.mine.you?.awards?.[p.stepId] ?? 0;
    const correct = p.correct ?? [];
    const bars = p.results
      ? answerBars({ kind: p.kind, options: p.options, results: p.results, correct: p.correct, lang, mine, nodeLabel: (n) => label(n) })
      : [];
    return h(
      "div",
      { class: `outcome outcome-${outcome}`, "data-outcome": outcome, "data-step": p.stepId },
      h(
        "p",
        { class: "outcome-head" },
        icon(OUTCOME_ICON[outcome]),
        h("span", {}, t(`outcome.${outcome}` as MessageKey)),
        points > 0 ? h("span", { class: "outcome-points" }, icon("star"), t("outcome.points", { n: points })) : null,
      ),
      h("p", { class: "outcome-question" }, textIn(p.question, lang)),
      mine ? h("p", {}, t("outcome.youSaid", { answer: label(mine) })) : null,
      correct.length && outcome !== "right" ? h("p", {}, t("outcome.correctWas", { answer: correct.map(label).join(" · ") })) : null,
      p.explanation ? h("p", { class: "lesson-explanation" }, h("strong", {}, t("lesson.why")), " ", textIn(p.explanation, lang)) : null,
      bars.length ? barsList(bars) : null,
    );
  }

  function render(): void {
    const s = last;
    if (!s) return;
    const v = read(s.lesson);
    memory.observe(v);
    lessonCard.hidden = !v;
    renderBoard(s);
    renderConsole(s);
    if (!v) return;
    const lang = language();
    const step = v.step;
    replace(kicker, `${lang}|${textIn(v.title, lang)}|${v.status}|${v.stepIndex}|${v.stepCount}`, () => [
      h("span", {}, t("lesson.heading", { title: textIn(v.title, lang) })),
      v.status === "running" ? h("span", { class: "chip-mini" }, t("lesson.step", { i: v.stepIndex + 1, n: v.stepCount })) : null,
    ]);
    replace(title, `${lang}|${v.status}|${step?.id ?? ""}`, () => [step ? textIn(step.title, lang) : v.status === "done" ? t("lesson.over") : textIn(v.title, lang)]);
    replace(text, `${lang}|${step?.id ?? ""}|${v.status}`, () => [step ? textIn(step.studentText, lang) : v.status === "done" && v.debrief ? textIn(v.debrief.summary, lang) : t("lesson.listen")]);
    held.hidden = !v.clockHeld;
    replace(held, `${lang}|${v.clockHeld}`, () => [icon("pause"), t("lesson.clockHeldStudent")]);

    const p = v.prediction;
    const mine = p ? (sending.get(p.stepId) ?? memory.get(p.stepId)) : null;
    // The count of answers has a line of its own: each answer in the class must not rebuild the buttons.
    const award = (stepId: string | undefined) => (stepId ? (conn.mine.you?.awards?.[stepId] ?? null) : null);
    const qKey = JSON.stringify([lang, p && { ...p, answered: 0 }, mine, [...sending], filter, award(p?.stepId), p?.kind === "whichNode" ? [...s.nodes.values()].map((n) => [n.name, n.student]) : 0]);
    // Typing in the building search must not lose the caret when the list is rebuilt around it.
    const typing = filterInput !== null && document.activeElement === filterInput;
    keepFocus(questionBox, () =>
      replace(questionBox, qKey, () => (p ? (p.status === "open" ? openQuestion(s, p, lang) : [outcomeBlock(s, p, lang)]) : [])),
    );
    if (typing && filterInput && questionBox.contains(filterInput) && document.activeElement !== filterInput) filterInput.focus();
    const answered = p?.status === "open" ? answeredOf(p.answered, s.students.values()) : null;
    answeredLine.hidden = !answered;
    replace(answeredLine, `${lang}|${answered?.n}|${answered?.of}`, () => (answered ? [t("lesson.answered", { n: answered.n, students: answered.of })] : []));
    statusLine.hidden = !(p && p.status === "open" && status);
    replace(statusLine, `${lang}|${status?.key ?? ""}|${p?.stepId ?? ""}`, () => (status && p?.status === "open" ? [icon(status.tone), t(status.key)] : []));

    const lr = v.lastReveal && v.lastReveal.stepId !== p?.stepId ? v.lastReveal : null;
    replace(lastBox, JSON.stringify([lang, lr, lr ? memory.get(lr.stepId) : null, award(lr?.stepId)]), () => (lr ? [h("h3", { class: "last-heading" }, t("lesson.lastReveal")), outcomeBlock(s, lr, lang)] : []));
    lastBox.hidden = !lr;

    // Say the outcome once, when it appears.
    for (const q of [p, lr]) {
      if (!q || q.status === "open") continue;
      const key = `${q.stepId}|${q.status}|${q.correct?.join(",")}`;
      if (announced.has(key)) continue;
      announced.add(key);
      announce(`${textIn(q.question, lang)} ${t(`outcome.${outcomeOf(q, memory.get(q.stepId))}` as MessageKey)}`);
    }
  }

  function renderBoard(s: LiveClassState): void {
    const you = conn.mine.you;
    const board = leaderboard(s.leaderboard, { myId: me.id, me: you && you.of > 0 ? { rank: you.rank, of: you.of, points: you.points } : null });
    const key = JSON.stringify([language(), s.leaderboardNames, board]);
    replace(boardBody, key, () => leaderboardBody(board, { names: s.leaderboardNames }));
  }

  function renderConsole(s: LiveClassState): void {
    consoleCard.hidden = !s.advanced;
    if (s.advanced && !terminal) {
      terminal = kubectlConsole({ readOnly: true, run: (line) => conn.kubectl(line), quick: ["get pods", "get nodes", "get deployments", "top nodes"] });
      consoleCard.append(terminal.el);
    }
  }

  return {
    lessonCard,
    boardCard,
    consoleCard,
    render(s) {
      last = s;
      render();
    },
  };
}

function safeSession(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}
