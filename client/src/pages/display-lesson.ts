/**
 * The lesson on the projector: the step in large type, the open question and its options (never
 * its answer), and after the reveal the class's answers as labelled bars with the explanation; the
 * layers of the image a step shows; and the leaderboard (names only when the teacher allows it).
 * The projector speaks the language of its link (#lang=), so every word comes from `tr`.
 */
import "../ui/display-lesson.css";
import type { LiveClassState } from "../state.ts";
import { h, replace } from "../ui/dom.ts";
import { setText } from "./display-hud.ts";
import { icon } from "../ui/icons.ts";
import type { Translate } from "../ui/format.ts";
import { barsList, imageLayers } from "../ui/lesson.ts";
import { leaderboardBody } from "../ui/leaderboard.ts";
import { answerBars, answeredOf, leaderboard, textIn, viewReader, type Lang, type PublicLesson, type PublicPredictionView } from "../ui/lesson-model.ts";

export interface DisplayLessonElements {
  band: HTMLElement;
  title: HTMLElement;
  stepNo: HTMLElement;
  held: HTMLElement;
  stepTitle: HTMLElement;
  text: HTMLElement;
  panels: HTMLElement;
  board: HTMLElement;
  boardTitle: HTMLElement;
  boardBody: HTMLElement;
}

const LETTERS = "ABCDEF";

export function displayLesson(el: DisplayLessonElements, tr: Translate, lang: Lang): (s: LiveClassState) => void {
  const read = viewReader<PublicLesson>();
  el.boardTitle.textContent = tr("board.heading");

  const nodeLabel = (s: LiveClassState) => (node: string) => {
    const who = s.leaderboardNames ? s.nodes.get(node)?.student : "";
    return who ? `${node} (\u2068${who}\u2069)` : node;
  };

  const openPanel = (s: LiveClassState, p: PublicPredictionView) => {
    // A count only (the view never says who answered, or what): the room sees the class catch up.
    const a = answeredOf(p.answered, s.students.values());
    return h(
      "section",
      { class: "cc-panel cc-question is-open", "data-step": p.stepId },
      h("h3", {}, textIn(p.question, lang)),
      p.kind === "choice"
        ? h("ol", { class: "cc-options" }, (p.options ?? []).map((o, i) => h("li", { "data-option": o.id }, h("span", { class: "cc-letter" }, LETTERS[i] ?? String(i + 1)), textIn(o.text, lang))))
        : h("p", { class: "cc-which" }, icon("building"), tr("lesson.pickBuilding")),
      h("p", { class: "cc-answer-now" }, icon("user"), tr("proj.answerNow")),
      h("p", { class: "cc-answer-count", "data-testid": "answered" }, tr("lesson.answered", { n: a.n, students: a.of })),
    );
  };

  const revealedPanel = (s: LiveClassState, p: PublicPredictionView, heading: string | null) => {
    const bars = answerBars({ kind: p.kind, options: p.options, results: p.results, correct: p.correct, lang, nodeLabel: nodeLabel(s) });
    return h(
      "section",
      { class: `cc-panel cc-question is-${p.status}`, "data-step": p.stepId },
      heading ? h("p", { class: "cc-panel-kicker" }, heading) : null,
      h("h3", {}, textIn(p.question, lang)),
      p.status === "cancelled"
        ? h("p", {}, icon("info"), tr("lesson.status.cancelled"))
        : [
            bars.length ? barsList(bars, { tr }) : null,
            h("p", { class: "cc-answer-count" }, tr("proj.answers", { n: p.results?.total ?? 0 })),
            p.discussion ? h("p", {}, icon("info"), tr("lesson.discussion")) : null,
            p.explanation ? h("p", { class: "cc-explanation" }, h("strong", {}, tr("lesson.why")), " ", textIn(p.explanation, lang)) : null,
          ],
    );
  };

  // Sorting every student at the patch rate is wasted on a board people read every few seconds.
  let boardAt = 0;
  let boardTimer: ReturnType<typeof setTimeout> | undefined;
  let boardState: LiveClassState | null = null;
  function renderBoard(s: LiveClassState): void {
    boardState = s;
    const now = performance.now();
    if (now - boardAt < 1000) {
      boardTimer ??= setTimeout(() => {
        boardTimer = undefined;
        if (boardState) renderBoard(boardState);
      }, 1000 - (now - boardAt));
      return;
    }
    boardAt = now;
    const board = leaderboard(s.leaderboard);
    el.board.hidden = board.total === 0;
    replace(el.boardBody, JSON.stringify([s.leaderboardNames, board]), () => leaderboardBody(board, { names: s.leaderboardNames, rowsWithoutNames: true, tr }));
  }

  return (s) => {
    const v = read(s.lesson);
    el.band.hidden = !v;
    renderBoard(s);
    if (!v) return;
    const step = v.step;
    setText(el.title, textIn(v.title, lang));
    setText(el.stepNo, v.status === "running" ? tr("proj.step", { i: v.stepIndex + 1, n: v.stepCount }) : v.status === "done" ? tr("proj.lessonOver") : "");
    el.stepNo.hidden = v.status === "setup";
    el.held.hidden = !v.clockHeld;
    replace(el.held, `${v.clockHeld}`, () => [icon("pause"), tr("proj.clockHeld")]);
    setText(el.stepTitle, step ? textIn(step.title, lang) : v.status === "done" ? tr("lesson.over") : "");
    setText(el.text, step ? textIn(step.studentText, lang) : v.status === "done" && v.debrief ? textIn(v.debrief.summary, lang) : tr("lesson.listen"));

    const p = v.prediction;
    const last = v.lastReveal && v.lastReveal.stepId !== p?.stepId ? v.lastReveal : null;
    const image = step?.showImage && v.image ? v.image : null;
    const here = p?.status === "open" ? answeredOf(p.answered, s.students.values()).of : 0;
    const key = JSON.stringify([p, last, image, v.debrief, s.students.size, here, s.leaderboardNames, p?.kind === "whichNode" || last?.kind === "whichNode" ? [...s.nodes.values()].map((n) => [n.name, n.student]) : 0]);
    replace(el.panels, key, () => [
      p ? (p.status === "open" ? openPanel(s, p) : revealedPanel(s, p, null)) : null,
      last ? revealedPanel(s, last, tr("lesson.lastReveal")) : null,
      image ? h("section", { class: "cc-panel cc-image" }, imageLayers(image, { tr })) : null,
      v.debrief
        ? h("section", { class: "cc-panel cc-debrief" }, h("h3", {}, tr("lesson.debrief")), h("ol", {}, v.debrief.points.map((pt) => h("li", {}, textIn(pt, lang)))))
        : null,
    ]);
    el.band.dataset.panels = String(el.panels.children.length);
  };
}

