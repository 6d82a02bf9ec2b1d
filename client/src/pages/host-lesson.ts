/**
 * The teacher's lesson tools on the host page: the lesson picker (built-in lessons of the class's
 * round, free play, or the teacher's own YAML), the lesson panel (step, notes, what it waits for,
 * Next/Repeat/Back/Skip, the live spread of answers, the debrief's talking points), the class
 * options, the manifest export and the kubectl console. Everything is read from the teacher's
 * lesson view (state.teacher.lesson, about twice a second) and sent as intents.
 */
import type { Connection } from "../net/connection.ts";
import type { LiveClassState } from "../state.ts";
import { MAX_FILE_MESSAGE_BYTES as MAX_MESSAGE_BYTES } from "../../../shared/protocol/messages.ts";
import { language, t, type MessageKey } from "../i18n/index.ts";
import { h, ht, newId, replace, tx, txAttr } from "../ui/dom.ts";
import { resultToast, toast } from "../ui/feedback.ts";
import { icon } from "../ui/icons.ts";
import { barsList, imageLayers } from "../ui/lesson.ts";
import { kubectlConsole } from "../ui/kubectl-console.ts";
import {
  answerBars, answeredOf, controlsEnabled, describeTrigger, lessonsForMode, nextButton, textIn, viewReader, waitingKey,
  type LessonSummary, type PublicLesson, type PublicPredictionView, type TeacherLesson,
} from "../ui/lesson-model.ts";
import { messageSize } from "../ui/console-history.ts";

type Control = "next" | "repeat" | "back" | "skip";

export interface HostLesson {
  picker: HTMLElement;
  panel: HTMLElement;
  options: HTMLElement;
  console: HTMLElement;
  /** The lesson's talking points, for the debrief tab. */
  debrief: HTMLElement;
  render(s: LiveClassState): void;
}

export function mountHostLesson(conn: Connection, keys: { code: string; teacherKey: string }): HostLesson {
  const readTeacher = viewReader<TeacherLesson>();
  const readPublic = viewReader<PublicLesson>();
  let lastState: LiveClassState | null = null;

  // ---- picker -------------------------------------------------------------------------------
  let lessons: LessonSummary[] | null = null;
  let lessonsError = false;
  const pickerNow = h("p", { class: "lesson-now", "data-testid": "lesson-now" });
  const pickerList = h("div", { class: "lesson-choices" });
  const pickerName = newId("lesson-choice");
  const useButton = ht("button", "lessons.use", { type: "button", class: "primary", "data-testid": "lesson-use" });
  const fileInput = h("input", { type: "file", accept: ".yaml,.yml,text/yaml,application/yaml,text/plain", id: newId("lesson-file"), "data-testid": "lesson-file" });
  const yamlText = h("textarea", { id: newId("lesson-yaml"), rows: 8, spellcheck: "false", autocapitalize: "none", class: "yaml-input", "data-testid": "lesson-yaml" });
  const loadButton = ht("button", "lessons.load", { type: "button", "data-testid": "lesson-load" });
  const loadErrors = h("div", { class: "lesson-errors", role: "alert", "data-testid": "lesson-errors" });
  const picker = h(
    "section",
    { class: "card lesson-picker", "aria-labelledby": "lessons-h", "data-testid": "lesson-picker" },
    ht("h2", "lessons.heading", { id: "lessons-h" }),
    pickerNow,
    pickerList,
    h("div", { class: "button-row" }, useButton),
    h(
      "details",
      { class: "lesson-own" },
      ht("summary", "lessons.loadOwn"),
      h("div", { class: "field" }, ht("label", "lessons.file", { for: fileInput.id }), fileInput),
      h("div", { class: "field" }, ht("label", "lessons.paste", { for: yamlText.id }), yamlText),
      loadErrors,
      h("div", { class: "button-row" }, loadButton),
    ),
  );

  void fetch("/api/lessons")
    .then((r) => (r.ok ? (r.json() as Promise<{ lessons: LessonSummary[] }>) : Promise.reject(new Error(String(r.status)))))
    .then((body) => {
      lessons = body.lessons;
    })
    .catch(() => {
      lessonsError = true;
    })
    .finally(() => lastState && renderPicker(lastState, readTeacher(lastState.teacher?.lesson)));

  const chosen = () => pickerList.querySelector<HTMLInputElement>(`input[name="${pickerName}"]:checked`)?.value ?? null;

  const setLesson = async (payload: { lessonId: string | null } | { yaml: string }, button: HTMLButtonElement): Promise<boolean> => {
    if (!confirm(t("lessons.confirm"))) return false;
    button.disabled = true;
    try {
      const r = await conn.request("setLesson", payload);
      // A lesson file's mistakes are listed under the box; the toast only says it was not loaded.
      if (!r.ok && "yaml" in payload) {
        showErrors(r.error ?? "");
        toast(t("lessons.errors"), "bad");
      } else resultToast(r.ok, r.ok ? r.message : r.error);
      return r.ok;
    } catch (err) {
      resultToast(false, (err as Error).message);
      if ("yaml" in payload) showErrors((err as Error).message);
      return false;
    } finally {
      button.disabled = false;
    }
  };
  const showErrors = (text: string) => {
    loadErrors.replaceChildren(text ? h("p", {}, icon("bad"), t("lessons.errors")) : "", text ? h("pre", {}, text) : "");
  };

  let currentLessonId = "";
  const updateUse = () => {
    useButton.disabled = (chosen() ?? currentLessonId) === currentLessonId;
  };
  pickerList.addEventListener("change", updateUse);
  useButton.addEventListener("click", () => {
    const id = chosen();
    void setLesson({ lessonId: id === "" || id === null ? null : id }, useButton);
  });
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    yamlText.value = await file.text();
    showErrors("");
  });
  loadButton.addEventListener("click", async () => {
    const yaml = yamlText.value;
    if (!yaml.trim()) {
      showErrors(t("lessons.needYaml"));
      yamlText.focus();
      return;
    }
    // The room refuses (and the socket may drop) a message over its size limit: say so here instead.
    const size = messageSize({ id: "r0000", yaml });
    if (size > MAX_MESSAGE_BYTES) {
      showErrors(t("lessons.tooBig", { size, max: MAX_MESSAGE_BYTES }));
      return;
    }
    showErrors("");
    if (await setLesson({ yaml }, loadButton)) yamlText.value = "";
  });

  function renderPicker(s: LiveClassState, view: TeacherLesson | null): void {
    const lang = language();
    const currentId = view?.lessonId ?? "";
    replace(pickerNow, `${lang}|${currentId}|${view ? textIn(view.title, lang) : ""}`, () => [
      icon("info"),
      view ? t("lessons.now", { title: textIn(view.title, lang) }) : t("lessons.nowFree"),
    ]);
    currentLessonId = currentId;
    const fits = lessons ? lessonsForMode(lessons, s.mode) : [];
    const others = lessons ? lessons.length - fits.length : 0;
    replace(pickerList, JSON.stringify([lang, currentId, lessonsError, fits.map((l) => l.id), others]), () => {
      const keep = chosen() ?? currentId;
      const radio = (value: string, title: string, extra: (Node | string | null)[], desc: string | null) => {
        const rid = `${pickerName}-${value || "free"}`;
        const input = h("input", { type: "radio", name: pickerName, value, id: rid, "data-testid": `lesson-choice-${value || "free"}` });
        input.checked = value === keep;
        return h(
          "div",
          { class: `lesson-choice${value === currentId ? " is-current" : ""}` },
          input,
          h(
            "label",
            { for: rid },
            h("strong", {}, title),
            ...extra,
            value === currentId ? h("span", { class: "chip-mini" }, icon("ok"), t("lessons.current")) : null,
            desc ? h("span", { class: "lesson-summary" }, desc) : null,
          ),
        );
      };
      const items: (HTMLElement | null)[] = [
        radio("", t("lesson.freePlay"), [], null),
        ...fits.map((l) =>
          radio(
            l.id,
            textIn(l.title, lang),
            [" ", h("span", { class: "lesson-minutes" }, t("lessons.minutes", { n: l.durationMinutes }))],
            textIn(l.summary, lang),
          ),
        ),
      ];
      return [
        h("fieldset", { class: "lesson-fieldset" }, ht("legend", "lessons.pick"), items),
        lessons === null && !lessonsError ? ht("p", "lessons.loading", { class: "hint" }) : null,
        lessonsError ? h("p", { class: "form-error" }, t("lessons.loadFailed")) : null,
        lessons && fits.length === 0 ? ht("p", "lessons.none", { class: "hint" }) : null,
        others > 0 ? h("p", { class: "hint" }, t("lessons.otherRounds", { n: others })) : null,
      ];
    });
    updateUse();
  }

  // ---- lesson panel -------------------------------------------------------------------------
  const heading = h("h2", { id: "lesson-h" });
  const stepLine = h("div", { class: "lesson-stepline", "data-testid": "lesson-step" });
  const waiting = h("p", { class: "lesson-waiting", "data-testid": "lesson-waiting", "aria-live": "polite" });
  const triggers = h("dl", { class: "lesson-triggers" });
  const buttons = new Map<Control, HTMLButtonElement>();
  let busy = false;
  const press = async (action: Control) => {
    busy = true;
    renderButtons(readTeacher(lastState?.teacher?.lesson));
    try {
      const r = await conn.request("lessonControl", { action });
      resultToast(r.ok, r.ok ? r.message : r.error);
    } catch (err) {
      resultToast(false, (err as Error).message);
    } finally {
      busy = false;
      renderButtons(readTeacher(lastState?.teacher?.lesson));
    }
  };
  const controlRow = txAttr(h("div", { class: "button-row wrap lesson-controls", role: "group" }), "aria-label", "lesson.controls");
  const controlIcons: Partial<Record<Control, Parameters<typeof icon>[0]>> = { next: "play" };
  for (const action of ["next", "repeat", "back", "skip"] as Control[]) {
    const label = tx(h("span"), action === "next" ? "lesson.next.next" : (`lesson.${action}` as MessageKey));
    const b = h("button", { type: "button", class: action === "next" ? "primary lesson-next" : `lesson-${action}`, "data-testid": `lesson-${action}` }, controlIcons[action] ? icon(controlIcons[action]) : null, label);
    b.addEventListener("click", () => void press(action));
    buttons.set(action, b);
    controlRow.append(b);
  }
  const upNext = h("p", { class: "hint lesson-upnext" });
  const studentText = h("div", { class: "lesson-student-text" });
  const notes = h("details", { class: "lesson-notes", open: true }, ht("summary", "lesson.notes"), h("div"));
  const imageBox = h("div", { class: "lesson-image" });
  const question = h("section", { class: "lesson-question", "data-testid": "lesson-question" });
  const lastReveal = h("section", { class: "lesson-question lesson-last", "data-testid": "lesson-last" });
  const debriefBox = h("section", { class: "lesson-debrief", "data-testid": "lesson-debrief" });
  const panel = h(
    "section",
    { class: "card lesson-panel", "aria-labelledby": heading.id, "data-testid": "lesson-panel", hidden: true },
    heading,
    stepLine,
    waiting,
    triggers,
    controlRow,
    upNext,
    studentText,
    notes,
    imageBox,
    question,
    lastReveal,
    debriefBox,
  );
  const debrief = h("section", { class: "card lesson-debrief-card", hidden: true });

  function renderButtons(v: TeacherLesson | null): void {
    const enabled = controlsEnabled(v);
    const next = nextButton(v?.waitingFor, v?.status);
    for (const [action, b] of buttons) b.disabled = busy || !enabled[action];
    const label = buttons.get("next")!.querySelector("span")!;
    if (label.dataset.i18n !== next.label) tx(label, next.label);
    buttons.get("next")!.dataset.waiting = v?.waitingFor ?? "";
  }

  const nodeLabel = (s: LiveClassState) => (node: string) => {
    const who = s.nodes.get(node)?.student;
    return who ? `${node} (\u2068${who}\u2069)` : node;
  };

  const answeredLine = (s: LiveClassState, answered: number) => {
    const a = answeredOf(answered, s.students.values());
    return t("lesson.answered", { n: a.n, students: a.of });
  };
  /** Students here now: the answered line counts them, so it is redrawn when one comes or goes. */
  const here = (s: LiveClassState) => [...s.students.values()].filter((st) => st.connected).length;

  function questionBody(s: LiveClassState, p: PublicPredictionView, results: TeacherLesson["liveResults"], expected: string | null, lang: "en" | "vi"): (Node | null)[] {
    const bars = answerBars({ kind: p.kind, options: p.options, results, correct: p.correct, lang, nodeLabel: nodeLabel(s) });
    const optionText = (id: string) => textIn(p.options?.find((o) => o.id === id)?.text, lang) || id;
    let expectedLine: HTMLElement | null = null;
    if (p.discussion) expectedLine = h("p", { class: "lesson-expected" }, icon("info"), t("lesson.discussion"));
    else if (p.kind === "choice" && expected) expectedLine = h("p", { class: "lesson-expected" }, icon("ok"), h("strong", {}, t("lesson.expected")), " ", optionText(expected));
    else if (p.kind === "whichNode" && expected) expectedLine = h("p", { class: "lesson-expected" }, icon("building"), h("strong", {}, t("lesson.expectedBuilding")), " ", h("code", {}, expected));
    const statusIcon = p.status === "open" ? "user" : p.status === "revealed" ? "ok" : "bad";
    return [
      h("p", { class: `lesson-qstatus status-${p.status}` }, icon(statusIcon), t(`lesson.status.${p.status}` as MessageKey)),
      h("p", { class: "lesson-qtext" }, textIn(p.question, lang)),
      expectedLine,
      bars.length ? barsList(bars, { label: textIn(p.question, lang) }) : null,
      h("p", { class: "hint lesson-answered" }, answeredLine(s, results?.total ?? 0)),
      p.status === "revealed" && p.explanation ? h("p", { class: "lesson-explanation" }, h("strong", {}, t("lesson.why")), " ", textIn(p.explanation, lang)) : null,
    ];
  }

  function renderPanel(s: LiveClassState, v: TeacherLesson | null): void {
    panel.hidden = !v;
    renderButtons(v);
    if (!v) {
      debrief.hidden = true;
      return;
    }
    const lang = language();
    const title = textIn(v.title, lang);
    replace(heading, `${lang}|${title}`, () => [t("lesson.heading", { title })]);
    const step = v.step;
    replace(stepLine, JSON.stringify([lang, v.status, v.stepIndex, v.stepCount, step?.id, v.clockHeld]), () =>
      v.status === "setup"
        ? [h("p", { class: "hint" }, icon("info"), t("lesson.setupHint"))]
        : [
            h("span", { class: "chip-mini step-chip" }, t("lesson.step", { i: v.stepIndex + 1, n: v.stepCount })),
            " ",
            h("strong", { class: "lesson-step-title" }, step ? textIn(step.title, lang) : t("lesson.waiting.done")),
            v.clockHeld ? h("span", { class: "chip-mini held-chip" }, icon("pause"), t("lesson.clockHeld")) : null,
          ],
    );
    const wKey = waitingKey(v.waitingFor, v.status);
    waiting.dataset.waiting = v.status === "setup" ? "setup" : v.waitingFor;
    replace(waiting, `${lang}|${wKey}`, () => [h("strong", {}, t("lesson.waitingLabel"), ": "), t(wKey)]);
    // Said in the teacher's language from the view's data (the view's own trigger texts are English).
    replace(triggers, JSON.stringify([lang, v.status, v.triggerSpec, v.revealSpec, v.prediction?.status]), () =>
      v.status !== "running"
        ? []
        : [
            v.triggerSpec ? [h("dt", {}, t("lesson.triggerLabel")), h("dd", {}, describeTrigger(v.triggerSpec, t, "step"))] : [],
            v.revealSpec && v.prediction?.status === "open" ? [h("dt", {}, t("lesson.revealLabel")), h("dd", {}, describeTrigger(v.revealSpec, t, "reveal"))] : [],
          ].flat(),
    );
    replace(upNext, `${lang}|${v.nextStep?.id ?? ""}`, () => (v.nextStep ? [t("lesson.upNext", { title: textIn(v.nextStep.title, lang) })] : []));
    replace(studentText, `${lang}|${step?.id ?? ""}|${step ? textIn(step.studentText, lang) : ""}`, () =>
      step ? [h("p", { class: "lesson-label" }, t("lesson.studentsRead")), h("blockquote", {}, textIn(step.studentText, lang))] : [],
    );
    notes.hidden = !v.teacherNotes;
    replace(notes.querySelector("div")!, `${lang}|${step?.id ?? ""}`, () => (v.teacherNotes ? [h("p", {}, textIn(v.teacherNotes, lang))] : []));

    // The image a step shows on the screens: its layers, from the public view (the teacher's has none).
    const image = step?.showImage ? (readPublic(s.lesson)?.image ?? null) : null;
    replace(imageBox, `${lang}|${JSON.stringify(image)}`, () => (image ? [imageLayers(image)] : []));
    imageBox.hidden = !image;

    const p = v.prediction;
    replace(question, JSON.stringify([lang, p, v.liveResults, v.expected, here(s), p?.kind === "whichNode" ? [...s.nodes.values()].map((n) => [n.name, n.student]) : 0]), () =>
      p
        ? [h("h3", {}, t("lesson.question")), ...questionBody(s, p, v.liveResults ?? p.results, v.expected, lang)]
        : v.status === "running" ? [h("p", { class: "hint" }, t("lesson.nothingAsked"))] : [],
    );
    const last = v.lastReveal && v.lastReveal.stepId !== p?.stepId ? v.lastReveal : null;
    replace(lastReveal, JSON.stringify([lang, last, here(s)]), () =>
      last ? [h("h3", {}, t("lesson.lastReveal")), ...questionBody(s, last, last.results, null, lang)] : [],
    );
    lastReveal.hidden = !last;
    const d = v.debrief;
    const debriefContent = () =>
      d ? [h("h3", {}, t("lesson.debrief")), h("p", {}, textIn(d.summary, lang)), h("ol", { class: "talking-points" }, d.points.map((pt) => h("li", {}, textIn(pt, lang))))] : [];
    replace(debriefBox, `${lang}|${JSON.stringify(d)}`, debriefContent);
    debriefBox.hidden = !d;
    replace(debrief, `${lang}|${title}|${JSON.stringify(d)}`, () => (d ? [h("h2", {}, t("lesson.heading", { title })), ...debriefContent().slice(1)] : []));
    debrief.hidden = !d;
  }

  // ---- options ------------------------------------------------------------------------------
  /** A switch that says what the teacher chose until the room's state says the same (or 3 s pass). */
  const optionSwitch = (key: "advanced" | "leaderboardNames", labelKey: MessageKey, hintKey: MessageKey) => {
    const input = h("input", { type: "checkbox", role: "switch", id: newId(`opt-${key}`), "data-testid": `option-${key}` });
    const hint = ht("small", hintKey, { class: "hint", id: `${input.id}-hint` });
    input.setAttribute("aria-describedby", hint.id);
    let wanted: { value: boolean; until: number } | null = null;
    input.addEventListener("change", async () => {
      const value = input.checked;
      wanted = { value, until: performance.now() + 3000 };
      try {
        const r = await conn.request("setOptions", { [key]: value });
        resultToast(r.ok, r.ok ? r.message : r.error);
        if (!r.ok) wanted = null;
      } catch (err) {
        resultToast(false, (err as Error).message);
        wanted = null;
      }
      if (!wanted && lastState) input.checked = lastState[key];
    });
    const sync = (s: LiveClassState) => {
      if (wanted && (s[key] === wanted.value || performance.now() > wanted.until)) wanted = null;
      const want = wanted ? wanted.value : s[key];
      if (input.checked !== want) input.checked = want;
    };
    return { input, sync, el: h("div", { class: "option-switch" }, input, h("div", {}, ht("label", labelKey, { for: input.id }), hint)) };
  };
  const advanced = optionSwitch("advanced", "options.advanced", "options.advancedHint");
  const names = optionSwitch("leaderboardNames", "options.names", "options.namesHint");
  const exportButton = h("button", { type: "button", class: "export-button", "data-testid": "export-manifests" }, icon("building"), ht("span", "options.export"));
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    try {
      const res = await fetch(`/api/classes/${encodeURIComponent(keys.code)}/manifests.yaml`, { headers: { "x-teacher-key": keys.teacherKey }, cache: "no-store" });
      if (!res.ok) throw new Error(String(res.status));
      const blob = await res.blob();
      const file = /filename="?([^";]+)"?/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? `container-city-${keys.code}.yaml`;
      const url = URL.createObjectURL(blob);
      const a = h("a", { href: url, download: file, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      toast(t("options.exported", { file }), "ok");
    } catch {
      toast(t("options.exportFailed"), "bad");
    } finally {
      exportButton.disabled = false;
    }
  });
  const options = h(
    "section",
    { class: "card class-options", "aria-labelledby": "options-h", "data-testid": "options" },
    ht("h2", "options.heading", { id: "options-h" }),
    advanced.el,
    names.el,
    h("div", { class: "export-row" }, exportButton, ht("small", "options.exportHint", { class: "hint" })),
  );

  // ---- kubectl console ------------------------------------------------------------------------
  const terminal = kubectlConsole({ readOnly: false, run: (line, stdin) => conn.kubectl(line, stdin) });

  return {
    picker,
    panel,
    options,
    console: terminal.el,
    debrief,
    render(s) {
      lastState = s;
      const v = readTeacher(s.teacher?.lesson);
      renderPicker(s, v);
      renderPanel(s, v);
      advanced.sync(s);
      names.sync(s);
    },
  };
}
