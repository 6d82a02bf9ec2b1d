import { describe, it, expect, afterAll, beforeAll } from "vitest";
import { matchMaker } from "@colyseus/core";
import { bootServer, createClass, sdk, sleep, type Booted } from "./boot.ts";

let b: Booted;
beforeAll(async () => {
  b = await bootServer(29_575, { IDLE_TIMEOUT_SECONDS: "1" });
});
afterAll(async () => {
  await b.colyseus.shutdown();
});

describe("idle classes", () => {
  it("closes a class once nobody has been connected for the idle timeout, and frees its code", async () => {
    const cls = await createClass(b);
    const st = await sdk(b).joinById(cls.code, { name: "Solo" });
    await sleep(1500);
    // Someone is connected: the class stays open past the timeout.
    expect(await matchMaker.getRoomById(cls.code)).toBeTruthy();
    await st.leave();
    await sleep(2500);
    expect(await matchMaker.getRoomById(cls.code)).toBeFalsy();
    expect(await matchMaker.presence.sismember(b.app.ctx.codeSetKey, cls.code)).toBeFalsy();
    await expect(sdk(b).joinById(cls.code, { name: "Late" })).rejects.toThrow();
  });
});
