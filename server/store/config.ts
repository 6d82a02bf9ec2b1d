/**
 * The store's environment variables, kept as a zod shape so server/config.ts can spread it into its
 * own schema (one validation pass, every mistake reported at once) or parse it alone.
 */
import { z } from "zod";
import { SqliteClassStore } from "./sqlite.ts";
import { RedisClassStore } from "./redis.ts";
import type { ClassStore } from "./types.ts";

export const redisUrlSchema = z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL, e.g. redis://redis:6379" });

export const storeEnvShape = {
  /** "sqlite": one file per process. "redis": one store every process shares (server/store/redis.ts). */
  STORE_DRIVER: z.enum(["sqlite", "redis"]).default("sqlite"),
  /** SQLite file (its directory is created), or ":memory:" to keep nothing across restarts. */
  STORE_PATH: z.string().min(1).default("data/container-city.db"),
  /**
   * The Redis of STORE_DRIVER=redis when it is not REDIS_URL's: presence can live in a Redis that
   * keeps nothing on disk, while the store's must persist (AOF or RDB).
   */
  STORE_REDIS_URL: redisUrlSchema.optional(),
  /** Wall seconds between snapshots of a running class (the command log is flushed every second). */
  STORE_SNAPSHOT_SECONDS: z.coerce.number().min(1).max(300).default(5),
  /** Days a class is kept after its last activity; 0 disables the clean-up. */
  STORE_RETENTION_DAYS: z.coerce.number().min(0).max(3650).default(30),
  /** "json" keeps snapshots readable in the sqlite3 shell; the default is 15-24x smaller (30 to 1,000 nodes). */
  STORE_SNAPSHOT_ENCODING: z.enum(["json", "json+deflate"]).default("json+deflate"),
};

type StoreEnv = { STORE_DRIVER: "sqlite" | "redis"; STORE_REDIS_URL?: string | undefined; REDIS_URL?: string | undefined };

/** The Redis URL of STORE_DRIVER=redis: its own, else the presence one. */
export function storeRedisUrl(c: StoreEnv): string | undefined {
  return c.STORE_REDIS_URL ?? c.REDIS_URL;
}

/** The checks across variables, for server/config.ts's superRefine too. */
export function checkStoreEnv(c: StoreEnv, ctx: z.RefinementCtx): void {
  if (c.STORE_DRIVER === "redis" && !storeRedisUrl(c)) {
    ctx.addIssue({ code: "custom", path: ["STORE_DRIVER"], message: "redis needs a Redis: set REDIS_URL (shared with presence) or STORE_REDIS_URL" });
  }
}

export const storeEnvSchema = z.object({ ...storeEnvShape, REDIS_URL: redisUrlSchema.optional() }).superRefine(checkStoreEnv);
export type StoreConfig = z.infer<typeof storeEnvSchema>;

export function loadStoreConfig(env: Record<string, string | undefined> = process.env): StoreConfig {
  return storeEnvSchema.parse(env);
}

export function createClassStore(config: StoreConfig, opts: { now?: () => number } = {}): ClassStore {
  switch (config.STORE_DRIVER) {
    case "sqlite":
      return new SqliteClassStore({ path: config.STORE_PATH, encoding: config.STORE_SNAPSHOT_ENCODING, now: opts.now });
    case "redis":
      return new RedisClassStore({ redis: storeRedisUrl(config)!, encoding: config.STORE_SNAPSHOT_ENCODING, now: opts.now });
  }
}

/** What the start-up log line says about the store: never a Redis password. */
export function describeStore(config: StoreConfig, redact: (url: string) => string): string {
  return config.STORE_DRIVER === "redis" ? `redis ${redact(storeRedisUrl(config)!)}` : config.STORE_PATH;
}
