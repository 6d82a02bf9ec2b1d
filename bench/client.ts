/**
 * Client benchmark: the projector page drawing 30, 300 and 1,000 synthetic buildings (ten pods
 * each, cars driving, a building burning every few seconds and its pods flying away) in headless
 * Chromium, measured from inside the page.
 *
 *   npm run bench:client                  table
 *   npm run bench:client -- --json        one JSON object per scenario and line
 *   npm run bench:client -- --sizes 30,300 --seconds 8
 *   npm run bench:client -- --screenshots test-artifacts   also save a PNG per size
 *   npm run bench:client -- --no-build    use the existing client/dist
 *
 * Frame time is the gap between requestAnimationFrame callbacks (what a viewer sees); "cpu" is the
 * main-thread time of each Phaser step and render submission (city code included, GPU work not);
 * heap is V8's used JS heap from the DevTools protocol. The page is served by a tiny static
 * server, the state comes from client/src/city/synthetic.ts via `display.html#bench=N`: no game
 * server is involved. The "empty canvas" row (`#bench=0`) is the same page with nothing to draw:
 * headless Chromium renders WebGL with SwiftShader, on the CPU, so that floor is far above a real
 * GPU's and frame times say more about this machine than about the city. Compare runs on the same
 * machine, and read the cpu columns for what the city itself costs.
 */
import { createServer, type Server } from "node:http";
import { readFile, stat, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "client/dist");

interface Options {
  json: boolean;
  sizes: number[];
  seconds: number;
  warmup: number;
  build: boolean;
  screenshots: string | null;
  width: number;
  height: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { json: false, sizes: [0, 30, 300, 1000], seconds: 5, warmup: 2, build: true, screenshots: null, width: 1920, height: 1080 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--json") o.json = true;
    else if (a === "--sizes") o.sizes = next().split(",").map((s) => Number(s.trim())).filter((n) => n >= 0);
    else if (a === "--seconds") o.seconds = Number(next());
    else if (a === "--warmup") o.warmup = Number(next());
    else if (a === "--no-build") o.build = false;
    else if (a === "--screenshots") o.screenshots = next();
    else if (a === "--size") [o.width, o.height] = next().split("x").map(Number) as [number, number];
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json",
};

function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      const p = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      const file = path.join(dir, p === "/" ? "index.html" : p);
      if (!file.startsWith(dir)) {
        res.writeHead(403).end();
        return;
      }
      try {
        const st = await stat(file);
        if (!st.isFile()) throw new Error("not a file");
        res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
        res.end(await readFile(file));
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}

export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
  // WebGL on the CPU: headless machines have no GPU, and Phaser 4's Canvas renderer is deprecated.
  "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist",
  // Keep requestAnimationFrame running at full rate in a headless, unfocused page.
  "--disable-renderer-backgrounding", "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
];

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i]!;
}

interface Result {
  scenario: string;
  nodes: number;
  pods: number;
  frames: number;
  fps: number;
  frameMsP50: number;
  frameMsP95: number;
  frameMsP99: number;
  frameMsMax: number;
  /** Main-thread time of a frame (city code + Phaser), which a real GPU does not shorten. */
  cpuMsP50: number;
  cpuMsP95: number;
  heapMB: number;
  cars: number;
  renderer: string;
}

/** What the page's globals look like, for callbacks that run inside it (this file has no DOM types). */
interface PageGlobals {
  document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };
  __bench?: { frames: number[]; pods: number };
  __city?: { takeFrameCpuTimes(): number[] };
}

const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.build || !existsSync(path.join(dist, "display.html"))) {
    const vite = path.join(root, "node_modules/.bin/vite");
    const r = spawnSync(vite, ["build", "--logLevel", "warn"], { cwd: root, stdio: o.json ? "ignore" : "inherit" });
    if (r.status !== 0) throw new Error("vite build failed");
  }
  const exe = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(exe)) throw new Error(`no Chromium at ${exe} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  const { server, url } = await serve(dist);
  const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS });
  const results: Result[] = [];
  try {
    for (const n of o.sizes) {
      const context = await browser.newContext({ viewport: { width: o.width, height: o.height } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      const cdp = await context.newCDPSession(page);
      await cdp.send("Performance.enable");
      await page.goto(`${url}/display.html#bench=${n}&lang=en`);
      await page.waitForFunction(
        (count) => count === 0 ? (globalThis as unknown as PageGlobals).__bench !== undefined
          : (globalThis as unknown as PageGlobals).document.querySelector(".cc-city")?.getAttribute("data-buildings") === String(count),
        n,
        { timeout: 60_000 },
      );
      await page.waitForTimeout(o.warmup * 1000);
      await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        g.__bench!.frames = [];
        g.__city!.takeFrameCpuTimes();
      });
      await page.waitForTimeout(o.seconds * 1000);
      const sample = await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        const city = g.document.querySelector(".cc-city");
        return {
          frames: g.__bench!.frames.slice(),
          cpu: g.__city!.takeFrameCpuTimes(),
          pods: g.__bench!.pods,
          cars: Number(city?.getAttribute("data-cars") ?? 0),
          renderer: city?.getAttribute("data-renderer") ?? "?",
        };
      });
      const metrics = (await cdp.send("Performance.getMetrics")) as { metrics: { name: string; value: number }[] };
      const heap = metrics.metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? NaN;
      if (o.screenshots) {
        await mkdir(o.screenshots, { recursive: true });
        await page.screenshot({ path: path.join(o.screenshots, `bench-${n}.png`) });
      }
      if (errors.length > 0) throw new Error(`page errors at ${n} nodes: ${errors.join("; ")}`);
      const sorted = [...sample.frames].sort((a, b) => a - b);
      const cpu = [...sample.cpu].sort((a, b) => a - b);
      const total = sample.frames.reduce((a, b) => a + b, 0);
      results.push({
        scenario: n === 0 ? "empty canvas" : `${n} nodes`,
        nodes: n,
        pods: sample.pods,
        frames: sample.frames.length,
        fps: round((sample.frames.length / total) * 1000),
        frameMsP50: round(quantile(sorted, 0.5)),
        frameMsP95: round(quantile(sorted, 0.95)),
        frameMsP99: round(quantile(sorted, 0.99)),
        frameMsMax: round(sorted[sorted.length - 1] ?? NaN),
        cpuMsP50: round(quantile(cpu, 0.5)),
        cpuMsP95: round(quantile(cpu, 0.95)),
        heapMB: round(heap / 1048576),
        cars: sample.cars,
        renderer: sample.renderer,
      });
      const r = results[results.length - 1]!;
      if (o.json) console.log(JSON.stringify(r));
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  if (!o.json) {
    console.log(`\nContainer City client benchmark: ${o.width}x${o.height}, ${o.seconds} s measured after ${o.warmup} s warm-up, Chromium headless (SwiftShader WebGL)\n`);
    const head = ["scenario", "pods", "cars", "renderer", "fps", "frame p50 ms", "frame p95 ms", "frame p99 ms", "max ms", "cpu p50 ms", "cpu p95 ms", "JS heap MB"];
    const rows = results.map((r) => [r.scenario, r.pods, r.cars, r.renderer, r.fps, r.frameMsP50, r.frameMsP95, r.frameMsP99, r.frameMsMax, r.cpuMsP50, r.cpuMsP95, r.heapMB].map(String));
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    console.log(line(head));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of rows) console.log(line(r));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
