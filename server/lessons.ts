/**
 * Built-in lessons: lessons/*.yaml, parsed and validated once at start. A broken file is logged
 * with its path-specific errors and left out; the others still load.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseLesson, type Lesson } from "../shared/lessons/index.ts";
import type { Logger } from "./logger.ts";

export const LESSONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../lessons");

export function loadLessons(logger: Logger, dir = LESSONS_DIR): Map<string, Lesson> {
  const lessons = new Map<string, Lesson>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
    const r = parseLesson(readFileSync(path.join(dir, file), "utf8"));
    if (!r.ok) {
      logger.error({ file, errors: r.errors }, "lesson file is invalid and was skipped");
      continue;
    }
    lessons.set(r.lesson.id, r.lesson);
  }
  return lessons;
}

/** The picker's view of a lesson: what a teacher needs to choose, no answers. */
export function lessonSummary(l: Lesson) {
  return { id: l.id, title: l.title, summary: l.summary, durationMinutes: l.durationMinutes, mode: l.mode, compression: l.compression };
}
