import { describe, it, expect } from "vitest";
import {
  composeCommand,
  composeHostDown,
  composeHostUp,
  composeServing,
  defaultComposeServices,
  handleComposeEvent,
  initComposeHost,
} from "../../shared/sim/compose.ts";
import { heapPop } from "../../shared/sim/heap.ts";
import { applyCommand, createCluster } from "../../shared/sim/index.ts";
import { seedRng } from "../../shared/sim/rng.ts";
import { schedule } from "../../shared/sim/core.ts";
import type { ClusterState, ComposeServiceSpec, Mode, NodeState, RngStream } from "../../shared/sim/types.ts";

// createCluster is written elsewhere; this fixture holds just what the Compose code reads.
function makeNode(name: string): NodeState {
  // A node as addNode makes it (the round-specific parts left empty for these tests to fill).
  const s = createCluster({ seed: 1 });
  applyCommand(s, { type: "addNode", name });
  return { ...s.nodes[name]!, leaseOffsetMs: 0 };
}

function makeState(opts: { mode?: Mode; seed?: number; nodes?: string[]; services?: ComposeServiceSpec[] } = {}): ClusterState {
  const seed = opts.seed ?? 42;
  const streams: RngStream[] = ["scheduler", "traffic", "jitter", "names", "chaos"];
  const rng = Object.fromEntries(streams.map((k) => [k, seedRng(seed, k)])) as ClusterState["rng"];
  const nodes: Record<string, NodeState> = {};
  for (const n of opts.nodes ?? ["alice"]) nodes[n] = makeNode(n);
  return {
    ...createCluster({ seed, mode: opts.mode ?? "compose" }),
    queue: [],
    rng,
    nodes,
    nodeOrder: Object.keys(nodes),
    compose: { services: opts.services ?? defaultComposeServices() },
    bare: null,
  };
}

function runUntil(s: ClusterState, ms: number): void {
  while (s.queue.length && s.queue[0]!.at <= ms) {
    const ev = heapPop(s.queue)!;
    s.timeMs = ev.at;
    handleComposeEvent(s, ev);
  }
  s.timeMs = ms;
}

function box(s: ClusterState, service: string, node = "alice") {
  const c = s.nodes[node]!.compose!.containers[service];
  if (!c) throw new Error(`no container ${service}`);
  return c;
}

function cmd(s: ClusterState, type: "composeCrash" | "composeHang" | "composeRestart" | "composeStop", service: string, node = "alice") {
  return composeCommand(s, { type, node, service });
}

/** Time at which the next queued restart event for this container fires. */
function pendingRestartAt(s: ClusterState, service: string, node = "alice"): number | null {
  const c = box(s, service, node);
  const evs = s.queue.filter((e) => e.kind === "composeRestart" && e.ref === `${node}/${service}` && e.gen === c.gen);
  return evs.length === 1 ? evs[0]!.at : null;
}

function upState(): ClusterState {
  const s = makeState();
  initComposeHost(s, "alice");
  runUntil(s, 40_000);
  return s;
}

describe("compose start-up and depends_on", () => {
  it("starts db and cache at once but holds web until db is healthy", () => {
    const s = makeState();
    initComposeHost(s, "alice");
    expect(box(s, "db").status).toBe("running");
    expect(box(s, "cache").status).toBe("running");
    expect(box(s, "web").status).toBe("created");
    expect(box(s, "db").health).toBe("starting");

    runUntil(s, 29_999);
    expect(box(s, "web").status).toBe("created");
    expect(box(s, "db").health).toBe("starting");
    expect(composeServing(s, "alice")).toBe(false);

    runUntil(s, 30_000);
    expect(box(s, "db").health).toBe("healthy");
    expect(box(s, "web").status).toBe("running");
    expect(box(s, "web").startedAtMs).toBe(30_000);
    // web itself takes its startMs to boot before it answers.
    expect(composeServing(s, "alice")).toBe(false);
    runUntil(s, 31_000);
    expect(composeServing(s, "alice")).toBe(true);
    expect(box(s, "web").health).toBe("starting");
    runUntil(s, 60_000);
    expect(box(s, "web").health).toBe("healthy");
  });

  it("service_started only needs the dependency to run, not to answer", () => {
    const services: ComposeServiceSpec[] = [
      { name: "api", image: "api", restart: "no", dependsOn: [{ service: "slow", condition: "service_started" }], healthcheck: false, public: true, startMs: 100 },
      { name: "slow", image: "slow", restart: "no", dependsOn: [], healthcheck: false, public: false, startMs: 20_000 },
    ];
    const s = makeState({ services });
    initComposeHost(s, "alice");
    expect(box(s, "api").status).toBe("running");
    runUntil(s, 10_000);
    expect(composeServing(s, "alice")).toBe(false);
    runUntil(s, 20_000);
    expect(composeServing(s, "alice")).toBe(true);
  });

  it("a db whose process is not up yet fails its checks", () => {
    const services = defaultComposeServices().map((x) => (x.name === "db" ? { ...x, startMs: 200_000 } : x));
    const s = makeState({ services });
    initComposeHost(s, "alice");
    runUntil(s, 89_999);
    expect(box(s, "db").failedChecks).toBe(2);
    expect(box(s, "db").health).toBe("starting");
    runUntil(s, 90_000);
    expect(box(s, "db").health).toBe("unhealthy");
    expect(box(s, "web").status).toBe("created");
    runUntil(s, 210_000);
    expect(box(s, "db").health).toBe("healthy");
    expect(box(s, "web").status).toBe("running");
  });
});

describe("restart backoff", () => {
  it("doubles from 100 ms up to the 60 s cap while the container keeps crashing", () => {
    const s = upState();
    const delays: number[] = [];
    for (let i = 0; i < 13; i++) {
      expect(cmd(s, "composeCrash", "cache")).toEqual({ ok: true });
      expect(box(s, "cache").status).toBe("restarting");
      const at = pendingRestartAt(s, "cache");
      expect(at).not.toBeNull();
      delays.push(at! - s.timeMs);
      runUntil(s, at!);
      expect(box(s, "cache").status).toBe("running");
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 60_000, 60_000, 60_000]);
    expect(box(s, "cache").restartCount).toBe(13);
  });

  it("resets to 100 ms after 10 s of running, not before", () => {
    const s = upState();
    cmd(s, "composeCrash", "cache");
    runUntil(s, pendingRestartAt(s, "cache")!);
    cmd(s, "composeCrash", "cache");
    runUntil(s, pendingRestartAt(s, "cache")!);
    expect(box(s, "cache").backoffMs).toBe(200);

    runUntil(s, s.timeMs + 9_999);
    cmd(s, "composeCrash", "cache");
    expect(pendingRestartAt(s, "cache")! - s.timeMs).toBe(400);
    runUntil(s, pendingRestartAt(s, "cache")!);

    runUntil(s, s.timeMs + 10_000);
    cmd(s, "composeCrash", "cache");
    expect(pendingRestartAt(s, "cache")! - s.timeMs).toBe(100);
  });
});

describe("restart policies", () => {
  function withOnFailure(): ClusterState {
    const services = [...defaultComposeServices(), { name: "worker", image: "worker", restart: "on-failure" as const, dependsOn: [], healthcheck: false, public: false, startMs: 100 }];
    const s = makeState({ services });
    initComposeHost(s, "alice");
    runUntil(s, 40_000);
    return s;
  }

  it("on a crash: no stays down, always / unless-stopped / on-failure come back", () => {
    const s = withOnFailure();
    for (const svc of ["web", "db", "cache", "worker"]) expect(cmd(s, "composeCrash", svc)).toEqual({ ok: true });
    expect(box(s, "web").status).toBe("exited");
    expect(box(s, "web").exitCode).toBe(1);
    for (const svc of ["db", "cache", "worker"]) expect(box(s, svc).status).toBe("restarting");
    runUntil(s, 40_100);
    expect(box(s, "web").status).toBe("exited");
    for (const svc of ["db", "cache", "worker"]) {
      expect(box(s, svc).status).toBe("running");
      expect(box(s, svc).restartCount).toBe(1);
    }
    runUntil(s, 500_000);
    expect(box(s, "web").status).toBe("exited");
    expect(composeServing(s, "alice")).toBe(false);
  });

  it("docker stop keeps every policy down with exit code 0", () => {
    const s = withOnFailure();
    for (const svc of ["web", "db", "cache", "worker"]) expect(cmd(s, "composeStop", svc)).toEqual({ ok: true });
    runUntil(s, 500_000);
    for (const svc of ["web", "db", "cache", "worker"]) {
      expect(box(s, svc).status).toBe("exited");
      expect(box(s, svc).exitCode).toBe(0);
      expect(box(s, svc).stoppedByUser).toBe(true);
      expect(box(s, svc).restartCount).toBe(0);
    }
  });

  it("on a host restart: always and unless-stopped return, on-failure and no stay down", () => {
    const s = withOnFailure();
    composeHostDown(s, "alice");
    s.nodes.alice!.powered = false;
    for (const svc of ["web", "db", "cache", "worker"]) {
      expect(box(s, svc).status).toBe("exited");
      expect(box(s, svc).exitCode).toBe(255);
    }
    const frozen = JSON.stringify(s.nodes.alice!.compose);
    runUntil(s, 200_000);
    expect(JSON.stringify(s.nodes.alice!.compose)).toBe(frozen);

    s.nodes.alice!.powered = true;
    composeHostUp(s, "alice");
    expect(box(s, "db").status).toBe("running");
    expect(box(s, "cache").status).toBe("running");
    expect(box(s, "web").status).toBe("exited");
    expect(box(s, "worker").status).toBe("exited");
    runUntil(s, 400_000);
    expect(box(s, "web").status).toBe("exited");
    expect(box(s, "worker").status).toBe("exited");
    expect(composeServing(s, "alice")).toBe(false);
  });

  it("a hand-stopped container: always returns on reboot, unless-stopped does not", () => {
    const s = upState();
    cmd(s, "composeStop", "db");
    cmd(s, "composeStop", "cache");
    composeHostDown(s, "alice");
    composeHostUp(s, "alice");
    expect(box(s, "db").status).toBe("running");
    expect(box(s, "db").stoppedByUser).toBe(false);
    expect(box(s, "cache").status).toBe("exited");
    expect(box(s, "cache").stoppedByUser).toBe(true);
  });

  it("does not enforce depends_on after a daemon restart", () => {
    const services = defaultComposeServices().map((x) => (x.name === "web" ? { ...x, restart: "always" as const } : x));
    const s = makeState({ services });
    initComposeHost(s, "alice");
    runUntil(s, 40_000);
    composeHostDown(s, "alice");
    runUntil(s, 50_000);
    composeHostUp(s, "alice");
    expect(box(s, "db").health).toBe("starting");
    expect(box(s, "web").status).toBe("running");
    expect(box(s, "web").startedAtMs).toBe(50_000);
    // web is up before db can answer, so the host still fails requests for a while.
    runUntil(s, 52_000);
    expect(composeServing(s, "alice")).toBe(false);
    runUntil(s, 55_000);
    expect(composeServing(s, "alice")).toBe(true);
  });

  it("ignores events for a powered-off host even with the right generation", () => {
    const s = upState();
    s.nodes.alice!.powered = false;
    const before = JSON.stringify(s.nodes.alice!.compose);
    runUntil(s, 300_000);
    expect(JSON.stringify(s.nodes.alice!.compose)).toBe(before);
  });
});

describe("hung process and health checks", () => {
  it("turns unhealthy after 3 timed-out checks and is never restarted", () => {
    const s = upState();
    expect(box(s, "web").startedAtMs).toBe(30_000);
    runUntil(s, 70_000);
    expect(box(s, "web").health).toBe("healthy");
    expect(cmd(s, "composeHang", "web")).toEqual({ ok: true });
    expect(box(s, "web").status).toBe("running");
    expect(composeServing(s, "alice")).toBe(false);
    // Checks keep the 30 s grid of the start (90, 150, 210 s) and each waits out its 30 s timeout.
    runUntil(s, 119_999);
    expect(box(s, "web").failedChecks).toBe(0);
    runUntil(s, 120_000);
    expect(box(s, "web").failedChecks).toBe(1);
    runUntil(s, 180_000);
    expect(box(s, "web").failedChecks).toBe(2);
    runUntil(s, 239_999);
    expect(box(s, "web").health).toBe("healthy");
    runUntil(s, 240_000);
    expect(box(s, "web").health).toBe("unhealthy");
    expect(box(s, "web").failedChecks).toBe(3);
    expect(s.events.some((e) => e.reason === "HealthStatus" && e.message.includes("unhealthy") && e.node === "alice")).toBe(true);

    runUntil(s, 2_000_000);
    const web = box(s, "web");
    expect(web.status).toBe("running");
    expect(web.health).toBe("unhealthy");
    expect(web.hung).toBe(true);
    expect(web.restartCount).toBe(0);
    expect(composeServing(s, "alice")).toBe(false);
  });

  it("a person's docker restart clears the hang", () => {
    const s = upState();
    cmd(s, "composeHang", "db");
    runUntil(s, 400_000);
    expect(box(s, "db").health).toBe("unhealthy");
    expect(cmd(s, "composeRestart", "db")).toEqual({ ok: true });
    expect(box(s, "db").hung).toBe(false);
    expect(box(s, "db").health).toBe("starting");
    runUntil(s, 430_000);
    expect(box(s, "db").health).toBe("healthy");
    expect(composeServing(s, "alice")).toBe(true);
  });

  it("docker stop on a hung process ends with SIGKILL's 137", () => {
    const s = upState();
    cmd(s, "composeHang", "cache");
    cmd(s, "composeStop", "cache");
    expect(box(s, "cache").exitCode).toBe(137);
    expect(box(s, "cache").status).toBe("exited");
  });
});

describe("commands by a person", () => {
  it("docker restart revives a restart: no container", () => {
    const s = upState();
    cmd(s, "composeCrash", "web");
    runUntil(s, 100_000);
    expect(box(s, "web").status).toBe("exited");
    expect(cmd(s, "composeRestart", "web")).toEqual({ ok: true });
    expect(box(s, "web").status).toBe("running");
    expect(box(s, "web").exitCode).toBe(0);
    runUntil(s, 101_000);
    expect(composeServing(s, "alice")).toBe(true);
    expect(box(s, "web").restartCount).toBe(0);
  });

  it("docker restart clears stoppedByUser so unless-stopped comes back after a reboot again", () => {
    const s = upState();
    cmd(s, "composeStop", "cache");
    cmd(s, "composeRestart", "cache");
    expect(box(s, "cache").stoppedByUser).toBe(false);
    composeHostDown(s, "alice");
    composeHostUp(s, "alice");
    expect(box(s, "cache").status).toBe("running");
  });

  it("a scheduled composeExit crashes the container, a stale one does nothing", () => {
    const s = upState();
    const gen = box(s, "db").gen;
    schedule(s, 41_000, "composeExit", "alice/db", gen - 1);
    runUntil(s, 41_000);
    expect(box(s, "db").status).toBe("running");
    schedule(s, 42_000, "composeExit", "alice/db", gen);
    runUntil(s, 42_000);
    expect(box(s, "db").status).toBe("restarting");
    expect(box(s, "db").exitCode).toBe(1);
  });

  it("records docker-style events on the container with the node set", () => {
    const s = upState();
    cmd(s, "composeCrash", "db");
    const die = s.events.find((e) => e.reason === "Die");
    expect(die).toMatchObject({ type: "Warning", object: "container/alice-db-1", node: "alice" });
    runUntil(s, 41_000);
    expect(s.events.some((e) => e.reason === "Restart" && e.object === "container/alice-db-1")).toBe(true);
  });

  it("rejects invalid commands and changes nothing", () => {
    const s = upState();
    const bad: [ClusterState, Parameters<typeof composeCommand>[1]][] = [
      [s, { type: "composeCrash", node: "bob", service: "web" }],
      [s, { type: "composeCrash", node: "alice", service: "nginx" }],
      [s, { type: "composeHang", node: "alice", service: "nope" }],
    ];
    for (const [st, c] of bad) {
      const before = JSON.stringify(st);
      const r = composeCommand(st, c);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.length).toBeGreaterThan(5);
      expect(JSON.stringify(st)).toBe(before);
    }

    cmd(s, "composeCrash", "web");
    const afterCrash = JSON.stringify(s);
    const r1 = cmd(s, "composeCrash", "web");
    expect(r1).toEqual({ ok: false, error: expect.stringContaining("not running") });
    expect(cmd(s, "composeHang", "web").ok).toBe(false);
    expect(JSON.stringify(s)).toBe(afterCrash);

    s.nodes.alice!.powered = false;
    const off = JSON.stringify(s);
    expect(cmd(s, "composeRestart", "web").ok).toBe(false);
    expect(JSON.stringify(s)).toBe(off);

    const k = makeState({ mode: "kubernetes" });
    initComposeHost(k, "alice");
    const kBefore = JSON.stringify(k);
    const r2 = composeCommand(k, { type: "composeRestart", node: "alice", service: "web" });
    expect(r2).toEqual({ ok: false, error: expect.stringContaining("Compose") });
    expect(JSON.stringify(k)).toBe(kBefore);
  });
});

describe("composeServing", () => {
  const cases: [string, (s: ClusterState) => void, boolean][] = [
    ["everything up", () => {}, true],
    ["web crashed", (s) => void cmd(s, "composeCrash", "web"), false],
    ["web hung", (s) => void cmd(s, "composeHang", "web"), false],
    ["db hung (transitive dependency)", (s) => void cmd(s, "composeHang", "db"), false],
    ["db restarting", (s) => void cmd(s, "composeCrash", "db"), false],
    ["cache stopped", (s) => void cmd(s, "composeStop", "cache"), false],
    ["cache hung", (s) => void cmd(s, "composeHang", "cache"), false],
    ["host powered off", (s) => void (s.nodes.alice!.powered = false), false],
    ["host partitioned", (s) => void (s.nodes.alice!.partitioned = true), false],
    ["db unhealthy-reported but answering again after restart", (s) => {
      cmd(s, "composeHang", "db");
      runUntil(s, 300_000);
      cmd(s, "composeRestart", "db");
      runUntil(s, 306_000);
    }, true],
  ];
  for (const [name, act, want] of cases) {
    it(name, () => {
      const s = upState();
      act(s);
      expect(composeServing(s, "alice")).toBe(want);
    });
  }

  it("unknown host or host without a project does not serve", () => {
    const s = upState();
    expect(composeServing(s, "nobody")).toBe(false);
    s.nodes.bob = makeNode("bob");
    expect(composeServing(s, "bob")).toBe(false);
  });

  it("every host runs its own copy: a crash on one leaves the other serving", () => {
    const s = makeState({ nodes: ["alice", "bob"] });
    initComposeHost(s, "alice");
    initComposeHost(s, "bob");
    runUntil(s, 40_000);
    cmd(s, "composeCrash", "web", "bob");
    expect(composeServing(s, "alice")).toBe(true);
    expect(composeServing(s, "bob")).toBe(false);
  });

  it("is deterministic: the same commands give the same state", () => {
    const run = () => {
      const s = makeState({ nodes: ["a", "b"] });
      initComposeHost(s, "a");
      initComposeHost(s, "b");
      runUntil(s, 35_000);
      cmd(s, "composeCrash", "db", "a");
      cmd(s, "composeHang", "web", "b");
      runUntil(s, 400_000);
      return JSON.stringify(s);
    };
    expect(run()).toBe(run());
  });
});
