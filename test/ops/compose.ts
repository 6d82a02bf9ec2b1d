/**
 * The parts of the Compose specification our docker-compose.yml uses, read the way `docker compose`
 * reads them, so the tests see the environment the container would really get.
 */

export interface ComposeHealthcheck {
  test?: string | string[];
  interval?: string;
  timeout?: string;
  start_period?: string;
  retries?: number;
}

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  healthcheck?: ComposeHealthcheck;
  depends_on?: string[] | Record<string, { condition?: string }>;
  restart?: string;
  stop_grace_period?: string;
  volumes?: (string | { type?: string; source?: string; target: string })[];
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** A service's mounts in long form: "source:target[:mode]" becomes { source, target }. */
export function serviceMounts(s: ComposeService): { source?: string; target: string }[] {
  return (s.volumes ?? []).map((v) => {
    if (typeof v !== "string") return v;
    const [source, target] = v.split(":");
    return target === undefined ? { target: source! } : { source, target };
  });
}

/**
 * Compose interpolation against a given shell environment (empty by default, i.e. what a fresh
 * checkout with no .env gets): ${VAR}, $VAR, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, $$.
 */
export function interpolate(value: string, shell: Record<string, string | undefined> = {}): string {
  return value.replace(/\$(\$|\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_]\w*))/g, (_all, dollar, name, op, arg, bare) => {
    if (dollar === "$") return "$";
    const key = (name ?? bare) as string;
    const v = shell[key];
    if (op === ":-") return v ? v : (arg as string);
    if (op === "-") return v !== undefined ? v : (arg as string);
    if (op === ":?" || op === "?") {
      if (op === ":?" ? !v : v === undefined) throw new Error(`${key} is required: ${arg}`);
      return v!;
    }
    return v ?? "";
  });
}

/**
 * The variables a service's container gets from its `environment` (map or list form). A variable
 * given without a value is passed through from the shell, and left unset if the shell has none.
 */
export function serviceEnv(svc: ComposeService, shell: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const entries: [string, string | null][] = Array.isArray(svc.environment)
    ? svc.environment.map((e) => {
        const i = e.indexOf("=");
        return i < 0 ? [e, null] : [e.slice(0, i), e.slice(i + 1)];
      })
    : Object.entries(svc.environment ?? {}).map(([k, v]) => [k, v === null ? null : String(v)]);
  for (const [k, v] of entries) {
    if (v === null) {
      if (shell[k] !== undefined) out[k] = shell[k];
    } else out[k] = interpolate(v, shell);
  }
  return out;
}

/** Names of the variables a service's `environment` mentions, set or passed through. */
export function serviceEnvNames(svc: ComposeService): string[] {
  if (Array.isArray(svc.environment)) return svc.environment.map((e) => e.split("=")[0]!);
  return Object.keys(svc.environment ?? {});
}

/** The container side of each port mapping ("8080:2567", "127.0.0.1:80:2567/tcp", 2567, long form). */
export function containerPorts(svc: ComposeService): number[] {
  return (svc.ports ?? []).map((p) => {
    if (typeof p === "number") return p;
    if (typeof p === "object") return p.target;
    const noProto = p.replace(/\/(tcp|udp)$/, "");
    return Number(noProto.split(":").at(-1));
  });
}

/** The host port a container port is published on ("8080:2567", "127.0.0.1:80:2567/tcp", long form), if any. */
export function publishedPort(svc: ComposeService, target: number): number | undefined {
  for (const p of svc.ports ?? []) {
    if (typeof p === "number") continue;
    if (typeof p === "object") {
      if (p.target === target && p.published !== undefined) return Number(p.published);
      continue;
    }
    const parts = p.replace(/\/(tcp|udp)$/, "").split(":");
    if (parts.length >= 2 && Number(parts.at(-1)) === target) return Number(parts.at(-2));
  }
  return undefined;
}

/** Compose durations: "1m30s", "15s", "500ms". */
export function durationMs(d: string): number {
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = d.trim();
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`not a compose duration: ${d}`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

export function dependsOn(svc: ComposeService): Record<string, { condition?: string }> {
  if (Array.isArray(svc.depends_on)) return Object.fromEntries(svc.depends_on.map((s) => [s, { condition: "service_started" }]));
  return svc.depends_on ?? {};
}

/** A service's command as the words it runs (the string form split on whitespace, as compose does without quotes). */
export function commandArgs(svc: ComposeService): string[] {
  return Array.isArray(svc.command) ? svc.command.map(String) : (svc.command ?? "").split(/\s+/).filter(Boolean);
}

/**
 * A redis-server option given on its command line ("--appendonly yes"): its value, or undefined
 * when not given. The last occurrence wins, as in Redis. Shared by the compose and k8s tests.
 */
export function redisOption(args: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  args.forEach((a, i) => {
    if (a.toLowerCase() === `--${name}`) value = args[i + 1];
  });
  return value;
}

/**
 * The password a redis:// URL spells out in the file itself, if any: none, or an interpolation
 * (${VAR}, $(VAR)) that takes it from elsewhere, is what plain configuration may hold.
 */
export function literalRedisPassword(raw: string): string | undefined {
  const m = /^rediss?:\/\/(?:[^@/]*?:([^@/]*)@)?/.exec(raw);
  const password = m?.[1];
  if (!password || /^\$(\{\w+[^}]*\}|\(\w+\)|\w+)$/.test(password)) return undefined;
  return password;
}
