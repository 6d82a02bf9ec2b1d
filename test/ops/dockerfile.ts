/**
 * Just enough of the Dockerfile and .dockerignore grammars to check our own files against the
 * repository. No Docker engine runs where the tests run, so a parser is the only way to notice a
 * COPY of a moved file or a HEALTHCHECK on a route that no longer exists before someone deploys.
 */

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

export interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!;
    // Comments (and parser directives, which look like comments) are whole lines in Dockerfiles.
    if (/^\s*(#|$)/.test(first)) continue;
    const start = i;
    let joined = first;
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      joined = joined.replace(/\\\s*$/, " ");
      i++;
      // Comment lines inside a continuation are dropped by Docker, not ended on.
      if (!/^\s*#/.test(lines[i]!)) joined += lines[i]!.trim();
    }
    const m = /^\s*(\w+)\s*(.*)$/.exec(joined);
    if (m) instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ image: m[1]!, ...(m[2] ? { name: m[2] } : {}), instructions: [] });
    } else if (ins.keyword !== "ARG" || stages.length > 0) {
      if (stages.length === 0) throw new Error(`line ${ins.line}: ${ins.keyword} before FROM`);
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return stages;
}

export function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

export function last(stage: Stage, keyword: string): Instruction | undefined {
  return all(stage, keyword).at(-1);
}

/** Exec form (a JSON array) or shell form, as Docker reads it. */
export function execOrShell(args: string): { exec: string[] } | { shell: string } {
  if (args.startsWith("[")) return { exec: JSON.parse(args) as string[] };
  return { shell: args };
}

export function parseCopy(ins: Instruction): Copy {
  let rest = ins.args;
  let from: string | undefined;
  for (let m = /^--(\w[\w-]*)(?:=(\S+))?\s+/.exec(rest); m; m = /^--(\w[\w-]*)(?:=(\S+))?\s+/.exec(rest)) {
    if (m[1] === "from") from = m[2];
    rest = rest.slice(m[0].length);
  }
  const parts = rest.startsWith("[") ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
  if (parts.length < 2) throw new Error(`line ${ins.line}: COPY needs a source and a destination`);
  return { ...(from ? { from } : {}), sources: parts.slice(0, -1), dest: parts.at(-1)! };
}

/** KEY=value pairs of one ENV instruction (the legacy `ENV KEY value` form too). */
export function parseEnv(ins: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  if (!ins.args.includes("=")) {
    const [k, ...v] = ins.args.split(/\s+/);
    out[k!] = v.join(" ");
    return out;
  }
  for (const m of ins.args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  }
  return out;
}

/** The shell commands of a RUN, split on && and ; (enough for our one-liners). */
export function runCommands(ins: Instruction): string[] {
  const form = execOrShell(ins.args);
  if ("exec" in form) return [form.exec.join(" ")];
  return form.shell.split(/&&|;/).map((c) => c.trim()).filter(Boolean);
}

/** The HEALTHCHECK's command (after its --options), or undefined for HEALTHCHECK NONE. */
export function healthcheckCommand(ins: Instruction): { exec: string[] } | { shell: string } | undefined {
  const m = /^(?:--\S+\s+)*CMD\s+([\s\S]+)$/i.exec(ins.args);
  return m ? execOrShell(m[1]!.trim()) : undefined;
}

/** URL paths quoted in a probe command: `'/healthz'` in `...+'/healthz'` or `http://h:1/healthz`. */
export function probedPaths(command: string): string[] {
  const paths = new Set<string>();
  for (const m of command.matchAll(/['"](\/[\w\-./]*)['"]/g)) paths.add(m[1]!);
  for (const m of command.matchAll(/https?:\/\/[^/'"\s]+(\/[\w\-./]*)/g)) paths.add(m[1]!);
  return [...paths];
}

/**
 * A .dockerignore as Docker applies it: patterns in order, the last match wins, `!` re-includes,
 * and excluding a directory excludes everything under it.
 */
export function dockerignore(text: string): (relPath: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, "").replace(/^\.\//, "");
      return { negate, re: globToRegExp(pattern) };
    });
  return (relPath) => {
    const path = relPath.replace(/^\.\//, "").replace(/\/+$/, "");
    const segments = path.split("/");
    let ignored = false;
    for (const r of rules) {
      // A pattern matching a parent directory matches the path too.
      for (let n = 1; n <= segments.length; n++) {
        if (r.re.test(segments.slice(0, n).join("/"))) {
          ignored = !r.negate;
          break;
        }
      }
    }
    return ignored;
  };
}

function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      // `**/` matches zero or more directories.
      re += pattern[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += pattern[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
