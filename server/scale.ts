/**
 * Running more than one server process. With REDIS_URL set, every process shares Colyseus's
 * presence (pub/sub between processes, the set of open class codes) and matchmaking driver (which
 * process holds which class) through Redis, so a student can reach a class through any process.
 * Without it the server stays one self-contained process with in-memory presence, as before.
 */
import { RedisDriver } from "@colyseus/redis-driver";
import { RedisPresence } from "@colyseus/redis-presence";
import { matchMaker, type ServerOptions } from "@colyseus/core";
import type { Config } from "./config.ts";
import { redactUrl } from "./secrets.ts";

export type ScaleOptions = Pick<ServerOptions, "presence" | "driver" | "publicAddress" | "selectProcessIdToCreateRoom">;

/** The Colyseus options for this configuration: none at all for one process (local presence and driver). */
export function scaleOptions(config: Pick<Config, "REDIS_URL" | "PUBLIC_ADDRESS">): ScaleOptions {
  // Without Redis a public address still matters when a proxy routes to this process by path.
  const address = config.PUBLIC_ADDRESS ? { publicAddress: config.PUBLIC_ADDRESS } : {};
  if (!config.REDIS_URL) return address;
  return {
    ...address,
    presence: new RedisPresence(config.REDIS_URL),
    driver: new RedisDriver(config.REDIS_URL),
    // A class lives in the process that answered POST /api/classes, not in the process with the
    // fewest rooms (Colyseus's default): that process's class store is the one that records it and
    // serves its reports, and a process in its SIGTERM grace period (which refuses new classes, and
    // which the load balancer has stopped sending teachers to) is never handed one by another.
    selectProcessIdToCreateRoom: () => Promise.resolve(matchMaker.processId),
  };
}

/** What the start-up log line says about the topology: never the Redis password. */
export function describeScale(config: Pick<Config, "REDIS_URL" | "PUBLIC_ADDRESS">): { presence: "local" | "redis"; redis?: string; publicAddress?: string } {
  const address = config.PUBLIC_ADDRESS ? { publicAddress: config.PUBLIC_ADDRESS } : {};
  if (!config.REDIS_URL) return { presence: "local", ...address };
  return { presence: "redis", redis: redactUrl(config.REDIS_URL), ...address };
}
