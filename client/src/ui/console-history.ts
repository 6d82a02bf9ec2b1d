/**
 * The kubectl console's pure parts: the command history a shell keeps (↑ older, ↓ newer, and back
 * to what was being typed), whether a line reads its manifest from stdin, and how big a message may
 * be. No DOM: tested in Node.
 */
export class CommandHistory {
  private readonly max: number;
  private readonly lines: string[] = [];
  /** Index into lines while browsing; lines.length = not browsing. */
  private cursor = 0;
  private draft = "";

  constructor(max = 100) {
    this.max = max;
  }

  /** Remember a line that was run (not blank lines, not the same line twice in a row). */
  push(line: string): void {
    const l = line.trim();
    if (l && this.lines[this.lines.length - 1] !== l) {
      this.lines.push(l);
      if (this.lines.length > this.max) this.lines.shift();
    }
    this.cursor = this.lines.length;
    this.draft = "";
  }

  /** ↑: the previous line, or null at the oldest. `current` is what the input holds now. */
  up(current: string): string | null {
    if (this.cursor === 0) return null;
    if (this.cursor === this.lines.length) this.draft = current;
    this.cursor--;
    return this.lines[this.cursor] ?? null;
  }

  /** ↓: the next line, then what was being typed before browsing; null when not browsing. */
  down(): string | null {
    if (this.cursor >= this.lines.length) return null;
    this.cursor++;
    return this.cursor === this.lines.length ? this.draft : (this.lines[this.cursor] ?? null);
  }

  entries(): readonly string[] {
    return this.lines;
  }
}

/** `apply -f -` (or `--filename=-`, `-f=-`): the manifest comes from the YAML box. */
export function readsStdin(line: string): boolean {
  const words = line.trim().split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w === "-f" || w === "--filename") && words[i + 1] === "-") return true;
    if (w === "-f-" || w === "-f=-" || w === "--filename=-") return true;
  }
  return false;
}

/** The line without a leading "$ " or "kubectl " (both are accepted by the server, shown once here). */
export function bareCommand(line: string): string {
  return line.trim().replace(/^\$\s*/, "").replace(/^(kubectl|k)\s+/, "").trim();
}

/** Characters of JSON a message would take, as the room measures it before refusing it. */
export function messageSize(payload: unknown): number {
  return JSON.stringify(payload).length;
}
