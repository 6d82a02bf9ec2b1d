/**
 * The store's environment variables, kept as a zod shape so server/config.ts can spread it into its
 * own schema (one validation pass, every mistake reported at once) or parse it alone.
 */
import { z } from "zod";
import { SqliteClassStore } from "./sqlite.ts";
import type { ClassStore } from "./types.ts";

export const storeEnvShape = {
  /** Only the embedded store exists today; "redis" will join it. */
  STORE_DRIVER: z.enum(["sqlite"]).default("sqlite"),
  /** SQLite file (its directory is created), or ":memory:" to keep nothing across restarts. */
  STORE_PATH: z.string().min(1).default("data/container-city.db"),
  /** Wall seconds between snapshots of a running class (the command log is flushed every second). */
  STORE_SNAPSHOT_SECONDS: z.coerce.number().min(1).max(300).default(5),
  /** Days a class is kept after its last activity; 0 disables the clean-up. */
  STORE_RETENTION_DAYS: z.coerce.number().min(0).max(3650).default(30),
  /** "json" keeps snapshots readable in the sqlite3 shell; the default is ~20x smaller. */
  STORE_SNAPSHOT_ENCODING: z.enum(["json", "json+deflate"]).default("json+deflate"),
};

export const storeEnvSchema = z.object(storeEnvShape);
export type StoreConfig = z.infer<typeof storeEnvSchema>;

export function loadStoreConfig(env: Record<string, string | undefined> = process.env): StoreConfig {
  return storeEnvSchema.parse(env);
}

export function createClassStore(config: StoreConfig, opts: { now?: () => number } = {}): ClassStore {
  switch (config.STORE_DRIVER) {
    case "sqlite":
      return new SqliteClassStore({ path: config.STORE_PATH, encoding: config.STORE_SNAPSHOT_ENCODING, now: opts.now });
  }
}
