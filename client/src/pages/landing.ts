/**
 * index.html: join a class with its code and a nickname (the code comes prefilled from the QR's
 * ?code=), or host one. Once joined, the same page becomes the student's screen; a reload with a
 * saved rejoin token goes straight back in as the same student.
 */
import "../csp.ts";
import "../ui/styles.css";
import { forgetRejoinToken, joinAsStudent, savedRejoinToken, type Connection } from "../net/connection.ts";
import { language, onLanguageChange, t, type MessageKey } from "../i18n/index.ts";
import { field, followLanguage, h, ht, option, tx, txAttr } from "../ui/dom.ts";
import { hideBanner, showBanner, toast } from "../ui/feedback.ts";
import { forgetHosted, hostedClasses, hostedLinks, rememberHosted, type HostedClass } from "../ui/my-classes.ts";
import { joinErrorKey } from "../ui/format.ts";
import { normalizeClassCode } from "../../../shared/protocol/class-code.ts";
import { initPrefs, prefsControls } from "../ui/prefs.ts";
import { mountStudent, type StudentPage } from "./student.ts";
import type { GoneReason } from "../ui/session.ts";
import type { CreateClassResponse } from "../../../shared/protocol/messages.ts";
import { textIn, type LessonSummary } from "../ui/lesson-model.ts";

const LAST_CODE = "container-city:last-code";
const app = document.getElementById("app")!;

initPrefs();
followLanguage();
document.title = t("app.title");

function brandHeader(): HTMLElement {
  return h(
    "header",
    { class: "topbar" },
    h("div", { class: "brand" }, h("img", { src: "/favicon.svg", alt: "", width: 32, height: 32 }), ht("span", "app.title")),
    prefsControls(),
  );
}

/** Errors that mean "do not try this code again with this token". */
const FINAL: ReadonlySet<MessageKey> = new Set(["join.error.kicked", "join.error.ended", "join.error.notFound"]);

function showForm(prefill: { code: string; error?: { key: MessageKey; detail?: string | undefined } }): void {
  const codeInput = h("input", {
    name: "code", required: true, autocomplete: "off", autocapitalize: "characters", spellcheck: "false",
    maxlength: 16, class: "code-input", "data-testid": "code",
  });
  codeInput.value = prefill.code;
  const nameInput = h("input", { name: "nickname", maxlength: 24, autocomplete: "off", spellcheck: "false", "data-testid": "nickname" });
  txAttr(nameInput, "placeholder", "landing.namePlaceholder");
  const error = h("p", { class: "form-error", role: "alert", id: "join-error" });
  const joinButton = ht("button", "landing.join", { type: "submit", class: "big-button primary", "data-testid": "join" });
  const generateButton = ht("button", "landing.generate", { type: "button", class: "big-button", "data-testid": "generate" });

  const setError = (e: { key: MessageKey; detail?: string | undefined } | null) => {
    if (!e) {
      error.replaceChildren();
      return;
    }
    error.replaceChildren(tx(h("span"), e.key), e.detail ? h("span", { class: "detail" }, " ", h("bdi", {}, e.detail)) : "");
  };
  setError(prefill.error ?? null);

  const busy = (on: boolean) => {
    joinButton.disabled = on;
    generateButton.disabled = on;
    tx(joinButton, on ? "landing.joining" : "landing.join");
  };

  const submit = async (generate: boolean) => {
    const code = normalizeClassCode(codeInput.value);
    if (!code) {
      codeInput.setAttribute("aria-invalid", "true");
      setError({ key: "error.codeInvalid" });
      codeInput.focus();
      return;
    }
    codeInput.removeAttribute("aria-invalid");
    codeInput.value = code;
    setError(null);
    busy(true);
    try {
      const name = generate ? null : nameInput.value.trim() || null;
      enterClass(await joinAsStudent(code, name), code);
    } catch (err) {
      busy(false);
      const e = joinErrorKey(err);
      if (FINAL.has(e.key)) forgetRejoinToken(code);
      setError(e);
      (e.key === "join.error.nickname" ? nameInput : codeInput).focus();
    }
  };

  const form = h(
    "form",
    { class: "card join-card", novalidate: true, "aria-labelledby": "join-heading", "data-testid": "join-form" },
    ht("h2", "landing.joinHeading", { id: "join-heading" }),
    field("landing.code", codeInput, "landing.codeHint"),
    field("landing.name", nameInput, "landing.nameHint"),
    error,
    h("div", { class: "button-row" }, joinButton, generateButton),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void submit(false);
  });
  generateButton.addEventListener("click", () => void submit(true));

  const main = h(
    "main",
    { class: "landing", id: "main" },
    h(
      "section",
      { class: "hero" },
      ht("h1", "app.title"),
      ht("p", "landing.tagline", { class: "tagline" }),
      h("img", { src: "/city.svg", alt: "", class: "hero-art", width: 320, height: 160 }),
    ),
    form,
    hostCard(),
    hostedCard(),
  );
  app.replaceChildren(brandHeader(), main);
  (prefill.code ? nameInput : codeInput).focus();
}

function hostCard(): HTMLElement {
  const mode = h("select", { name: "mode" });
  const modes: [string, MessageKey][] = [["kubernetes", "host.mode.kubernetes"], ["compose", "host.mode.compose"], ["bare", "host.mode.bare"]];
  for (const [value, key] of modes) mode.append(tx(option(value, ""), key));
  const speed = h("select", { name: "compression" });
  const lessonSpeed = option("", "");
  speed.append(lessonSpeed);
  for (const k of [10, 20, 30, 60, 120]) speed.append(tx(option(String(k), "", k === 20), "host.speedOption", { k }));

  // A lesson sets its own round and speed; free play keeps the teacher's choices.
  let lessons: LessonSummary[] = [];
  const lesson = h("select", { name: "lesson", "data-testid": "lesson-select" });
  const lessonAbout = h("p", { class: "hint lesson-about", "aria-live": "polite" });
  const lessonField = field("landing.lesson", lesson, "landing.lessonHint");
  lessonField.append(lessonAbout);
  const chosenLesson = () => lessons.find((l) => l.id === lesson.value) ?? null;
  const fillLessons = () => {
    const lang = language();
    const keep = lesson.value;
    lesson.replaceChildren(option("", t("lesson.freePlay")), ...lessons.map((l) => option(l.id, t("lesson.optionLabel", { title: textIn(l.title, lang), minutes: l.durationMinutes }))));
    lesson.value = lessons.some((l) => l.id === keep) ? keep : "";
    showLesson();
  };
  const showLesson = () => {
    const l = chosenLesson();
    const lang = language();
    lessonSpeed.hidden = !l;
    lessonSpeed.disabled = !l;
    if (l) {
      lessonSpeed.textContent = t("host.speedLesson", { k: l.compression });
      if (l.mode !== "any") mode.value = l.mode;
      lessonAbout.replaceChildren(
        h("span", { class: "lesson-meta" }, t("lessons.minutes", { n: l.durationMinutes }), " · ", l.mode === "any" ? t("lesson.modeAny") : t(`host.mode.${l.mode}` as MessageKey)),
        h("br"),
        textIn(l.summary, lang),
      );
    } else {
      lessonAbout.replaceChildren();
      if (speed.value === "") speed.value = "20";
    }
  };
  lesson.addEventListener("change", () => {
    // Choosing a lesson starts from the lesson's own speed; the teacher may still pick another.
    if (chosenLesson()) speed.value = "";
    showLesson();
  });
  mode.addEventListener("change", () => {
    const l = chosenLesson();
    if (l && l.mode !== "any" && l.mode !== mode.value) {
      lesson.value = "";
      showLesson();
    }
  });
  fillLessons();
  const offLang = onLanguageChange(() => (form.isConnected ? fillLessons() : offLang()));
  void fetch("/api/lessons")
    .then((r) => (r.ok ? (r.json() as Promise<{ lessons: LessonSummary[] }>) : Promise.reject(new Error(String(r.status)))))
    .then((body) => {
      lessons = body.lessons;
      fillLessons();
    })
    .catch(() => lessonAbout.replaceChildren(t("landing.lessonsFailed")));

  const error = h("p", { class: "form-error", role: "alert" });
  const button = ht("button", "landing.host", { type: "submit", class: "big-button", "data-testid": "host" });
  const form = h(
    "form",
    { class: "card host-card", "aria-labelledby": "host-heading" },
    ht("h2", "landing.teaching", { id: "host-heading" }),
    ht("p", "landing.hostWhy"),
    lessonField,
    h("details", {}, ht("summary", "landing.hostOptions"), field("host.mode", mode), field("host.speed", speed, "host.speedHint")),
    error,
    button,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    error.replaceChildren();
    const body: { mode: string; compression?: number; lesson?: string } = { mode: mode.value };
    if (speed.value) body.compression = Number(speed.value);
    if (lesson.value) body.lesson = lesson.value;
    try {
      const res = await fetch("/api/classes", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (res.status === 201) {
        const created = (await res.json()) as CreateClassResponse;
        rememberHosted(localStorage, { code: created.code, teacherKey: created.teacherKey, createdAt: Date.now(), lesson: body.lesson ?? null });
        location.assign(created.hostUrl);
        return;
      }
      const reply = (await res.json().catch(() => ({}))) as { error?: string };
      error.replaceChildren(tx(h("span"), res.status === 429 ? "host.error.rateLimited" : "host.error.create"), reply.error ? h("span", {}, " ", reply.error) : "");
    } catch {
      error.replaceChildren(tx(h("span"), "join.error.network"));
    }
    button.disabled = false;
  });
  return form;
}

/** The classes this browser hosted: their host page, replay and postmortem, one tap away. */
function hostedCard(): HTMLElement | null {
  const list = hostedClasses(localStorage);
  if (list.length === 0) return null;
  const card = h("section", { class: "card hosted-card", "aria-labelledby": "hosted-h", "data-testid": "hosted" }, ht("h2", "landing.mine", { id: "hosted-h" }), ht("p", "landing.mineHint", { class: "hint" }));
  const rows = h("ul", { class: "hosted-list" });
  for (const c of list) {
    const links = hostedLinks(c);
    const row = h(
      "li",
      { class: "hosted", "data-code": c.code },
      h("span", { class: "hosted-what" }, h("code", { class: "hosted-code" }, c.code), " ", h("time", { datetime: new Date(c.createdAt).toISOString() }, new Date(c.createdAt).toLocaleString(language()))),
      h(
        "span",
        { class: "hosted-actions" },
        ht("a", "landing.mineHost", { href: links.host, class: "big-button" }),
        ht("a", "landing.mineReplay", { href: links.replay, class: "big-button", target: "_blank", rel: "noopener" }),
        ht("button", "landing.mineReport", { type: "button", onClick: () => void downloadPostmortem(c) }),
        ht("button", "landing.mineForget", {
          type: "button", class: "quiet",
          onClick: () => {
            forgetHosted(localStorage, c.code);
            row.remove();
            if (!rows.firstChild) card.remove();
          },
        }),
      ),
    );
    rows.append(row);
  }
  card.append(rows);
  return card;
}

/** The report needs the key in a header (never in a URL), so the download goes through fetch. */
async function downloadPostmortem(c: HostedClass): Promise<void> {
  try {
    const res = await fetch(`/api/classes/${encodeURIComponent(c.code)}/report.md`, { headers: { "x-teacher-key": c.teacherKey } });
    if (!res.ok) throw new Error(String(res.status));
    const url = URL.createObjectURL(await res.blob());
    const a = h("a", { href: url, download: `container-city-${c.code}-postmortem.md` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch {
    toast(t("landing.mineReportFailed", { code: c.code }), "bad");
  }
}

function showEnd(key: MessageKey, opts: { reload?: boolean } = {}): void {
  hideBanner();
  const again = opts.reload
    ? ht("button", "end.reload", { type: "button", class: "big-button primary", onClick: () => location.reload() })
    : ht("a", "end.back", { href: "/", class: "big-button primary" });
  app.replaceChildren(
    brandHeader(),
    h("main", { class: "landing", id: "main" }, h("section", { class: "card end-card", role: "status", "data-testid": "end" }, icon(), ht("h1", key), again)),
  );
  newScreen();
}

function icon(): HTMLElement {
  return h("img", { src: "/city.svg", alt: "", class: "hero-art small", width: 160, height: 80 });
}

let page: StudentPage | null = null;

function enterClass(conn: Connection, code: string): void {
  localStorage.setItem(LAST_CODE, code);
  const url = new URL(location.href);
  url.searchParams.set("code", code);
  history.replaceState(null, "", url);
  page?.destroy();
  hideBanner();
  page = mountStudent(app, conn, { onGone: (reason) => void gone(reason, code) });
  newScreen();
}

/** A new screen in the same page: start at its top, and tell screen readers where they are. */
function newScreen(): void {
  scrollTo(0, 0);
  const heading = app.querySelector<HTMLElement>("h1");
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
}

/** "restarting" (the class is saved on a restarting server) and "lost" both come back with the token. */
async function gone(reason: GoneReason, code: string): Promise<void> {
  if (reason === "kicked" || reason === "ended") {
    forgetRejoinToken(code);
    page?.destroy();
    page = null;
    showEnd(reason === "kicked" ? "conn.kicked" : "conn.ended");
    return;
  }
  if (reason === "flooding") {
    page?.destroy();
    page = null;
    showEnd("conn.flooding", { reload: true });
    return;
  }
  // The SDK gave up (or never tried: a session younger than its minUptime); come back with the token.
  showBanner("conn.rejoining", "warn");
  for (let attempt = 0; ; attempt++) {
    await new Promise((r) => setTimeout(r, Math.min(5000, 500 * 2 ** attempt)));
    try {
      enterClass(await joinAsStudent(code, null), code);
      return;
    } catch (err) {
      const e = joinErrorKey(err);
      if (FINAL.has(e.key)) {
        forgetRejoinToken(code);
        page?.destroy();
        page = null;
        showEnd(e.key === "join.error.kicked" ? "conn.kicked" : e.key === "join.error.ended" ? "conn.ended" : "conn.classGone");
        return;
      }
    }
  }
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const raw = params.get("code") ?? "";
  const code = normalizeClassCode(raw);
  if (code && savedRejoinToken(code)) {
    app.replaceChildren(brandHeader(), h("main", { class: "landing", id: "main" }, h("p", { class: "card", role: "status" }, t("landing.rejoining", { code }))));
    try {
      enterClass(await joinAsStudent(code, null), code);
      return;
    } catch (err) {
      const e = joinErrorKey(err);
      if (FINAL.has(e.key)) forgetRejoinToken(code);
      showForm({ code, error: e });
      return;
    }
  }
  showForm({ code: code ?? (raw || (localStorage.getItem(LAST_CODE) ?? "")) });
}

void start();
