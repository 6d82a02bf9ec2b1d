/**
 * A few DOM helpers instead of a framework: build elements, bind their text to the catalog so a
 * language switch re-labels the page in place, and replace children only when content changed
 * (re-rendering a panel ten times a second must not steal focus or restart screen readers).
 */
import { onLanguageChange, t, type MessageKey } from "../i18n/index.ts";

type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((ev: never) => void);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el: Element, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Replace an element's children, skipping the work (and the screen reader's re-read) when nothing changed. */
export function replace(el: Element, key: string, build: () => (Child | Child[])[]): void {
  const holder = el as Element & { __key?: string };
  if (holder.__key === key) return;
  holder.__key = key;
  el.replaceChildren();
  append(el, build());
}

/** Text that follows the language: the key is kept on the element and re-read on every switch. */
export function tx<E extends HTMLElement>(el: E, key: MessageKey, vars?: Record<string, string | number>): E {
  el.dataset.i18n = key;
  if (vars) el.dataset.i18nVars = JSON.stringify(vars);
  else delete el.dataset.i18nVars;
  el.textContent = t(key, vars);
  return el;
}

/** An attribute that follows the language (placeholder, aria-label, title). */
export function txAttr<E extends HTMLElement>(el: E, attr: string, key: MessageKey): E {
  const prev = el.dataset.i18nAttr ? el.dataset.i18nAttr.split(";").filter((p) => !p.startsWith(`${attr}=`)) : [];
  el.dataset.i18nAttr = [...prev, `${attr}=${key}`].join(";");
  el.setAttribute(attr, t(key));
  return el;
}

/** Shorthand: an element whose only content is a translated text. */
export function ht<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  key: MessageKey,
  attrs: Record<string, AttrValue> = {},
  vars?: Record<string, string | number>,
): HTMLElementTagNameMap[K] {
  return tx(h(tag, attrs), key, vars);
}

export function retranslate(root: ParentNode = document): void {
  root.querySelectorAll<HTMLElement>("[data-i18n]").forEach((el) => {
    const vars = el.dataset.i18nVars ? (JSON.parse(el.dataset.i18nVars) as Record<string, string | number>) : undefined;
    el.textContent = t(el.dataset.i18n as MessageKey, vars);
  });
  root.querySelectorAll<HTMLElement>("[data-i18n-attr]").forEach((el) => {
    for (const pair of el.dataset.i18nAttr!.split(";")) {
      const [attr, key] = pair.split("=");
      if (attr && key) el.setAttribute(attr, t(key as MessageKey));
    }
  });
}

let wired = false;
/** Re-label the whole document whenever the language changes; `also` re-renders dynamic parts. */
export function followLanguage(also?: () => void): void {
  if (!wired) {
    wired = true;
    onLanguageChange(() => {
      document.title = t("app.title");
      retranslate();
    });
  }
  if (also) onLanguageChange(also);
}

/** A nickname as typed, isolated so a right-to-left name cannot reorder the text around it. */
export function bdi(name: string): HTMLElement {
  return h("bdi", {}, name);
}

let uid = 0;
export function newId(prefix: string): string {
  return `${prefix}-${++uid}`;
}

/** A labelled form field: label, control and an optional hint, wired together for screen readers. */
export function field(labelKey: MessageKey, control: HTMLInputElement | HTMLSelectElement, hintKey?: MessageKey): HTMLElement {
  control.id ||= newId("f");
  const label = ht("label", labelKey, { for: control.id });
  const hint = hintKey ? ht("small", hintKey, { id: `${control.id}-hint`, class: "hint" }) : null;
  if (hint) control.setAttribute("aria-describedby", hint.id);
  return h("div", { class: "field" }, label, control, hint);
}

export function option(value: string, text: string, selected = false): HTMLOptionElement {
  const o = h("option", { value }, text);
  o.selected = selected;
  return o;
}

/** Fill a select, keeping the user's choice when it is still offered. */
export function setOptions(select: HTMLSelectElement, options: { value: string; text: string }[]): void {
  const key = JSON.stringify(options);
  if (select.dataset.options === key) return;
  select.dataset.options = key;
  const keep = select.value;
  select.replaceChildren(...options.map((o) => option(o.value, o.text)));
  if (options.some((o) => o.value === keep)) select.value = keep;
}
