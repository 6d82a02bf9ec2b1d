/** Broken lesson files: each mistake is refused with the path (and line) where it is. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import { parseDuration, parseLesson, validateLesson } from "../../shared/lessons/index.ts";
import { LESSON_DIR } from "./play.ts";

type Raw = Record<string, unknown> & { steps: Record<string, unknown>[]; setup: Record<string, unknown> };

/** A valid lesson as plain data, to break one field at a time. */
function base(): Raw {
  return parse(readFileSync(join(LESSON_DIR, "the-city-planner.yaml"), "utf8")) as Raw;
}

function errorsOf(mutate: (l: Raw) => void): string[] {
  const l = base();
  mutate(l);
  const r = parseLesson(stringify(l));
  if (r.ok) throw new Error("expected the lesson to be refused");
  return r.errors;
}

describe("durations", () => {
  test.each([
    ["30s", 30_000], ["5m", 300_000], ["1m30s", 90_000], ["2h", 7_200_000], ["0s", 0],
  ])("%s is %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(["", "30", "5 min", "1s30m", "-5s", "25h"])("%j is refused", (text) => expect(parseDuration(text)).toBeNull());
});

describe("parseLesson refuses broken files with the path of the mistake", () => {
  test("the original parses", () => {
    expect(parseLesson(stringify(base())).ok).toBe(true);
  });

  test("a trigger delay that is not a duration", () => {
    const errors = errorsOf((l) => (l.steps[2]!.trigger = { after: 30 }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^steps\[2\]\.trigger\.after \(line \d+\): expected a duration like "30s"$/);
  });

  test("a missing translation", () => {
    const errors = errorsOf((l) => (l.steps[1]!.studentText = { en: "Hello" }));
    expect(errors).toEqual([expect.stringMatching(/^steps\[1\]\.studentText\.vi \(line \d+\): is missing$/)]);
  });

  test("an unquoted comma inside a text", () => {
    const r = parseLesson(readFileSync(join(LESSON_DIR, "the-city-planner.yaml"), "utf8").replace(
      'text: { en: "At once", vi: "Ngay lập tức" }',
      "text: { en: At once, really, vi: Ngay lập tức }",
    ));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^steps\[2\]\.prediction\.options\[0\]\.text \(line \d+\): unknown field "really".*needs quotes/);
  });

  test("a misspelt condition lists the known ones", () => {
    const errors = errorsOf((l) => (l.steps[0]!.trigger = { when: { allPodsRedy: "shop" } }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^steps\[0\]\.trigger\.when \(line \d+\): unknown condition "allPodsRedy" \(known: allPodsReady, /);
  });

  test("two conditions in one trigger, and a trigger of two kinds", () => {
    const errors = errorsOf((l) => {
      l.steps[0]!.trigger = { when: { allPodsReady: "shop", podsEvicted: "any" } };
      l.steps[1]!.trigger = { teacher: true, after: "30s" };
    });
    expect(errors).toEqual([
      expect.stringMatching(/^steps\[0\]\.trigger\.when \(line \d+\): give one condition per trigger, not 2/),
      expect.stringMatching(/^steps\[1\]\.trigger \(line \d+\): expected one of teacher, after or when, not teacher and after$/),
    ]);
  });

  test("orAfter without when", () => {
    const errors = errorsOf((l) => (l.steps[1]!.trigger = { after: "10s", orAfter: "20s" }));
    expect(errors).toEqual([expect.stringMatching(/^steps\[1\]\.trigger\.orAfter \(line \d+\): orAfter only goes with when$/)]);
  });

  test("a command the simulation's schema refuses", () => {
    const errors = errorsOf((l) => (l.steps[0]!.commands = [{ type: "deploy", app: "Shop!", version: "v1", replicas: -1 }]));
    expect(errors).toContainEqual(expect.stringMatching(/^steps\[0\]\.commands\[0\]\.app \(line \d+\): must be lowercase letters/));
    expect(errors).toContainEqual(expect.stringMatching(/^steps\[0\]\.commands\[0\]\.replicas \(line \d+\): /));
  });

  test("an unknown command type", () => {
    const errors = errorsOf((l) => (l.steps[0]!.commands = [{ type: "launchRocket" }]));
    expect(errors[0]).toMatch(/^steps\[0\]\.commands\[0\]\.type \(line \d+\): /);
  });

  test("a placeholder where it does not belong", () => {
    const errors = errorsOf((l) => (l.steps[2]!.commands = [{ type: "killNode", node: "@everyone" }]));
    expect(errors).toEqual([expect.stringMatching(/^steps\[2\]\.commands\[0\]\.node \(line \d+\): "@everyone" is not allowed here \(node targets: @each, /)]);
  });

  test("a command of another round", () => {
    const errors = errorsOf((l) => (l.steps[2]!.commands = [{ type: "composeCrash", node: "@each", service: "web" }]));
    expect(errors).toEqual([expect.stringMatching(/^steps\[2\]\.commands\[0\]\.type \(line \d+\): composeCrash needs the compose mode, this lesson is kubernetes$/)]);
  });

  test("a condition about an app nobody deploys", () => {
    const errors = errorsOf((l) => (l.steps[0]!.trigger = { when: { allPodsReady: "menu" } }));
    expect(errors).toEqual([expect.stringMatching(/^steps\[0\]\.trigger\.when\.allPodsReady \(line \d+\): no deploy command in this lesson creates "menu"$/)]);
  });

  test("an answer that is not an option, and duplicate ids", () => {
    const errors = errorsOf((l) => {
      (l.steps[0]!.prediction as Record<string, unknown>).answer = "everywhere";
      l.steps[3]!.id = "declare";
    });
    expect(errors).toContainEqual(expect.stringMatching(/^steps\[0\]\.prediction\.answer \(line \d+\): "everywhere" is not one of the options \(one-building, spread, fastest, ask\)$/));
    expect(errors).toContainEqual(expect.stringMatching(/^steps\[3\]\.id \(line \d+\): duplicate step id "declare" \(also steps\[0\]\)$/));
  });

  test("a missing answer must be explicit (null means discussion)", () => {
    const errors = errorsOf((l) => delete (l.steps[0]!.prediction as Record<string, unknown>).answer);
    expect(errors).toEqual([expect.stringMatching(/^steps\[0\]\.prediction\.answer \(line \d+\): is missing: give the right option's id, or null for a discussion$/)]);
  });

  test("a lesson that is too long, and an unknown field", () => {
    const errors = errorsOf((l) => {
      l.durationMinutes = 45;
      l.difficulty = "hard";
    });
    expect(errors).toContainEqual(expect.stringMatching(/^durationMinutes \(line \d+\): lessons last 5 to 10 minutes$/));
    expect(errors).toContainEqual(expect.stringMatching(/^lesson \(line \d+\): unknown field "difficulty"$/));
  });

  test("a whichNode question in the Compose round", () => {
    const l = base();
    l.mode = "compose";
    l.steps = [l.steps[3]!];
    l.steps[0]!.trigger = { teacher: true };
    l.setup = {};
    const r = parseLesson(stringify(l));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContainEqual(expect.stringMatching(/^steps\[0\]\.prediction\.kind \(line \d+\): whichNode predictions follow pods, so they need the kubernetes mode$/));
  });

  test("YAML syntax errors give the line", () => {
    const r = parseLesson("id: broken\nsteps: [1, 2\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^yaml \(line \d+, column \d+\): /);
  });

  test("validateLesson reports paths without lines for plain objects", () => {
    const l = base();
    l.compression = 500;
    const r = validateLesson(l);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([expect.stringMatching(/^compression: /)]);
  });
});
