/**
 * Class codes: the six characters a teacher projects (or writes on the whiteboard) and students
 * type to join. They are generated here, checked for words nobody wants on a classroom screen,
 * and normalized from whatever a student actually typed.
 */
import { RegExpMatcher, englishDataset, englishRecommendedTransformers } from "obscenity";
import { CODE_ALPHABET, CODE_LENGTH } from "../shared/protocol/class-code.ts";

export { CODE_ALPHABET, CODE_LENGTH, TYPO_MAP, normalizeClassCode, isValidClassCode } from "../shared/protocol/class-code.ts";

/** Both offensive and taken draws count; with a sane isTaken, 50 misses in a row means trouble. */
export const MAX_CODE_ATTEMPTS = 50;


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
