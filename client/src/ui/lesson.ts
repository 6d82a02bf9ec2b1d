/**
 * Lesson pieces every screen shares: the spread of answers as labelled bars, and an image's layers.
 * The words come from a translator so the projector can speak its own language (its #lang=) while
 * the host and the phones follow the page's. A right answer is marked by an icon and words, never
 * only by its colour.
 */
import { t as pageT } from "../i18n/index.ts";
import { h } from "./dom.ts";
import { icon } from "./icons.ts";
import type { Translate } from "./format.ts";
import { formatMiB, layerRows, type AnswerBar, type ImageLayersView } from "./lesson-model.ts";

const pageTranslate: Translate = (key, vars) => pageT(key, vars);

/** One row per answer: its words, how many chose it (number and percent), a bar, and tags. */
export function barsList(bars: readonly AnswerBar[], opts: { tr?: Translate; label?: string } = {}): HTMLElement {
  const tr = opts.tr ?? pageTranslate;
  return h(
    "ul",
    { class: "answer-bars", "aria-label": opts.label ?? null },
    bars.map((b) => {
      const pct = Math.max(0, Math.min(100, b.share * 100));
      const tags: (string | Node)[] = [];
      if (b.correct === true) tags.push(h("span", { class: "bar-tag tag-right" }, icon("ok"), tr("lesson.rightAnswer")));
      if (b.mine) tags.push(h("span", { class: "bar-tag tag-mine" }, icon("user"), tr("lesson.yourAnswer")));
      return h(
        "li",
        {
          class: `answer-bar${b.correct === true ? " is-right" : b.correct === false ? " is-wrong" : ""}${b.mine ? " is-mine" : ""}`,
          "data-option": b.id,
          "data-count": b.count,
        },
        h("div", { class: "bar-head" }, h("span", { class: "bar-label" }, b.label), h("span", { class: "bar-count" }, tr("lesson.barCount", { count: b.count, pct: b.percent }))),
        h("div", { class: "bar-track", "aria-hidden": "true" }, h("div", { class: "bar-fill", style: `width: ${pct.toFixed(1)}%` })),
        tags.length ? h("div", { class: "bar-tags" }, tags) : null,
      );
    }),
  );
}

/** An image's layers in Dockerfile order: the step that made each, its size, who shares or holds it. */
export function imageLayers(image: ImageLayersView, opts: { tr?: Translate } = {}): HTMLElement {
  const tr = opts.tr ?? pageTranslate;
  const rows = layerRows(image);
  return h(
    "section",
    { class: "image-layers", "data-image": image.ref },
    h("h3", {}, tr("proj.image", { ref: image.ref, size: formatMiB(image.totalMiB), n: rows.length })),
    h(
      "ol",
      { class: "layer-list" },
      rows.map((l) =>
        h(
          "li",
          { class: "layer" },
          h("div", { class: "layer-head" }, h("code", { class: "layer-step" }, l.step), h("span", { class: "layer-size" }, formatMiB(l.mib))),
          h("div", { class: "bar-track", "aria-hidden": "true" }, h("div", { class: "bar-fill", style: `width: ${Math.max(1, l.share * 100).toFixed(1)}%` })),
          h(
            "div",
            { class: "layer-notes" },
            l.cachedOn > 0 ? h("span", {}, icon("ok"), tr("proj.layerCached", { n: l.cachedOn })) : null,
            l.sharedWith.length ? h("span", {}, icon("info"), tr("proj.layerShared", { images: l.sharedWith.join(", ") })) : null,
          ),
        ),
      ),
    ),
  );
}
