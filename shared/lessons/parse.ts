/**
 * Lesson files in, typed lessons (or readable errors) out. Pure: the caller reads the file.
 * Every error names the path in the lesson (steps[2].trigger.after) and, when it can, the line of
 * the YAML file, because the person fixing it is looking at that file.
 */
import { LineCounter, isCollection, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { lessonSchema, type Lesson } from "./schema.ts";

export type ParseLessonResult = { ok: true; lesson: Lesson } | { ok: false; errors: string[] };

/** Enough to fix a file in one pass without burying the first mistake. */
const MAX_ERRORS = 20;
/** A lesson is a few pages of text; anything far larger is a wrong file, refused before parsing. */
const MAX_YAML_CHARS = 256 * 1024;

type Path = readonly PropertyKey[];

/** steps[2].trigger.after */
export function formatPath(path: Path): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out;
}

function simplify(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => `"${k}"`).join(", ");
    return issue.message.startsWith("Unrecognized key") ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}` : issue.message;
  }
  // zod's default type errors are written for developers; these files are written by teachers.
  const m = /^Invalid input: expected (\w+), received (\w+)$/.exec(issue.message);
  if (m) return m[2] === "undefined" ? "is missing" : `expected ${m[1]}, got ${m[2]}`;
  return issue.message;
}

/** The line of the deepest node of the document that the path reaches. */
function lineOf(doc: Document, counter: LineCounter, path: Path): number | null {
  let node: unknown = doc.contents;
  let found: unknown = node;
  for (const key of path) {
    if (!isCollection(node)) break;
    const next: unknown = node.get(key, true);
    if (next === undefined) break;
    node = next;
    found = next;
  }
  const range = (found as { range?: [number, number, number] } | null)?.range;
  return range ? counter.linePos(range[0]).line : null;
}

/** Validate an already-parsed object (JSON from a teacher's upload, or a test's fixture). */
export function validateLesson(input: unknown): ParseLessonResult {
  const r = lessonSchema.safeParse(input);
  if (r.success) return { ok: true, lesson: r.data };
  return { ok: false, errors: r.error.issues.slice(0, MAX_ERRORS).map((i) => describe(i, null)) };
}

function describe(issue: z.core.$ZodIssue, where: { doc: Document; counter: LineCounter } | null): string {
  const path = formatPath(issue.path);
  const line = where ? lineOf(where.doc, where.counter, issue.path) : null;
  const at = path === "" ? "lesson" : path;
  return `${at}${line !== null ? ` (line ${line})` : ""}: ${simplify(issue)}`;
}

export function parseLesson(yamlText: string): ParseLessonResult {
  if (yamlText.length > MAX_YAML_CHARS) return { ok: false, errors: [`lesson: the file is larger than ${MAX_YAML_CHARS / 1024} KiB`] };
  const counter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.slice(0, MAX_ERRORS).map((e) => {
        const pos = e.linePos?.[0];
        return `yaml${pos ? ` (line ${pos.line}, column ${pos.col})` : ""}: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`;
      }),
    };
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const r = lessonSchema.safeParse(data);
  if (r.success) return { ok: true, lesson: r.data };
  return { ok: false, errors: r.error.issues.slice(0, MAX_ERRORS).map((i) => describe(i, { doc, counter })) };
}
