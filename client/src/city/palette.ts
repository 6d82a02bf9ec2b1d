/**
 * Colors and patterns of the city. Apps get Okabe-Ito colors (distinguishable with the common
 * color-vision deficiencies); every state that matters also has a shape, a pattern or a word, so
 * nothing depends on color alone. Versions are patterns, derived from the tag itself so that every
 * screen in the room draws "v2" the same way.
 */

/** Okabe & Ito (2008), without black: app colors in the order apps appear. */
export const APP_COLORS = [0x56b4e9, 0xe69f00, 0x009e73, 0xf0e442, 0x0072b2, 0xcc79a7, 0xd55e00] as const;
export const APP_COLOR_NAMES = ["sky blue", "orange", "green", "yellow", "blue", "purple", "vermillion"] as const;

export const COLORS = {
  background: 0x121a27,
  lot: 0x1c2738,
  street: 0x2b3648,
  streetLine: 0x8796ad,
  facade: 0xdfe5ee,
  facadeDim: 0x6b7280,
  facadeBurnt: 0x3b3f46,
  frame: 0x1d2430,
  windowEmpty: 0x39465a,
  roof: 0x9aa7b8,
  text: 0xffffff,
  textDim: 0xb8c2d0,
  focus: 0xf0e442,
  fire: 0xd55e00,
  fireCore: 0xf0e442,
  smoke: 0x9aa1ab,
  cone: 0xe69f00,
  coneStripe: 0xffffff,
  scaffold: 0xe69f00,
  progress: 0x56b4e9,
  cable: 0xdfe5ee,
  cableSpark: 0xf0e442,
  gate: 0x0072b2,
  car: 0xe8edf3,
  carError: 0xd55e00,
  drone: 0xf0f4f8,
  pressure: 0x56b4e9,
  box: 0xc8a26a,
  ok: 0x009e73,
  bad: 0xd55e00,
} as const;

/** CSS form of a 0xRRGGBB color. */
export function css(color: number): string {
  return `#${color.toString(16).padStart(6, "0")}`;
}

export type VersionPattern = "solid" | "stripes" | "dots" | "bars" | "columns" | "checks";
export const VERSION_PATTERNS: readonly VersionPattern[] = ["solid", "stripes", "dots", "bars", "columns", "checks"];

/** Stable pattern for a tag: the number in it ("v3" -> third pattern), else a hash of the text. */
const patternCache = new Map<string, VersionPattern>();

export function versionPattern(version: string): VersionPattern {
  let cached = patternCache.get(version);
  if (cached === undefined) {
    cached = computePattern(version);
    if (patternCache.size < 1000) patternCache.set(version, cached);
  }
  return cached;
}

function computePattern(version: string): VersionPattern {
  const m = /(\d+)(?!.*\d)/.exec(version);
  let index: number;
  if (m) index = Math.max(0, Number(m[1]) - 1);
  else {
    index = 0;
    for (let i = 0; i < version.length; i++) index = (index * 31 + version.charCodeAt(i)) >>> 0;
  }
  return VERSION_PATTERNS[index % VERSION_PATTERNS.length]!;
}

/** Black or white, whichever reads better on the given fill (WCAG relative luminance). */
export function inkOn(color: number): number {
  const ch = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * ch((color >> 16) & 255) + 0.7152 * ch((color >> 8) & 255) + 0.0722 * ch(color & 255);
  return l > 0.22 ? 0x000000 : 0xffffff;
}
