/**
 * The scale-out variables: REDIS_URL and PUBLIC_ADDRESS are checked at start with one line each,
 * the Redis password never shows in an error or a log line, and without REDIS_URL the server keeps
 * Colyseus's in-process presence and driver (one process, no external service).
 */
import { describe, it, expect } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.ts";
import { describeScale, scaleOptions } from "../../server/scale.ts";
import { redactUrl } from "../../server/secrets.ts";
import { start } from "../ops/spawn.ts";

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

describe("REDIS_URL and PUBLIC_ADDRESS", () => {
  it("are optional: without them the server is one process with in-memory presence", () => {
    const config = loadConfig({});
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.PUBLIC_ADDRESS).toBeUndefined();
    expect(scaleOptions(config)).toEqual({});
    expect(describeScale(config)).toEqual({ presence: "local" });
  });

  it("accept a Redis URL with the address of this process", () => {
    for (const address of ["127.0.0.1:2568", "game-a", "game.school.example", "game.school.example/a", "[::1]:2567", "203.0.113.5:443/pod/10.0.0.7"]) {
      const config = loadConfig({ REDIS_URL: "rediss://:pw@redis.internal:6380/2", PUBLIC_ADDRESS: address });
      expect(config.PUBLIC_ADDRESS).toBe(address);
    }
  });

  it("refuse a REDIS_URL that is not redis:// or rediss://, without showing its password", () => {
    const msg = configError({ REDIS_URL: "http://user:hunter2@redis:6379", PUBLIC_ADDRESS: "a:1" });
    expect(msg).toMatch(/^ {2}REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/m);
    expect(msg).not.toContain("hunter2");
    expect(msg).toContain("***");
  });

  it("refuse a PUBLIC_ADDRESS with a scheme, a trailing slash or a query, naming the expected form", () => {
    for (const bad of ["http://game-a:2567", "ws://game-a", "game-a:2567/", "game-a?x=1", "game a", ":2567"]) {
      const msg = configError({ PUBLIC_ADDRESS: bad });
      expect(msg, bad).toMatch(/^ {2}PUBLIC_ADDRESS: must be host\[:port\]\[\/path\] without a scheme/m);
    }
  });

  it("require PUBLIC_ADDRESS with REDIS_URL, since a join through another process would otherwise fail", () => {
    const msg = configError({ REDIS_URL: "redis://:s3cret@redis:6379" });
    expect(msg).toMatch(/^ {2}PUBLIC_ADDRESS: required with REDIS_URL/m);
    expect(msg).not.toContain("s3cret");
  });

  it("redact passwords and user names for logs, and anything that is not a URL at all", () => {
    expect(redactUrl("redis://:pw@h:1/0")).toBe("redis://:***@h:1/0");
    expect(redactUrl("redis://default:pw@h:1")).toBe("redis://***:***@h:1");
    expect(redactUrl("redis://h:6379")).toBe("redis://h:6379");
    expect(redactUrl("pw-pasted-here")).not.toContain("pw-pasted-here");
    expect(describeScale({ REDIS_URL: "redis://:pw@h:1/0", PUBLIC_ADDRESS: "a:1" })).toEqual({ presence: "redis", redis: "redis://:***@h:1/0", publicAddress: "a:1" });
  });

  it("stop the real server with exit code 1 and every mistake on its own line, the password hidden", async () => {
    const p = start(["server/main.ts"], { REDIS_URL: "redis://:topsecret@redis:6379", PUBLIC_ADDRESS: "https://game-a", PORT: "0", STORE_PATH: ":memory:" });
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(p.stderr()).toMatch(/PUBLIC_ADDRESS: must be host\[:port\]\[\/path\]/);
    expect(p.stdout() + p.stderr()).not.toContain("topsecret");
  });
});
