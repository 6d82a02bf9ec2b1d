/**
 * Student nicknames: the only identity a student has in a class. They are shown on the
 * projector to the whole room, so they are cleaned of invisible tricks, kept short, filtered for
 * profanity, made unique, and turned into the Kubernetes node name the student's machine plays.
 */
import { RegExpMatcher, englishDataset, englishRecommendedTransformers } from "obscenity";

export const MAX_NICKNAME_GRAPHEMES = 24;
/** Kubernetes node names are shown next to the nickname, so they stay readable rather than using all 63 characters. */
export const MAX_NODE_SLUG_LENGTH = 20;

export const PROFANE_NICKNAME_ERROR = "That nickname isn't allowed. Try another, or ask for a generated one.";

export type NicknameResult = { ok: true; name: string } | { ok: false; error: string };

// Far above any real name; refusing early keeps a pasted novel from costing normalization and segmentation.
const MAX_RAW_LENGTH = 1000;
// "Zalgo" text piles dozens of marks on one letter and smears over the names around it. Real
// scripts need at most a few per character (Vietnamese needs none once NFC-composed).
const MAX_MARKS_PER_GRAPHEME = 4;
// Some sequences (Hangul jamo runs, marks) form one grapheme of any length; this bounds them.
const MAX_CODE_POINTS_PER_GRAPHEME = 10;

/**
 * Characters that show nothing yet make two names differ, reorder text around them (bidi
 * overrides), or break rendering: controls, format characters (zero-width space/joiners, bidi
 * controls, BOM, tags), Unicode's default-ignorables (Hangul fillers U+115F/U+1160/U+3164/U+FFA0,
 * variation selectors, soft hyphen, combining grapheme joiner), lone surrogates, private-use
 * characters (which render differently on every device) and noncharacters.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Cs}\p{Co}\p{Noncharacter_Code_Point}]/gu;
// Braille blank (U+2800) is a printable symbol that looks exactly like a space; games see it used
// for "empty" names, so it is treated as the space it pretends to be.
const SPACE_LIKE = /[\p{White_Space}\u2800]+/gu;
const LEADING_SPACES_AND_MARKS = /^[ \p{M}]+/u;
const MARK = /\p{M}/u;

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * The dataset flags names that are ordinary in Vietnamese ("Bích" contains "bich", "Tít" reads
 * as "tit"). Only the accented spellings are excused, so the English words stay blocked.
 * Matching is done on lowercased text, so lowercase entries cover every capitalization.
 */
const ALLOWED_NAME_PARTS = ["bích", "tít"];

const built = englishDataset.build();
const matcher = new RegExpMatcher({
  ...built,
  whitelistedTerms: [...(built.whitelistedTerms ?? []), ...ALLOWED_NAME_PARTS],
  ...englishRecommendedTransformers,
});

// Characters the matcher reads as letters (leetspeak), so they must not split a word apart.
const SEPARATOR = /[^\p{L}\p{M}\p{N}@$!|(/]+/u;

/**
 * The matcher does not skip punctuation (that would flag "Bass Hit" as "basshit"), so "f u c k"
 * and "F.U.C.K" pass it. Runs of single characters split by separators are glued together
 * instead: that catches the spelled-out trick while leaving real multi-letter words apart.
 */
function joinSpelledOutLetters(name: string): string {
  const out: string[] = [];
  let run = "";
  for (const token of name.split(SEPARATOR)) {
    if (token === "") continue;
    if (graphemes(token).length === 1) {
      run += token;
      continue;
    }
    if (run) out.push(run);
    run = "";
    out.push(token);
  }
  if (run) out.push(run);
  return out.join(" ");
}

function isProfane(name: string): boolean {
  const lower = name.toLowerCase();
  return matcher.hasMatch(lower) || matcher.hasMatch(joinSpelledOutLetters(lower));
}

/**
 * Turns what a student typed into a nickname that is safe to show to the class, or a message
 * the student can act on.
 */
export function cleanNickname(raw: unknown): NicknameResult {
  if (typeof raw !== "string") return { ok: false, error: "Please type a nickname." };
  if (raw.length > MAX_RAW_LENGTH) {
    return { ok: false, error: `That nickname is too long. Please use at most ${MAX_NICKNAME_GRAPHEMES} characters.` };
  }
  // Normalizing again after stripping matters: removing a zero-width character between a letter
  // and its accent leaves a pair that NFC composes, and the result must already be canonical
  // so that cleaning a cleaned name changes nothing.
  const name = raw
    .normalize("NFC")
    .replace(SPACE_LIKE, " ")
    .replace(INVISIBLE, "")
    .normalize("NFC")
    .replace(SPACE_LIKE, " ")
    // An accent with nothing before it would sit on whatever the UI draws to the left of the name.
    .replace(LEADING_SPACES_AND_MARKS, "")
    .trimEnd();

  if (name === "") return { ok: false, error: "Please type a nickname. It can't be empty or only spaces." };

  const parts = graphemes(name);
  if (parts.length > MAX_NICKNAME_GRAPHEMES) {
    return {
      ok: false,
      error: `That nickname is too long (${parts.length} characters). Please use at most ${MAX_NICKNAME_GRAPHEMES} characters.`,
    };
  }
  for (const g of parts) {
    const codePoints = [...g];
    if (codePoints.length > MAX_CODE_POINTS_PER_GRAPHEME || codePoints.filter((c) => MARK.test(c)).length > MAX_MARKS_PER_GRAPHEME) {
      return { ok: false, error: "That nickname has too many marks stacked on one letter. Please write it more simply." };
    }
  }
  if (isProfane(name)) return { ok: false, error: PROFANE_NICKNAME_ERROR };
  return { ok: true, name };
}

/** Full case folding is not built in; upper- then lower-casing folds the cases that matter (ß/SS, final sigma). */
function nicknameKey(name: string): string {
  return name.normalize("NFC").toUpperCase().toLowerCase();
}

/**
 * `name` (a cleaned nickname) if no one in the class has it, otherwise "name 2", "name 3", ...:
 * the first free one, compared ignoring case. The base is shortened when the suffix would push
 * the result past the nickname limit.
 */
export function uniqueNickname(name: string, taken: Iterable<string>): string {
  const used = new Set<string>();
  for (const t of taken) used.add(nicknameKey(t));
  if (!used.has(nicknameKey(name))) return name;
  const parts = graphemes(name);
  // Terminates: each candidate is distinct, so at most used.size of them can be taken.
  for (let n = 2; ; n++) {
    const suffix = ` ${n}`;
    // The suffix is ASCII, so its length is its grapheme count.
    const room = MAX_NICKNAME_GRAPHEMES - suffix.length;
    // trimEnd: cutting right after a space would otherwise give "Ann  2".
    const base = (parts.length > room ? parts.slice(0, room).join("") : name).trimEnd();
    const candidate = base + suffix;
    if (!used.has(nicknameKey(candidate))) return candidate;
  }
}

/** Containers, ports, cities and kitchens: the worlds the game's lessons are set in. */
export const NICKNAME_ADJECTIVES: readonly string[] = [
  "Brave", "Sleepy", "Tidy", "Jolly", "Happy", "Swift", "Clever", "Sunny", "Gentle", "Bright",
  "Calm", "Cheerful", "Cozy", "Curious", "Daring", "Eager", "Friendly", "Fuzzy", "Golden", "Humble",
  "Lucky", "Merry", "Mighty", "Nimble", "Patient", "Plucky", "Polite", "Quick", "Quiet", "Rapid",
  "Shiny", "Snappy", "Speedy", "Steady", "Sturdy", "Bouncy", "Busy", "Dapper", "Zesty", "Witty",
  "Breezy", "Kind", "Sparkly", "Humming",
];

export const NICKNAME_NOUNS: readonly string[] = [
  "Crane", "Container", "Kitchen", "Harbor", "Ferry", "Tugboat", "Lighthouse", "Forklift", "Pallet", "Anchor",
  "Barge", "Pier", "Wharf", "Warehouse", "Teapot", "Kettle", "Ladle", "Whisk", "Spatula", "Toaster",
  "Muffin", "Noodle", "Dumpling", "Pancake", "Tram", "Bridge", "Tower", "Lantern", "Bicycle", "Scooter",
  "Parcel", "Compass", "Buoy", "Seagull", "Pelican", "Otter", "Beacon", "Rooftop", "Mailbox", "Bakery",
  "Teacup", "Robot", "Skyline", "Freighter",
];

function pick<T>(list: readonly T[], random: () => number): T {
  const r = random();
  // Clamped rather than trusted: random() returning 1 (or NaN) must not produce "undefined".
  const i = Number.isFinite(r) ? Math.min(list.length - 1, Math.max(0, Math.floor(r * list.length))) : 0;
  return list[i] as T;
}

/** "Brave Crane", "Tidy Kitchen": a name for a student who would rather not pick one. Uses `random` exactly twice. */
export function generateNickname(random: () => number): string {
  const adjective = pick(NICKNAME_ADJECTIVES, random);
  const noun = pick(NICKNAME_NOUNS, random);
  return `${adjective} ${noun}`;
}

// Letters that carry no combining mark to strip, so NFD alone would drop them entirely.
const LATIN_FOLDS: Readonly<Record<string, string>> = {
  "đ": "d", "ð": "d", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th", "ı": "i", "ħ": "h",
};

/**
 * The Kubernetes node name for a student: a DNS-1123 label ("Nguyễn Thị Ánh" → "node-nguyen-thi-anh")
 * that is not in `taken`. Names with no Latin letters or digits (emoji, other scripts) get
 * "node-student". Suffixes -2, -3, ... keep it unique.
 */
export function nodeNameFor(nickname: string, taken: Iterable<string>): string {
  // NFKD also folds full-width and other compatibility forms (ｆｕｌｌ → full) before marks are stripped.
  const slug = nickname
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[đðøłæœßþıħ]/gu, (c) => LATIN_FOLDS[c] ?? c)
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, MAX_NODE_SLUG_LENGTH)
    .replace(/-+$/, "");
  const base = `node-${slug || "student"}`;
  const used = new Set(taken);
  if (!used.has(base)) return base;
  // At most 25 + "-" + digits characters, far inside the 63 a label allows.
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!used.has(candidate)) return candidate;
  }
}
