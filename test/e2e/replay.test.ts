/**
 * The replay page in a real browser against the real server: a short class (teacher and three SDK
 * students) in which the teacher kills a node, then ends the class. The replay, opened from the
 * debrief's link, rebuilds the class in the page, lands on the server's final state (hash checked),
 * and shows the killed student's building standing before the kill and down after it, in the
 * city's accessible list and in the page's own sentence. Debian's Chromium via playwright-core.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import type { Room } from "@colyseus/sdk";
import { bootServer, createClass, sdk, sleep, waitFor, type Booted } from "../server/boot.ts";
import { ARTIFACTS, cityBuildings, ensureClientBuilt, launchBrowser, noBrowser, until } from "./support.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

/** Drag the timeline to a cluster second, as a mouse would: the input event the page listens to. */
async function scrubTo(page: Page, seconds: number): Promise<void> {
  await page.$eval("#scrubber", (input, v) => {
    const el = input as unknown as { value: string; dispatchEvent(e: unknown): boolean };
    el.value = String(v);
    el.dispatchEvent(new (globalThis as unknown as { Event: new (t: string, o: object) => unknown }).Event("input", { bubbles: true }));
  }, seconds);
}

const clusterMs = async (page: Page) => Number(await page.getAttribute("body", "data-cluster-ms"));

describe.skipIf(noBrowser)("the replay page in Chromium", () => {
  let b: Booted;
  let browser: Browser;

  beforeAll(async () => {
    ensureClientBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    b = await bootServer(29_652, { CLASS_CREATE_PER_MINUTE: "600", CLASS_CREATE_BURST: "50", STORE_SNAPSHOT_SECONDS: "1" });
    browser = await launchBrowser({ webgl: true, fulfilledPages: false });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await b?.colyseus.shutdown();
  });

  it("scrubs a finished class: the killed node stands before the kill and is down after it", async () => {
    const cls = await createClass(b, { compression: 120, seed: 5 });
    const teacher = await sdk(b).joinById(cls.code, { teacherKey: cls.teacherKey });
    const students: Room[] = [];
    for (const name of ["Amara", "Bao", "Chi"]) students.push(await sdk(b).joinById(cls.code, { name }));
    const st = () => teacher.state as AnyState;
    await waitFor(() => st().nodes?.size === 3, 10_000, "3 nodes");

    // The debrief's Replay link, as the teacher sees it on the host page.
    const host = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await host.goto(cls.hostUrl);
    await host.click("[data-testid=tab-debrief]");
    const href = await host.waitForSelector("[data-testid=debrief-replay]").then((a) => a.getAttribute("href"));
    expect(href).toBe(`/replay.html?code=${cls.code}#key=${encodeURIComponent(cls.teacherKey)}`);
    await host.close();

    teacher.send("classControl", { action: "start" });
    await waitFor(() => st().phase === "running", 10_000, "running");
    await waitFor(() => [...st().pods.values()].filter((p: AnyState) => p.ready).length === 6, 20_000, "6 shop pods ready");
    await sleep(1000);
    const count = new Map<string, number>();
    for (const p of st().pods.values() as Iterable<AnyState>) if (p.ready) count.set(p.node, (count.get(p.node) ?? 0) + 1);
    const victim = [...count.entries()].sort((x, y) => y[1] - x[1])[0]![0];
    const victimName = st().nodes.get(victim).student as string;
    teacher.send("command", { command: { type: "killNode", node: victim } });
    await waitFor(() => st().nodes.get(victim).ready !== "True", 15_000, "victim NotReady");
    await sleep(2500); // some cluster minutes after it: pods evicted and rescheduled
    teacher.send("classControl", { action: "end" });
    const endBy = Date.now() + 10_000;
    while (!(await b.app.ctx.store.getClass(cls.code))?.endedAt) {
      if (Date.now() > endBy) throw new Error("the class never ended in the store");
      await sleep(100);
    }
    await Promise.all([teacher, ...students].map((r) => r.leave()));

    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${b.url}${href}`);
    await page.waitForSelector("#controls:not([hidden])", { timeout: 30_000 });
    // The key left the address bar at once (the projector shows only ?code=).
    expect(page.url()).toBe(`${b.url}/replay.html?code=${cls.code}`);
    expect(page.url()).not.toContain(cls.teacherKey);
    expect(await page.getAttribute("#verified", "data-state")).toBe("verified");
    // The replay opens at cluster time 0, when students were still joining (the lobby's clock
    // runs): the city may still be empty there, and grows as the lobby filled.
    expect(await clusterMs(page)).toBe(0);

    // The kill is flagged on the timeline, named after the node it hit.
    const flags = await page.$$eval(".rp-marker button", (bs) => bs.map((x) => ({ kind: x.getAttribute("data-kind"), at: Number(x.getAttribute("data-at-ms")), text: x.textContent ?? "" })));
    const kill = flags.find((f) => f.kind === "kill");
    expect(kill, JSON.stringify(flags)).toBeDefined();
    expect(kill!.text).toContain("Node powered off");
    expect(kill!.text).toContain(victim);

    // Before the kill: every building stands, and the page says so in words.
    await scrubTo(page, Math.floor(kill!.at / 1000) - 5);
    const before = await until("all three standing before the kill", () => cityBuildings(page), (rows) => rows.length === 3 && rows.every((r) => r.state === "ready"));
    expect(before.map((r) => r.node)).toContain(victim);
    expect(await page.textContent("#now")).toContain("all 3 buildings working");
    expect(await page.textContent("#events")).not.toContain("NodePoweredOff");

    // Next incident (a remote's Page Down): the moment of the kill, the building down.
    await page.keyboard.press("PageDown");
    expect(await clusterMs(page)).toBe(kill!.at);
    await until("the victim down at the kill", () => cityBuildings(page), (rows) => ["down", "burnt"].includes(rows.find((r) => r.node === victim)?.state ?? ""));
    const now = await page.textContent("#now");
    expect(now).toContain(`In trouble: ${victimName} (Powered off)`);
    expect(await page.getAttribute(`.rp-marker button[data-kind=kill]`, "aria-current")).toBe("true");

    // Two arrow steps on (10 to 60 s each, by the class's length): the feed tells the story too.
    const step = Number(await page.getAttribute("body", "data-step-ms"));
    expect([10_000, 30_000, 60_000]).toContain(step);
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    expect(await clusterMs(page)).toBe(Math.min(kill!.at + 2 * step, Number(await page.getAttribute("#scrubber", "max")) * 1000));
    await until("the power-off in the event feed", () => page.textContent("#events"), (t) => (t ?? "").includes("NodePoweredOff"));
    await page.waitForTimeout(800);
    await page.screenshot({ path: "/tmp/replay.png" });
    await page.screenshot({ path: path.join(ARTIFACTS, "replay-after-kill.png") });

    // Back before the kill again (the keyframe path): standing again.
    await scrubTo(page, Math.floor(kill!.at / 1000) - 5);
    await until("the victim standing again", () => cityBuildings(page), (rows) => rows.find((r) => r.node === victim)?.state === "ready");

    // Space plays and pauses; time moves on in between.
    const t0 = await clusterMs(page);
    await page.keyboard.press(" ");
    expect(await page.getAttribute("body", "data-playing")).toBe("true");
    await until("the clock moving", () => clusterMs(page), (t) => t > t0 + 2000, 10_000);
    await page.keyboard.press(" ");
    expect(await page.getAttribute("body", "data-playing")).toBe("false");
    expect(errors).toEqual([]);
    await page.close();

    // Same page, a wrong key or none: told plainly, nothing shown.
    const wrong = await browser.newPage();
    await wrong.goto(`${b.url}/replay.html?code=${cls.code}#key=not-the-key`);
    await wrong.waitForSelector("#banner:not([hidden])");
    await until("the not-found banner", () => wrong.textContent("#banner"), (t) => (t ?? "").includes("cannot be opened"));
    expect(await wrong.isHidden("#controls")).toBe(true);
    // The wrong key is not kept for the next load: the same tab now asks for the link.
    await wrong.goto(`${b.url}/replay.html?code=${cls.code}`);
    await until("the missing-key banner", () => wrong.textContent("#banner"), (t) => (t ?? "").includes("replay link"));
    await wrong.close();
  }, 150_000);
});
