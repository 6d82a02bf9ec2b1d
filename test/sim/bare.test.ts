import { describe, it, expect } from "vitest";
import { applyCommand, createCluster } from "../../shared/sim/index.ts";
import { RUNTIME_CHOICES, assignRuntimes, bareCommand, bareNodeJoined, bareServing } from "../../shared/sim/bare.ts";
import type { BareCommand } from "../../shared/sim/bare.ts";
import { seedRng } from "../../shared/sim/rng.ts";
import type { ClusterState, Mode, NodeState, RngStream } from "../../shared/sim/types.ts";

// createCluster is written elsewhere; this fixture holds just what the bare round reads.
function makeNode(name: string, runtimes: Record<string, string> = {}): NodeState {
  // A node as addNode makes it (the round-specific parts left empty for these tests to fill).
  const s = createCluster({ seed: 1 });
  applyCommand(s, { type: "addNode", name });
  return { ...s.nodes[name]!, leaseOffsetMs: 0, runtimes };
}

function makeState(opts: { mode?: Mode; seed?: number; nodes?: Record<string, Record<string, string>> } = {}): ClusterState {
  const seed = opts.seed ?? 7;
  const streams: RngStream[] = ["scheduler", "traffic", "jitter", "names", "chaos"];
  const rng = Object.fromEntries(streams.map((k) => [k, seedRng(seed, k)])) as ClusterState["rng"];
  const nodes: Record<string, NodeState> = {};
  for (const [n, rt] of Object.entries(opts.nodes ?? {})) nodes[n] = makeNode(n, rt);
  return {
    ...createCluster({ seed, mode: opts.mode ?? "bare" }),
    queue: [],
    rng,
    nodes,
    nodeOrder: Object.keys(nodes),
    compose: null,
    bare: null,
  };
}

const ship = (packaging: "bare" | "image", needs: Record<string, string>, app = "shop"): BareCommand => ({
  type: "ship",
  packaging,
  app,
  needs,
});

function classroom(): ClusterState {
  return makeState({
    nodes: {
      dev: { python: "3.11", node: "20" },
      old: { python: "3.9", node: "20" },
      nonode: { python: "3.11" },
      newer: { python: "3.12", node: "22" },
    },
  });
}

describe("shipping bare code", () => {
  it("runs only where every runtime matches and explains the failures", () => {
    const s = classroom();
    expect(bareCommand(s, ship("bare", { python: "3.11", node: "20" }))).toEqual({ ok: true });
    expect(s.bare).toMatchObject({ app: "shop", needs: { python: "3.11", node: "20" } });
    expect(s.nodes.dev!.bare).toMatchObject({ app: "shop", packaging: "bare", status: "running" });

    const old = s.nodes.old!.bare!;
    expect(old.status).toBe("failed");
    expect(old.reason).toContain("python 3.9 found");
    expect(old.reason).toContain("needs python 3.11");
    expect(old.reason).toContain("ModuleNotFoundError");

    expect(s.nodes.nonode!.bare!.status).toBe("failed");
    expect(s.nodes.nonode!.bare!.reason).toContain("node: command not found");

    // Newer is not better: the compiled dependency targets one exact version.
    expect(s.nodes.newer!.bare!.status).toBe("failed");
    expect(s.nodes.newer!.bare!.reason).toContain("python 3.12 found");

    expect(["dev", "old", "nonode", "newer"].map((n) => bareServing(s, n))).toEqual([true, false, false, false]);
  });

  it("a node mismatch names both ABI numbers", () => {
    const s = makeState({ nodes: { a: { python: "3.11", node: "18" } } });
    bareCommand(s, ship("bare", { node: "22" }));
    expect(s.nodes.a!.bare!.reason).toMatch(/node v18 found, shop needs node 22: .*127.*108/);
  });

  it("an image runs everywhere, even without any runtime installed", () => {
    const s = classroom();
    s.nodes.empty = makeNode("empty", {});
    expect(bareCommand(s, ship("image", { python: "3.11", node: "20" }))).toEqual({ ok: true });
    for (const n of Object.keys(s.nodes)) {
      expect(s.nodes[n]!.bare).toMatchObject({ packaging: "image", status: "running" });
      expect(bareServing(s, n)).toBe(true);
    }
  });

  it("a second shipment replaces the first on every node", () => {
    const s = classroom();
    bareCommand(s, ship("bare", { python: "3.9" }, "legacy"));
    expect(s.nodes.old!.bare!.status).toBe("running");
    expect(s.nodes.dev!.bare!.status).toBe("failed");
    bareCommand(s, ship("image", { python: "3.9" }, "legacy"));
    expect(s.nodes.dev!.bare!.status).toBe("running");
  });

  it("a late joiner gets the current shipment with its packaging", () => {
    const s = classroom();
    s.nodes.late = makeNode("late", { python: "3.10" });
    bareNodeJoined(s, "late");
    expect(s.nodes.late!.bare).toBeNull();

    bareCommand(s, ship("bare", { python: "3.11" }));
    s.nodes.late2 = makeNode("late2", { python: "3.10" });
    bareNodeJoined(s, "late2");
    expect(s.nodes.late2!.bare).toMatchObject({ packaging: "bare", status: "failed" });

    bareCommand(s, ship("image", { python: "3.11" }));
    s.nodes.late3 = makeNode("late3", { python: "3.10" });
    bareNodeJoined(s, "late3");
    expect(s.nodes.late3!.bare).toMatchObject({ packaging: "image", status: "running" });
  });
});

describe("bareServing", () => {
  it("needs the machine on, reachable and the app running", () => {
    const s = classroom();
    bareCommand(s, ship("image", { python: "3.11" }));
    expect(bareServing(s, "dev")).toBe(true);
    s.nodes.dev!.partitioned = true;
    expect(bareServing(s, "dev")).toBe(false);
    s.nodes.dev!.partitioned = false;
    s.nodes.dev!.powered = false;
    expect(bareServing(s, "dev")).toBe(false);
    expect(bareServing(s, "ghost")).toBe(false);
    const fresh = classroom();
    expect(bareServing(fresh, "dev")).toBe(false);
  });
});

describe("assignRuntimes", () => {
  const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
  function assignAll(seed: number): Record<string, Record<string, string>> {
    const s = makeState({ seed, nodes: Object.fromEntries(names.map((n) => [n, {}])) });
    for (const n of names) assignRuntimes(s, n);
    return Object.fromEntries(names.map((n) => [n, s.nodes[n]!.runtimes]));
  }

  it("gives the same machines for the same seed", () => {
    expect(assignAll(123)).toEqual(assignAll(123));
  });

  it("differs between seeds and across machines, within the known versions", () => {
    const a = assignAll(1);
    const b = assignAll(2);
    expect(a).not.toEqual(b);
    const pythons = new Set(Object.values(a).map((r) => r.python));
    expect(pythons.size).toBeGreaterThan(1);
    for (const rt of [...Object.values(a), ...Object.values(b)]) {
      expect(rt.python).toBeDefined();
      for (const [lang, v] of Object.entries(rt)) expect(RUNTIME_CHOICES[lang]).toContain(v);
    }
  });

  it("draws only from the chaos stream", () => {
    const s = makeState({ nodes: { x: {} } });
    const others = JSON.stringify([s.rng.scheduler, s.rng.traffic, s.rng.jitter, s.rng.names]);
    const chaos = JSON.stringify(s.rng.chaos);
    const rt = assignRuntimes(s, "x");
    expect(rt).toEqual(s.nodes.x!.runtimes);
    expect(JSON.stringify([s.rng.scheduler, s.rng.traffic, s.rng.jitter, s.rng.names])).toBe(others);
    expect(JSON.stringify(s.rng.chaos)).not.toBe(chaos);
  });
});

describe("invalid shipments", () => {
  const cases: [string, (s: ClusterState) => BareCommand][] = [
    ["wrong mode", (s) => ((s.mode = "compose"), ship("bare", { python: "3.11" }))],
    ["empty needs", () => ship("bare", {})],
    ["unknown language", () => ship("bare", { cobol: "85" })],
    ["unknown version", () => ship("bare", { python: "2.7" })],
    ["empty app name", () => ship("bare", { python: "3.11" }, "  ")],
    ["bad packaging", () => ({ ...ship("bare", { python: "3.11" }), packaging: "zip" as "bare" })],
  ];
  for (const [name, build] of cases) {
    it(`${name}: error and no change`, () => {
      const s = classroom();
      bareCommand(s, ship("bare", { python: "3.9" }, "first"));
      const c = build(s);
      const before = JSON.stringify(s);
      const r = bareCommand(s, c);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.length).toBeGreaterThan(5);
      expect(JSON.stringify(s)).toBe(before);
    });
  }
});
