/**
 * How a page tells people things: toasts for the outcome of an action, one banner for the state of
 * the connection, and a polite live region for screen readers. All are created on first use.
 */
import { t, type MessageKey } from "../i18n/index.ts";
import { h, ht, txAttr } from "./dom.ts";
import { icon } from "./icons.ts";

let toastBox: HTMLElement | null = null;

export type ToastKind = "ok" | "bad" | "info";

/** A short message that goes away by itself; errors stay longer and are announced assertively. */
export function toast(text: string, kind: ToastKind = "info"): HTMLElement {
  if (!toastBox) {
    toastBox = txAttr(h("section", { class: "toasts" }), "aria-label", "ui.notifications");
    document.body.append(toastBox);
  }
  const close = txAttr(h("button", { type: "button", class: "toast-close" }, "×"), "aria-label", "ui.dismiss");
  const el = h(
    "div",
    { class: `toast toast-${kind}`, role: kind === "bad" ? "alert" : "status" },
    icon(kind === "bad" ? "bad" : kind === "ok" ? "ok" : "info"),
    h("p", {}, text),
    close,
  );
  const remove = () => el.remove();
  close.addEventListener("click", remove);
  toastBox.prepend(el);
  while (toastBox.children.length > 5) toastBox.lastElementChild?.remove();
  setTimeout(remove, kind === "bad" ? 10_000 : 6000);
  return el;
}

let banner: HTMLElement | null = null;

/** The connection banner: one at a time, at the top, read out when it appears. */
export function showBanner(key: MessageKey, kind: "warn" | "bad" | "info" = "warn", action?: { key: MessageKey; run: () => void }): void {
  hideBanner();
  const button = action ? ht("button", action.key, { type: "button", class: "banner-action", onClick: action.run }) : null;
  banner = h("div", { class: `banner banner-${kind}`, role: "alert" }, icon(kind === "info" ? "info" : kind), ht("p", key), button);
  document.body.prepend(banner);
}

export function hideBanner(): void {
  banner?.remove();
  banner = null;
}

let live: HTMLElement | null = null;
let queue: string[] = [];
let flushing = false;

/** Say something to screen-reader users without moving their focus. */
export function announce(text: string): void {
  if (!live) {
    live = h("div", { class: "sr-only", "aria-live": "polite", "aria-atomic": "false", id: "live-region" });
    document.body.append(live);
  }
  queue.push(text);
  if (flushing) return;
  flushing = true;
  // Batched: several events in one patch become one update, which screen readers read in order.
  setTimeout(() => {
    const lines = queue.splice(0, 4);
    queue = [];
    for (const line of lines) live!.append(h("p", {}, line));
    while (live!.children.length > 8) live!.firstElementChild?.remove();
    flushing = false;
  }, 250);
}

/** Outcome of a request in words: the server's sentence is shown as it is, after a translated lead. */
export function resultToast(ok: boolean, detail: string | undefined): void {
  const lead = t(ok ? "ui.done" : "ui.refused");
  toast(detail ? `${lead} ${detail}` : lead, ok ? "ok" : "bad");
}
