/**
 * Class codes: the six characters a teacher projects (or writes on the whiteboard) and students
 * type to join. They are generated here, checked for words nobody wants on a classroom screen,
 * and normalized from whatever a student actually typed.
 */
import { RegExpMatcher, englishDataset, englishRecommendedTransformers } from "obscenity";

/**
 * Each group of characters that look alike on a projector or in handwriting keeps exactly one
 * member; every other member is mapped to it on input (see TYPO_MAP), so a student who reads
 * "0" as "O" or "1" as "l" still joins. Digits are kept over letters because digits read the
 * same in every font and language:
 *   0 <- O   1 <- I, L   2 <- Z   5 <- S   6 <- G   8 <- B
 * U is dropped as well (mapped to V): U/V blur in handwriting, and without U most English
 * swear words cannot be spelled at all (the same reason Crockford's base32 drops it).
 * 28 characters, 6 long: 28^6 ≈ 4.8e8 codes, so collisions between open classes stay rare.
 */
export const CODE_ALPHABET = "0123456789ACDEFHJKMNPQRTVWXY";
export const CODE_LENGTH = 6;
/** Both offensive and taken draws count; with a sane isTaken, 50 misses in a row means trouble. */
export const MAX_CODE_ATTEMPTS = 50;

const TYPO_MAP: Readonly<Record<string, string>> = { O: "0", I: "1", L: "1", Z: "2", S: "5", G: "6", B: "8", U: "V" };

/**
 * How a reader might see each character. The matcher already undoes some leetspeak (4→a, 7→t),
 * but not 8→b, 9→g or V→u, and it only tries one reading per digit, so every combination is
 * spelled out here instead.
 */
const READINGS: Readonly<Record<string, readonly string[]>> = {
  "0": ["O"],
  "1": ["I", "L"],
  "2": ["Z"],
  "3": ["E"],
  "4": ["A"],
  "5": ["S"],
  "6": ["G", "B"],
  "7": ["T"],
  "8": ["B"],
  "9": ["G"],
  V: ["V", "U"],
};

const matcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });

/** Every way the code could be read as letters, plus the code as drawn. */
function readings(code: string): string[] {
  let out = [""];
  for (const ch of code) {
    const options = READINGS[ch] ?? [ch];
    out = out.flatMap((prefix) => options.map((o) => prefix + o));
  }
  if (!out.includes(code)) out.push(code);
  return out;
}

function isOffensiveCode(code: string): boolean {
  // Many dataset patterns only match at a word boundary ("|cum", "|twat"), and a code is one
  // long "word", so "XCUMQ7" would slip through. Testing every substring on its own gives each
  // one its boundaries. Joining them with newlines keeps it to one matcher call; not spaces,
  // because whitelisted terms such as "kung fu" would then excuse a neighbouring "FU".
  const parts = new Set<string>();
  for (const reading of readings(code)) {
    for (let start = 0; start < reading.length - 1; start++) {
      for (let end = start + 2; end <= reading.length; end++) parts.add(reading.slice(start, end));
    }
  }
  return matcher.hasMatch([...parts].join("\n"));
}

/** A draw from `random` (expected in [0, 1)) as an index; out-of-range values are clamped, not trusted. */
function pickIndex(random: () => number, length: number): number {
  const r = random();
  if (!Number.isFinite(r)) return 0;
  return Math.min(length - 1, Math.max(0, Math.floor(r * length)));
}

/**
 * A fresh class code. `random` should return values in [0, 1) (a CSPRNG-backed one in
 * production: codes are the only thing keeping strangers out of a class); `isTaken` says
 * whether a code is already used by an open class.
 */
export async function generateClassCode(
  random: () => number,
  isTaken: (code: string) => boolean | Promise<boolean>,
): Promise<string> {
  for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS; attempt++) {
    let code = "";
    for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET.charAt(pickIndex(random, CODE_ALPHABET.length));
    if (isOffensiveCode(code)) continue;
    if (await isTaken(code)) continue;
    return code;
  }
  throw new Error(
    `Could not find a free class code after ${MAX_CODE_ATTEMPTS} attempts; every code drawn was taken or unsuitable. ` +
      "Check that isTaken is correct and that random() varies.",
  );
}

/**
 * What a student typed, as a canonical code, or null if it cannot be one. Forgiving about case,
 * spaces, dashes of any kind, full-width characters from CJK keyboards, and look-alikes.
 */
export function normalizeClassCode(input: unknown): string | null {
  if (typeof input !== "string") return null;
  // Long input cannot be a code; stop before doing any work on it.
  if (input.length > 64) return null;
  const compact = input
    .normalize("NFKC")
    .toUpperCase()
    // \p{Pd} covers -, en/em dashes and the like; \p{Cf} drops zero-width characters pasted along.
    .replace(/[\p{White_Space}\p{Pd}\p{Cf}\u2212]/gu, "");
  let code = "";
  for (const ch of compact) code += TYPO_MAP[ch] ?? ch;
  return isValidClassCode(code) ? code : null;
}

/** Whether `code` is already in canonical form: exactly CODE_LENGTH characters of CODE_ALPHABET. */
export function isValidClassCode(code: string): boolean {
  if (typeof code !== "string" || code.length !== CODE_LENGTH) return false;
  for (const ch of code) if (!CODE_ALPHABET.includes(ch)) return false;
  return true;
}
