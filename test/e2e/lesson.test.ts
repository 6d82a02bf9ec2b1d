/**
 * A lesson in a real browser: the teacher hosts "the city planner" from the landing page, three
 * students join (one on a phone), the teacher starts and releases the first step, the students
 * answer on their pages (one right, one wrong) while every screen counts the answers, the teacher
 * reveals the next question's answer and the right student sees "Right!" and more points; the
 * projector shows the question, then the answers as bars; the teacher's kubectl console prints a table, a student's read-only console
 * refuses a change, and the manifests download. Screenshots go to test-artifacts/lesson-*.png.
 *
 * Debian's Chromium through playwright-core, the real server in-process; the client is built into
 * a private directory and served from there (as class.test.ts does).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { bootServer, type Booted } from "../server/boot.ts";
import { ARTIFACTS, PHONE_UA, buildClientInto, launchBrowser, noBrowser, serveBuiltFrom } from "./support.ts";

const DIST = mkdtempSync(path.join(tmpdir(), "container-city-lesson-e2e-"));
const serveBuilt = serveBuiltFrom(DIST);

let server: Booted;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

async function open(opts: BrowserContextOptions, label: string): Promise<Page> {
  const ctx = await browser.newContext({ locale: "en-US", ...opts });
  await ctx.route(`${server.url}/**`, serveBuilt);
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.on("pageerror", (err) => pageErrors.push(`${label}: ${err.message}`));
  return page;
}

const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(ARTIFACTS, `lesson-${name}.png`), fullPage });

describe.skipIf(noBrowser)("a lesson in the browser", () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildClientInto(DIST);
    server = await bootServer(29_660, { CLASS_CREATE_PER_MINUTE: "6000", CLASS_CREATE_BURST: "100" });
    browser = await launchBrowser({ webgl: true, fulfilledPages: true });
  }, 90_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.colyseus.shutdown();
    rmSync(DIST, { recursive: true, force: true });
  });

  it("the city planner: predictions answered, revealed and scored; kubectl and the export work", async () => {
    try {
      await playTheLesson();
    } catch (err) {
      for (const [i, ctx] of contexts.entries()) for (const p of ctx.pages()) await shot(p, `failure-${i}`).catch(() => undefined);
      if (pageErrors.length) console.error("page errors:", pageErrors);
      throw err;
    }
  }, 150_000);
});

async function playTheLesson(): Promise<void> {
  const t0 = Date.now();
  const mark = (what: string) => process.env.E2E_TIMING && console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);

  // ---- the teacher picks the lesson on the landing page and hosts ----------------------------------
  const host = await open({ viewport: { width: 1440, height: 1500 }, acceptDownloads: true }, "host");
  await host.goto(`${server.url}/`);
  const lessonSelect = host.getByTestId("lesson-select");
  await lessonSelect.locator('option[value="the-city-planner"]').waitFor({ state: "attached" });
  await lessonSelect.selectOption("the-city-planner");
  await host.locator(".lesson-about").getByText("9 min").waitFor();
  await shot(host, "01-landing-lesson", true);
  await host.getByTestId("host").click();
  await host.waitForURL(/\/host\.html#code=[0-9A-Z]{6}&key=/);
  const code = (await host.getByTestId("class-code").textContent())!.trim();
  const panel = host.getByTestId("lesson-panel");
  await panel.getByText("Lesson: The city planner").waitFor();
  await panel.getByText("Start the class to begin the lesson.").waitFor();
  // The picker lists this round's lessons, marks the current one, and offers free play.
  await host.getByTestId("lesson-choice-the-city-planner").waitFor({ state: "attached" });
  expect(await host.getByTestId("lesson-choice-the-city-planner").isChecked()).toBe(true);
  expect(await host.getByTestId("lesson-choice-free").count()).toBe(1);
  mark("hosted");

  // ---- three students: a phone and two laptops ------------------------------------------------------
  const students = [
    { name: "Amara", label: "phone", opts: { viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, userAgent: PHONE_UA } },
    { name: "Bảo", label: "laptop-1", opts: { viewport: { width: 1280, height: 860 } } },
    { name: "Chi", label: "laptop-2", opts: { viewport: { width: 1024, height: 768 } } },
  ];
  const [phone, laptop1, laptop2] = (await Promise.all(
    students.map(async (s) => {
      const page = await open(s.opts, s.label);
      await page.goto(`${server.url}/?code=${code}`);
      await page.getByTestId("nickname").fill(s.name);
      await page.getByTestId("join").click();
      await page.getByTestId("my-node").waitFor();
      return page;
    }),
  )) as [Page, Page, Page];
  await host.locator('[data-testid="roster"] li[data-student]').nth(2).waitFor();
  mark("joined");

  // The projector, open from the start.
  const displayHref = await host.getByTestId("display-link").getAttribute("href");
  const display = await open({ viewport: { width: 1600, height: 900 } }, "display");
  await display.goto(displayHref!);
  await display.locator("#lesson:not([hidden])").waitFor();

  // ---- start: the first step asks before it acts -----------------------------------------------------
  await host.getByTestId("control-start").click();
  const next = host.getByTestId("lesson-next");
  await host.locator('[data-testid="lesson-next"][data-waiting="release"]').waitFor({ timeout: 15_000 });
  expect((await next.textContent())!.trim()).toBe("Start step");
  await panel.getByText("Cluster clock stopped while the class answers").waitFor();
  mark("asking");

  // The students see the question as big buttons; one answers right, one wrong, one not at all.
  const question = (p: Page) => p.getByTestId("question");
  await question(phone).getByText("How will the planner place the 10 apartments?").waitFor();
  const spread = question(phone).locator('button[data-option="spread"]');
  const box = await spread.boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(44);
  await spread.click();
  await question(phone).locator('button[data-option="spread"][aria-pressed="true"]').getByText("Your answer").waitFor();
  await phone.getByText("Answer saved. You can still change it.").waitFor();
  // Changeable until the reveal: the laptop student first picks the right one, then changes their mind.
  await question(laptop1).locator('button[data-option="spread"]').click();
  await question(laptop1).locator('button[data-option="spread"][aria-pressed="true"]').waitFor();
  await question(laptop1).locator('button[data-option="one-building"]').click();
  await question(laptop1).locator('button[data-option="one-building"][aria-pressed="true"]').waitFor();
  expect(await question(laptop1).locator('button[aria-pressed="true"]').count()).toBe(1);

  // The teacher sees the live spread: one each, with the expected answer.
  const q = host.getByTestId("lesson-question");
  await q.locator('li[data-option="spread"][data-count="1"]').waitFor();
  await q.locator('li[data-option="one-building"][data-count="1"]').waitFor();
  await q.getByText("2 of 3 students answered").waitFor();
  await q.getByText("Expected answer:").waitFor();
  await display.locator("#lessonPanels .cc-question.is-open").getByText("How will the planner place").waitFor();
  await display.getByText("Answer on your phone!").waitFor();
  // Everyone sees how far the class has got (a count, not who): the projector and each phone.
  await display.getByTestId("answered").getByText("2 of 3 students answered").waitFor();
  await laptop2.getByTestId("answered").getByText("2 of 3 students answered").waitFor();
  // The teacher reads how the step ends in words, not as code.
  const triggers = panel.locator(".lesson-triggers");
  await triggers.getByText("when every pod of shop is ready and no old version is left, or after 5 min at the latest").waitFor();
  await triggers.getByText("when the step ends").waitFor();
  mark("answered");
  await shot(phone, "02-phone-question");
  await shot(host, "03-host-asking");
  await shot(display, "04-display-question");

  // ---- Start step: the deploy runs; when every pod is ready the step ends and its answer is revealed ---
  await next.click();
  // The next step (teacher-paced) asks its own question and waits for "Reveal answer".
  await host.locator('[data-testid="lesson-next"][data-waiting="reveal"]').waitFor({ timeout: 45_000 });
  expect((await next.textContent())!.trim()).toBe("Reveal answer");
  await panel.getByTestId("lesson-step").getByText("Step 2 of 5").waitFor();
  mark("step 2");
  // The first question's outcome, on each page.
  await phone.locator('[data-testid="last-reveal"] [data-outcome="right"]').getByText("Right!").waitFor();
  await laptop1.locator('[data-testid="last-reveal"] [data-outcome="wrong"]').getByText("Not this time.").waitFor();
  await laptop2.locator('[data-testid="last-reveal"] [data-outcome="noAnswer"]').waitFor();

  // Second question: the phone right, the laptop wrong; the teacher reveals.
  await question(phone).getByText("What does the planner check first").waitFor();
  await question(phone).locator('button[data-option="fits"]').click();
  await question(laptop1).locator('button[data-option="random"]').click();
  await question(laptop2).locator('button[data-option="newest"]').click();
  await q.getByText("3 of 3 students answered").waitFor();
  await next.click();
  await phone.locator('[data-testid="question"] [data-outcome="right"]').getByText("Right!").waitFor();
  await laptop1.locator('[data-testid="question"] [data-outcome="wrong"]').getByText("Not this time.").waitFor();
  await laptop1.getByText("Right answer: Whether the building has enough free CPU and memory for the request").waitFor();
  await host.locator('[data-testid="lesson-next"][data-waiting="next"]').waitFor();
  mark("revealed");

  // The right student has more points: two right answers are worth 100.
  const points = async (p: Page) => Number((await p.locator(".points strong").textContent())!.trim());
  await expect.poll(async () => (await points(phone)) - (await points(laptop1)), { timeout: 5_000 }).toBeGreaterThanOrEqual(50);
  await phone.locator('[data-testid="question"] .outcome-points').getByText("+50 points").waitFor();

  // The projector: the bars with their counts and the right answer marked in words.
  const revealed = display.locator("#lessonPanels .cc-question.is-revealed").first();
  await revealed.locator('li[data-option="fits"].is-right').getByText("right answer").waitFor();
  expect(await revealed.locator('li[data-option="fits"] .bar-count').textContent()).toBe("1 (33%)");
  await display.locator("#board .board-row").first().waitFor();
  mark("display revealed");
  await shot(phone, "05-phone-right");
  await shot(laptop1, "06-laptop-wrong");
  await shot(display, "07-display-revealed");
  await host.getByTestId("lesson-panel").scrollIntoViewIfNeeded();
  await shot(host, "07b-host-revealed");

  // ---- the teacher's kubectl console ----------------------------------------------------------------
  const consoleCard = host.getByTestId("kubectl-console");
  await consoleCard.scrollIntoViewIfNeeded();
  const input = consoleCard.getByTestId("console-input");
  await input.fill("kubectl get pods");
  await input.press("Enter");
  const output = consoleCard.getByTestId("console-output");
  await output.locator('.console-entry[data-ok="true"]').filter({ hasText: /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/ }).waitFor();
  expect(await output.locator(".console-result").last().textContent()).toMatch(/shop-[a-z0-9]+-[a-z0-9]+\s+1\/1\s+Running/);
  // ↑ brings the line back.
  await input.press("ArrowUp");
  expect(await input.inputValue()).toBe("get pods");
  await input.fill("");
  mark("kubectl");
  await shot(host, "08-host-console");

  // ---- options: students get a read-only console; the export downloads the city ---------------------
  await host.getByTestId("option-advanced").check();
  const studentConsole = phone.getByTestId("kubectl-console");
  await studentConsole.waitFor();
  await studentConsole.getByText("Read-only").first().waitFor();
  const sInput = studentConsole.getByTestId("console-input");
  await sInput.fill("get nodes");
  await sInput.press("Enter");
  await studentConsole.locator('.console-entry[data-ok="true"]').filter({ hasText: "node-amara" }).waitFor();
  await sInput.fill("scale deployment shop --replicas=3");
  await sInput.press("Enter");
  await studentConsole.locator('.console-entry[data-ok="false"]').filter({ hasText: /Forbidden|forbidden/ }).waitFor();
  // The page does not grow sideways with a wide table: it scrolls inside the console.
  const pageWidth = () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth;
  expect(await phone.evaluate(pageWidth)).toBeLessThanOrEqual(390);
  await studentConsole.scrollIntoViewIfNeeded();
  await shot(phone, "09-phone-console");

  // Names on the leaderboard (the default), then hidden: each student sees only their own place.
  await display.locator("#board .board-name").getByText("Amara").waitFor({ timeout: 5_000 });
  await phone.getByTestId("leaderboard").getByText("Amara (you)").waitFor();
  await host.getByTestId("option-leaderboardNames").uncheck();
  await phone.getByTestId("leaderboard").getByText("You are #1 of 3").waitFor();
  expect(await phone.getByTestId("leaderboard").getByText("Bảo").count()).toBe(0);
  await display.locator("#board .board-anon").first().waitFor({ timeout: 5_000 });
  expect(await display.locator("#board").getByText("Amara").count()).toBe(0);
  await shot(display, "10-display-anonymous-board");

  const [download] = await Promise.all([host.waitForEvent("download"), host.getByTestId("export-manifests").click()]);
  expect(download.suggestedFilename()).toBe(`container-city-${code}.yaml`);
  const yaml = readFileSync((await download.path())!, "utf8");
  expect(yaml).toContain("kind: Deployment");
  expect(yaml).toContain("name: shop");

  // apply -f - reads the YAML box: the exported city applies cleanly (a dry run changes nothing).
  await consoleCard.locator("details.console-stdin summary").click();
  await consoleCard.getByTestId("console-stdin").fill(yaml);
  await input.fill("apply -f - --dry-run=server");
  await input.press("Enter");
  await output.locator('.console-entry[data-ok="true"]').filter({ hasText: "deployment.apps/shop" }).waitFor();

  // A lesson file with mistakes: the room's path-specific errors are listed, the class goes on.
  host.on("dialog", (d) => void d.accept());
  await host.locator(".lesson-own summary").click();
  await host.getByTestId("lesson-yaml").fill("id: mine\ntitle: {en: x}\nsteps: 3\n");
  await host.getByTestId("lesson-load").click();
  await host.getByTestId("lesson-errors").getByText("that lesson file has mistakes").waitFor();
  await host.getByTestId("lesson-errors").getByText(/steps \(line 3\)/).waitFor();
  expect(await host.getByTestId("lesson-now").textContent()).toContain("The city planner");
  mark("done");

  expect(pageErrors).toEqual([]);
}
