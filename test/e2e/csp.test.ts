/**
 * The Content-Security-Policy (server/http/security.ts) against the built client in Chromium:
 * the teacher hosts a class from the landing page, a student joins on a phone, the projector
 * opens, and not one page reports a CSP violation (the browser's securitypolicyviolation event
 * and its console), while each still does its job: WebGL city, WebSocket, QR code.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import type { Browser, Page } from "playwright-core";
import { bootServer, type Booted } from "../server/boot.ts";
import { ensureClientBuilt, launchBrowser, noBrowser } from "./support.ts";

/** Every violation a page reports, as "directive: blocked URI", plus console lines about the policy. */
async function watchCsp(page: Page, into: string[]): Promise<void> {
  await page.addInitScript(() => {
    const g = globalThis as unknown as { __csp: string[]; document: { addEventListener(t: string, f: (e: { violatedDirective: string; blockedURI: string }) => void): void } };
    g.__csp = [];
    g.document.addEventListener("securitypolicyviolation", (e) => g.__csp.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) into.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => into.push(`pageerror: ${String(e)}`));
}

const violationsOf = async (page: Page) => page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp);

async function waitUntil(ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(noBrowser)("the client under the Content-Security-Policy", () => {
  let b: Booted;
  let browser: Browser;

  beforeAll(async () => {
    ensureClientBuilt();
    b = await bootServer(29_680, { CLASS_CREATE_PER_MINUTE: "600", CLASS_CREATE_BURST: "50" });
    browser = await launchBrowser({ webgl: true, fulfilledPages: false });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await b?.colyseus.shutdown();
  });

  it("hosting, joining and projecting a class raises no CSP violation", async () => {
    const seen: string[] = [];
    const host = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await watchCsp(host, seen);
    const res = await host.goto(`${b.url}/`);
    expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await host.getByRole("heading", { name: "Join your class" }).waitFor();
    await host.getByTestId("host").click();
    await host.waitForURL(/\/host\.html#code=[0-9A-Z]{6}&key=/);
    const code = (await host.getByTestId("class-code").textContent())!.trim();
    // The QR code is the server's own SVG, loaded as an image.
    const qrWidth = () => host.locator("img.qr").evaluate((img) => (img as { naturalWidth: number }).naturalWidth);
    await waitUntil(async () => (await qrWidth()) > 0, 10_000).catch(async () => {
      throw new Error(`the QR code did not load; CSP reports: ${JSON.stringify([...seen, ...(await violationsOf(host))])}`);
    });

    const phone = await browser.newPage({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
    await watchCsp(phone, seen);
    await phone.goto(`${b.url}/?code=${code}`);
    await phone.getByTestId("nickname").fill("Amara");
    await phone.getByTestId("join").click();
    await phone.getByTestId("my-node").waitFor();

    const displayHref = await host.getByTestId("display-link").getAttribute("href");
    const display = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await watchCsp(display, seen);
    await display.goto(new URL(displayHref!, b.url).href);
    await display.locator('.cc-city-a11y li[data-node="node-amara"]').waitFor({ state: "attached" });
    expect(await display.evaluate(() => (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector(".cc-city")?.getAttribute("data-renderer"))).toBe("webgl");

    await host.getByTestId("control-start").click();
    await host.locator('[data-testid="phase"][data-phase="running"]').waitFor();
    await phone.locator('.pod-list li.pod[data-status="Running"]').first().waitFor({ timeout: 20_000 });

    for (const page of [host, phone, display]) seen.push(...(await violationsOf(page)));
    expect(seen).toEqual([]);
    await Promise.all([host, phone, display].map((p) => p.close()));
  }, 120_000);
});
