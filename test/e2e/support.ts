/**
 * What the browser suites share: where Debian's Chromium is and how it is launched (playwright-core,
 * never a downloaded browser), where screenshots go, building the client, and reading the city's
 * accessible list of buildings from a page.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { build } from "vite";
import { chromium, type Browser, type Page, type Route } from "playwright-core";

export const ROOT = path.resolve(import.meta.dirname, "../..");
/** Screenshots for a person to look at. */
export const ARTIFACTS = path.join(ROOT, "test-artifacts");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);
/** For describe.skipIf: skipped only on a developer machine without Chromium; CI installs it and must never skip. */
export const noBrowser = !haveChromium && !process.env.CI;

export const PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";

/** Every suite's flags. */
export const BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
/** WebGL through SwiftShader: there is no GPU here, and Phaser 4's Canvas renderer is deprecated. */
export const WEBGL_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"];
/**
 * Pages fulfilled by the test (not by a server) count as "public"; Chromium would then block their
 * WebSocket to 127.0.0.1 as a local-network request.
 */
export const FULFILLED_PAGES_ARGS = ["--disable-features=LocalNetworkAccessChecks"];

/** Chromium with BROWSER_ARGS, then WEBGL_ARGS and FULFILLED_PAGES_ARGS when asked for. */
export function launchBrowser(opts: { webgl: boolean; fulfilledPages: boolean }): Promise<Browser> {
  const args = [...BROWSER_ARGS, ...(opts.webgl ? WEBGL_ARGS : []), ...(opts.fulfilledPages ? FULFILLED_PAGES_ARGS : [])];
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/**
 * The server serves client/dist: build it from the sources under test (unless a setup step that runs
 * before all browser tests already did, and says so with CC_CLIENT_BUILT=1).
 */
export function ensureClientBuilt(): void {
  if (process.env.CC_CLIENT_BUILT === "1") return;
  const r = spawnSync(path.join(ROOT, "node_modules/.bin/vite"), ["build", "--logLevel", "error"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * Build the client into a private directory (for suites that serve it with serveBuiltFrom), so a
 * concurrent `vite build` into client/dist cannot swap the assets under a running test.
 */
export async function buildClientInto(dir: string): Promise<void> {
  await build({ configFile: path.join(ROOT, "vite.config.ts"), root: path.join(ROOT, "client"), logLevel: "error", build: { outDir: dir, emptyOutDir: true } });
}

/** A route handler: static files from `dir`; everything else (the API, the QR) from the real server. */
export function serveBuiltFrom(dir: string): (route: Route) => Promise<void> {
  return async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.startsWith("/api/")) return route.continue();
    const file = path.join(dir, decodeURIComponent(url.pathname), url.pathname.endsWith("/") ? "index.html" : "");
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) return route.continue();
    return route.fulfill({ path: file });
  };
}

/** What the page's globals look like inside page.evaluate (the tests have no DOM types). */
export interface PageDoc {
  document: {
    querySelector(s: string): { getAttribute(n: string): string | null; textContent: string | null } | null;
    querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null; textContent: string | null }>;
  };
}

/** One building of the city, as its accessible list (.cc-city-a11y li) describes it. */
export interface BuildingRow {
  node: string;
  state: string;
  visuals: string;
  pods: number;
  text: string;
}

export async function cityBuildings(page: Page): Promise<BuildingRow[]> {
  return page.evaluate(() => {
    const d = (globalThis as unknown as PageDoc).document;
    return Array.from(d.querySelectorAll(".cc-city-a11y li")).map((li) => ({
      node: li.getAttribute("data-node") ?? "",
      state: li.getAttribute("data-state") ?? "",
      visuals: li.getAttribute("data-visuals") ?? "",
      pods: Number(li.getAttribute("data-pods")),
      text: li.textContent ?? "",
    }));
  });
}

/** Poll `fn` every 150 ms until `ok` holds for its value, which is returned; the last value is in the error. */
export async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
