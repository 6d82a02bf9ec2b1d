import { describe, it, expect } from "vitest";
import { RegExpMatcher, englishDataset, englishRecommendedTransformers } from "obscenity";
import {
  CODE_ALPHABET,
  CODE_LENGTH,
  MAX_CODE_ATTEMPTS,
  generateClassCode,
  isValidClassCode,
  normalizeClassCode,
} from "../../server/class-code.ts";
import { mulberry32 } from "../support/random.ts";


/** A random() that makes the generator draw exactly these codes, in order, then fails loudly. */
function drawing(...codes: string[]): () => number {
  const values = codes.flatMap((code) =>
    [...code].map((ch) => {
      const i = CODE_ALPHABET.indexOf(ch);
      if (i < 0) throw new Error(`${ch} is not in the alphabet`);
      return (i + 0.5) / CODE_ALPHABET.length;
    }),
  );
  return () => {
    const v = values.shift();
    if (v === undefined) throw new Error("random() called more often than expected");
    return v;
  };
}

const never = () => false;

describe("CODE_ALPHABET", () => {
  it("has no characters that read as another one in it", () => {
    for (const ambiguous of "OILZSGBU") expect(CODE_ALPHABET).not.toContain(ambiguous);
    expect(CODE_ALPHABET).toMatch(/^[0-9A-Z]+$/);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
    expect(CODE_LENGTH).toBe(6);
  });

  it("leaves enough codes that open classes rarely collide", () => {
    expect(CODE_ALPHABET.length ** CODE_LENGTH).toBeGreaterThan(100_000_000);
  });
});

describe("generateClassCode", () => {
  it("returns six characters from the alphabet", async () => {
    const code = await generateClassCode(mulberry32(1), never);
    expect(code).toHaveLength(6);
    expect(isValidClassCode(code)).toBe(true);
  });

  it("is deterministic for a given random function", async () => {
    const a = await generateClassCode(mulberry32(99), never);
    const b = await generateClassCode(mulberry32(99), never);
    expect(a).toBe(b);
    expect(await generateClassCode(mulberry32(100), never)).not.toBe(a);
  });

  it("draws each character from random() in order", async () => {
    expect(await generateClassCode(drawing("7KQ2DX"), never)).toBe("7KQ2DX");
    expect(await generateClassCode(() => 0, never)).toBe(CODE_ALPHABET[0]!.repeat(6));
  });

  it("never produces an offensive code across 20,000 seeded draws", async () => {
    // An independent check: the matcher on the code, on each of its substrings (so words in
    // the middle get word boundaries), and with digits and V read as the letters they resemble.
    const matcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
    const asLetters = (code: string) =>
      code.replace(/[0-9V]/g, (c) => ({ 0: "O", 1: "I", 2: "Z", 3: "E", 4: "A", 5: "S", 6: "G", 7: "T", 8: "B", 9: "G", V: "U" })[c] ?? c);
    const substrings = (s: string) => {
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) for (let j = i + 2; j <= s.length; j++) out.push(s.slice(i, j));
      return out;
    };
    const random = mulberry32(20_000);
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const code = await generateClassCode(random, never);
      expect(isValidClassCode(code)).toBe(true);
      const texts = [...substrings(code), ...substrings(asLetters(code))].join("\n");
      if (matcher.hasMatch(texts)) throw new Error(`offensive code generated: ${code} (${asLetters(code)})`);
      seen.add(code);
    }
    expect(seen.size).toBeGreaterThan(19_990);
  });

  it.each([
    ["FVCK72", "a swear word once V is read as U"],
    ["CVNTXY", "a swear word at the start"],
    ["XYCVM3", "a word in the middle of the code, where the matcher sees no word boundary"],
    ["7WA7XX", "a word spelled with digits for letters"],
    ["5H17PP", "a word spelled entirely with look-alike digits"],
    ["XFA6XX", "6 read as G"],
    ["N1663R", "1 and 6 read as I and G"],
  ])("skips %s (%s) and draws again", async (bad) => {
    expect(await generateClassCode(drawing(bad, "7KQ2DX"), never)).toBe("7KQ2DX");
  });

  it("retries when a code is taken, asking isTaken about each candidate", async () => {
    const asked: string[] = [];
    const taken = new Set(["AAAAAA", "CCCCCC"]);
    const code = await generateClassCode(drawing("AAAAAA", "CCCCCC", "7KQ2DX"), (c) => {
      asked.push(c);
      return taken.has(c);
    });
    expect(code).toBe("7KQ2DX");
    expect(asked).toEqual(["AAAAAA", "CCCCCC", "7KQ2DX"]);
  });

  it("waits for an asynchronous isTaken", async () => {
    const code = await generateClassCode(drawing("AAAAAA", "7KQ2DX"), async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return c === "AAAAAA";
    });
    expect(code).toBe("7KQ2DX");
  });

  it("does not ask isTaken about offensive codes", async () => {
    const asked: string[] = [];
    await generateClassCode(drawing("FVCK72", "7KQ2DX"), (c) => {
      asked.push(c);
      return false;
    });
    expect(asked).toEqual(["7KQ2DX"]);
  });

  it(`throws a clear error after ${MAX_CODE_ATTEMPTS} attempts when every code is taken`, async () => {
    let calls = 0;
    const everything = () => {
      calls++;
      return true;
    };
    // Exactly MAX_CODE_ATTEMPTS draws are available: one more would make drawing() throw.
    const random = drawing(...Array.from({ length: MAX_CODE_ATTEMPTS }, () => "7KQ2DX"));
    await expect(generateClassCode(random, everything)).rejects.toThrow(
      new RegExp(`Could not find a free class code after ${MAX_CODE_ATTEMPTS} attempts`),
    );
    expect(calls).toBe(MAX_CODE_ATTEMPTS);
    expect(MAX_CODE_ATTEMPTS).toBe(50);
  });

  it("throws rather than looping forever when random() is stuck on an offensive code", async () => {
    await expect(generateClassCode(drawing(...Array.from({ length: MAX_CODE_ATTEMPTS }, () => "FVCK72")), never)).rejects.toThrow(
      /after 50 attempts/,
    );
  });

  it("passes on an error from isTaken instead of swallowing it", async () => {
    await expect(
      generateClassCode(mulberry32(1), () => {
        throw new Error("database down");
      }),
    ).rejects.toThrow("database down");
  });

  it("survives random() returning 1 or NaN", async () => {
    const last = CODE_ALPHABET.at(-1)!;
    expect(await generateClassCode(() => 1, never)).toBe(last.repeat(6));
    expect(await generateClassCode(() => Number.NaN, never)).toBe(CODE_ALPHABET[0]!.repeat(6));
  });
});

describe("normalizeClassCode", () => {
  it("uppercases and strips spaces and dashes", () => {
    expect(normalizeClassCode("7kq2dx")).toBe("7KQ2DX");
    expect(normalizeClassCode(" 7KQ 2DX ")).toBe("7KQ2DX");
    expect(normalizeClassCode("7kq-2dx")).toBe("7KQ2DX");
    expect(normalizeClassCode("7 k q - 2 d x")).toBe("7KQ2DX");
    expect(normalizeClassCode("7KQ\u20132DX")).toBe("7KQ2DX");
    expect(normalizeClassCode("7KQ\t2DX\n")).toBe("7KQ2DX");
  });

  it("accepts full-width characters and pasted zero-width ones", () => {
    expect(normalizeClassCode("７ＫＱ２ＤＸ")).toBe("7KQ2DX");
    expect(normalizeClassCode("7KQ\u200B2DX")).toBe("7KQ2DX");
  });

  it("maps look-alikes a student might type to the character in the alphabet", () => {
    expect(normalizeClassCode("OIL000")).toBe("011000");
    expect(normalizeClassCode("oil000")).toBe("011000");
    expect(normalizeClassCode("ZSGBU0")).toBe("2568V0");
    expect(normalizeClassCode("zsgbu0")).toBe("2568V0");
  });

  it("round-trips every generated code, whether typed in lowercase or with look-alikes", async () => {
    const random = mulberry32(3);
    const lookalike: Record<string, string> = { "0": "O", "1": "l", "2": "Z", "5": "S", "6": "G", "8": "B", V: "u" };
    for (let i = 0; i < 500; i++) {
      const code = await generateClassCode(random, never);
      expect(normalizeClassCode(code)).toBe(code);
      expect(normalizeClassCode(code.toLowerCase())).toBe(code);
      expect(normalizeClassCode([...code].map((c) => lookalike[c] ?? c).join(""))).toBe(code);
      expect(normalizeClassCode(`${code.slice(0, 3)}-${code.slice(3)}`)).toBe(code);
    }
  });

  it("returns null for anything that cannot be a code", () => {
    for (const input of ["", "   ", "7KQ2D", "7KQ2DXX", "7KQ2D!", "7KQ2D_", "7KQ.2DX", "ÀKQ2DX", "7KQ2D🐳", "a".repeat(1000)]) {
      expect(normalizeClassCode(input), JSON.stringify(input)).toBeNull();
    }
    for (const input of [undefined, null, 123456, {}, ["7KQ2DX"]]) expect(normalizeClassCode(input)).toBeNull();
  });
});

describe("isValidClassCode", () => {
  it("accepts canonical codes only", () => {
    expect(isValidClassCode("7KQ2DX")).toBe(true);
    expect(isValidClassCode(CODE_ALPHABET.slice(0, 6))).toBe(true);
    expect(isValidClassCode("7kq2dx")).toBe(false);
    expect(isValidClassCode("7KQ2D")).toBe(false);
    expect(isValidClassCode("7KQ2DXA")).toBe(false);
    expect(isValidClassCode("7KQ-2D")).toBe(false);
    expect(isValidClassCode("OKQ2DX")).toBe(false);
    expect(isValidClassCode("SKQ2DX")).toBe(false);
    expect(isValidClassCode("")).toBe(false);
  });
});
