/**
 * Every lesson played end to end on the simulation, bots-free: 3 students (and 30 for some), a
 * teacher pressing next when asked, students answering. The lesson must finish, each trigger must
 * fire the way it was written, predictions must be scored, and the conditions must fire on the
 * real Kubernetes timeline (grace periods, tolerations, deadlines, stabilization windows).
 */
import { describe, expect, test } from "vitest";
import type { Mode } from "../../shared/sim/index.ts";
import { imageLayersView, type Lesson } from "../../shared/lessons/index.ts";
import { lessonFiles, loadLesson, playLesson, stepLog, type PlayResult } from "./play.ts";

/** Longer than any lesson needs in cluster time (the slowest waits ~11 cluster minutes). */
const MAX_CLUSTER_MS = 30 * 60 * 1000;

function expectCompleted(lesson: Lesson, r: PlayResult): void {
  expect(r.problems).toEqual([]);
  expect(r.state.status).toBe("done");
  expect(r.started.map((s) => s.stepId)).toEqual(lesson.steps.map((s) => s.id));
  for (const step of lesson.steps) {
    const end = stepLog(r, step.id).endedBy;
    const want = step.trigger.kind === "teacher" ? "teacher" : step.trigger.kind === "after" ? "after" : "condition";
    expect(end, `${lesson.id}/${step.id} ended by ${end}`).toBe(want);
    if (!step.prediction) continue;
    const reveals = r.reveals.filter((x) => x.stepId === step.id);
    expect(reveals, `${lesson.id}/${step.id} revealed once`).toHaveLength(1);
    const rv = reveals[0]!;
    const points = Object.values(rv.awards);
    expect(points.length).toBeGreaterThan(0);
    if (step.prediction.kind === "choice" && step.prediction.answer === null) continue;
    // Scored on being right: some students earned the full points, and at least one wrong answer earned nothing.
    expect(rv.correct?.length, `${lesson.id}/${step.id} has a right answer`).toBeGreaterThan(0);
    expect(points.some((p) => p > 0), `${lesson.id}/${step.id}: nobody scored`).toBe(true);
    if (step.prediction.kind === "choice") expect(points.some((p) => p === 0)).toBe(true);
  }
}

const actionAt = (r: PlayResult, step: string) => stepLog(r, step).actionAtMs!;
const endAt = (r: PlayResult, step: string) => stepLog(r, step).endedAtMs;

describe.each(lessonFiles().map((f) => f.replace(/\.yaml$/, "")))("%s", (id) => {
  const lesson = loadLesson(id);
  const modes: Mode[] = lesson.mode === "any" ? ["kubernetes", "compose", "bare"] : [lesson.mode];

  test.each(modes)("completes with 3 students (%s)", (mode) => {
    const r = playLesson(lesson, { nodes: 3, mode, maxClusterMs: MAX_CLUSTER_MS });
    expectCompleted(lesson, r);
    expect(r.cluster.timeMs).toBeLessThan(MAX_CLUSTER_MS);
  });

  test("completes when the server ticks coarsely (3 cluster seconds per tick)", () => {
    const r = playLesson(lesson, { nodes: 3, stepMs: 3000, maxClusterMs: MAX_CLUSTER_MS });
    expectCompleted(lesson, r);
  });
});

describe.each(["the-city-planner", "the-9am-rush", "ship-the-whole-kitchen", "chaos-party", "the-building-manager"])("%s with 30 students", (id) => {
  test("completes", () => {
    const lesson = loadLesson(id);
    expectCompleted(lesson, playLesson(lesson, { nodes: 30, seed: 3, maxClusterMs: MAX_CLUSTER_MS }));
  });
});

describe("timelines", () => {
  test("the city planner heals on Kubernetes' real timeline", () => {
    for (const nodes of [3, 30]) {
      const r = playLesson(loadLesson("the-city-planner"), { nodes, maxClusterMs: MAX_CLUSTER_MS });
      expect(r.problems).toEqual([]);
      const kill = actionAt(r, "power-cut");
      const killed = r.applied.find((a) => a.stepId === "power-cut")!.command;
      expect(killed).toMatchObject({ type: "killNode", node: expect.any(String) });
      // NotReady after the 50 s grace period (lease every 10 s, monitor every 5 s).
      expect(endAt(r, "power-cut") - kill).toBeGreaterThanOrEqual(50_000);
      expect(endAt(r, "power-cut") - kill).toBeLessThanOrEqual(65_000);
      // Eviction 300 s after the NoExecute taint: ~350 s after the power cut.
      expect(endAt(r, "which-building") - kill).toBeGreaterThanOrEqual(345_000);
      expect(endAt(r, "which-building") - kill).toBeLessThanOrEqual(370_000);
      // The right buildings are live ones that did receive the replacements.
      const which = r.reveals.find((x) => x.stepId === "which-building")!;
      expect(which.correct!.length).toBeGreaterThan(0);
      expect(which.correct).not.toContain((killed as { node: string }).node);
      expect(which.atMs).toBe(endAt(r, "which-building"));
    }
  });

  test("a broken rollout stalls, is reported after 600 s, and is never rolled back by itself", () => {
    const seen: { version?: string; reason?: string; readyOld?: number } = {};
    const r = playLesson(loadLesson("rolling-out"), {
      nodes: 3,
      maxClusterMs: MAX_CLUSTER_MS,
      observe: (c, _s, actions) => {
        if (!actions.some((a) => a.type === "stepStarted" && a.stepId === "class-decides")) return;
        const d = c.deployments.shop!;
        seen.version = d.template.version;
        seen.reason = d.progressing.reason;
        seen.readyOld = Object.values(c.pods).filter((p) => p.version === "v2" && p.ready && p.deletionAtMs === null).length;
      },
    });
    expect(r.problems).toEqual([]);
    const stall = endAt(r, "broken-v3") - actionAt(r, "broken-v3");
    expect(stall).toBeGreaterThanOrEqual(600_000);
    expect(stall).toBeLessThanOrEqual(602_000);
    // At the deadline: still v3 (no automatic rollback), and v2 keeps serving within maxUnavailable.
    expect(seen).toEqual({ version: "v3", reason: "ProgressDeadlineExceeded", readyOld: 8 });
    expect(r.applied.filter((a) => a.command.type === "rolloutUndo").map((a) => a.stepId)).toEqual(["roll-back"]);
    expect(r.cluster.deployments.shop!.template.version).toBe("v2");
  });

  test("the 9 AM rush scales up at the next HPA sync and down only after the stabilization window", () => {
    const r = playLesson(loadLesson("the-9am-rush"), { nodes: 3, maxClusterMs: MAX_CLUSTER_MS });
    expect(r.problems).toEqual([]);
    const rush = actionAt(r, "rush-hour");
    expect(endAt(r, "rush-hour") - rush).toBeLessThanOrEqual(15_000);
    // The spike: 60 s ramp up, 300 s at x6, 60 s ramp down.
    expect(endAt(r, "peak") - rush).toBeGreaterThanOrEqual(420_000);
    expect(endAt(r, "peak") - rush).toBeLessThanOrEqual(422_000);
    // Scale-down waits for the 300 s window to forget the rush's recommendations.
    const quiet = endAt(r, "midnight") - actionAt(r, "midnight");
    expect(quiet).toBeGreaterThanOrEqual(240_000);
    expect(quiet).toBeLessThanOrEqual(330_000);
    const events = r.cluster.events.filter((e) => e.reason === "SuccessfulRescale");
    expect(events.length).toBeGreaterThanOrEqual(2);
  });

  test("shared layers make the second app and the new version download faster on every node", () => {
    const r = playLesson(loadLesson("ship-the-whole-kitchen"), { nodes: 3, maxClusterMs: MAX_CLUSTER_MS });
    expect(r.problems).toEqual([]);
    const pulls = new Map<string, number>();
    for (const e of r.cluster.events) {
      const m = /^Successfully pulled image "([^"]+)" in ([\d.]+)s$/.exec(e.message);
      if (m && e.node) pulls.set(`${e.node} ${m[1]}`, Number(m[2]));
    }
    for (const node of ["node-1", "node-2", "node-3"]) {
      const shop = pulls.get(`${node} shop:v1`)!;
      const menu = pulls.get(`${node} menu:v1`)!;
      expect(shop).toBeGreaterThan(12);
      expect(menu).toBeLessThan(shop / 2);
    }
    const v2 = [...pulls.entries()].filter(([k]) => k.endsWith("shop:v2")).map(([, v]) => v);
    expect(v2.length).toBeGreaterThan(0);
    for (const t of v2) expect(t).toBeLessThan(1.5);

    // The layer table screens show: the Dockerfile steps the students read, shared and cached.
    const layers = imageLayersView(r.cluster, "shop:v1")!;
    const recipe = loadLesson("ship-the-whole-kitchen").steps[0]!.studentText;
    for (const l of layers.layers) {
      expect(recipe.en).toContain(l.step);
      expect(recipe.vi).toContain(l.step);
      expect(l.cachedOn).toBe(3);
    }
    expect(layers.layers[0]!.sharedWith.sort()).toEqual(["menu:v1", "shop:v2"]);
    expect(layers.layers[3]!.sharedWith).toEqual([]);
  });

  test("Compose: restarts by hand, restart policies by Docker, and a reboot that leaves web down", () => {
    const r = playLesson(loadLesson("the-building-manager"), { nodes: 3, maxClusterMs: MAX_CLUSTER_MS });
    expect(r.problems).toEqual([]);
    // Only students' restarts brought web back: the step waited for them (they act after 10 s).
    expect(endAt(r, "web-crashes") - actionAt(r, "web-crashes")).toBeGreaterThanOrEqual(10_000);
    // "always": Docker restarted db within a second, nobody touched it.
    const db = r.reveals.find((x) => x.stepId === "db-crashes")!;
    expect(db.atMs - actionAt(r, "db-crashes")).toBeLessThanOrEqual(2_000);
    // After the reboot the daemon started db and cache, never web.
    const restored = r.applied.find((a) => a.command.type === "restoreNode")!;
    const node = (restored.command as { node: string }).node;
    const bootStarts = r.cluster.events.filter((e) => e.node === node && e.reason === "Start" && e.message.includes("after the reboot"));
    expect(bootStarts.map((e) => e.object).sort()).toEqual([`container/${node}-cache-1`, `container/${node}-db-1`]);
  });

  test("bare code fails where Python differs; the image runs everywhere, new machines included", () => {
    const seen: Record<string, string[]> = {};
    const r = playLesson(loadLesson("it-works-on-my-machine"), {
      nodes: 3,
      maxClusterMs: MAX_CLUSTER_MS,
      observe: (c, _s, actions) => {
        for (const a of actions) if (a.type === "stepStarted") seen[a.stepId] = c.nodeOrder.map((n) => c.nodes[n]!.bare?.status ?? "none");
      },
    });
    expect(r.problems).toEqual([]);
    const bare = seen["read-the-error"]!;
    expect(bare[0]).toBe("running"); // the developer's machine
    expect(bare).toContain("failed");
    expect(seen["a-new-machine"]!.every((x) => x === "running")).toBe(true);
    expect(Object.values(r.cluster.nodes).every((n) => n.bare?.status === "running")).toBe(true);
    expect(r.cluster.nodeOrder.length).toBe(5); // 3 students, 1 spare for the small class, 1 new machine
  });

  test("the chaos party's blackout resolves on the same timeline while the rush goes on", () => {
    const r = playLesson(loadLesson("chaos-party"), { nodes: 3, maxClusterMs: MAX_CLUSTER_MS });
    expect(r.problems).toEqual([]);
    const blackout = endAt(r, "blackout") - actionAt(r, "blackout");
    expect(blackout).toBeGreaterThanOrEqual(345_000);
    expect(blackout).toBeLessThanOrEqual(370_000);
  });
});
