/**
 * The leaderboard: the top five by points. With names when the teacher allows it; otherwise a
 * student sees only their own place ("you are #3 of 28"), and the projector shows ranks and points
 * without anyone's name.
 */
import { t as pageT } from "../i18n/index.ts";
import { bdi, h } from "./dom.ts";
import { icon } from "./icons.ts";
import type { Translate } from "./format.ts";
import type { Board } from "./lesson-model.ts";

const pageTranslate: Translate = (key, vars) => pageT(key, vars);

/** The rows (names or not) and, for a student, their own place. `names` false on a phone shows only the place. */
export function leaderboardBody(board: Board, opts: { names: boolean; tr?: Translate; rowsWithoutNames?: boolean }): (HTMLElement | null)[] {
  const tr = opts.tr ?? pageTranslate;
  if (board.total === 0) return [h("p", { class: "empty" }, tr("board.empty"))];
  const showRows = opts.names || opts.rowsWithoutNames;
  const list = showRows
    ? h(
        "ol",
        { class: "board" },
        board.top.map((r) =>
          h(
            "li",
            { class: `board-row${r.me ? " is-me" : ""}`, "data-rank": r.rank },
            h("span", { class: "board-rank" }, `#${r.rank}`),
            h(
              "span",
              { class: "board-name" },
              r.name !== null ? bdi(r.name) : h("span", { class: "board-anon" }, tr("board.student")),
              r.me ? h("span", { class: "board-you" }, " (", tr("board.you"), ")") : null,
            ),
            h("span", { class: "board-points" }, icon("star"), tr("board.points", { n: r.points })),
          ),
        ),
      )
    : null;
  const me = board.me && (!opts.names || !board.top.some((r) => r.me))
    ? h("p", { class: "board-me" }, icon("user"), tr("board.youAre", { rank: board.me.rank, n: board.me.of }))
    : null;
  const hidden = !opts.names && opts.rowsWithoutNames ? h("p", { class: "hint board-hidden" }, tr("board.hidden")) : null;
  return [list, me, hidden];
}
