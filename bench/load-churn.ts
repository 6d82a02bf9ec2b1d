/**
 * What the patches carry, seen from a decoding client: after each patch, the decoded state is
 * flattened (map keys replaced by "*") and compared with the previous one, and every field that
 * changed is counted under its path pattern, e.g. "pods.*.servedRps". The byte estimate per change
 * is an estimate (a field index byte + the value's wire size from the server's schema types + about
 * two bytes to switch to each changed object), good enough to rank what fills the patches; entries
 * added or removed are counted but their full encoding is not estimated.
 */

import { ClassState } from "../server/rooms/schema.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

/** Wire size of a field's value by its schema type (the numbers are fixed width in @colyseus/schema). */
const FIXED: Record<string, number> = {
  boolean: 1, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, int64: 8, uint64: 8, float64: 8,
};

interface FieldMeta {
  name: string;
  type: unknown;
}

/** "pods.*.servedRps" -> "float32", from the server's own schema definitions. */
function schemaType(pattern: string): string | null {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let klass: any = ClassState;
  const parts = pattern.split(".");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === "*") continue;
    const meta = klass?.[Symbol.metadata] as Record<string, FieldMeta> | undefined;
    if (!meta) return null;
    const field = Object.values(meta).find((m) => m && typeof m === "object" && m.name === part);
    if (!field) return null;
    const t = field.type as unknown;
    if (typeof t === "string") return i === parts.length - 1 ? t : null;
    if (t && typeof t === "object" && "map" in t) klass = (t as { map: unknown }).map;
    else klass = t;
  }
  return null;
}

export interface ChurnRow {
  field: string;
  changesPerSecond: number;
  /** Rough estimate of the patch bytes this field costs each receiving client per second. */
  estBytesPerSecond: number;
}

type Flat = Map<string, unknown>;

function flatten(value: unknown, path: string, pattern: string, out: Flat, patterns: Map<string, string>): void {
  if (value === null || typeof value !== "object") {
    out.set(path, value);
    patterns.set(path, pattern);
    return;
  }
  const isMapLike = pattern.endsWith("nodes") || pattern.endsWith("pods") || pattern.endsWith("deployments") || pattern.endsWith("services") || pattern.endsWith("students") || pattern.endsWith("events") || pattern.endsWith("containers");
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    flatten(v, path ? `${path}.${k}` : k, pattern ? `${pattern}.${isMapLike ? "*" : k}` : k, out, patterns);
  }
  if (isMapLike) {
    // Presence of each entry, so that additions and removals are counted too.
    for (const k of Object.keys(value as Record<string, unknown>)) {
      out.set(`${path}.${k}#`, true);
      patterns.set(`${path}.${k}#`, `${pattern}.* (added/removed)`);
    }
  }
}

function valueBytes(type: string | null, v: unknown): number {
  if (type && FIXED[type] !== undefined) return FIXED[type];
  if (typeof v === "string") return Buffer.byteLength(v) + (v.length < 32 ? 1 : 2);
  if (typeof v === "boolean") return 1;
  return 4;
}

export class ChurnMeter {
  private prev: Flat | null = null;
  private readonly counts = new Map<string, number>();
  private readonly bytes = new Map<string, number>();
  private startedAt = 0;
  private running = false;
  patches = 0;

  start(state: AnyState): void {
    this.prev = this.snapshot(state);
    this.counts.clear();
    this.bytes.clear();
    this.patches = 0;
    this.startedAt = performance.now();
    this.running = true;
  }

  stop(): void {
    this.running = false;
  }

  private snapshot(state: AnyState): Flat {
    const flat: Flat = new Map();
    flatten(state?.toJSON ? state.toJSON() : state, "", "", flat, this.patterns);
    return flat;
  }

  private readonly patterns = new Map<string, string>();
  private readonly types = new Map<string, string | null>();

  /** Call after each decoded patch. */
  observe(state: AnyState): void {
    if (!this.running || !this.prev) return;
    this.patches++;
    const next = this.snapshot(state);
    const changedObjects = new Set<string>();
    const touch = (path: string, v: unknown) => {
      const pat = this.patterns.get(path) ?? path;
      this.counts.set(pat, (this.counts.get(pat) ?? 0) + 1);
      const obj = path.slice(0, path.lastIndexOf("."));
      // One switch to the object (about 2 bytes) the first time one of its fields changes in this patch.
      const switchBytes = changedObjects.has(obj) ? 0 : 2;
      changedObjects.add(obj);
      let type = this.types.get(pat);
      if (type === undefined) this.types.set(pat, (type = schemaType(pat)));
      this.bytes.set(pat, (this.bytes.get(pat) ?? 0) + 1 + valueBytes(type, v) + switchBytes);
    };
    for (const [path, v] of next) if (this.prev.get(path) !== v) touch(path, v);
    for (const path of this.prev.keys()) if (!next.has(path)) touch(path, undefined);
    this.prev = next;
  }

  report(top = 12): ChurnRow[] {
    const secs = Math.max(0.001, (performance.now() - this.startedAt) / 1000);
    return [...this.counts.entries()]
      .map(([field, n]) => ({ field, changesPerSecond: Math.round((n / secs) * 10) / 10, estBytesPerSecond: Math.round((this.bytes.get(field) ?? 0) / secs) }))
      .sort((a, b) => b.estBytesPerSecond - a.estBytesPerSecond)
      .slice(0, top);
  }
}
