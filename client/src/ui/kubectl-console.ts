/**
 * A kubectl terminal on the class's cluster: one input line with a shell's history (↑/↓), the
 * output of each command under it in monospace, a few one-tap commands for phones, and for the
 * teacher a YAML box that `apply -f -` reads as its stdin. The room answers each line with
 * `kubectlResult`; a student's console is read-only (the room refuses changes with kubectl's
 * Forbidden, and the page says so up front).
 */
import { MAX_FILE_MESSAGE_BYTES as MAX_MESSAGE_BYTES, type KubectlReply } from "../../../shared/protocol/messages.ts";
import { t } from "../i18n/index.ts";
import { h, ht, newId, tx, txAttr } from "./dom.ts";
import { icon } from "./icons.ts";
import { CommandHistory, bareCommand, messageSize, readsStdin } from "./console-history.ts";

export interface ConsoleOptions {
  run(line: string, stdin?: string): Promise<KubectlReply>;
  readOnly: boolean;
  /** One-tap commands under the input. */
  quick?: readonly string[];
  /** Most entries kept on screen. */
  keep?: number;
}

export interface KubectlConsole {
  el: HTMLElement;
  focus(): void;
  /** Run a line as if typed (used by the one-tap commands, and by tests). */
  submit(line: string): Promise<void>;
}

const DEFAULT_QUICK = ["get pods -o wide", "get nodes", "get deployments", "top nodes", "events"];

export function kubectlConsole(opts: ConsoleOptions): KubectlConsole {
  const id = newId("kubectl");
  const history = new CommandHistory();
  const keep = opts.keep ?? 30;

  const out = h("div", { class: "console-out", role: "log", "aria-live": "polite", tabindex: 0, id: `${id}-out`, "data-testid": "console-output" });
  txAttr(out, "aria-label", "console.output");
  const empty = ht("p", "console.empty", { class: "console-empty" });
  out.append(empty);

  const input = h("input", {
    id: `${id}-in`, class: "console-input", type: "text", autocomplete: "off", autocapitalize: "none", autocorrect: "off",
    spellcheck: "false", enterkeyhint: "send", maxlength: 2048, "aria-describedby": `${id}-hint`, "data-testid": "console-input",
  });
  const runButton = ht("button", "console.run", { type: "submit", class: "console-run", "data-testid": "console-run" });
  const form = h(
    "form",
    { class: "console-form", novalidate: true },
    h("label", { for: input.id, class: "console-prompt" }, h("span", { "aria-hidden": "true" }, "$ kubectl"), ht("span", "console.input", { class: "sr-only" })),
    input,
    runButton,
  );

  const stdin = opts.readOnly
    ? null
    : h("textarea", { id: `${id}-stdin`, class: "console-stdin-text", rows: 8, spellcheck: "false", autocapitalize: "none", "aria-describedby": `${id}-stdin-hint`, "data-testid": "console-stdin" });
  const stdinBox = stdin
    ? h(
        "details",
        { class: "console-stdin" },
        ht("summary", "console.stdin"),
        h("label", { for: stdin.id, class: "sr-only" }, tx(h("span"), "console.stdin")),
        stdin,
        ht("small", "console.stdinHint", { class: "hint", id: `${id}-stdin-hint` }),
      )
    : null;

  const clearButton = ht("button", "console.clear", { type: "button", class: "small console-clear" });
  const quick = h(
    "div",
    { class: "console-quick" },
    ht("span", "console.quick", { class: "console-quick-label" }),
    (opts.quick ?? DEFAULT_QUICK).map((q) => h("button", { type: "button", class: "small console-chip", "data-line": q }, h("code", {}, q))),
    clearButton,
  );

  const heading = ht("h2", opts.readOnly ? "console.headingReadOnly" : "console.heading", { id: `${id}-h` });
  const hint = ht("p", opts.readOnly ? "console.readOnlyHint" : "console.teacherHint", { class: "hint console-hint", id: `${id}-hint` });
  const el = h(
    "section",
    { class: `card console-card${opts.readOnly ? " read-only" : ""}`, "aria-labelledby": heading.id, "data-testid": "kubectl-console" },
    heading,
    hint,
    h("div", { class: "console-screen" }, out, form),
    quick,
    stdinBox,
  );

  const addEntry = (line: string): { done(ok: boolean, text: string): void } => {
    empty.remove();
    const result = h("pre", { class: "console-result" }, "…");
    const entry = h("div", { class: "console-entry pending" }, h("div", { class: "console-cmd" }, h("span", { "aria-hidden": "true" }, "$ "), `kubectl ${line}`), result);
    out.append(entry);
    while (out.querySelectorAll(".console-entry").length > keep) out.querySelector(".console-entry")?.remove();
    out.scrollTop = out.scrollHeight;
    return {
      done(ok, text) {
        entry.classList.remove("pending");
        entry.classList.toggle("is-error", !ok);
        entry.dataset.ok = String(ok);
        result.replaceChildren(
          ...(ok ? [] : [h("span", { class: "console-error-tag" }, icon("bad"), t("console.error"), ": ")]),
          text || (ok ? "" : "—"),
        );
        out.scrollTop = out.scrollHeight;
      },
    };
  };

  let busy = false;
  const submit = async (raw: string): Promise<void> => {
    const line = bareCommand(raw);
    if (!line || busy) return;
    history.push(line);
    input.value = "";
    const entry = addEntry(line);
    let text: string | undefined;
    if (readsStdin(line)) {
      if (!stdin) text = undefined; // a student's console: the room answers with Forbidden
      else if (!stdin.value.trim()) {
        entry.done(false, t("console.needStdin"));
        if (stdinBox) stdinBox.open = true;
        stdin.focus();
        return;
      } else text = stdin.value;
    }
    const size = messageSize({ id: "k0000", line, ...(text !== undefined ? { stdin: text } : {}) });
    if (size > MAX_MESSAGE_BYTES) {
      entry.done(false, t("console.tooBig", { size, max: MAX_MESSAGE_BYTES }));
      return;
    }
    busy = true;
    runButton.disabled = true;
    try {
      const r = await opts.run(line, text);
      entry.done(r.ok, r.output);
    } catch (err) {
      entry.done(false, t("console.failed", { reason: (err as Error).message }));
    } finally {
      busy = false;
      runButton.disabled = false;
    }
  };

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void submit(input.value);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowUp") {
      const prev = history.up(input.value);
      if (prev !== null) {
        ev.preventDefault();
        input.value = prev;
        input.setSelectionRange(prev.length, prev.length);
      }
    } else if (ev.key === "ArrowDown") {
      const next = history.down();
      if (next !== null) {
        ev.preventDefault();
        input.value = next;
        input.setSelectionRange(next.length, next.length);
      }
    }
  });
  quick.addEventListener("click", (ev) => {
    const chip = (ev.target as Element).closest<HTMLButtonElement>("button.console-chip");
    if (chip?.dataset.line) void submit(chip.dataset.line);
  });
  clearButton.addEventListener("click", () => {
    out.replaceChildren(empty);
    input.focus();
  });

  return { el, focus: () => input.focus(), submit };
}
