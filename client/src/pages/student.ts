/**
 * The student's phone: their building up close, what just happened to it and why, what they can
 * do about it, and their points. Everything is read from room.state on each patch; the only things
 * sent are nodeAction intents, each answered by a result shown in a toast.
 */
import type { Connection } from "../net/connection.ts";
import type { LiveClassState, LiveNode } from "../state.ts";
import type { ComposeContainerSnapshot, PodSnapshot } from "../../../shared/protocol/snapshot.ts";
import { language, onLanguageChange, t, type MessageKey } from "../i18n/index.ts";
import { bdi, h, ht, replace } from "../ui/dom.ts";
import { announce, resultToast, toast } from "../ui/feedback.ts";
import { clock, sortEvents } from "../ui/format.ts";
import { icon, toneIcon } from "../ui/icons.ts";
import { eventInWords, hitMark, nodeChip, nodeStory, wasHit, type HitMark } from "../ui/node-story.ts";
import { mountCityView, type CityHandle } from "../ui/city.ts";
import { onReducedMotionChange, prefsControls, reducedMotion } from "../ui/prefs.ts";
import { onStatePatch, watchSession, type GoneReason } from "../ui/session.ts";
import { mountStudentLesson } from "./student-lesson.ts";

export interface StudentPage {
  destroy(): void;
}

type NodeAction = "cordon" | "uncordon" | "drain" | "restartContainer";

function podTone(p: Pick<PodSnapshot, "status" | "ready" | "terminating">): "ok" | "warn" | "bad" | "info" {
  if (["CrashLoopBackOff", "Error", "OOMKilled", "ErrImagePull", "ImagePullBackOff", "Evicted"].includes(p.status)) return "bad";
  if (p.terminating) return "info";
  return p.ready ? "ok" : "warn";
}

export function mountStudent(root: HTMLElement, conn: Connection, opts: { onGone: (reason: GoneReason, code: number) => void }): StudentPage {
  const { room, welcome } = conn;
  const state = () => room.state as LiveClassState;
  const myNode = welcome.nodeName ?? "";
  const myId = welcome.studentId ?? "";

  const pointsValue = h("strong", {}, "0");
  const points = h("p", { class: "points" }, icon("star"), pointsValue, " ", ht("span", "student.points"));
  const header = h(
    "header",
    { class: "topbar" },
    h("div", { class: "brand" }, h("img", { src: "/favicon.svg", alt: "", width: 32, height: 32 }), ht("span", "app.title")),
    points,
    prefsControls(),
  );

  const nameLine = h("p", { class: "who" });
  const chip = h("p", { class: "chip" });
  const story = h("ul", { class: "story" });
  const meHeading = h("h1", { id: "me-heading" }, ht("span", "student.yourBuilding"), " ", h("code", { class: "node-name" }, myNode));
  const me = h("section", { class: "card me", "aria-labelledby": "me-heading", "data-testid": "my-node" }, meHeading, chip, nameLine, story);

  const buildingBox = h("div", { class: "city-box city-building" });
  const cityCard = h("section", { class: "card city-card", "aria-labelledby": "city-heading" }, ht("h2", "student.drawn", { id: "city-heading", class: "sr-only" }), buildingBox);

  const actionsBody = h("div", { class: "actions-body" });
  const actions = h("section", { class: "card actions", "aria-labelledby": "actions-heading" }, ht("h2", "student.actions", { id: "actions-heading" }), actionsBody);

  const podList = h("ul", { class: "pod-list" });
  const podsHeading = ht("h2", "student.pods", { id: "pods-heading" });
  const pods = h("section", { class: "card pods", "aria-labelledby": "pods-heading" }, podsHeading, podList);

  const eventList = h("ol", { class: "event-list", reversed: true });
  const events = h("section", { class: "card events", "aria-labelledby": "events-heading" }, ht("h2", "student.events", { id: "events-heading" }), eventList);

  const miniBox = h("div", { class: "city-box city-minimap" });
  const mini = h("section", { class: "card minimap", "aria-labelledby": "mini-heading" }, ht("h2", "student.city", { id: "mini-heading" }), miniBox);

  // The lesson (step, question, outcome), the leaderboard and, when the teacher allows it, kubectl.
  const lesson = mountStudentLesson(conn, { id: myId, node: myNode });

  // Two columns on a laptop; on a phone the wrappers dissolve (display: contents) and CSS order
  // puts the lesson first and the building right under the story.
  const main = h(
    "main",
    { class: "student", id: "main" },
    h("div", { class: "student-col" }, lesson.lessonCard, me, actions, pods, lesson.boardCard, lesson.consoleCard),
    h("div", { class: "student-col" }, cityCard, events, mini),
  );
  root.replaceChildren(header, main);

  const session = watchSession(room, opts.onGone);
  const cities: CityHandle[] = [];
  let destroyed = false;
  const loading = () => ht("p", "student.cityLoading", { class: "city-loading" });
  buildingBox.append(loading());
  miniBox.append(loading());
  const mountInto = (box: HTMLElement, view: "building" | "minimap") =>
    mountCityView(box, { reducedMotion: reducedMotion(), language: language(), focusNode: myNode, view }).then((c) => {
      if (destroyed) {
        c.destroy();
        return null;
      }
      box.querySelector(".city-loading")?.remove();
      cities.push(c);
      c.update(state());
      return c;
    });
  void mountInto(buildingBox, "building");

  // A second WebGL city costs a phone battery and CPU; the minimap runs only while it is on screen.
  let miniCity: Promise<CityHandle | null> | null = null;
  let miniTimer: ReturnType<typeof setTimeout> | undefined;
  const miniObserver = new IntersectionObserver(
    ([entry]) => {
      clearTimeout(miniTimer);
      if (entry?.isIntersecting) {
        miniCity ??= mountInto(miniBox, "minimap");
        return;
      }
      miniTimer = setTimeout(() => {
        const pending = miniCity;
        miniCity = null;
        void pending?.then((c) => {
          if (!c) return;
          cities.splice(cities.indexOf(c), 1);
          c.destroy();
          miniBox.replaceChildren(loading());
        });
      }, 10_000);
    },
    { rootMargin: "200px" },
  );
  miniObserver.observe(miniBox);
  onReducedMotionChange((on) => cities.forEach((c) => c.setReducedMotion(on)));
  const offLang = onLanguageChange(() => {
    for (const c of cities) c.setLanguage?.(language());
    lastActionsKey = "";
    render();
  });
  const onResize = () => cities.forEach((c) => c.resize());
  addEventListener("resize", onResize);

  let busy = false;
  let lastActionsKey = "";
  const act = async (action: NodeAction, service?: string) => {
    if (busy) return;
    busy = true;
    lastActionsKey = "";
    render();
    try {
      const r = await conn.request("nodeAction", service ? { action, service } : { action });
      resultToast(r.ok, r.ok ? r.message : r.error);
    } catch (err) {
      toast(`${t("ui.refused")} ${(err as Error).message}`, "bad");
    } finally {
      busy = false;
      lastActionsKey = "";
      render();
    }
  };

  const actionButton = (action: "cordon" | "uncordon" | "drain", disabled: boolean) =>
    h(
      "div",
      { class: "action" },
      ht("button", `action.${action}` as MessageKey, { type: "button", class: `big-button action-${action}`, disabled: disabled || busy, onClick: () => void act(action) }),
      ht("p", `action.${action}.why` as MessageKey, { class: "hint" }),
    );

  function renderActions(node: LiveNode | undefined, containers: ComposeContainerSnapshot[], mode: string): void {
    const key = JSON.stringify([busy, mode, node?.cordoned, node?.draining, !!node, containers.map((c) => [c.service, c.status, c.restarts])]);
    if (key === lastActionsKey) return;
    lastActionsKey = key;
    if (!node) {
      actionsBody.replaceChildren(ht("p", "student.noActions"));
      return;
    }
    if (mode === "compose") {
      actionsBody.replaceChildren(
        ht("p", "action.compose.why", { class: "hint" }),
        h(
          "ul",
          { class: "containers" },
          containers.map((c) => {
            const down = c.status === "exited" || c.status === "restarting";
            return h(
              "li",
              { class: `container ${down ? "down" : ""}` },
              toneIcon(down ? "bad" : c.health === "unhealthy" ? "warn" : "ok"),
              h("span", { class: "container-name" }, c.service),
              h("span", { class: "container-status" }, t("student.containerStatus", { status: c.status, health: c.health, restarts: c.restarts })),
              h(
                "button",
                { type: "button", class: `big-button ${down ? "primary" : ""}`, disabled: busy, onClick: () => void act("restartContainer", c.service) },
                t("action.restart", { service: c.service }),
              ),
            );
          }),
        ),
      );
      return;
    }
    if (mode === "bare") {
      actionsBody.replaceChildren(ht("p", "student.bareRuntimes", {}, { runtimes: node.runtimes || "—" }));
      return;
    }
    actionsBody.replaceChildren(
      actionButton("cordon", node.cordoned),
      actionButton("uncordon", !node.cordoned),
      actionButton("drain", node.draining),
    );
  }

  function renderPods(list: PodSnapshot[], mode: string): void {
    pods.hidden = mode !== "kubernetes";
    const key = JSON.stringify([language(), list.map((p) => [p.name, p.status, p.ready, p.restarts])]);
    replace(podList, key, () =>
      list.length === 0
        ? [ht("li", "student.noPods", { class: "empty" })]
        : list.map((p) => {
            const tone = podTone(p);
            return h(
              "li",
              { class: `pod tone-${tone}`, "data-pod": p.name, "data-status": p.status },
              toneIcon(tone),
              h("code", { class: "pod-name" }, p.name),
              h("span", { class: "pod-status" }, p.status),
              h("span", { class: "pod-extra" }, t(p.ready ? "student.podReady" : "student.podNotReady"), " · ", t("student.restarts", { n: p.restarts })),
            );
          }),
    );
  }

  const seen = new Map<number, number>();
  let primed = false;
  function renderEvents(): void {
    // The server sends a student only its own node's events (the state's feed is the projector's).
    const mine = sortEvents(conn.mine.events.values());
    const fresh: string[] = [];
    for (const e of [...mine].reverse()) {
      if (primed && seen.get(e.id) !== e.count) fresh.push(eventInWords(e, t));
      seen.set(e.id, e.count);
    }
    // What was already there when the page opened is history, not news.
    if (primed) for (const text of fresh.slice(-3)) announce(text);
    primed = true;
    const top = mine.slice(0, 8);
    replace(eventList, JSON.stringify([language(), top.map((e) => [e.id, e.count])]), () =>
      top.length === 0
        ? [ht("li", "student.noEvents", { class: "empty" })]
        : top.map((e) =>
            h(
              "li",
              { class: `event ${e.type === "Warning" ? "warning" : "normal"}` },
              icon(e.type === "Warning" ? "warn" : "info"),
              h("time", {}, clock(e.atMs)),
              h("span", { class: "event-type" }, e.type === "Warning" ? t("event.warning") : t("event.normal")),
              h("span", { class: "event-text" }, eventInWords(e, t), e.count > 1 ? ` ×${e.count}` : ""),
            ),
        ),
    );
  }

  let mark: HitMark | null = null;
  function feelHit(node: LiveNode | undefined, list: PodSnapshot[], containers: ComposeContainerSnapshot[]): void {
    const next = hitMark(node, list, containers);
    const hit = wasHit(mark, next);
    mark = next;
    if (!hit) return;
    // Browsers allow vibration only after the person has touched the page (joining counts).
    if (navigator.userActivation?.hasBeenActive !== false) {
      try {
        navigator.vibrate?.(hit === "down" ? [200, 100, 200, 100, 300] : [150]);
      } catch {
        /* vibration is a bonus; some browsers throw instead of ignoring */
      }
    }
    if (!reducedMotion()) {
      me.classList.remove("hit");
      void me.offsetWidth;
      me.classList.add("hit");
    }
  }

  function render(): void {
    if (destroyed) return;
    const s = state();
    if (!s?.nodes) return;
    const node = s.nodes.get(myNode);
    const list = [...s.pods.values()].filter((p) => p.node === myNode);
    const containers = node ? [...node.containers.values()] : [];
    const student = s.students.get(myId);
    const myPoints = conn.mine.you?.points ?? 0;
    pointsValue.textContent = String(myPoints);
    document.title = `${myPoints} · ${t("app.title")}`;

    const c = nodeChip(node);
    replace(chip, `${language()}|${c.key}`, () => [h("span", { class: `chip-inner tone-${c.tone}` }, toneIcon(c.tone), t(c.key))]);
    chip.dataset.status = c.key;
    replace(nameLine, `${language()}|${student?.name}|${clock(s.clusterMs)}|${s.compression}|${s.phase}`, () => [
      t("student.youAre"), " ", bdi(student?.name ?? ""), " · ",
      t("student.clusterTime", { time: clock(s.clusterMs), k: Math.round(s.compression) }),
    ]);
    const lines = nodeStory({ node, pods: list, containers, clusterMs: s.clusterMs, compression: s.compression, mode: s.mode, phase: s.phase, servedRps: conn.mine.you?.servedRps }, t);
    replace(story, JSON.stringify(lines), () => lines.map((l) => h("li", { class: `story-line tone-${l.tone}` }, toneIcon(l.tone), h("span", {}, l.text))));

    renderActions(node, containers, s.mode);
    renderPods(list, s.mode);
    renderEvents();
    feelHit(node, list, containers);
    lesson.render(s);
    for (const city of cities) city.update(s);
  }

  const stop = onStatePatch(room, render);
  // Points and node events come as messages of their own: draw them on the next frame too.
  let mineQueued = false;
  const offMine = conn.mine.onChange(() => {
    if (mineQueued) return;
    mineQueued = true;
    const run = () => {
      mineQueued = false;
      render();
    };
    if (document.hidden) setTimeout(run, 200);
    else requestAnimationFrame(run);
  });
  render();

  return {
    destroy() {
      destroyed = true;
      session.leaving();
      stop();
      offMine();
      offLang();
      miniObserver.disconnect();
      clearTimeout(miniTimer);
      removeEventListener("resize", onResize);
      for (const c of cities.splice(0)) c.destroy();
    },
  };
}
