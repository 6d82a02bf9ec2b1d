/** The lesson files themselves: they parse, they are complete in both languages, and they are ours. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseLesson, type Lesson, type Text } from "../../shared/lessons/index.ts";
import { LESSON_DIR, lessonFiles } from "./play.ts";

const REQUIRED = [
  "it-works-on-my-machine",
  "ship-the-whole-kitchen",
  "the-building-manager",
  "the-city-planner",
  "the-9am-rush",
  "rolling-out",
  "do-you-need-kubernetes",
  "sandbox",
  "chaos-party",
];

function load(file: string): Lesson {
  const r = parseLesson(readFileSync(join(LESSON_DIR, file), "utf8"));
  if (!r.ok) throw new Error(`${file}:\n${r.errors.join("\n")}`);
  return r.lesson;
}

/** Every {en, vi} pair anywhere in the lesson, with where it is. */
function texts(value: unknown, path = ""): { path: string; text: Text }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => texts(v, `${path}[${i}]`));
  if (typeof value !== "object" || value === null) return [];
  const o = value as Record<string, unknown>;
  if (typeof o.en === "string" || typeof o.vi === "string") return [{ path, text: o as unknown as Text }];
  return Object.entries(o).flatMap(([k, v]) => texts(v, path ? `${path}.${k}` : k));
}

// Vietnamese marks its tones on almost every sentence: a translation without any is probably English left in place.
const VIETNAMESE = /[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]/i;

describe("lesson files", () => {
  test("every required lesson exists", () => {
    const ids = lessonFiles().map((f) => f.replace(/\.yaml$/, ""));
    for (const id of REQUIRED) expect(ids).toContain(id);
  });

  test.each(lessonFiles())("%s parses, validates and is named after its id", (file) => {
    const lesson = load(file);
    expect(`${lesson.id}.yaml`).toBe(file);
  });

  test.each(lessonFiles())("%s has every text in English and Vietnamese", (file) => {
    const all = texts(load(file));
    expect(all.length).toBeGreaterThan(10);
    for (const { path, text } of all) {
      expect(text.en?.trim(), `${file} ${path}.en`).toBeTruthy();
      expect(text.vi?.trim(), `${file} ${path}.vi`).toBeTruthy();
      // Short labels ("web", "4", "Kubernetes") read the same in both languages; sentences do not.
      if (text.en.split(" ").length > 3) {
        expect(text.vi, `${file} ${path}: vi is a copy of en`).not.toBe(text.en);
        expect(text.vi, `${file} ${path}: vi has no Vietnamese letters`).toMatch(VIETNAMESE);
      }
    }
  });

  test.each(lessonFiles())("%s is playable by 3 to 300 people in 5 to 10 minutes", (file) => {
    const l = load(file);
    expect(l.minStudents).toBeLessThanOrEqual(3);
    expect(l.maxStudents).toBeGreaterThanOrEqual(300);
    expect(l.durationMinutes).toBeGreaterThanOrEqual(5);
    expect(l.durationMinutes).toBeLessThanOrEqual(10);
    expect(l.debrief.points.length).toBeGreaterThanOrEqual(3);
    expect(l.debrief.points.length).toBeLessThanOrEqual(5);
  });

  test("every lesson but the sandbox asks at least one question with a right answer", () => {
    for (const file of lessonFiles()) {
      const l = load(file);
      if (l.id === "sandbox") continue;
      const scored = l.steps.filter((s) => s.prediction && (s.prediction.kind === "whichNode" || s.prediction.answer !== null));
      expect(scored.length, l.id).toBeGreaterThan(0);
    }
  });

  test("the decision game mixes scored rounds and open discussions, without chaos", () => {
    const l = load("do-you-need-kubernetes.yaml");
    expect(l.mode).toBe("any");
    const answers = l.steps.map((s) => (s.prediction?.kind === "choice" ? s.prediction.answer : undefined));
    expect(answers).toContain(null);
    expect(answers.filter((a) => typeof a === "string").length).toBeGreaterThanOrEqual(2);
    expect(l.setup.commands).toEqual([]);
    expect(l.steps.flatMap((s) => s.commands)).toEqual([]);
  });

  test("no sentence is copied from the seed conversation", () => {
    const seedPath = "/work/shared/seed/tech-coffee-break-part4-docker-kubernetes.txt";
    let seed: string;
    try {
      seed = readFileSync(seedPath, "utf8");
    } catch {
      return; // the seed lives outside the repository; elsewhere there is nothing to compare with
    }
    const words = (s: string) => s.toLowerCase().replace(/[^a-z0-9' ]+/g, " ").split(/\s+/).filter(Boolean);
    const grams = new Set<string>();
    const sw = words(seed);
    const N = 7;
    for (let i = 0; i + N <= sw.length; i++) grams.add(sw.slice(i, i + N).join(" "));
    for (const file of lessonFiles()) {
      for (const { path, text } of texts(load(file))) {
        const w = words(text.en);
        for (let i = 0; i + N <= w.length; i++) {
          const g = w.slice(i, i + N).join(" ");
          expect(grams.has(g), `${file} ${path} repeats the seed: "${g}"`).toBe(false);
        }
      }
    }
  });
});
