/**
 * Status icons drawn here (no icon font, no network). Each shape differs, not only its colour, and
 * each sits next to words: an icon is never the only carrier of meaning, so they are aria-hidden.
 */
const PATHS = {
  ok: '<circle cx="12" cy="12" r="10"/><path d="M7 12.5l3.2 3.2L17 9" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/>',
  warn: '<path d="M12 2.5L22.5 21h-21z"/><path d="M12 9v5.5" stroke="#000" stroke-width="2.4" stroke-linecap="round"/><circle cx="12" cy="17.6" r="1.4" fill="#000"/>',
  bad: '<rect x="2.5" y="2.5" width="19" height="19" rx="3"/><path d="M8 8l8 8M16 8l-8 8" stroke="#fff" stroke-width="2.4" stroke-linecap="round"/>',
  info: '<circle cx="12" cy="12" r="10"/><path d="M12 10.5v6.5" stroke="#fff" stroke-width="2.4" stroke-linecap="round"/><circle cx="12" cy="7" r="1.5" fill="#fff"/>',
  fire: '<path d="M12 2c1 4 5 6 5 11a5 5 0 0 1-10 0c0-2.5 1.5-4 2.5-5.5.3 2 1.2 3 2.2 3.4C11 8 11 5 12 2z"/>',
  plug: '<path d="M8 2v5M16 2v5M6 7h12v4a6 6 0 0 1-12 0zM12 17v5" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/>',
  wifiOff: '<path d="M2 8.5a15 15 0 0 1 20 0M5.5 12a10 10 0 0 1 13 0M9 15.5a5 5 0 0 1 6 0M3 3l18 18" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/><circle cx="12" cy="19" r="1.6"/>',
  pause: '<rect x="6" y="4" width="4" height="16" rx="1"/><rect x="14" y="4" width="4" height="16" rx="1"/>',
  play: '<path d="M7 4l13 8-13 8z"/>',
  lock: '<rect x="5" y="10" width="14" height="11" rx="2"/><path d="M8 10V7a4 4 0 0 1 8 0v3" fill="none" stroke="currentColor" stroke-width="2.2"/>',
  unlock: '<rect x="5" y="10" width="14" height="11" rx="2"/><path d="M8 10V7a4 4 0 0 1 7.7-1.5" fill="none" stroke="currentColor" stroke-width="2.2"/>',
  user: '<circle cx="12" cy="8" r="4.5"/><path d="M3.5 21a8.5 8.5 0 0 1 17 0z"/>',
  building: '<path d="M4 21V5l8-3v19M12 21V8l8 3v10M2 21h20" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/><path d="M7 8h2M7 12h2M7 16h2M15 13h2M15 17h2" stroke="currentColor" stroke-width="2"/>',
  star: '<path d="M12 2.5l2.9 6.1 6.6.8-4.9 4.6 1.3 6.5L12 17.3l-5.9 3.2 1.3-6.5-4.9-4.6 6.6-.8z"/>',
  motion: '<path d="M3 12h4l3-7 4 14 3-7h4" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>',
  globe: '<circle cx="12" cy="12" r="9.5" fill="none" stroke="currentColor" stroke-width="2"/><path d="M2.5 12h19M12 2.5c3 3 3 16 0 19M12 2.5c-3 3-3 16 0 19" fill="none" stroke="currentColor" stroke-width="1.8"/>',
} as const;

export type IconName = keyof typeof PATHS;

export function icon(name: IconName, cls = ""): SVGSVGElement {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", `icon icon-${name} ${cls}`.trim());
  svg.innerHTML = PATHS[name];
  return svg;
}

/** The icon that goes with a tone (see node-story.ts) or an event type. */
export function toneIcon(tone: "ok" | "info" | "warn" | "bad"): SVGSVGElement {
  return icon(tone);
}
