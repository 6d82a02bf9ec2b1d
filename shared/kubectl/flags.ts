/**
 * Command-line flags with pflag's rules (what kubectl uses): `--name=value`, `--name value`,
 * `-n value`, `-nvalue`, `-n=value`, bare booleans, `--` ending flags, flags anywhere among the
 * positional arguments. Error texts are pflag's, followed by kubectl's "See ... --help" line.
 */

export interface FlagSpec {
  name: string;
  short?: string;
  type: "bool" | "string" | "int";
  /** Value used when the flag is given without `=value` (pflag NoOptDefVal), e.g. --dry-run. */
  noOptValue?: string;
}

export type FlagValue = string | number | boolean;

export interface ParsedFlags {
  values: Record<string, FlagValue>;
  positional: string[];
}

export type FlagResult = { ok: true; flags: ParsedFlags } | { ok: false; error: string };

/** Flags every command accepts (kubectl's global and common ones we honour). */
export const COMMON_FLAGS: FlagSpec[] = [
  { name: "namespace", short: "n", type: "string" },
  { name: "help", short: "h", type: "bool" },
];

function label(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
}

function convert(spec: FlagSpec, raw: string): { value: FlagValue } | { error: string } {
  if (spec.type === "string") return { value: raw };
  if (spec.type === "bool") {
    if (/^(1|t|T|true|TRUE|True)$/.test(raw)) return { value: true };
    if (/^(0|f|F|false|FALSE|False)$/.test(raw)) return { value: false };
    return { error: `invalid argument "${raw}" for "${label(spec)}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax` };
  }
  if (!/^[+-]?\d+$/.test(raw)) {
    return { error: `invalid argument "${raw}" for "${label(spec)}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax` };
  }
  return { value: Number(raw) };
}

export function parseFlags(args: readonly string[], specs: readonly FlagSpec[], command: string): FlagResult {
  const all = [...COMMON_FLAGS, ...specs];
  const byName = new Map(all.map((s) => [s.name, s]));
  const byShort = new Map(all.filter((s) => s.short).map((s) => [s.short!, s]));
  const values: Record<string, FlagValue> = {};
  const positional: string[] = [];
  const usage = `\nSee 'kubectl ${command} --help' for usage.`;
  const fail = (msg: string): FlagResult => ({ ok: false, error: `error: ${msg}${usage}` });

  const set = (spec: FlagSpec, raw: string): FlagResult | null => {
    const v = convert(spec, raw);
    if ("error" in v) return fail(v.error);
    values[spec.name] = v.value;
    return null;
  };

  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = byName.get(name);
      if (!spec) return fail(`unknown flag: --${name}`);
      if (eq >= 0) {
        const r = set(spec, a.slice(eq + 1));
        if (r) return r;
      } else if (spec.type === "bool") {
        values[spec.name] = true;
      } else if (spec.noOptValue !== undefined) {
        values[spec.name] = spec.noOptValue;
      } else {
        const next = args[i + 1];
        if (next === undefined) return fail(`flag needs an argument: --${name}`);
        const r = set(spec, next);
        if (r) return r;
        i++;
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      // A run of shorthands: -Ao wide, -owide, -n=default.
      let j = 1;
      while (j < a.length) {
        const ch = a[j]!;
        const spec = byShort.get(ch);
        if (!spec) return fail(`unknown shorthand flag: '${ch}' in ${a}`);
        const rest = a.slice(j + 1);
        if (spec.type === "bool") {
          if (rest.startsWith("=")) {
            const r = set(spec, rest.slice(1));
            if (r) return r;
            break;
          }
          values[spec.name] = true;
          j++;
          continue;
        }
        if (rest.length > 0) {
          const r = set(spec, rest.startsWith("=") ? rest.slice(1) : rest);
          if (r) return r;
        } else if (spec.noOptValue !== undefined) {
          values[spec.name] = spec.noOptValue;
        } else {
          const next = args[i + 1];
          if (next === undefined) return fail(`flag needs an argument: '${ch}' in ${a}`);
          const r = set(spec, next);
          if (r) return r;
          i++;
        }
        break;
      }
      continue;
    }
    positional.push(a);
  }
  return { ok: true, flags: { values, positional } };
}

export const str = (f: ParsedFlags, name: string): string | undefined => {
  const v = f.values[name];
  return typeof v === "string" ? v : undefined;
};

export const bool = (f: ParsedFlags, name: string): boolean => f.values[name] === true;

export const int = (f: ParsedFlags, name: string): number | undefined => {
  const v = f.values[name];
  return typeof v === "number" ? v : undefined;
};
