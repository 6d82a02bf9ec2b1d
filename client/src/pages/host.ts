/**
 * host.html, the teacher's laptop. The code and the QR for students, the roster, the phase and the
 * clock, a control for every chaos and release command, what the cluster says back (events,
 * kubectl tables, the city) and, at the end, the debrief. The teacher key arrives in the fragment.
 */
import "../csp.ts";
import "../ui/styles.css";
import { fragmentParams, joinAsTeacher, type Connection } from "../net/connection.ts";
import { language, onLanguageChange, t, type MessageKey } from "../i18n/index.ts";
import type { LiveClassState } from "../state.ts";
import { bdi, field, followLanguage, h, ht, newId, option, replace, setOptions, tx, txAttr } from "../ui/dom.ts";
import { announce, hideBanner, resultToast, showBanner, toast } from "../ui/feedback.ts";
import {
  NODE_HEADERS, POD_HEADERS, clock, humanDuration, joinErrorKey, nodeRows, percent, podRows, sortEvents,
} from "../ui/format.ts";
import { APP_PREFIX, actionAllowed, buildCommand, kindsForMode, type ClassAction, type CommandKind } from "../ui/commands.ts";
import { icon } from "../ui/icons.ts";
import { clickedNodeName, mountCityView, type CityHandle } from "../ui/city.ts";
import { initPrefs, onReducedMotionChange, prefsControls, reducedMotion } from "../ui/prefs.ts";
import { onStatePatch, watchSession } from "../ui/session.ts";
import type { Debrief } from "./debrief.ts";
import { mountHostLesson } from "./host-lesson.ts";

initPrefs();
followLanguage();
document.title = `${t("host.title")} · ${t("app.title")}`;
const app = document.getElementById("app")!;

const params = fragmentParams();
const code = params.get("code") ?? "";
const key = params.get("key") ?? "";

function brand(): HTMLElement {
  return h("div", { class: "brand" }, h("img", { src: "/favicon.svg", alt: "", width: 32, height: 32 }), ht("span", "app.title"));
}

function problem(messageKey: MessageKey, detail?: string): void {
  app.replaceChildren(
    h("header", { class: "topbar" }, brand(), prefsControls()),
    h(
      "main",
      { class: "landing", id: "main" },
      h("section", { class: "card end-card", role: "alert" }, ht("h1", messageKey), detail ? h("p", {}, detail) : null, ht("a", "end.back", { href: "/", class: "big-button primary" })),
    ),
  );
}

/** A table whose body is rebuilt only when its rows change. */
function dataTable(headers: readonly string[], cls: string, captionKey: MessageKey): { el: HTMLElement; set(rows: string[][], more?: number): void } {
  const body = h("tbody");
  const foot = h("p", { class: "table-more" });
  const el = h(
    "div",
    { class: `table-wrap ${cls}`, tabindex: 0, role: "region", "aria-label": "" },
    h("table", { class: "kubectl" }, ht("caption", captionKey), h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))), body),
    foot,
  );
  txAttr(el, "aria-label", captionKey);
  return {
    el,
    set(rows, more = 0) {
      replace(body, JSON.stringify(rows), () =>
        rows.map((r) => h("tr", { "data-status": r[2] ?? "" }, r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c))))),
      );
      replace(foot, `${language()}|${more}`, () => (more > 0 ? [t("host.moreRows", { n: more })] : []));
    },
  };
}

const MAX_POD_ROWS = 150;

function mountHost(conn: Connection): { destroy(): void } {
  const { room } = conn;
  const state = () => room.state as LiveClassState;
  let city: CityHandle | null = null;
  let selectedNode: string | null = null;
  let destroyed = false;

  // ---- header -------------------------------------------------------------------------------
  const phaseChip = h("span", { class: "chip phase-chip", "data-testid": "phase" });
  const clockEl = h("span", { class: "clock" });
  const header = h(
    "header",
    { class: "topbar" },
    brand(),
    h("p", { class: "header-code" }, ht("span", "landing.code"), " ", h("strong", {}, code)),
    phaseChip,
    clockEl,
    prefsControls(),
  );

  // ---- tabs ---------------------------------------------------------------------------------
  const tabClass = ht("button", "host.tab.class", { role: "tab", id: "tab-class", "aria-controls": "panel-class", type: "button" });
  const tabDebrief = ht("button", "host.tab.debrief", { role: "tab", id: "tab-debrief", "aria-controls": "panel-debrief", type: "button", "data-testid": "tab-debrief" });
  const tabs = h("div", { role: "tablist", class: "tabs" }, tabClass, tabDebrief);
  txAttr(tabs, "aria-label", "host.tabs");
  const panelClass = h("div", { role: "tabpanel", id: "panel-class", "aria-labelledby": "tab-class", class: "host-grid" });
  const panelDebrief = h("div", { role: "tabpanel", id: "panel-debrief", "aria-labelledby": "tab-debrief", class: "debrief-panel", hidden: true });
  // The lesson's tools (picker, panel, options, console); its talking points open the debrief tab.
  const lesson = mountHostLesson(conn, { code, teacherKey: key });
  const chartsHost = h("div");
  panelDebrief.append(lesson.debrief, chartsHost);
  let debrief: Debrief | null = null;
  let debriefLoading: Promise<Debrief> | null = null;
  const select = (which: "class" | "debrief", focus = false) => {
    const isClass = which === "class";
    tabClass.setAttribute("aria-selected", String(isClass));
    tabDebrief.setAttribute("aria-selected", String(!isClass));
    tabClass.tabIndex = isClass ? 0 : -1;
    tabDebrief.tabIndex = isClass ? -1 : 0;
    panelClass.hidden = !isClass;
    panelDebrief.hidden = isClass;
    if (focus) (isClass ? tabClass : tabDebrief).focus();
    if (!isClass) {
      // Chart.js is only needed here: it loads the first time the debrief is opened.
      debriefLoading ??= import("./debrief.ts").then((m) => (debrief = m.mountDebrief(chartsHost, conn, { code, teacherKey: key })));
      void debriefLoading.then((d) => d.refresh());
    } else {
      city?.resize();
    }
  };
  tabClass.addEventListener("click", () => select("class"));
  tabDebrief.addEventListener("click", () => select("debrief"));
  tabs.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowRight" || ev.key === "ArrowLeft" || ev.key === "Home" || ev.key === "End") {
      ev.preventDefault();
      select(tabClass.getAttribute("aria-selected") === "true" ? "debrief" : "class", true);
    }
  });

  // ---- join card ----------------------------------------------------------------------------
  const joinLink = h("a", { class: "join-url", "data-testid": "join-url" });
  const qr = h("img", { class: "qr", src: `/api/classes/${encodeURIComponent(code)}/qr.svg`, width: 220, height: 220, alt: "" });
  const displayLink = ht("a", "host.openDisplay", { class: "big-button", target: "_blank", rel: "noopener", "data-testid": "display-link", "aria-disabled": "true" });
  const joinCard = h(
    "section",
    { class: "card join-info", "aria-labelledby": "join-h" },
    ht("h2", "host.joinHeading", { id: "join-h" }),
    h("p", { class: "code-huge", "data-testid": "class-code", "aria-label": code.split("").join(" ") }, code),
    h("p", { class: "join-line" }, ht("span", "host.goTo"), " ", joinLink),
    qr,
    displayLink,
  );

  // ---- class control ------------------------------------------------------------------------
  const controlButtons = new Map<ClassAction, HTMLButtonElement>();
  const control = async (action: ClassAction) => {
    if ((action === "end" || action === "reset") && !confirm(t(action === "end" ? "host.confirmEnd" : "host.confirmReset"))) return;
    try {
      const r = await conn.request("classControl", { action });
      resultToast(r.ok, r.ok ? t(`phase.did.${action}` as MessageKey) : r.error);
    } catch (err) {
      resultToast(false, (err as Error).message);
    }
  };
  const controlRow = h("div", { class: "button-row wrap" });
  const phaseIcons: Partial<Record<ClassAction, Parameters<typeof icon>[0]>> = { start: "play", resume: "play", pause: "pause", lock: "lock", unlock: "unlock" };
  for (const action of ["start", "pause", "resume", "debrief", "end", "reset", "lock", "unlock"] as ClassAction[]) {
    const i = phaseIcons[action];
    const b = h("button", { type: "button", class: `control control-${action}`, "data-testid": `control-${action}` }, i ? icon(i) : null, tx(h("span"), `control.${action}` as MessageKey));
    b.addEventListener("click", () => void control(action));
    controlButtons.set(action, b);
    controlRow.append(b);
  }
  const slider = h("input", { type: "range", min: 1, max: 120, step: 1, id: newId("speed"), "data-testid": "compression" });
  const speedOut = h("output", { for: slider.id, class: "speed-out" });
  const speedHint = h("p", { class: "hint", id: `${slider.id}-hint` });
  slider.setAttribute("aria-describedby", speedHint.id);
  let speedTimer: ReturnType<typeof setTimeout> | undefined;
  const showSpeed = (k: number) => {
    speedOut.textContent = `${k}×`;
    replace(speedHint, `${language()}|${k}`, () => [t("host.speedExplain", { k, real: humanDuration((300 * 1000) / k, t) })]);
  };
  slider.addEventListener("input", () => {
    showSpeed(Number(slider.value));
    clearTimeout(speedTimer);
    speedTimer = setTimeout(async () => {
      try {
        const r = await conn.request("setCompression", { factor: Number(slider.value) });
        if (!r.ok) resultToast(false, r.error);
        else announce(t("host.speedSet", { k: slider.value }));
      } catch (err) {
        resultToast(false, (err as Error).message);
      }
    }, 350);
  });
  const controlCard = h(
    "section",
    { class: "card class-control", "aria-labelledby": "control-h" },
    ht("h2", "host.classHeading", { id: "control-h" }),
    controlRow,
    h("div", { class: "field speed" }, h("label", { for: slider.id }, tx(h("span"), "host.speed"), " ", speedOut), slider, speedHint),
  );

  // ---- roster -------------------------------------------------------------------------------
  const rosterHeading = h("h2", { id: "roster-h" });
  const rosterList = h("ul", { class: "roster-list" });
  const rosterCard = h("section", { class: "card roster", "aria-labelledby": "roster-h", "data-testid": "roster" }, rosterHeading, rosterList);
  const kick = async (studentId: string, name: string) => {
    if (!confirm(t("host.kickConfirm", { name }))) return;
    try {
      const r = await conn.request("kick", { studentId });
      resultToast(r.ok, r.ok ? r.message : r.error);
    } catch (err) {
      resultToast(false, (err as Error).message);
    }
  };

  // ---- health strip -------------------------------------------------------------------------
  const health = h("section", { class: "card health", "aria-labelledby": "health-h" }, ht("h2", "host.healthHeading", { id: "health-h", class: "sr-only" }), h("dl", { class: "stats" }));
  const stats = health.querySelector("dl")!;

  // ---- city ---------------------------------------------------------------------------------
  const cityBox = h("div", { class: "city-box city-main" });
  const selectedLine = h("p", { class: "hint selected-line", "aria-live": "polite" });
  const legendBox = h("div");
  const cityCard = h(
    "section",
    { class: "card city-card", "aria-labelledby": "city-h" },
    ht("h2", "host.cityHeading", { id: "city-h" }),
    cityBox,
    selectedLine,
    h("details", { class: "city-legend" }, ht("summary", "host.legend"), legendBox),
  );

  // ---- events -------------------------------------------------------------------------------
  const feedBody = h("tbody");
  const feedCard = h(
    "section",
    { class: "card feed", "aria-labelledby": "feed-h", "data-testid": "events" },
    ht("h2", "host.eventsHeading", { id: "feed-h" }),
    h(
      "div",
      { class: "table-wrap feed-wrap", tabindex: 0 },
      h(
        "table",
        { class: "feed-table" },
        h("thead", {}, h("tr", {}, (["feed.time", "feed.type", "feed.reason", "feed.message"] as MessageKey[]).map((k) => ht("th", k, { scope: "col" })))),
        feedBody,
      ),
    ),
  );

  // ---- kubectl ------------------------------------------------------------------------------
  const nodesTable = dataTable(NODE_HEADERS, "nodes-table", "host.kubectlNodes");
  const podsTable = dataTable(POD_HEADERS, "pods-table", "host.kubectlPods");
  const podsCmdline = h("p", { class: "cmdline" }, "$ kubectl get pods -o wide");
  const kubectlCard = h(
    "section",
    { class: "card kubectl-card", "aria-labelledby": "kubectl-h" },
    ht("h2", "host.kubectlHeading", { id: "kubectl-h" }),
    h("p", { class: "cmdline" }, "$ kubectl get nodes"),
    nodesTable.el,
    podsCmdline,
    podsTable.el,
  );

  // ---- commands -----------------------------------------------------------------------------
  const inputs: Record<string, HTMLInputElement | HTMLSelectElement> = {};
  const input = (name: string, attrs: Record<string, string | number>, value: string) => {
    const el = h("input", { name, ...attrs });
    el.value = value;
    inputs[name] = el;
    return el;
  };
  /** Options are [value, catalog key] or [value, literal text] when the text is a Kubernetes name. */
  const choice = (name: string, options: [string, { key: MessageKey } | { text: string }][], testid?: string) => {
    const el = h("select", { name, "data-testid": testid ?? null });
    for (const [value, label] of options) el.append("key" in label ? tx(option(value, ""), label.key) : option(value, label.text));
    inputs[name] = el;
    return el;
  };
  const nodeSelect = choice("node", [], "node-target");
  const podSelect = choice("pod", [], "pod-target");
  const serviceSelect = choice("service", [], "service-target");
  const deploymentSelect = choice("deployment", [], "deployment-target");
  const composeService = choice("composeService", [["web", { text: "web" }], ["db", { text: "db" }], ["cache", { text: "cache" }]]);

  const commandButtons = new Map<CommandKind, HTMLButtonElement>();
  const send = async (kind: CommandKind, button: HTMLButtonElement) => {
    const values: Record<string, string> = {};
    for (const [name, el] of Object.entries(inputs)) values[name] = el.value;
    if (kind.startsWith("compose")) values.service = values.composeService ?? "";
    const built = buildCommand(kind, values);
    if (!built.ok) {
      toast(t(built.error), "bad");
      return;
    }
    button.disabled = true;
    try {
      const r = await conn.request("command", { command: built.command });
      resultToast(r.ok, r.ok ? r.message : r.error);
    } catch (err) {
      resultToast(false, (err as Error).message);
    } finally {
      button.disabled = false;
    }
  };
  const cmd = (kind: CommandKind, cls = "") => {
    const b = ht("button", `cmd.${kind}` as MessageKey, { type: "button", class: `cmd ${cls}`.trim(), "data-testid": `cmd-${kind}` });
    b.addEventListener("click", () => void send(kind, b));
    commandButtons.set(kind, b);
    return b;
  };
  const group = (titleKey: MessageKey, ...children: (HTMLElement | null)[]) =>
    h("fieldset", { class: "cmd-group" }, ht("legend", titleKey), ...children);

  const nodeGroup = group(
    "cmdGroup.nodes",
    field("cmd.targetNode", nodeSelect, "cmd.targetNodeHint"),
    h("div", { class: "button-row wrap" }, cmd("killNode", "danger"), cmd("partitionNode", "danger"), cmd("restoreNode", "good")),
    h("div", { class: "inline-form" }, field("cmd.slowPercent", input("slowPercent", { type: "number", min: 5, max: 100, step: 5 }, "30")), cmd("slowNode")),
    h("div", { class: "button-row wrap" }, cmd("memoryPressureOn"), cmd("memoryPressureOff")),
    h("div", { class: "button-row wrap" }, cmd("cordon"), cmd("uncordon"), cmd("drain")),
  );
  const podGroup = group(
    "cmdGroup.pods",
    field("cmd.targetPod", podSelect, "cmd.targetPodHint"),
    h("div", { class: "button-row wrap" }, cmd("crashExit", "danger"), cmd("crashHang", "danger"), cmd("deletePod")),
    h("div", { class: "inline-form" }, field("cmd.leakRate", input("leakRate", { type: "number", min: 0.1, max: 1024, step: 1 }, "20")), cmd("leakMemory")),
  );
  const composeGroup = group(
    "cmdGroup.compose",
    ht("p", "cmd.composeHint", { class: "hint" }),
    field("cmd.composeService", composeService),
    h("div", { class: "button-row wrap" }, cmd("composeCrash", "danger"), cmd("composeHang", "danger"), cmd("composeStop"), cmd("composeRestart", "good")),
  );
  const trafficGroup = group(
    "cmdGroup.traffic",
    field("cmd.service", serviceSelect),
    h(
      "div",
      { class: "inline-form three" },
      field("cmd.multiplier", input("multiplier", { type: "number", min: 1, max: 100, step: 1 }, "5")),
      field("cmd.rampSeconds", input("rampSeconds", { type: "number", min: 0, max: 3600, step: 5 }, "30")),
      field("cmd.durationSeconds", input("durationSeconds", { type: "number", min: 1, max: 86400, step: 10 }, "180")),
    ),
    cmd("trafficSpike"),
    h("div", { class: "button-row wrap registry-row" }, h("span", { class: "registry-status" }), cmd("registryOn", "danger"), cmd("registryOff", "good")),
  );
  const releaseGroup = group(
    "cmdGroup.releases",
    h(
      "div",
      { class: "inline-form two" },
      field("cmd.app", input("app", { type: "text", maxlength: 63, spellcheck: "false", autocomplete: "off" }, "shop")),
      field("cmd.version", input("version", { type: "text", maxlength: 32, spellcheck: "false", autocomplete: "off" }, "v2")),
      field("cmd.behavior", choice("behavior", (["healthy", "crashing", "failingReadiness", "slowStart"] as const).map((b) => [b, { key: `behavior.${b}` as MessageKey }]))),
      field("cmd.strategy", choice("strategy", [["RollingUpdate", { text: "RollingUpdate" }], ["Recreate", { text: "Recreate" }]])),
      field("cmd.replicas", input("replicas", { type: "number", min: 0, max: 100000, step: 1 }, "6")),
    ),
    cmd("deploy", "primary"),
    field("cmd.deployment", deploymentSelect),
    h("div", { class: "button-row wrap" }, cmd("scale"), cmd("rolloutUndo")),
    h(
      "div",
      { class: "inline-form three" },
      field("cmd.hpaMin", input("hpaMin", { type: "number", min: 1, max: 100000 }, "2")),
      field("cmd.hpaMax", input("hpaMax", { type: "number", min: 1, max: 100000 }, "12")),
      field("cmd.hpaTarget", input("hpaTarget", { type: "number", min: 1, max: 1000 }, "60")),
    ),
    h("div", { class: "button-row wrap" }, cmd("setHpa"), cmd("removeHpa")),
  );
  const shipGroup = group(
    "cmdGroup.ship",
    field("cmd.needs", input("needs", { type: "text", spellcheck: "false", autocomplete: "off" }, "python=3.12"), "cmd.needsHint"),
    h("div", { class: "button-row wrap" }, cmd("shipBare", "danger"), cmd("shipImage", "good")),
  );
  const commandsCard = h(
    "section",
    { class: "card commands", "aria-labelledby": "cmd-h" },
    ht("h2", "host.commandsHeading", { id: "cmd-h" }),
    nodeGroup,
    podGroup,
    composeGroup,
    trafficGroup,
    releaseGroup,
    shipGroup,
  );

  panelClass.append(
    h("div", { class: "col col-left" }, joinCard, controlCard, lesson.picker, lesson.options, rosterCard),
    h("div", { class: "col col-center" }, lesson.panel, health, cityCard, feedCard, kubectlCard, lesson.console),
    h("div", { class: "col col-right" }, commandsCard),
  );
  app.replaceChildren(header, h("main", { id: "main", class: "host" }, tabs, panelClass, panelDebrief));
  select("class");

  // ---- city ---------------------------------------------------------------------------------
  const pickNode = (node: unknown) => {
    const name = clickedNodeName(node);
    if (!name) return;
    selectedNode = name;
    nodeSelect.value = name;
    announce(t("host.selected", { node: name }));
    renderSelected();
  };
  nodeSelect.addEventListener("change", () => {
    // Not city.setFocus: the city labels its focus "YOU", which is the student's view, not a target.
    selectedNode = nodeSelect.value || null;
    renderSelected();
  });
  const renderSelected = () =>
    replace(selectedLine, `${language()}|${selectedNode}`, () => [selectedNode ? t("host.selected", { node: selectedNode }) : t("host.clickBuilding")]);
  const mountCity = () => {
    city?.destroy();
    city = null;
    cityBox.replaceChildren();
    void mountCityView(cityBox, {
      view: "city", reducedMotion: reducedMotion(), language: language(), onBuildingClick: pickNode, legend: legendBox,
    }).then((c) => {
      if (destroyed) return c.destroy();
      city = c;
      c.update(state());
    });
  };
  mountCity();
  onReducedMotionChange((on) => city?.setReducedMotion(on));
  const offLang = onLanguageChange(() => {
    city?.setLanguage?.(language());
    renderAll(true);
  });
  const onResize = () => city?.resize();
  addEventListener("resize", onResize);

  // ---- rendering ----------------------------------------------------------------------------
  let lastSlow = 0;
  let wasPhase = "";
  function renderAll(force = false): void {
    if (destroyed) return;
    const s = state();
    if (!s?.nodes) return;
    const lang = language();

    replace(phaseChip, `${lang}|${s.phase}|${s.locked}`, () => [
      icon(s.phase === "running" ? "play" : s.phase === "paused" ? "pause" : "info"),
      t(`phase.${s.phase}` as MessageKey),
      s.locked ? h("span", { class: "locked" }, " · ", icon("lock"), t("host.locked")) : null,
    ]);
    phaseChip.dataset.phase = s.phase;
    clockEl.textContent = t("host.clock", { time: clock(s.clusterMs), k: Math.round(s.compression) });
    if (s.phase === "debrief" && wasPhase && wasPhase !== "debrief") select("debrief");
    wasPhase = s.phase;

    for (const [action, b] of controlButtons) b.disabled = !actionAllowed(action, s.phase, s.locked);
    if (document.activeElement !== slider) {
      slider.value = String(Math.round(s.compression));
      showSpeed(Math.round(s.compression));
    }

    const joinUrl = s.teacher?.joinUrl || `${location.origin}/?code=${code}`;
    if (joinLink.getAttribute("href") !== joinUrl) {
      joinLink.href = joinUrl;
      joinLink.textContent = joinUrl.replace(/^https?:\/\//, "");
      qr.alt = t("host.qrAlt", { url: joinUrl });
    }
    const displayKey = s.teacher?.displayKey;
    if (displayKey) {
      const url = `${location.origin}/display.html#code=${encodeURIComponent(code)}&key=${encodeURIComponent(displayKey)}`;
      if (displayLink.getAttribute("href") !== url) {
        displayLink.href = url;
        displayLink.removeAttribute("aria-disabled");
      }
    }

    renderRoster(s, lang);
    renderHealth(s, lang);
    lesson.render(s);
    renderTargets(s);
    for (const [kind, b] of commandButtons) b.hidden = !kindsForMode(s.mode).has(kind);
    for (const g of [nodeGroup, podGroup, composeGroup, trafficGroup, releaseGroup, shipGroup]) {
      g.hidden = ![...g.querySelectorAll<HTMLButtonElement>("button.cmd")].some((b) => !b.hidden);
    }
    replace(trafficGroup.querySelector(".registry-status")!, `${lang}|${s.registryDown}`, () => [
      icon(s.registryDown ? "bad" : "ok"),
      t(s.registryDown ? "host.registryDown" : "host.registryUp"),
    ]);

    // Pods exist only in the Kubernetes round; the other rounds still have nodes.
    podsCmdline.hidden = podsTable.el.hidden = s.mode !== "kubernetes";
    const now = performance.now();
    // The feed and the tables are the heaviest DOM; twice a second is as fast as anyone reads them.
    if (force || now - lastSlow > 500) {
      lastSlow = now;
      renderFeed(s, lang);
      const pods = [...s.pods.values()];
      nodesTable.set(nodeRows(s.nodes.values(), pods));
      const rows = podRows(pods, s.clusterMs);
      podsTable.set(rows.slice(0, MAX_POD_ROWS), Math.max(0, rows.length - MAX_POD_ROWS));
    }
    city?.update(s);
  }

  function renderRoster(s: LiveClassState, lang: string): void {
    const students = [...s.students.values()].sort((a, b) => (b.points ?? 0) - (a.points ?? 0) || a.name.localeCompare(b.name));
    const online = students.filter((x) => x.connected).length;
    replace(rosterHeading, `${lang}|${students.length}|${online}`, () => [t("host.rosterHeading", { n: students.length, online })]);
    const key = JSON.stringify([lang, students.map((x) => [x.id, x.name, x.nodeName, x.connected, x.points, x.device])]);
    replace(rosterList, key, () =>
      students.length === 0
        ? [h("li", { class: "empty" }, t("host.noStudents"))]
        : students.map((x) =>
            h(
              "li",
              { class: `student-row ${x.connected ? "online" : "offline"}`, "data-student": x.id, "data-node": x.nodeName },
              h("span", { class: "student-name" }, icon("user"), h("strong", {}, bdi(x.name))),
              h("span", { class: "student-points" }, icon("star"), t("host.points", { n: x.points ?? 0 })),
              h(
                "span",
                { class: "student-meta" },
                h("code", {}, x.nodeName),
                " · ",
                h("span", { class: "student-online" }, icon(x.connected ? "ok" : "wifiOff"), t(x.connected ? "roster.yes" : "roster.no")),
                x.device ? ` · ${x.device}` : "",
              ),
              h("button", { type: "button", class: "small danger", onClick: () => void kick(x.id, x.name), "aria-label": t("host.kickLabel", { name: x.name }) }, t("host.kick")),
            ),
          ),
    );
  }

  function renderHealth(s: LiveClassState, lang: string): void {
    let rps = 0;
    let errors = 0;
    s.services.forEach((svc) => {
      rps += svc.rps;
      errors += svc.errors;
    });
    let desired = 0;
    let ready = 0;
    s.deployments.forEach((d) => {
      desired += d.replicas;
      ready += d.ready;
    });
    let nodesReady = 0;
    s.nodes.forEach((n) => {
      if (n.ready === "True") nodesReady++;
    });
    const budgetLow = s.errorBudget < 0.25;
    const items: [MessageKey, string, "ok" | "warn" | "bad"][] = [
      ["stat.availability", percent(s.availability, 2), s.availability >= 0.99 ? "ok" : "bad"],
      ["stat.errorBudget", s.errorBudget <= 0 ? t("stat.budgetSpent") : percent(s.errorBudget, 0), s.errorBudget <= 0 ? "bad" : budgetLow ? "warn" : "ok"],
      ["stat.traffic", t("stat.trafficValue", { rps: Math.round(rps * 10) / 10, errors: Math.round(errors * 10) / 10 }), errors > 0 ? "warn" : "ok"],
      ["stat.nodes", `${nodesReady}/${s.nodes.size}`, nodesReady < s.nodes.size ? "bad" : "ok"],
    ];
    if (s.mode === "kubernetes") items.splice(3, 0, ["stat.replicas", `${ready}/${desired}`, ready < desired ? "warn" : "ok"]);
    replace(stats, JSON.stringify([lang, items]), () =>
      items.map(([k, v, tone]) => h("div", { class: `stat tone-${tone}` }, h("dt", {}, t(k)), h("dd", {}, icon(tone), v))),
    );
  }

  function renderTargets(s: LiveClassState): void {
    const ownerName = (n: string) => s.nodes.get(n)?.student;
    setOptions(nodeSelect, [
      { value: "", text: t("cmd.randomNode") },
      ...[...s.nodes.values()]
        .sort((a, b) => a.slot - b.slot)
        .map((n) => ({ value: n.name, text: ownerName(n.name) ? `${n.name} (\u2068${ownerName(n.name)}\u2069)` : n.name })),
    ]);
    if (selectedNode && nodeSelect.value !== selectedNode && s.nodes.get(selectedNode)) nodeSelect.value = selectedNode;
    const apps = [...new Set([...s.pods.values()].map((p) => p.app))].sort();
    const podNames = [...s.pods.values()].filter((p) => !p.terminating).map((p) => p.name).sort();
    setOptions(podSelect, [
      { value: "", text: t("cmd.randomPod") },
      ...apps.map((a) => ({ value: `${APP_PREFIX}${a}`, text: t("cmd.everyPodOf", { app: a }) })),
      ...podNames.slice(0, 300).map((p) => ({ value: p, text: p })),
    ]);
    setOptions(serviceSelect, [...s.services.values()].map((x) => ({ value: x.name, text: x.name })));
    setOptions(deploymentSelect, [...s.deployments.values()].map((d) => ({ value: d.name, text: `${d.name} (${d.version}, ${d.ready}/${d.replicas})` })));
  }

  function renderFeed(s: LiveClassState, lang: string): void {
    const events = sortEvents(s.events.values());
    replace(feedBody, JSON.stringify([lang, events.map((e) => [e.id, e.count, e.atMs])]), () =>
      events.length === 0
        ? [h("tr", {}, h("td", { colspan: 4, class: "empty" }, t("host.noEvents")))]
        : events.map((e) => {
            const warn = e.type === "Warning";
            return h(
              "tr",
              { class: warn ? "warning" : "normal", "data-reason": e.reason },
              h("td", {}, h("time", {}, clock(e.atMs))),
              h("td", { class: "type" }, icon(warn ? "warn" : "info"), t(warn ? "event.warning" : "event.normal")),
              // The object under its reason: the message needs the width more than the name does.
              h("td", { class: "reason" }, h("code", {}, e.reason), h("br"), h("code", { class: "object" }, e.object)),
              h("td", {}, e.message, e.count > 1 ? h("span", { class: "count" }, ` ×${e.count}`) : null),
            );
          }),
    );
  }

  const session = watchSession(room, (reason) => {
    stop();
    if (reason === "ended") {
      problem("conn.ended");
      return;
    }
    void reconnect();
  });
  const stop = onStatePatch(room, () => renderAll());
  renderAll(true);
  renderSelected();

  return {
    destroy() {
      destroyed = true;
      session.leaving();
      stop();
      offLang();
      removeEventListener("resize", onResize);
      city?.destroy();
      debrief?.destroy();
    },
  };
}

let page: { destroy(): void } | null = null;

async function reconnect(): Promise<void> {
  showBanner("conn.rejoining", "warn");
  for (let attempt = 0; ; attempt++) {
    await new Promise((r) => setTimeout(r, Math.min(5000, 500 * 2 ** attempt)));
    try {
      const conn = await joinAsTeacher(code, key);
      hideBanner();
      page?.destroy();
      page = mountHost(conn);
      return;
    } catch (err) {
      const e = joinErrorKey(err);
      if (e.key === "join.error.notFound" || e.key === "join.error.kicked") {
        hideBanner();
        page?.destroy();
        problem("conn.classGone");
        return;
      }
    }
  }
}

async function start(): Promise<void> {
  if (!code || !key) {
    problem("host.error.noKey");
    return;
  }
  app.replaceChildren(h("p", { class: "card", role: "status" }, t("host.connecting", { code })));
  let conn: Connection;
  try {
    conn = await joinAsTeacher(code, key);
  } catch (err) {
    console.error("joining as the teacher failed", err);
    const e = joinErrorKey(err);
    if (e.key === "join.error.kicked") problem("host.error.badKey");
    else if (e.key === "join.error.notFound") problem("conn.classGone");
    else if (e.key === "join.error.network") void reconnect();
    else problem("host.error.other", e.detail);
    return;
  }
  page = mountHost(conn);
}

void start();
