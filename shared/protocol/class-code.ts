/**
 * Class codes as people type them: the alphabet, and the forgiving normalization the landing page
 * and the server share (generation, with its word screening, stays on the server).
 */
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

export const TYPO_MAP: Readonly<Record<string, string>> = { O: "0", I: "1", L: "1", Z: "2", S: "5", G: "6", B: "8", U: "V" };

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
