/**
 * The legend as DOM: each picture of the city (drawn again as a small SVG, in the same shapes and
 * colors as on the map) next to the Kubernetes word it stands for. DOM text stays sharp on any
 * screen and is read by screen readers; the map itself cannot be.
 */
import type { LegendEntry } from "./model.ts";
import { cityLabel, type CityLanguage } from "./labels.ts";

const SKY = "#56b4e9";
const ORANGE = "#e69f00";
const GREEN = "#009e73";
const VERMILLION = "#d55e00";
const YELLOW = "#f0e442";
const BLUE = "#0072b2";
const FACADE = "#dfe5ee";
const FRAME = "#1d2430";
const EMPTY = "#39465a";

const svg = (body: string) => `<svg viewBox="0 0 48 36" width="48" height="36" aria-hidden="true" focusable="false">${body}</svg>`;
const win = (x: number, y: number, fill: string, extra = "") => `<rect x="${x}" y="${y}" width="10" height="8" fill="${fill}" ${extra}/>`;
const tower = (facade = FACADE, windows = [SKY, ORANGE, SKY, EMPTY]) =>
  `<rect x="10" y="6" width="28" height="28" fill="${facade}"/><rect x="8" y="4" width="32" height="4" fill="#9aa7b8"/>` +
  windows.map((c, i) => win(12 + (i % 2) * 14, 11 + Math.floor(i / 2) * 11, c)).join("");
const flames = (x: number, y: number, s: number) =>
  `<polygon points="${x - 6 * s},${y} ${x + 6 * s},${y} ${x},${y - 16 * s}" fill="${VERMILLION}"/><polygon points="${x - 3 * s},${y} ${x + 3 * s},${y} ${x},${y - 8 * s}" fill="${YELLOW}"/>`;
const car = (x: number, y: number, fill: string, cross = false) =>
  `<rect x="${x}" y="${y}" width="18" height="9" rx="3" fill="${fill}"/><rect x="${x + 11}" y="${y + 2}" width="4" height="5" fill="${FRAME}"/>` +
  (cross ? `<path d="M${x + 4} ${y + 1}L${x + 12} ${y + 8}M${x + 12} ${y + 1}L${x + 4} ${y + 8}" stroke="#000" stroke-width="2"/>` : "");

export const LEGEND_ICONS: Record<string, string> = {
  building: svg(tower()),
  apartment: svg(`<rect x="12" y="8" width="24" height="20" fill="${SKY}"/>`),
  color: svg(`<rect x="4" y="10" width="12" height="16" fill="${SKY}"/><rect x="18" y="10" width="12" height="16" fill="${ORANGE}"/><rect x="32" y="10" width="12" height="16" fill="${GREEN}"/>`),
  pattern: svg(`<rect x="4" y="8" width="18" height="20" fill="${SKY}"/><rect x="26" y="8" width="18" height="20" fill="${SKY}"/><path d="M26 20L34 8M26 28L42 8M34 28L44 15" stroke="#000" stroke-width="2" opacity=".6"/><text x="13" y="34" font-size="8" text-anchor="middle" fill="#fff" font-family="sans-serif">v1</text><text x="35" y="34" font-size="8" text-anchor="middle" fill="#fff" font-family="sans-serif">v2</text>`),
  starting: svg(`<rect x="13" y="9" width="22" height="18" fill="${SKY}" opacity=".3"/><rect x="13" y="9" width="22" height="18" fill="none" stroke="${SKY}" stroke-width="3"/><rect x="17" y="17" width="3" height="3" fill="#fff"/><rect x="23" y="17" width="3" height="3" fill="#fff"/><rect x="29" y="17" width="3" height="3" fill="#fff"/>`),
  scaffolding: svg(`${tower()}<rect x="6" y="0" width="36" height="5" fill="${FRAME}"/><rect x="7" y="1" width="16" height="3" fill="${SKY}"/><path d="M7 6V34M41 6V34M5 14H43M5 26H43M7 26L24 14M41 26L24 14" stroke="${ORANGE}" stroke-width="2"/>`),
  crash: svg(`<rect x="12" y="7" width="24" height="22" fill="${FRAME}" stroke="${SKY}" stroke-width="3"/><polygon points="26,9 17,20 23,20" fill="${YELLOW}"/><polygon points="22,27 31,16 25,16" fill="${YELLOW}"/>`),
  ghost: svg(`<rect x="12" y="8" width="24" height="20" fill="${SKY}" opacity=".3"/><path d="M15 10L33 26M33 10L15 26" stroke="#000" stroke-width="3"/>`),
  dim: svg(`${tower("#6b7280", ["#2a5f80", "#2a5f80", EMPTY, EMPTY])}<circle cx="37" cy="8" r="7" fill="#fff" stroke="${FRAME}" stroke-width="2"/><text x="37" y="12" font-size="11" font-weight="bold" text-anchor="middle" fill="${FRAME}" font-family="sans-serif">?</text>`),
  fire: svg(`${tower("#3b3f46", [FRAME, FRAME, FRAME, FRAME])}${flames(16, 8, 1)}${flames(30, 8, 1.2)}${flames(24, 24, 0.7)}`),
  smoke: svg(`${tower("#3b3f46", [FRAME, FRAME, FRAME, FRAME])}<circle cx="22" cy="6" r="5" fill="#9aa1ab"/><circle cx="30" cy="3" r="4" fill="#9aa1ab" opacity=".7"/>`),
  cable: svg(`<rect x="4" y="4" width="4" height="30" fill="#5b4a3a"/><path d="M6 6L18 16M28 14L44 8" stroke="#111" stroke-width="3"/><path d="M15 11l6 6M15 17l6-6M25 11l6 6M25 17l6-6" stroke="${YELLOW}" stroke-width="2"/>`),
  cones: svg(`<polygon points="14,30 24,30 19,6" fill="${ORANGE}"/><rect x="16" y="16" width="6" height="3" fill="#fff"/><rect x="11" y="30" width="16" height="4" fill="${FRAME}"/><polygon points="30,30 40,30 35,6" fill="${ORANGE}"/><rect x="32" y="16" width="6" height="3" fill="#fff"/><rect x="27" y="30" width="16" height="4" fill="${FRAME}"/>`),
  boxes: svg(`<rect x="8" y="18" width="14" height="14" fill="#c8a26a" stroke="#5b4322" stroke-width="1.5"/><rect x="24" y="18" width="14" height="14" fill="#c8a26a" stroke="#5b4322" stroke-width="1.5"/><rect x="15" y="4" width="14" height="14" fill="#c8a26a" stroke="#5b4322" stroke-width="1.5"/>`),
  pressure: svg(`<rect x="14" y="8" width="20" height="24" fill="${SKY}"/><rect x="10" y="4" width="28" height="5" fill="${SKY}"/><rect x="36" y="6" width="4" height="26" fill="${SKY}"/><rect x="8" y="6" width="4" height="20" fill="${SKY}"/><rect x="22" y="12" width="4" height="11" fill="#000"/><rect x="22" y="25" width="4" height="4" fill="#000"/>`),
  gate: svg(`<rect x="6" y="12" width="8" height="22" fill="${BLUE}"/><rect x="34" y="12" width="8" height="22" fill="${BLUE}"/><rect x="4" y="6" width="40" height="9" fill="${BLUE}"/><rect x="4" y="2" width="5" height="4" fill="${BLUE}"/><rect x="14" y="2" width="5" height="4" fill="${BLUE}"/><rect x="24" y="2" width="5" height="4" fill="${BLUE}"/><rect x="34" y="2" width="5" height="4" fill="${BLUE}"/><polygon points="20,18 28,18 24,24" fill="#fff"/>`),
  car: svg(car(15, 14, "#e8edf3")),
  redcar: svg(car(15, 14, VERMILLION, true)),
  queue: svg(`${car(2, 22, "#e8edf3")}${car(24, 22, "#e8edf3")}<circle cx="12" cy="12" r="2.5" fill="${YELLOW}"/><circle cx="20" cy="12" r="2.5" fill="${YELLOW}"/><circle cx="28" cy="12" r="2.5" fill="${YELLOW}"/>`),
  badge: svg(`<circle cx="14" cy="18" r="11" fill="${VERMILLION}" stroke="#0b111a" stroke-width="3"/><path d="M9 13L19 23M19 13L9 23" stroke="#000" stroke-width="3"/><circle cx="35" cy="18" r="11" fill="${YELLOW}" stroke="#0b111a" stroke-width="3"/><rect x="33.5" y="10" width="3" height="10" fill="#000"/><rect x="33.5" y="22" width="3" height="3" fill="#000"/>`),
  pending: svg(`<rect x="6" y="16" width="16" height="14" fill="#c8a26a" stroke="#5b4322" stroke-width="1.5"/><rect x="24" y="16" width="16" height="14" fill="#c8a26a" stroke="#5b4322" stroke-width="1.5"/><rect x="15" y="2" width="16" height="14" fill="#c8a26a" stroke="#5b4322" stroke-width="1.5"/><path d="M6 23H22M24 23H40M15 9H31" stroke="#5b4322" stroke-width="1.5"/>`),
  drone: svg(`<path d="M10 4L38 16M10 16L38 4" stroke="#f0f4f8" stroke-width="2"/><rect x="18" y="6" width="12" height="8" fill="#f0f4f8"/><rect x="16" y="20" width="16" height="12" fill="${SKY}" stroke="${FRAME}" stroke-width="1.5"/><path d="M20 14V20M28 14V20" stroke="#f0f4f8" stroke-width="2"/>`),
  host: svg(`<rect x="4" y="8" width="40" height="26" fill="${FACADE}"/><rect x="7" y="12" width="10" height="14" fill="${SKY}"/><rect x="19" y="12" width="10" height="14" fill="${BLUE}"/><rect x="31" y="12" width="10" height="14" fill="${ORANGE}"/>`),
  container: svg(`<rect x="6" y="6" width="36" height="24" fill="${SKY}"/><text x="24" y="24" font-size="12" font-weight="bold" text-anchor="middle" fill="#000" font-family="sans-serif">web</text>`),
  health: svg(`<path d="M3 18l4 5 8-10" stroke="#fff" stroke-width="3" fill="none"/><rect x="22" y="8" width="4" height="12" fill="#fff"/><rect x="22" y="23" width="4" height="4" fill="#fff"/><rect x="33" y="18" width="3" height="3" fill="#fff"/><rect x="38" y="18" width="3" height="3" fill="#fff"/><rect x="43" y="18" width="3" height="3" fill="#fff"/>`),
  restart: svg(`<path d="M34 18a10 10 0 1 1 -4 -8" stroke="${YELLOW}" stroke-width="3" fill="none"/><polygon points="27,4 36,10 27,14" fill="${YELLOW}"/>`),
  house: svg(`<polygon points="4,16 24,2 44,16" fill="#a65a3a"/><rect x="8" y="16" width="32" height="18" fill="#e9dcc4"/><rect x="28" y="22" width="7" height="12" fill="${FRAME}"/><rect x="12" y="20" width="10" height="8" fill="${SKY}"/>`),
  kitchen: svg(`<rect x="8" y="16" width="32" height="18" fill="#444c58"/><rect x="10" y="8" width="8" height="8" fill="${SKY}"/><rect x="20" y="8" width="8" height="8" fill="${ORANGE}"/><rect x="30" y="8" width="8" height="8" fill="${GREEN}"/>`),
  bareFail: svg(`<rect x="10" y="10" width="24" height="20" fill="${FRAME}"/><path d="M14 14L30 26M30 14L14 26" stroke="${VERMILLION}" stroke-width="4"/><circle cx="38" cy="8" r="5" fill="#9aa1ab"/>`),
};

/** Render (or re-render) the legend into `host`. Entries on screen right now come first. */
export function renderLegend(host: HTMLElement, entries: readonly LegendEntry[], lang: CityLanguage, opts: { title?: boolean } = {}): void {
  const key = entries.map((e) => `${e.id}:${e.present ? 1 : 0}`).join(",") + lang;
  if (host.dataset.legendKey === key) return;
  host.dataset.legendKey = key;
  const sorted = [...entries].sort((a, b) => Number(b.present) - Number(a.present));
  const items = sorted
    .map((e) => `<li class="cc-legend-item${e.present ? " is-present" : ""}" data-legend="${e.id}">${LEGEND_ICONS[e.id] ?? ""}<span><b>${escapeHtml(e.picture)}</b> = ${escapeHtml(e.word)}</span></li>`)
    .join("");
  host.innerHTML = `${opts.title === false ? "" : `<h2 class="cc-legend-title">${escapeHtml(cityLabel(lang, "legend.title"))}</h2>`}<ul class="cc-legend-list">${items}</ul>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
