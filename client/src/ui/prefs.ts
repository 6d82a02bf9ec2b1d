/**
 * Per-browser preferences every page offers: language and reduced motion. Reduced motion starts
 * from the system setting and can be overridden here (a shared classroom laptop often has no
 * system setting the student can reach).
 */
import { LANGUAGES, language, setLanguage, type Language } from "../i18n/index.ts";
import { h, ht, newId, option, tx } from "./dom.ts";
import { icon } from "./icons.ts";

const MOTION_KEY = "container-city:reduced-motion";
const listeners = new Set<(reduced: boolean) => void>();

function systemPrefersReduced(): boolean {
  return globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
}

export function reducedMotion(): boolean {
  const saved = localStorage.getItem(MOTION_KEY);
  if (saved === "on") return true;
  if (saved === "off") return false;
  return systemPrefersReduced();
}

export function setReducedMotion(on: boolean): void {
  localStorage.setItem(MOTION_KEY, on ? "on" : "off");
  apply();
}

export function onReducedMotionChange(fn: (reduced: boolean) => void): void {
  listeners.add(fn);
}

function apply(): void {
  const on = reducedMotion();
  document.documentElement.dataset.motion = on ? "reduce" : "full";
  for (const fn of listeners) fn(on);
}

let started = false;
/** Set the document's language and motion attributes once, and follow the system setting. */
export function initPrefs(): void {
  if (started) return;
  started = true;
  document.documentElement.lang = language();
  const skip = document.querySelector<HTMLElement>(".skip-link");
  if (skip) tx(skip, "ui.skip");
  apply();
  globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").addEventListener("change", () => {
    if (localStorage.getItem(MOTION_KEY) === null) apply();
  });
}

/** The language picker and the motion switch, for a page header. */
export function prefsControls(): HTMLElement {
  const select = h("select", { id: newId("lang"), class: "lang-select" });
  for (const [code, label] of Object.entries(LANGUAGES)) select.append(option(code, label, code === language()));
  select.addEventListener("change", () => setLanguage(select.value as Language));
  const langLabel = h("label", { for: select.id, class: "pref" }, icon("globe"), ht("span", "lang.label", { class: "pref-text" }));

  const motion = h("input", { type: "checkbox", id: newId("motion"), role: "switch" });
  motion.checked = reducedMotion();
  motion.addEventListener("change", () => setReducedMotion(motion.checked));
  onReducedMotionChange((on) => (motion.checked = on));
  const motionLabel = h("label", { for: motion.id, class: "pref pref-motion" }, motion, icon("motion"), ht("span", "ui.reducedMotion", { class: "pref-text" }));
  return h("div", { class: "prefs" }, langLabel, select, motionLabel);
}
