import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  MAX_NICKNAME_GRAPHEMES,
  NICKNAME_ADJECTIVES,
  NICKNAME_NOUNS,
  PROFANE_NICKNAME_ERROR,
  cleanNickname,
  generateNickname,
  nodeNameFor,
  uniqueNickname,
} from "../../server/nicknames.ts";
import { mulberry32 } from "../support/random.ts";


const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const graphemeCount = (s: string) => [...segmenter.segment(s)].length;

function accepted(raw: unknown): string {
  const r = cleanNickname(raw);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(raw)} to be accepted, got: ${r.error}`);
  return r.name;
}

function rejected(raw: unknown): string {
  const r = cleanNickname(raw);
  if (r.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected, got name ${JSON.stringify(r.name)}`);
  return r.error;
}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe("cleanNickname: invisible and control characters", () => {
  it("strips zero-width and bidi-override characters", () => {
    expect(accepted("A\u200Bl\u202Eice")).toBe("Alice");
  });

  it.each([
    ["zero-width joiner / non-joiner", "Al\u200Dic\u200Ce"],
    ["word joiner and BOM", "\uFEFFAl\u2060ice"],
    ["LRM, RLM and bidi isolates", "\u200EAl\u2066i\u2069c\u200Fe"],
    ["soft hyphen", "Al\u00ADice"],
    ["C0/C1 controls and DEL", "\u0000A\u0007l\u007Fi\u009Bce\u001B"],
    ["Hangul fillers", "\u115FAl\u1160i\u3164c\uFFA0e"],
    ["variation selectors", "Al\uFE0Fi\u{E0100}ce"],
    ["tag characters", "Ali\u{E0041}ce"],
    ["Mongolian vowel separator", "Ali\u180Ece"],
    ["combining grapheme joiner", "Al\u034Fice"],
    ["private-use characters", "Al\uE000ice"],
    ["lone surrogates", "Al\uD800ice"],
  ])("strips %s", (_label, input) => {
    expect(accepted(input)).toBe("Alice");
  });

  it("rejects a name that is empty once invisible characters are gone, with a clear sentence", () => {
    for (const input of ["", "   ", "\u200B\u200B", "\u3164\u3164", "\u2800\u2800", "\uFEFF \u202E", "\t\n"]) {
      const error = rejected(input);
      expect(error).toMatch(/^Please type a nickname\./);
    }
  });

  it("treats the Braille blank as a space rather than a letter", () => {
    expect(accepted("Ann\u2800\u2800Marie")).toBe("Ann Marie");
  });

  it("drops accents that have no letter to sit on", () => {
    expect(accepted("\u0301\u0301 \u0301Anh")).toBe("Anh");
  });

  it("re-composes letters that a stripped character had split from their accent", () => {
    expect(accepted("Ye\u200B\u0301n")).toBe("Yén");
  });
});

describe("cleanNickname: whitespace and normalization", () => {
  it("collapses every kind of whitespace run to one space and trims", () => {
    expect(accepted("  Ann \t\n  Marie  ")).toBe("Ann Marie");
    expect(accepted("Ann\u00A0\u3000\u2028Marie")).toBe("Ann Marie");
    expect(accepted("Ann \u200B Marie")).toBe("Ann Marie");
  });

  it("NFC-normalizes, so the same name typed two ways is the same string", () => {
    const decomposed = "Nguye\u0302\u0303n Thi\u0323 A\u0301nh";
    expect(decomposed).not.toBe("Nguyễn Thị Ánh");
    expect(accepted(decomposed)).toBe("Nguyễn Thị Ánh");
  });

  it("accepts Vietnamese names and emoji unchanged", () => {
    for (const name of ["Nguyễn Thị Ánh", "Đặng Văn Đức", "Ngọc Bích", "Tít", "Phúc 🚢", "🐳🇻🇳👍🏽", "李小龍", "Zoë", "O'Brien-Smith"]) {
      expect(accepted(name)).toBe(name);
    }
  });

  it("refuses non-strings with a sentence, not a crash", () => {
    for (const input of [undefined, null, 42, {}, ["Alice"]]) expect(rejected(input)).toBe("Please type a nickname.");
  });
});

describe("cleanNickname: length in user-perceived characters", () => {
  it("stays within the limit when a couple of zero-width characters pad a full name", () => {
    expect(accepted("\u200Babcdefghijklmnopqrstuvwx\u200B")).toHaveLength(24);
  });

  it("accepts exactly 24 and rejects 25 ASCII characters, naming the limit", () => {
    expect(accepted("a".repeat(24))).toBe("a".repeat(24));
    const error = rejected("a".repeat(25));
    expect(error).toContain("24");
    expect(error).toMatch(/too long/);
  });

  it("counts each emoji once, including flags and skin tones", () => {
    for (const emoji of ["🐳", "🇻🇳", "👍🏽"]) {
      expect(emoji.length).toBeGreaterThan(1);
      expect(accepted(emoji.repeat(24))).toBe(emoji.repeat(24));
      expect(rejected(emoji.repeat(25))).toContain("24");
    }
  });

  it("counts a Vietnamese letter with two diacritics once, however it was typed", () => {
    const composed = "ễ".repeat(24);
    const decomposed = "e\u0302\u0303".repeat(24);
    expect(accepted(decomposed)).toBe(composed);
    expect(rejected("e\u0302\u0303".repeat(25))).toContain("24");
    const name = "Nguyễn Thị Ánh Nguyệt Mỹ";
    expect(graphemeCount(name)).toBe(24);
    const typedDecomposed = name.normalize("NFD");
    expect(typedDecomposed.length).toBeGreaterThan(30);
    expect(accepted(typedDecomposed)).toBe(name);
    expect(rejected(`${typedDecomposed}a`)).toContain("24");
  });

  it("does not count stripped invisible characters", () => {
    expect(accepted("a\u200B".repeat(24))).toBe("a".repeat(24));
  });

  it("rejects huge input without processing it", () => {
    expect(rejected("a".repeat(100_000))).toContain("24");
  });

  it("rejects letters buried under stacked marks (Zalgo)", () => {
    expect(rejected("Z\u0335\u0322\u031B\u0327\u0334\u0358a\u0338\u0336\u0321\u0317\u031Fl\u0336g\u0337o")).toBe(
      "That nickname has too many marks stacked on one letter. Please write it more simply.",
    );
    expect(rejected(`a${"\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307"}`)).toMatch(/too many marks/);
  });
});

describe("cleanNickname: profanity", () => {
  it.each([
    "fuck",
    "Shit Head",
    "BITCH",
    "little bitch",
    "b1tch",
    "$h!t",
    "a$$",
    "fuuuuck",
    "fück",
    "ｆｕｃｋ",
    "sh\u200Bit",
    "f\u00ADu\u200Dck",
    "f u c k",
    "F.U.C.K",
    "s-h-i-t",
    "f🐳u🐳c🐳k",
    "Big Dick",
  ])("rejects %j with the friendly message", (name) => {
    expect(rejected(name)).toBe(PROFANE_NICKNAME_ERROR);
  });

  it("uses a message that tells the student what to do next", () => {
    expect(PROFANE_NICKNAME_ERROR).toBe("That nickname isn't allowed. Try another, or ask for a generated one.");
  });

  it.each(["Bass Hit", "Cassie", "Scunthorpe", "Assistant", "Titan", "Peacock", "A J Smith", "Bích", "BÍCH", "Ngọc Bích", "Tít"])(
    "accepts the harmless %j",
    (name) => {
      expect(accepted(name)).toBe(name);
    },
  );

  it("still blocks the English word that a Vietnamese exception resembles", () => {
    expect(rejected("Bich")).toBe(PROFANE_NICKNAME_ERROR);
    expect(rejected("tit")).toBe(PROFANE_NICKNAME_ERROR);
  });
});

describe("cleanNickname: properties", () => {
  it("always returns a trimmed, single-spaced, visible, bounded name, and is idempotent", () => {
    const invisible = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Cs}\p{Co}]/u;
    const messy = fc.array(
      fc.oneof(
        fc.string({ unit: "binary", maxLength: 6 }),
        fc.constantFrom("\u200B", "\u202E", "\u3164", " ", "\t", "\u0301", "e", "ễ", "🐳", "\u200D", "\uFE0F", "\u2800"),
      ),
      { maxLength: 12 },
    ).map((parts) => parts.join(""));
    fc.assert(
      fc.property(messy, (raw) => {
        const r = cleanNickname(raw);
        if (!r.ok) {
          expect(r.error).toMatch(/^[A-Z].*\.$/);
          return;
        }
        const { name } = r;
        expect(name).toBe(name.trim());
        expect(name).not.toMatch(/\s\s/);
        expect(name).not.toMatch(/[^\S ]/u);
        expect(name).not.toMatch(invisible);
        expect(name).toBe(name.normalize("NFC"));
        expect(graphemeCount(name)).toBeGreaterThanOrEqual(1);
        expect(graphemeCount(name)).toBeLessThanOrEqual(MAX_NICKNAME_GRAPHEMES);
        expect(cleanNickname(name)).toEqual({ ok: true, name });
      }),
      { numRuns: 2000, seed: 42 },
    );
  });
});

describe("uniqueNickname", () => {
  it("keeps a free name as it is", () => {
    expect(uniqueNickname("Alice", ["Bob", "Alice 2"])).toBe("Alice");
    expect(uniqueNickname("Alice", [])).toBe("Alice");
  });

  it("appends the first free number", () => {
    expect(uniqueNickname("Alice", ["Alice"])).toBe("Alice 2");
    expect(uniqueNickname("Alice", ["Alice", "Alice 2"])).toBe("Alice 3");
    expect(uniqueNickname("Alice", ["Alice", "Alice 3"])).toBe("Alice 2");
    expect(uniqueNickname("Alice", ["Alice", ...Array.from({ length: 8 }, (_, i) => `Alice ${i + 2}`)])).toBe("Alice 10");
  });

  it("compares ignoring case", () => {
    expect(uniqueNickname("Alice", ["alice"])).toBe("Alice 2");
    expect(uniqueNickname("alice", ["ALICE", "aLiCe 2"])).toBe("alice 3");
    expect(uniqueNickname("Straße", ["STRASSE"])).toBe("Straße 2");
    expect(uniqueNickname("Ánh", ["ÁNH"])).toBe("Ánh 2");
  });

  it("compares after NFC, so a decomposed spelling is the same name", () => {
    expect(uniqueNickname("Nguyễn", ["Nguye\u0302\u0303n"])).toBe("Nguyễn 2");
  });

  it("accepts any iterable, such as a Set or a generator", () => {
    expect(uniqueNickname("Bob", new Set(["Bob"]))).toBe("Bob 2");
    function* names() {
      yield "Bob";
      yield "Bob 2";
    }
    expect(uniqueNickname("Bob", names())).toBe("Bob 3");
  });

  it("shortens the base so the result stays within 24 characters", () => {
    const long = "abcdefghijklmnopqrstuvwx";
    expect(long).toHaveLength(24);
    expect(uniqueNickname(long, [long])).toBe("abcdefghijklmnopqrstuv 2");
    const tenth = uniqueNickname(long, [long, ...Array.from({ length: 8 }, (_, i) => `abcdefghijklmnopqrstuv ${i + 2}`)]);
    expect(tenth).toBe("abcdefghijklmnopqrstu 10");
    expect(tenth).toHaveLength(24);
  });

  it("shortens by graphemes, never splitting an emoji or an accented letter", () => {
    const whales = "🐳".repeat(24);
    expect(uniqueNickname(whales, [whales])).toBe(`${"🐳".repeat(22)} 2`);
    const vietnamese = "Nguyễn Thị Ánh Nguyệt Mỹ";
    expect(graphemeCount(vietnamese)).toBe(24);
    const result = uniqueNickname(vietnamese, [vietnamese]);
    expect(result).toBe("Nguyễn Thị Ánh Nguyệt 2");
    expect(cleanNickname(result)).toEqual({ ok: true, name: result });
  });

  it("does not leave a double space when the cut falls after a space", () => {
    const name = "abcdefghijklmnopqrstu wx";
    expect(name).toHaveLength(24);
    expect(uniqueNickname(name, [name])).toBe("abcdefghijklmnopqrstu 2");
  });

  it("gives every student in a crowded class a different name", () => {
    const names: string[] = [];
    for (let i = 0; i < 150; i++) names.push(uniqueNickname(i % 2 ? "Alice" : "ALICE", names));
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(150);
    expect(names.at(-1)).toBe("Alice 150");
  });
});

describe("generateNickname", () => {
  it("makes adjective + noun names from the themed lists", () => {
    const name = generateNickname(mulberry32(7));
    const [adjective, noun] = name.split(" ");
    expect(NICKNAME_ADJECTIVES).toContain(adjective);
    expect(NICKNAME_NOUNS).toContain(noun);
  });

  it("has about 40 distinct words in each list", () => {
    for (const list of [NICKNAME_ADJECTIVES, NICKNAME_NOUNS]) {
      expect(list.length).toBeGreaterThanOrEqual(40);
      expect(new Set(list.map((w) => w.toLowerCase())).size).toBe(list.length);
      for (const word of list) expect(word).toMatch(/^[A-Z][a-z]+$/);
    }
  });

  it("is deterministic for a given random function", () => {
    const a = Array.from({ length: 50 }, ((r) => () => generateNickname(r))(mulberry32(123)));
    const b = Array.from({ length: 50 }, ((r) => () => generateNickname(r))(mulberry32(123)));
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(40);
  });

  it("produces names that pass cleanNickname unchanged for 1,000 seeds", () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 1000; seed++) {
      const name = generateNickname(mulberry32(seed));
      expect(cleanNickname(name)).toEqual({ ok: true, name });
      seen.add(name);
    }
    expect(seen.size).toBeGreaterThan(500);
  });

  it("never produces a flagged or over-long name, across every combination", () => {
    for (const adjective of NICKNAME_ADJECTIVES) {
      for (const noun of NICKNAME_NOUNS) {
        const name = `${adjective} ${noun}`;
        expect(cleanNickname(name), name).toEqual({ ok: true, name });
      }
    }
  });

  it("reaches both ends of the lists and survives out-of-range random values", () => {
    expect(generateNickname(() => 0)).toBe(`${NICKNAME_ADJECTIVES[0]} ${NICKNAME_NOUNS[0]}`);
    const last = `${NICKNAME_ADJECTIVES.at(-1)} ${NICKNAME_NOUNS.at(-1)}`;
    expect(generateNickname(() => 0.999999999)).toBe(last);
    expect(generateNickname(() => 1)).toBe(last);
    expect(generateNickname(() => Number.NaN)).toBe(`${NICKNAME_ADJECTIVES[0]} ${NICKNAME_NOUNS[0]}`);
  });
});

describe("nodeNameFor", () => {
  it("transliterates Vietnamese, including đ", () => {
    expect(nodeNameFor("Nguyễn Thị Ánh", [])).toBe("node-nguyen-thi-anh");
    expect(nodeNameFor("Đặng Văn Đức", [])).toBe("node-dang-van-duc");
    expect(nodeNameFor("Trần Hưng Đạo", [])).toBe("node-tran-hung-dao");
  });

  it("folds other accented and special Latin letters and full-width forms", () => {
    expect(nodeNameFor("Zoë", [])).toBe("node-zoe");
    expect(nodeNameFor("Łukasz Øby", [])).toBe("node-lukasz-oby");
    expect(nodeNameFor("Straße", [])).toBe("node-strasse");
    expect(nodeNameFor("Ｂｏｂ", [])).toBe("node-bob");
  });

  it("turns punctuation, spaces and emoji into single dashes, never at the ends", () => {
    expect(nodeNameFor("  --Bob!!  ", [])).toBe("node-bob");
    expect(nodeNameFor("Anh 🚢 & Bảo", [])).toBe("node-anh-bao");
    expect(nodeNameFor("🐳Brave Crane🐳", [])).toBe("node-brave-crane");
    expect(nodeNameFor("R2-D2", [])).toBe("node-r2-d2");
  });

  it("falls back to node-student for names with nothing to transliterate", () => {
    expect(nodeNameFor("🐳🚢", [])).toBe("node-student");
    expect(nodeNameFor("李小龍", [])).toBe("node-student");
    expect(nodeNameFor("!!!", [])).toBe("node-student");
  });

  it("keeps at most 20 characters of the name and no trailing dash after the cut", () => {
    expect(nodeNameFor("Supercalifragilistic Expialidocious", [])).toBe("node-supercalifragilistic");
    expect(nodeNameFor("abcdefghijklmnopqrs tuvwxyz", [])).toBe("node-abcdefghijklmnopqrs");
  });

  it("suffixes -2, -3, ... on collision, including names that differ only in case or accents", () => {
    expect(nodeNameFor("Alice", ["node-alice"])).toBe("node-alice-2");
    expect(nodeNameFor("ALICE", ["node-alice", "node-alice-2"])).toBe("node-alice-3");
    expect(nodeNameFor("Ánh", ["node-anh"])).toBe("node-anh-2");
    expect(nodeNameFor("🐳", ["node-student"])).toBe("node-student-2");
    expect(nodeNameFor("🚢", new Set(["node-student", "node-student-2"]))).toBe("node-student-3");
  });

  it("gives a whole class distinct node names", () => {
    const taken: string[] = [];
    const nicknames = ["Alice", "alice 2", "Alice", "🐳", "🚢", "Ánh", "Anh", "Supercalifragilistic A", "Supercalifragilistic B"];
    for (const n of nicknames) taken.push(nodeNameFor(n, taken));
    expect(new Set(taken).size).toBe(nicknames.length);
    expect(taken).toEqual([
      "node-alice",
      "node-alice-2",
      "node-alice-3",
      "node-student",
      "node-student-2",
      "node-anh",
      "node-anh-2",
      "node-supercalifragilistic",
      "node-supercalifragilistic-2",
    ]);
  });

  it("always returns a free DNS-1123 label of at most 63 characters", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.array(fc.constantFrom("node-student", "node-a", "node-a-2", "node-student-2"), { maxLength: 4 }),
        (nickname, taken) => {
          const name = nodeNameFor(nickname, taken);
          expect(name).toMatch(DNS_1123_LABEL);
          expect(name.length).toBeLessThanOrEqual(63);
          expect(name.startsWith("node-")).toBe(true);
          expect(taken).not.toContain(name);
        },
      ),
      { numRuns: 2000, seed: 7 },
    );
  });
});
