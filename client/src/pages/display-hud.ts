/**
 * What the projector shows around the city, shared by the live display (display.ts) and the replay
 * (replay.ts), so a replayed moment reads exactly as the live class did: availability against the
 * SLO, the error budget, buildings and pods ready, traffic, and the event feed. Both pages carry
 * the same element ids (display.html, replay.html). Cheap DOM writes, only where the text changed.
 */
import { cityLabel, type CityLabelKey, type CityLanguage } from "../city/labels.ts";
import { formatClock, formatRate } from "../city/model.ts";
import type { LiveClassState } from "../state.ts";
import { SLO_TARGET } from "../../../shared/game/score.ts";
import { percent } from "../ui/format.ts";

export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** Kubelet and controller chatter: counted in one line, so it never pushes a warning off screen. */
const ROUTINE = new Set(["Scheduled", "Pulling", "Pulled", "Created", "Started", "Killing", "SuccessfulCreate", "SuccessfulDelete"]);

export interface DisplayHud {
  render(s: LiveClassState): void;
}

export function displayHud(lang: CityLanguage): DisplayHud {
  const L = (key: CityLabelKey, vars?: Record<string, string | number>) => cityLabel(lang, key, vars);
  const $ = (id: string) => document.getElementById(id)!;
  const el = {
    availabilityLabel: $("availabilityLabel"), sloTarget: $("sloTarget"), availability: $("availability"), sloMark: $("sloMark"), sloWords: $("sloWords"),
    budgetLabel: $("budgetLabel"), budgetMeter: $("budgetMeter"), budgetFill: $("budgetFill"), budgetWords: $("budgetWords"),
    nodesLine: $("nodesLine"), podsLine: $("podsLine"), rpsLine: $("rpsLine"), eventsTitle: $("eventsTitle"), events: $("events"),
  };
  el.availabilityLabel.textContent = L("display.availability");
  el.sloTarget.textContent = L("display.slo", { target: percent(SLO_TARGET, 0) });
  el.budgetLabel.textContent = L("display.budget");
  el.eventsTitle.textContent = L("display.events");
  let lastEventsKey = "";

  function renderEvents(s: LiveClassState): void {
    const events: { id: number; type: string; reason: string; object: string; message: string; count: number; atMs: number }[] = [];
    s.events.forEach((e) => events.push(e));
    events.sort((a, b) => b.id - a.id);
    const notable = events.filter((e) => e.type === "Warning" || !ROUTINE.has(e.reason)).slice(0, 6);
    const routine = new Map<string, number>();
    for (const e of events) if (e.type !== "Warning" && ROUTINE.has(e.reason)) routine.set(e.reason, (routine.get(e.reason) ?? 0) + e.count);
    const key = notable.map((e) => `${e.id}:${e.count}`).join(",") + [...routine].join(",") + lang;
    if (key === lastEventsKey) return;
    lastEventsKey = key;
    el.events.replaceChildren();
    if (routine.size > 0) {
      const li = document.createElement("li");
      li.className = "cc-event-routine";
      li.textContent = L("display.routine", { list: [...routine].map(([r, n]) => `${r} ×${n}`).join(" · ") });
      el.events.append(li);
    }
    if (notable.length === 0 && routine.size === 0) {
      const li = document.createElement("li");
      li.className = "cc-event-empty";
      li.textContent = L("display.noEvents");
      el.events.append(li);
      return;
    }
    for (const e of notable) {
      const li = document.createElement("li");
      const warn = e.type === "Warning";
      li.className = warn ? "cc-event is-warning" : "cc-event";
      const head = document.createElement("div");
      head.className = "cc-event-head";
      const icon = document.createElement("span");
      icon.className = "cc-event-icon";
      icon.textContent = warn ? "⚠" : "•";
      icon.setAttribute("aria-label", e.type);
      const reason = document.createElement("b");
      reason.textContent = e.reason + (e.count > 1 ? ` ×${e.count}` : "");
      const when = document.createElement("time");
      when.textContent = formatClock(e.atMs);
      head.append(icon, reason, when);
      const msg = document.createElement("div");
      msg.className = "cc-event-msg";
      msg.textContent = e.message || e.object;
      li.append(head, msg);
      el.events.append(li);
    }
  }

  return {
    render(s) {
      const met = s.availability >= SLO_TARGET;
      setText(el.availability, percent(s.availability, 2));
      setText(el.sloMark, met ? "✓" : "✕");
      el.sloMark.dataset.ok = String(met);
      setText(el.sloWords, L(met ? "display.sloMet" : "display.sloMissed"));
      el.availability.parentElement!.dataset.ok = String(met);

      const budget = s.errorBudget;
      const width = Math.max(0, Math.min(1, budget));
      el.budgetFill.style.width = `${width * 100}%`;
      el.budgetFill.dataset.level = budget > 0.5 ? "ok" : budget > 0.2 ? "warn" : "bad";
      el.budgetMeter.setAttribute("aria-valuenow", String(Math.round(budget * 100)));
      setText(el.budgetWords, budget >= 0 ? L("display.budgetLeft", { pct: percent(budget, 0) }) : L("display.budgetSpent"));

      let readyNodes = 0;
      s.nodes.forEach((n) => {
        if (n.ready === "True") readyNodes++;
      });
      // What "pods" are depends on the round: containers on Docker hosts, apps on bare machines.
      let readyPods = 0;
      let livePods = 0;
      let podsKey: CityLabelKey = "display.pods";
      if (s.mode === "compose") {
        podsKey = "display.containers";
        s.nodes.forEach((n) => n.containers.forEach((c) => {
          livePods++;
          if (c.status === "running" && n.powered) readyPods++;
        }));
      } else if (s.mode === "bare") {
        podsKey = "display.apps";
        s.nodes.forEach((n) => {
          livePods++;
          if (n.bareStatus === "running" && n.powered) readyPods++;
        });
      } else {
        s.pods.forEach((p) => {
          if (p.terminating) return;
          livePods++;
          if (p.ready) readyPods++;
        });
      }
      let rps = 0;
      s.services.forEach((svc) => (rps += svc.rps));
      setText(el.nodesLine, L("display.nodes", { ready: readyNodes, total: s.nodes.size }));
      setText(el.podsLine, L(podsKey, { ready: readyPods, total: livePods }));
      setText(el.rpsLine, L("display.rps", { rps: formatRate(rps) }));
      renderEvents(s);
    },
  };
}
