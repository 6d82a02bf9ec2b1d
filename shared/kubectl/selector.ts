/**
 * Label selectors as `-l` takes them: `app=web`, `app==web`, `app!=web`, `app`, `!app`,
 * `app in (web,api)`, `app notin (web)`, comma-separated and all required.
 */

type Requirement =
  | { op: "eq" | "neq"; key: string; value: string }
  | { op: "in" | "notin"; key: string; values: string[] }
  | { op: "exists" | "notexists"; key: string };

export type Selector = (labels: Record<string, string>) => boolean;

const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function parseOne(part: string): Requirement | null {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (set) {
    const values = set[3]!.split(",").map((v) => v.trim()).filter((v) => v.length > 0);
    return KEY.test(set[1]!) && values.every((v) => VALUE.test(v)) ? { op: set[2] === "in" ? "in" : "notin", key: set[1]!, values } : null;
  }
  const neq = /^([^!=\s]+)\s*!=\s*(\S*)$/.exec(part);
  if (neq) return KEY.test(neq[1]!) && VALUE.test(neq[2]!) ? { op: "neq", key: neq[1]!, value: neq[2]! } : null;
  const eq = /^([^!=\s]+)\s*==?\s*(\S*)$/.exec(part);
  if (eq) return KEY.test(eq[1]!) && VALUE.test(eq[2]!) ? { op: "eq", key: eq[1]!, value: eq[2]! } : null;
  if (part.startsWith("!")) {
    const key = part.slice(1).trim();
    return KEY.test(key) ? { op: "notexists", key } : null;
  }
  return KEY.test(part) ? { op: "exists", key: part } : null;
}

export function parseSelector(text: string): { ok: true; match: Selector } | { ok: false; error: string } {
  const reqs: Requirement[] = [];
  for (const part of splitTopLevel(text)) {
    const r = parseOne(part);
    if (!r) return { ok: false, error: `error: unable to parse requirement: found '${part}', expected: identifier` };
    reqs.push(r);
  }
  const match: Selector = (labels) =>
    reqs.every((r) => {
      const v = labels[r.key];
      switch (r.op) {
        case "eq":
          return v === r.value;
        case "neq":
          return v !== r.value;
        case "in":
          return v !== undefined && r.values.includes(v);
        case "notin":
          return v === undefined || !r.values.includes(v);
        case "exists":
          return v !== undefined;
        case "notexists":
          return v === undefined;
      }
    });
  return { ok: true, match };
}

export function formatLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return keys.length ? keys.map((k) => `${k}=${labels[k]}`).join(",") : "<none>";
}
