/**
 * The projector page in a real browser against the real server: students join, the teacher starts
 * the class and kills one student's machine, and the display shows that building burning, then its
 * pods living elsewhere. Debian's Chromium is driven by playwright-core (never a downloaded browser);
 * screenshots go to test-artifacts/ for people to look at.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import type { Room } from "@colyseus/sdk";
import { bootServer, createClass, sdk, waitFor, type Booted } from "../server/boot.ts";
import type { ClassRoom } from "../../server/rooms/class-room.ts";
import { ARTIFACTS, cityBuildings, ensureClientBuilt, launchBrowser, noBrowser, until, type PageDoc } from "./support.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

async function cityAttr(page: Page, name: string): Promise<string | null> {
  return page.evaluate((n) => (globalThis as unknown as PageDoc).document.querySelector(".cc-city")?.getAttribute(n) ?? null, name);
}

describe.skipIf(noBrowser)("the projector display in Chromium", () => {
  let b: Booted;
  let browser: Browser;

  beforeAll(async () => {
    ensureClientBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    b = await bootServer(29_620, { CLASS_CREATE_PER_MINUTE: "600", CLASS_CREATE_BURST: "50" });
    browser = await launchBrowser({ webgl: true, fulfilledPages: false });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await b?.colyseus.shutdown();
  });

  it("shows a killed student's building burning, then its pods moved to other buildings", async () => {
    const cls = await createClass(b, { compression: 120, seed: 11 });
    const teacher = await sdk(b).joinById(cls.code, { teacherKey: cls.teacherKey });
    const students: Room[] = [];
    for (const name of ["Amara", "Bao", "Chi", "Duc"]) students.push(await sdk(b).joinById(cls.code, { name }));
    const st = () => teacher.state as AnyState;
    await waitFor(() => st().nodes?.size === 4, 10_000, "4 nodes");

    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(cls.displayUrl);
    await until("4 buildings on the display", () => cityAttr(page, "data-buildings"), (v) => v === "4");
    expect(await cityAttr(page, "data-renderer")).toBe("webgl");
    expect(await page.textContent("#phase")).toContain("Waiting to start");
    expect(await page.textContent("#join")).toContain(cls.code);
    await page.screenshot({ path: path.join(ARTIFACTS, "display-lobby.png") });

    teacher.send("classControl", { action: "start" });
    const readyPods = () => [...st().pods.values()].filter((p: AnyState) => p.ready) as AnyState[];
    await waitFor(() => st().phase === "running", 10_000, "class running");
    // Free play gives the shop two apartments per student.
    const want = st().deployments.get("shop").replicas as number;
    expect(want).toBe(8);
    await waitFor(() => readyPods().length === want, 20_000, "every shop pod ready");
    await until("every pod shown in an apartment", () => cityBuildings(page), (rows) => rows.reduce((n, r) => n + r.pods, 0) === want);
    await until("the phase shown as running", () => page.textContent("#phase"), (t) => (t ?? "").includes("Running"));
    await page.screenshot({ path: path.join(ARTIFACTS, "display-running.png") });

    // Kill the machine holding the most pods.
    const count = new Map<string, number>();
    for (const p of readyPods()) count.set(p.node, (count.get(p.node) ?? 0) + 1);
    const victim = [...count.entries()].sort((a, c) => c[1] - a[1])[0]![0];
    const victimPods = count.get(victim)!;
    teacher.send("command", { command: { type: "killNode", node: victim } });

    const burning = await until("the victim's building on fire", () => cityBuildings(page), (rows) => rows.some((r) => r.node === victim && r.visuals.split(" ").includes("fire")));
    const row = burning.find((r) => r.node === victim)!;
    expect(row.state).toBe("down");
    expect(row.text).toContain("Powered off");
    await page.screenshot({ path: path.join(ARTIFACTS, "display-fire.png") });

    // The node goes NotReady, its pods are evicted and rescheduled: all of them live elsewhere.
    const moved = await until(
      "the victim's pods moved to other buildings",
      () => cityBuildings(page),
      (rows) => {
        const v = rows.find((r) => r.node === victim);
        const elsewhere = rows.filter((r) => r.node !== victim).reduce((n, r) => n + r.pods, 0);
        return v?.pods === 0 && elsewhere === want;
      },
      30_000,
    );
    expect(moved.find((r) => r.node === victim)!.visuals).toContain("smoke");
    expect(Number(await cityAttr(page, "data-moves"))).toBeGreaterThanOrEqual(victimPods);
    await page.waitForTimeout(600);
    await page.screenshot({ path: path.join(ARTIFACTS, "display-moved.png") });

    // The header and the events tell the same story in words.
    const events = await page.textContent("#events");
    expect(events).toContain("NodePoweredOff");
    expect(await page.textContent("#availability")).toMatch(/^\d+\.\d\d%$/);
    expect(await page.textContent("#clusterTime")).toMatch(/^\d+:\d\d(:\d\d)?$/);
    expect(await page.textContent("#compression")).toContain("×120");

    // Cut the display's socket from the server side, as flaky Wi-Fi would: it says so, then recovers.
    const room = b.colyseus.getRoomById<ClassRoom>(cls.code);
    const known = new Set([teacher, ...students].map((r) => r.sessionId));
    const display = room.clients.find((c) => !known.has(c.sessionId)) as unknown as { ref: { terminate(): void } };
    display.ref.terminate();
    await page.waitForSelector("#banner:not([hidden])", { timeout: 10_000 });
    expect(await page.textContent("#banner")).toContain("Reconnecting");
    await page.screenshot({ path: path.join(ARTIFACTS, "display-reconnecting.png") });
    await page.waitForSelector("#banner[hidden]", { state: "attached", timeout: 20_000 });
    expect(errors).toEqual([]);

    await Promise.all([teacher, ...students].map((r) => r.leave()));
    await page.close();
  }, 90_000);

  it("says what is missing when opened without a display key", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${b.url}/display.html`);
    await page.waitForSelector("#banner:not([hidden])");
    expect(await page.textContent("#banner")).toContain("#code=");
    await page.close();
  }, 30_000);
});
