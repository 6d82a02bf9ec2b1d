/**
 * Mounts the city renderer (client/src/city, Phaser, a separate chunk) behind one small interface.
 * import.meta.glob resolves to nothing when the city module is absent, so the pages build and run
 * with a plain list of buildings until it exists, and whenever it fails to load (old GPU, no WebGL).
 */
import type { LiveClassState, LiveNode } from "../state.ts";
import type { Language } from "../i18n/index.ts";
import { h } from "./dom.ts";

export type CityView = "city" | "building" | "minimap";

export interface CityOptions {
  view: CityView;
  focusNode?: string;
  reducedMotion?: boolean;
  onBuildingClick?: (node: unknown) => void;
  language?: Language;
  /** Where the legend goes: true in a corner of the city, false nowhere, or into this element. */
  legend?: boolean | HTMLElement;
}

export interface CityHandle {
  update(state: LiveClassState): void;
  setFocus(node: string | null): void;
  setReducedMotion(reduced: boolean): void;
  resize(): void;
  destroy(): void;
  /** Optional: relabel without remounting (the Phaser city has it; the plain list needs nothing). */
  setLanguage?(language: Language): void;
}

type CityModule = { mountCity: (parent: HTMLElement, options: CityOptions) => CityHandle };
const modules = import.meta.glob<CityModule>("../city/index.ts");

/** The name of whatever the city passes to onBuildingClick (a node name, or a node object). */
export function clickedNodeName(node: unknown): string | null {
  if (typeof node === "string") return node;
  if (node && typeof node === "object" && "name" in node && typeof (node as { name: unknown }).name === "string") {
    return (node as { name: string }).name;
  }
  return null;
}

export async function mountCityView(parent: HTMLElement, options: CityOptions): Promise<CityHandle> {
  const load = modules["../city/index.ts"];
  if (load) {
    try {
      const mod = await load();
      return mod.mountCity(parent, options);
    } catch (err) {
      console.error("city renderer failed to load; showing the plain list", err);
    }
  }
  return mountPlainCity(parent, options);
}

function statusOf(n: LiveNode): { text: string; cls: string } {
  if (!n.powered) return { text: "NotReady · powered off", cls: "bad" };
  if (n.partitioned) return { text: "NotReady · network cut", cls: "bad" };
  if (n.ready !== "True") return { text: "NotReady", cls: "bad" };
  if (n.cordoned) return { text: "Ready,SchedulingDisabled", cls: "warn" };
  return { text: "Ready", cls: "ok" };
}

/** Fallback renderer: one button per building with its status and pods in words. */
function mountPlainCity(parent: HTMLElement, options: CityOptions): CityHandle {
  let focus = options.focusNode ?? null;
  const root = h("div", { class: `plain-city plain-city-${options.view}` });
  parent.append(root);
  let last = "";
  return {
    update(state) {
      const nodes = [...state.nodes.values()].filter((n) => options.view !== "building" || n.name === focus);
      const pods = [...state.pods.values()];
      const key = JSON.stringify([focus, nodes.map((n) => [n.name, statusOf(n).text, n.student]), pods.map((p) => [p.name, p.node, p.status])]);
      if (key === last) return;
      last = key;
      root.replaceChildren(
        ...nodes.map((n) => {
          const st = statusOf(n);
          const mine = pods.filter((p) => p.node === n.name);
          const b = h(
            options.onBuildingClick ? "button" : "div",
            { class: `plain-building ${st.cls}${n.name === focus ? " focused" : ""}`, "data-node": n.name, "data-status": st.cls },
            h("strong", {}, n.name),
            h("span", {}, st.text),
            options.view === "minimap" ? null : h("small", {}, h("bdi", {}, n.student)),
            options.view === "minimap" ? null : h("span", { class: "plain-pods" }, mine.map((p) => `${p.name} ${p.status}`).join(" · ") || "—"),
          );
          if (options.onBuildingClick) b.addEventListener("click", () => options.onBuildingClick?.(n.name));
          return b;
        }),
      );
    },
    setFocus(node) {
      focus = node;
      last = "";
    },
    setReducedMotion() {},
    resize() {},
    destroy() {
      root.remove();
    },
  };
}
