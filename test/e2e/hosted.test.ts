/**
 * A teacher who closed the tab finds the class again: hosting from the landing page remembers it
 * in this browser, and the landing page then lists it with its host page, replay and postmortem.
 * Debian's Chromium via playwright-core, against the real server.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readFile } from "node:fs/promises";
import type { Browser } from "playwright-core";
import { bootServer, type Booted } from "../server/boot.ts";
import { ensureClientBuilt, launchBrowser, noBrowser } from "./support.ts";

describe.skipIf(noBrowser)("classes hosted on this device", () => {
  let b: Booted;
  let browser: Browser;

  beforeAll(async () => {
    ensureClientBuilt();
    b = await bootServer(29_695, { CLASS_CREATE_PER_MINUTE: "600", CLASS_CREATE_BURST: "50" });
    browser = await launchBrowser({ webgl: true, fulfilledPages: false });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await b?.colyseus.shutdown();
  });

  it("lists a class hosted from this browser, downloads its postmortem, and forgets it on request", async () => {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${b.url}/`);
    await page.getByRole("heading", { name: "Join your class" }).waitFor();
    // Nothing hosted yet: no list.
    expect(await page.getByTestId("hosted").count()).toBe(0);
    await page.getByTestId("host").click();
    await page.waitForURL(/\/host\.html#code=[0-9A-Z]{6}&key=/);
    const code = (await page.getByTestId("class-code").textContent())!.trim();

    await page.goto(`${b.url}/`);
    const row = page.locator(`[data-testid=hosted] li[data-code="${code}"]`);
    await row.waitFor();
    // The links carry the key in the fragment only.
    const replay = await row.getByRole("link", { name: "Replay" }).getAttribute("href");
    expect(replay).toMatch(new RegExp(`^/replay\\.html\\?code=${code}#key=.+`));
    expect(await row.getByRole("link", { name: "Host page" }).getAttribute("href")).toMatch(new RegExp(`^/host\\.html#code=${code}&key=`));

    const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("button", { name: "Postmortem" }).click()]);
    expect(download.suggestedFilename()).toBe(`container-city-${code}-postmortem.md`);
    expect(await readFile((await download.path())!, "utf8")).toContain(`# Postmortem: class ${code}`);

    await row.getByRole("button", { name: "Forget" }).click();
    expect(await page.getByTestId("hosted").count()).toBe(0);
    await page.reload();
    await page.getByRole("heading", { name: "Join your class" }).waitFor();
    expect(await page.getByTestId("hosted").count()).toBe(0);
    await context.close();
  });
});
