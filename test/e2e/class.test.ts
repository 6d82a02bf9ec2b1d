/**
 * The whole class in a real browser: a teacher hosts from the landing page, three students join
 * (one on a phone), the teacher starts and kills one student's node, the victim's phone explains
 * what happened, and the projector shows the building burning and its pods moving. Screenshots of
 * every screen go to test-artifacts/ for a person to look at.
 *
 * Uses Debian's chromium through playwright-core (no browser download) and the real server (HTTP
 * API and WebSocket). The client is built into a private directory and served to the browser from
 * there, so a concurrent `vite build` into client/dist cannot swap the assets under a running test.
 * Skipped when /usr/bin/chromium is missing (apt-get install chromium).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { bootServer, type Booted } from "../server/boot.ts";
import { ARTIFACTS, PHONE_UA, buildClientInto, launchBrowser, noBrowser, serveBuiltFrom } from "./support.ts";

const DIST = mkdtempSync(path.join(tmpdir(), "container-city-e2e-"));
/** Static files from this test's build; everything else (the API, the QR) from the real server. */
const serveBuilt = serveBuiltFrom(DIST);

let server: Booted;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const consoleErrors: string[] = [];

async function open(opts: BrowserContextOptions, label: string): Promise<Page> {
  const ctx = await browser.newContext({ locale: "en-US", ...opts });
  await ctx.route(`${server.url}/**`, serveBuilt);
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.on("pageerror", (err) => pageErrors.push(`${label}: ${err.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(`${label}: ${m.text()}`);
  });
  return page;
}

/** Viewport only by default: a full-page shot resizes the viewport, and every city canvas re-lays out. */
const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });

describe.skipIf(noBrowser)("a class in the browser", () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildClientInto(DIST);
    server = await bootServer(29_640, { CLASS_CREATE_PER_MINUTE: "6000", CLASS_CREATE_BURST: "100" });
    // Launched without WEBGL_ARGS, as this suite always has been (the others ask for SwiftShader).
    browser = await launchBrowser({ webgl: false, fulfilledPages: true });
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.colyseus.shutdown();
    rmSync(DIST, { recursive: true, force: true });
  });

  it("host, three students, a killed node: the victim is told, the projector shows it", async () => {
    try {
      await playTheClass();
    } catch (err) {
      // What each screen looked like when it failed, and what the pages threw.
      for (const [i, ctx] of contexts.entries()) for (const p of ctx.pages()) await shot(p, `failure-${i}`).catch(() => undefined);
      if (pageErrors.length) console.error("page errors:", pageErrors);
      if (consoleErrors.length) console.error("console errors:", consoleErrors);
      throw err;
    }
    // About 50 s on a quiet 2-core machine; the margin is for CI runners busy with other suites.
  }, 150_000);
});

async function playTheClass(): Promise<void> {
  const t0 = Date.now();
  const mark = (what: string) => process.env.E2E_TIMING && console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
  {
    // ---- the teacher hosts a class from the landing page ---------------------------------------
    // A laptop's width, tall enough that one screenshot shows the whole control page.
    const host = await open({ viewport: { width: 1440, height: 1800 } }, "host");
    await host.goto(`${server.url}/`);
    await host.getByRole("heading", { name: "Join your class" }).waitFor();
    mark("01-landing-desktop");
    await shot(host, "01-landing-desktop", true);
    await host.locator("details summary").click();
    await host.locator('select[name="compression"]').selectOption("60");
    await host.getByTestId("host").click();
    await host.waitForURL(/\/host\.html#code=[0-9A-Z]{6}&key=/);
    const code = (await host.getByTestId("class-code").textContent())!.trim();
    expect(code).toMatch(/^[0-9A-Z]{6}$/);
    // The QR is the server's SVG: it must have loaded and have a size.
    await expect.poll(() => host.locator("img.qr").evaluate((img) => (img as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);

    // ---- three students join: a phone and two laptops -------------------------------------------
    const students = [
      { name: "Amara", label: "phone", opts: { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, userAgent: PHONE_UA } },
      { name: "Bảo", label: "laptop-1", opts: { viewport: { width: 1280, height: 800 } } },
      // This one prefers reduced motion: the page and its city must honour the system setting.
      { name: "Chloé", label: "laptop-2", opts: { viewport: { width: 1024, height: 768 }, reducedMotion: "reduce" as const } },
    ];
    // They join at the same moment, as a class does when the teacher says "go".
    const joined = await Promise.all(
      students.map(async (s) => {
        const page = await open(s.opts, s.label);
        await page.goto(`${server.url}/?code=${code}`);
        // The QR's ?code= fills the code in; the student only types a nickname.
        expect(await page.getByTestId("code").inputValue()).toBe(code);
        if (s.label === "phone") await shot(page, "02-landing-phone-prefilled");
        await page.getByTestId("nickname").fill(s.name);
        await page.getByTestId("join").click();
        await page.getByTestId("my-node").waitFor();
        return { page, node: (await page.locator(".node-name").textContent())!.trim() };
      }),
    );
    const pages = joined.map((j) => j.page);
    const nodes = joined.map((j) => j.node);
    const [phone, laptop1, laptop2] = pages as [Page, Page, Page];
    const victimNode = nodes[0]!;
    expect(victimNode).toBe("node-amara");

    await host.locator('[data-testid="roster"] li[data-student]').nth(2).waitFor();
    expect(await host.locator('[data-testid="roster"] li[data-student]').count()).toBe(3);
    mark("03-host-lobby");
    await shot(host, "03-host-lobby");

    // Locked: a latecomer is told why, in words, and stays on the form.
    await host.getByTestId("control-lock").click();
    await host.locator('[data-testid="phase"] .locked').waitFor();
    const late = await open({ viewport: { width: 390, height: 700 }, isMobile: true, hasTouch: true, userAgent: PHONE_UA }, "latecomer");
    await late.goto(`${server.url}/?code=${code}`);
    await late.getByTestId("nickname").fill("Dũng");
    await late.getByTestId("join").click();
    await late.locator("#join-error").getByText("The teacher has locked this class").waitFor();
    await shot(late, "03b-landing-locked");
    await late.context().close();

    // The projector is open from the start, as in a classroom (it must see the pods leave).
    const displayHref = await host.getByTestId("display-link").getAttribute("href");
    expect(displayHref).toContain(`/display.html#code=${code}&key=`);
    const display = await open({ viewport: { width: 1600, height: 900 } }, "display");
    await display.goto(displayHref!);
    await display.locator(`.cc-city-a11y li[data-node="${victimNode}"]`).waitFor({ state: "attached" });

    // ---- start; wait for the shop to run on every building ---------------------------------------
    await host.getByTestId("control-start").click();
    await host.locator('[data-testid="phase"][data-phase="running"]').waitFor();
    await phone.locator('.pod-list li.pod[data-status="Running"]').first().waitFor({ timeout: 15_000 });
    await expect.poll(() => host.locator('.pods-table tbody tr[data-status="Running"]').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(6);
    await phone.locator(".story").getByText(/Your node is Ready/).waitFor();
    mark("04-student-phone-ready");
    await shot(phone, "04-student-phone-ready");
    mark("05-student-laptop-ready");
    await shot(laptop1, "05-student-laptop-ready");
    mark("06-host-running");
    await shot(host, "06-host-running");

    // ---- the teacher kills the phone's node, chosen in the node selector -------------------------
    await host.getByTestId("node-target").selectOption(victimNode);
    await host.getByTestId("cmd-killNode").click();
    await host.locator(".toast-ok").filter({ hasText: /Done/ }).first().waitFor();

    // The victim's phone says what happened and what comes next, in plain words.
    await phone.locator('[data-testid="my-node"] .chip[data-status="status.poweredOff"]').waitFor();
    const story = phone.locator(".story");
    await story.getByText(/Your machine lost power/).waitFor();
    await story.getByText(/Your node stopped answering .* ago/).waitFor({ timeout: 10_000 });
    mark("07-student-phone-node-killed");
    await shot(phone, "07-student-phone-node-killed");
    await story.getByText(/will be moved to other buildings|being moved to other buildings|replacements in other buildings|now live in other buildings/).waitFor({ timeout: 15_000 });
    await host.getByTestId("events").getByText("NodeNotReady").first().waitFor();

    // The others' buildings are fine and take the evicted pods.
    expect(await laptop1.locator('.chip[data-status="status.ready"]').count()).toBe(1);
    expect(await laptop2.locator('.chip[data-status="status.ready"]').count()).toBe(1);
    const runningElsewhere = host.locator('.pods-table tbody tr[data-status="Running"]').filter({ hasNotText: victimNode });
    await expect.poll(() => runningElsewhere.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(6);

    // ---- the projector: the building burns, the pods fly elsewhere --------------------------------
    const building = `.cc-city-a11y li[data-node="${victimNode}"]`;
    await display.locator(`${building}[data-state="down"][data-visuals~="fire"], ${building}[data-state="burnt"][data-visuals~="smoke"]`).waitFor({ state: "attached", timeout: 10_000 });
    // data-moves counts the evicted pods the city saw fly to another building.
    await expect.poll(async () => Number(await display.locator(".cc-city").getAttribute("data-moves")), { timeout: 10_000 }).toBeGreaterThan(0);
    mark("08-display-burning");
    await shot(display, "08-display-burning");
    mark("09-host-after-kill");
    await shot(host, "09-host-after-kill");
    // Done with these screens; two fewer live cities leave the CPU to the rest (closing is not awaited:
    // tearing down WebGL takes seconds on a loaded machine; afterAll waits for it).
    void display.context().close().catch(() => undefined);
    void laptop1.context().close().catch(() => undefined);

    // ---- a reload puts the student straight back in, as the same building ------------------------
    mark("reload");
    await phone.reload();
    await phone.getByTestId("my-node").waitFor();
    mark("rejoined");
    expect((await phone.locator(".node-name").textContent())!.trim()).toBe(victimNode);
    await phone.locator(".story").getByText(/Your machine lost power/).waitFor();

    // ---- the language switch relabels the page ----------------------------------------------------
    mark("language");
    await laptop2.locator("select.lang-select").selectOption("vi");
    await laptop2.locator("#me-heading").getByText("Tòa nhà của bạn").waitFor();
    expect(await laptop2.locator("html").getAttribute("lang")).toBe("vi");
    mark("10-student-laptop-vietnamese");
    expect(await laptop2.locator("html").getAttribute("data-motion")).toBe("reduce");
    await shot(laptop2, "10-student-laptop-vietnamese");
    void laptop2.context().close().catch(() => undefined);

    // ---- debrief: the host page switches to the charts --------------------------------------------
    await host.getByTestId("control-debrief").click();
    await host.locator('#tab-debrief[aria-selected="true"]').waitFor();
    await host.locator('canvas[data-chart="availability"]').waitFor();
    await host.getByText(/samples, up to cluster time/).waitFor({ timeout: 10_000 });
    expect(await host.locator(".injections li").filter({ hasText: `killNode ${victimNode}` }).count()).toBe(1);
    await host.waitForTimeout(400);
    mark("11-host-debrief");
    await shot(host, "11-host-debrief");
    mark("12-student-phone-debrief");
    await shot(phone, "12-student-phone-debrief", true);

    expect(pageErrors).toEqual([]);
  }
}
