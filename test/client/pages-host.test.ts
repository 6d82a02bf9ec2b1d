/** The teacher page's pure parts: kubectl tables, the command builder, the phase rules, the event order. */
import { describe, expect, it } from "vitest";
import {
  NODE_HEADERS, POD_HEADERS, kubectlText, nodeRows, nodeStatus, podRows, sortEvents, type NodeRowInput, type PodRowInput,
} from "../../client/src/ui/format.ts";
import { actionAllowed, buildCommand, kindsForMode, parseNeeds, type CommandKind } from "../../client/src/ui/commands.ts";
import { commandSchema } from "../../shared/sim/command-schema.ts";

const n = (name: string, over: Partial<NodeRowInput> = {}): NodeRowInput => ({
  name, student: "", ready: "True", cordoned: false, cpuCapacity: 2000, cpuRequested: 500, memoryCapacity: 4096, memoryRequested: 1024, podCapacity: 110, ...over,
});
const p = (name: string, over: Partial<PodRowInput> = {}): PodRowInput => ({ name, node: "node-a", status: "Running", ready: true, restarts: 0, createdAtMs: 0, ...over });

describe("kubectl get nodes", () => {
  it("STATUS reads like kubectl: NotReady for Unknown and False, SchedulingDisabled when cordoned", () => {
    expect(nodeStatus({ ready: "True", cordoned: false })).toBe("Ready");
    expect(nodeStatus({ ready: "Unknown", cordoned: false })).toBe("NotReady");
    expect(nodeStatus({ ready: "False", cordoned: true })).toBe("NotReady,SchedulingDisabled");
    expect(nodeStatus({ ready: "True", cordoned: true })).toBe("Ready,SchedulingDisabled");
  });

  it("rows are sorted by name, count the pods placed on each node and show cpu and memory requests", () => {
    const rows = nodeRows(
      [n("node-b", { student: "Bao", ready: "Unknown" }), n("node-a", { student: "Amara", cpuRequested: 1500 })],
      [p("x"), p("y"), p("z", { node: "node-b" }), p("old", { status: "Evicted" }), p("pending", { node: "" })],
    );
    expect(rows).toEqual([
      ["node-a", "Ready", "2/110", "1500m (75%)", "1024Mi (25%)", "Amara"],
      ["node-b", "NotReady", "1/110", "500m (25%)", "1024Mi (25%)", "Bao"],
    ]);
  });

  it("a node without a student shows <none>", () => {
    expect(nodeRows([n("spare")], [])[0]![5]).toBe("<none>");
  });
});

describe("kubectl get pods", () => {
  it("has READY, STATUS, RESTARTS, AGE and NODE columns like kubectl -o wide", () => {
    const rows = podRows([p("shop-2", { ready: false, status: "CrashLoopBackOff", restarts: 5, createdAtMs: 0 }), p("shop-1", { node: "", status: "Pending", ready: false, createdAtMs: 295_000 })], 300_000);
    expect(rows).toEqual([
      ["shop-1", "0/1", "Pending", "0", "5s", "<none>"],
      ["shop-2", "0/1", "CrashLoopBackOff", "5", "5m", "node-a"],
    ]);
  });

  it("prints as aligned text the way kubectl's tabwriter does", () => {
    const text = kubectlText(POD_HEADERS, podRows([p("shop-abc", { createdAtMs: 0 })], 45_000));
    expect(text).toBe(["NAME       READY   STATUS    RESTARTS   AGE   NODE", "shop-abc   1/1     Running   0          45s   node-a"].join("\n"));
    expect(kubectlText(NODE_HEADERS, []).startsWith("NAME   STATUS   PODS")).toBe(true);
  });
});

describe("teacher commands", () => {
  const all: CommandKind[] = [...kindsForMode("kubernetes"), ...kindsForMode("compose"), ...kindsForMode("bare")];
  const full = {
    node: "node-a", pod: "shop-1", service: "shop", deployment: "shop", slowPercent: "30", leakRate: "20", multiplier: "5",
    rampSeconds: "30", durationSeconds: "180", app: "shop", version: "v2", behavior: "crashing", strategy: "Recreate",
    replicas: "4", hpaMin: "2", hpaMax: "10", hpaTarget: "60", needs: "python=3.12, node 20",
  };

  it("every button of every round builds a command the server's schema accepts", () => {
    for (const kind of new Set(all)) {
      const built = buildCommand(kind, full);
      expect(built.ok, kind).toBe(true);
      if (built.ok) expect(commandSchema.safeParse(built.command).success, kind).toBe(true);
    }
  });

  it("kill and partition without a target let the simulation pick", () => {
    expect(buildCommand("killNode", { node: "" })).toEqual({ ok: true, command: { type: "killNode" } });
    expect(buildCommand("killNode", { node: "node-a" })).toEqual({ ok: true, command: { type: "killNode", node: "node-a" } });
    expect(buildCommand("partitionNode", {})).toEqual({ ok: true, command: { type: "partitionNode" } });
  });

  it("commands that need a node say so instead of sending", () => {
    for (const kind of ["restoreNode", "cordon", "drain", "memoryPressureOn", "composeCrash"] as const) {
      expect(buildCommand(kind, { ...full, node: "" }), kind).toEqual({ ok: false, error: "cmd.needNode" });
    }
  });

  it("pod targets: random, every pod of an app, or one pod", () => {
    expect(buildCommand("crashExit", { pod: "" })).toEqual({ ok: true, command: { type: "crashContainer", how: "exit" } });
    expect(buildCommand("crashHang", { pod: "app:shop" })).toEqual({ ok: true, command: { type: "crashContainer", app: "shop", how: "hang" } });
    expect(buildCommand("deletePod", { pod: "app:shop" })).toEqual({ ok: false, error: "cmd.needPod" });
    expect(buildCommand("deletePod", { pod: "shop-1" })).toEqual({ ok: true, command: { type: "deletePod", pod: "shop-1" } });
  });

  it("converts the form's numbers and refuses nonsense", () => {
    expect(buildCommand("slowNode", { node: "node-a", slowPercent: "25" })).toEqual({ ok: true, command: { type: "slowNode", node: "node-a", factor: 0.25 } });
    expect(buildCommand("slowNode", { node: "node-a", slowPercent: "0" })).toEqual({ ok: false, error: "cmd.badSlow" });
    expect(buildCommand("trafficSpike", { ...full, multiplier: "abc" })).toEqual({ ok: false, error: "cmd.badSpike" });
    expect(buildCommand("trafficSpike", full)).toEqual({ ok: true, command: { type: "trafficSpike", service: "shop", multiplier: 5, rampSeconds: 30, durationSeconds: 180 } });
    expect(buildCommand("setHpa", { ...full, hpaMin: "12", hpaMax: "3" })).toEqual({ ok: false, error: "cmd.badHpa" });
    expect(buildCommand("deploy", { ...full, app: "Shop!" })).toEqual({ ok: false, error: "cmd.badApp" });
    expect(buildCommand("deploy", { ...full, version: "" })).toEqual({ ok: false, error: "cmd.badVersion" });
    expect(buildCommand("deploy", full)).toEqual({ ok: true, command: { type: "deploy", app: "shop", version: "v2", behavior: "crashing", replicas: 4, strategy: "Recreate" } });
  });

  it("parses runtime needs written by hand", () => {
    expect(parseNeeds("python=3.12, node 20")).toEqual({ python: "3.12", node: "20" });
    expect(parseNeeds("Python: 3.11")).toEqual({ python: "3.11" });
    expect(parseNeeds("")).toBeNull();
    expect(parseNeeds("python")).toBeNull();
  });

  it("offers only what each round can do", () => {
    expect(kindsForMode("kubernetes").has("deploy")).toBe(true);
    expect(kindsForMode("compose").has("deploy")).toBe(false);
    expect(kindsForMode("compose").has("composeCrash")).toBe(true);
    expect(kindsForMode("bare").has("shipImage")).toBe(true);
    expect(kindsForMode("kubernetes").has("composeCrash")).toBe(false);
  });
});

describe("class phase buttons", () => {
  it("follow the server's phase rules", () => {
    expect(actionAllowed("start", "lobby", false)).toBe(true);
    expect(actionAllowed("start", "running", false)).toBe(false);
    expect(actionAllowed("pause", "running", false)).toBe(true);
    expect(actionAllowed("resume", "debrief", false)).toBe(true);
    expect(actionAllowed("debrief", "lobby", false)).toBe(false);
    expect(actionAllowed("end", "ended", false)).toBe(false);
    expect(actionAllowed("lock", "lobby", true)).toBe(false);
    expect(actionAllowed("unlock", "lobby", true)).toBe(true);
  });
});

describe("event feed order", () => {
  it("puts the newest first and keeps id order for the same moment", () => {
    const evs = [{ id: 1, atMs: 5 }, { id: 3, atMs: 9 }, { id: 2, atMs: 9 }, { id: 4, atMs: 1 }];
    expect(sortEvents(evs).map((e) => e.id)).toEqual([3, 2, 1, 4]);
    expect(sortEvents(evs, false).map((e) => e.id)).toEqual([4, 1, 2, 3]);
  });
});
