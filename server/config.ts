/**
 * Configuration from environment variables, validated once at start. Each mistake gets its own
 * line naming the variable, so an operator fixes them all in one go instead of one per restart.
 */
import { z } from "zod";
import { checkStoreEnv, redisUrlSchema, storeEnvShape } from "./store/config.ts";
import { redactUrl } from "./secrets.ts";

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** What the Colyseus client puts between ws(s):// and /<process>/<room>: host[:port][/path], no scheme. */
const PUBLIC_ADDRESS_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:\/[^\s/?#]+)*$/;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(2567),
  HOST: z.string().min(1).default("0.0.0.0"),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Set: presence and matchmaking in Redis, so several processes serve the same classes (server/scale.ts). */
  REDIS_URL: redisUrlSchema.optional(),
  /** Where browsers reach this very process: students joining through another process are sent here. */
  PUBLIC_ADDRESS: z.string().regex(PUBLIC_ADDRESS_RE, "must be host[:port][/path] without a scheme or a trailing slash (the client adds ws:// or wss://), e.g. 192.168.1.20:2568 or game.school.example/a").optional(),
  /** Seconds a class with nobody connected stays open. */
  IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /** Seconds a dropped student may come back to the same node. */
  RECONNECT_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  MAX_STUDENTS_PER_CLASS: z.coerce.number().int().min(1).max(5000).default(1000),
  PATCH_RATE_HZ: z.coerce.number().min(1).max(60).default(10),
  SIM_RATE_HZ: z.coerce.number().min(1).max(60).default(10),
  /** Messages a client may send per second on average, and in a burst. */
  MESSAGE_RATE: z.coerce.number().min(1).max(1000).default(10),
  MESSAGE_BURST: z.coerce.number().min(1).max(1000).default(20),
  /** Classes one address may create per minute (a school behind one NAT shares it), and at once. */
  CLASS_CREATE_PER_MINUTE: z.coerce.number().min(1).max(10_000).default(30),
  CLASS_CREATE_BURST: z.coerce.number().min(1).max(10_000).default(10),
  /** Failed look-ups by class code or key (joins, QR codes, reports) one address may make per minute. */
  LOOKUP_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  DEFAULT_COMPRESSION: z.coerce.number().min(1).max(120).default(20),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
  TRUST_PROXY: bool.default(false),
  /** STORE_DRIVER, STORE_PATH, STORE_REDIS_URL, STORE_SNAPSHOT_SECONDS, STORE_RETENTION_DAYS, STORE_SNAPSHOT_ENCODING. */
  ...storeEnvShape,
}).superRefine((c, ctx) => {
  // Without it a student who joins through another process is sent to that process's own address,
  // where the class is not, and the join fails with "seat reservation expired".
  if (c.REDIS_URL && !c.PUBLIC_ADDRESS) ctx.addIssue({ code: "custom", path: ["PUBLIC_ADDRESS"], message: "required with REDIS_URL: the host[:port][/path] at which browsers reach this process" });
  checkStoreEnv(c, ctx);
});

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {}

/** A value as an error line shows it: a Redis URL without its password. */
function shown(name: string, value: string | undefined): string {
  return JSON.stringify((name === "REDIS_URL" || name === "STORE_REDIS_URL") && value !== undefined ? redactUrl(value) : value);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const r = envSchema.safeParse(env);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.join(".") || "(environment)"}: ${i.message} (got ${shown(String(i.path[0]), env[String(i.path[0])])})`);
  throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
}
