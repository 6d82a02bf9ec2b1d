/** The student's "what happened to my node" sentences, the hit detector and events in plain words. */
import { describe, expect, it } from "vitest";
import { en } from "../../client/src/i18n/en.ts";
import { vi } from "../../client/src/i18n/vi.ts";
import { translator } from "../../client/src/ui/format.ts";
import { eventInWords, hitMark, nodeChip, nodeStory, wasHit, type StoryInput, type StoryNode, type StoryPod } from "../../client/src/ui/node-story.ts";

const tr = translator(en);
const trVi = translator(vi);

function node(over: Partial<StoryNode> = {}): StoryNode {
  return {
    name: "node-amara", slot: 0, student: "Amara", studentId: "s1", ready: "True", powered: true, partitioned: false,
    connected: true, cordoned: false, draining: false, memoryPressure: false, speed: 1, cpuCapacity: 2000,
    memoryCapacity: 4096, podCapacity: 110, cpuRequested: 200, memoryRequested: 256, pulling: "", pullProgress: 0,
    pullLayersDone: 0, pullLayersTotal: 0, notReadySinceMs: 0, evictAtMs: 0, runtimes: "", bareStatus: "",
    bareReason: "", ...over,
  };
}

function pod(name: string, over: Partial<StoryPod> = {}): StoryPod {
  return { name, node: "node-amara", status: "Running", ready: true, restarts: 0, backoffUntilMs: 0, message: "", terminating: false, ...over };
}

function input(over: Partial<StoryInput> = {}): StoryInput {
  return { node: node(), pods: [pod("shop-a"), pod("shop-b")], clusterMs: 60_000, compression: 1, mode: "kubernetes", phase: "running", servedRps: 10, ...over };
}

const texts = (i: StoryInput, t = tr) => nodeStory(i, t).map((l) => l.text);

describe("nodeStory", () => {
  it("a healthy node says it is Ready, with its pods and load", () => {
    expect(texts(input())).toEqual(["Your node is Ready: it runs 2 pods and answers 10 requests per second."]);
    expect(nodeStory(input(), tr)[0]!.tone).toBe("ok");
  });

  it("uses the singular for one pod", () => {
    expect(texts(input({ pods: [pod("shop-a")], servedRps: 2.5 }))).toEqual(["Your node is Ready: it runs 1 pod and answers 2.5 requests per second."]);
  });

  it("a killed node not yet noticed says the control plane waits for the grace period", () => {
    const lines = texts(input({ node: node({ powered: false }), compression: 20 }));
    expect(lines[0]).toBe("Your machine lost power: it stopped sending heartbeats to the control plane.");
    expect(lines[1]).toBe("The control plane has not noticed yet: it waits 50 s of cluster time (about 3 s here) without a heartbeat before it marks a node NotReady.");
  });

  it("a NotReady node says how long ago it stopped answering and when its pods move (the issue's example)", () => {
    const i = input({ node: node({ powered: false, ready: "Unknown", notReadySinceMs: 10_000, evictAtMs: 360_000 }), clusterMs: 60_000 });
    const story = nodeStory(i, tr);
    expect(story.map((l) => l.text)).toEqual([
      "Your machine lost power: it stopped sending heartbeats to the control plane.",
      "Your node stopped answering 50 s ago (at 0:10): it is NotReady.",
      "Its pods will be moved to other buildings at 6:00, in 5 min.",
    ]);
    expect(story.map((l) => l.tone)).toEqual(["bad", "bad", "warn"]);
  });

  it("converts cluster waits into classroom seconds under time compression", () => {
    const i = input({ node: node({ ready: "Unknown", connected: false, notReadySinceMs: 50_000, evictAtMs: 350_000 }), clusterMs: 110_000, compression: 20 });
    expect(texts(i)).toContain("Its pods will be moved to other buildings at 5:50, in 4 min of cluster time (about 12 s here).");
    expect(texts(i)[0]).toBe("This device lost its connection to the class, so your node stopped sending heartbeats.");
  });

  it("once eviction time has passed, the pods are being moved", () => {
    const leaving = pod("shop-a", { terminating: true, status: "Terminating", ready: false });
    const i = input({ node: node({ partitioned: true, ready: "Unknown", notReadySinceMs: 10_000, evictAtMs: 400_000 }), clusterMs: 400_000, pods: [leaving, pod("shop-b", { ready: false })] });
    const lines = texts(i);
    expect(lines[0]).toMatch(/cut off the network/);
    expect(lines).toContain("Your node stopped answering 6 min 30 s ago (at 0:10): it is NotReady.");
    expect(lines).toContain("Its pods are being moved to other buildings now.");
  });

  it("when every pod here is Terminating on a silent node, explains that replacements already run elsewhere", () => {
    const stuck = [pod("shop-a", { terminating: true, status: "Terminating", ready: false })];
    const i = input({ node: node({ powered: false, ready: "Unknown", notReadySinceMs: 10_000 }), clusterMs: 900_000, pods: stuck });
    expect(texts(i)).toContain("Kubernetes started replacements in other buildings. The copies here show Terminating until your machine comes back and confirms they stopped.");
    // A node that is up finishes its deletions itself: no such sentence.
    expect(texts({ ...i, node: node({ ready: "Unknown", notReadySinceMs: 10_000 }) })).not.toContain(texts(i)[2]);
  });

  it("NotReady without a planned eviction explains the toleration", () => {
    const lines = texts(input({ node: node({ ready: "Unknown", notReadySinceMs: 30_000 }), clusterMs: 40_000 }));
    expect(lines).toContain("Its pods stay for now: Kubernetes waits 5 min before moving pods away from a silent node.");
  });

  it("NotReady with nothing left says the pods live elsewhere now", () => {
    expect(texts(input({ node: node({ ready: "Unknown", notReadySinceMs: 1000 }), pods: [] }))).toContain("No pods are left here: they now live in other buildings.");
  });

  it("explains crash loops with the back-off countdown", () => {
    const lines = texts(input({ pods: [pod("shop-a", { status: "CrashLoopBackOff", ready: false, restarts: 4, backoffUntilMs: 100_000 })] }));
    expect(lines).toContain("Pod shop-a keeps crashing (4 restarts): the kubelet tries again in 40 s.");
  });

  it("names two pods per kind of trouble and counts the rest", () => {
    const pods = ["a", "b", "c", "d"].map((n) => pod(`shop-${n}`, { status: "ImagePullBackOff", ready: false }));
    expect(texts(input({ pods }))).toContain("Cannot download their image (is the registry down?): shop-a, shop-b and 2 more.");
  });

  it("describes an image pull with layer progress", () => {
    const lines = texts(input({ node: node({ pulling: "shop:v2", pullLayersDone: 2, pullLayersTotal: 4, pullProgress: 0.62 }) }));
    expect(lines).toContain("Downloading image shop:v2: layer 2 of 4 (62%).");
  });

  it("says cordoned, draining, memory pressure and slow in words", () => {
    const lines = texts(input({ node: node({ cordoned: true, draining: true, memoryPressure: true, speed: 0.3 }) }));
    expect(lines).toContain("Your node is draining: its pods are being moved out, and no new ones come in.");
    expect(lines).not.toContain("Your node is cordoned: no new pods will be placed here.");
    expect(lines).toContain("Your node is low on memory: the kubelet evicts the pod using the most memory.");
    expect(lines).toContain("Your machine runs at 30% of its normal speed.");
  });

  it("in the Compose round, tells the student to restart stopped containers and that nothing moves", () => {
    const i = input({
      mode: "compose", pods: [],
      containers: [{ service: "web", status: "exited", health: "none", restarts: 0 }, { service: "db", status: "running", health: "unhealthy", restarts: 1 }],
    });
    expect(texts(i)).toEqual([
      "Your machine is up.",
      "Container web has stopped. Restart it with the button below.",
      "Container db is running but its health check fails.",
    ]);
    const down = texts({ ...i, node: node({ powered: false, ready: "Unknown", notReadySinceMs: 1000 }) });
    expect(down).toContain("With Docker Compose nothing moves elsewhere: these containers are down until this machine is back.");
  });

  it("in the lobby says the class has not started", () => {
    expect(texts(input({ phase: "lobby", pods: [] }))[0]).toBe("The class has not started yet. Your building is ready and waiting.");
  });

  it("follows the class through pause, debrief and the end", () => {
    expect(texts(input({ phase: "paused" }))[0]).toBe("The teacher paused the class: cluster time is frozen.");
    expect(texts(input({ phase: "debrief" }))[0]).toMatch(/^Debrief time/);
    expect(texts(input({ phase: "ended" }))[0]).toBe("The class has ended. Thank you for playing!");
  });

  it("without a node says so", () => {
    expect(texts(input({ node: undefined }))).toEqual(["Your building is not in the city right now. It comes back when you reconnect."]);
  });

  it("tells the same story in Vietnamese, with every placeholder filled", () => {
    const i = input({ node: node({ powered: false, ready: "Unknown", notReadySinceMs: 10_000, evictAtMs: 360_000 }), compression: 20 });
    const lines = texts(i, trVi);
    expect(lines[1]).toBe("Node của bạn đã ngừng phản hồi 50 giây trước (lúc 0:10): nó đang NotReady.");
    expect(lines[2]).toBe("Các pod của nó sẽ được chuyển sang tòa nhà khác lúc 6:00, sau 5 phút thời gian của cụm (khoảng 15 giây ở đây).");
    for (const l of lines) expect(l).not.toMatch(/[{}]/);
  });
});

describe("hit detection (the buzz)", () => {
  it("fires when the node goes down, not while it stays down", () => {
    const up = hitMark(node(), [pod("a")]);
    const down = hitMark(node({ ready: "Unknown" }), [pod("a")]);
    expect(wasHit(null, up)).toBeNull();
    expect(wasHit(up, down)).toBe("down");
    expect(wasHit(down, down)).toBeNull();
  });

  it("counts a power cut before the control plane notices", () => {
    expect(wasHit(hitMark(node(), []), hitMark(node({ powered: false }), []))).toBe("down");
  });

  it("fires on a crash or a restart, in pods and in Compose containers", () => {
    const before = hitMark(node(), [pod("a")]);
    expect(wasHit(before, hitMark(node(), [pod("a", { status: "Error", ready: false })]))).toBe("crash");
    expect(wasHit(before, hitMark(node(), [pod("a", { restarts: 1 })]))).toBe("crash");
    const web = { service: "web", status: "running", health: "healthy", restarts: 0 };
    const c0 = hitMark(node(), [], [web]);
    expect(wasHit(c0, hitMark(node(), [], [{ ...web, status: "exited" }]))).toBe("crash");
  });

  it("stays quiet when a pod leaves or recovers", () => {
    const before = hitMark(node(), [pod("a", { status: "CrashLoopBackOff", restarts: 3 }), pod("b")]);
    expect(wasHit(before, hitMark(node(), [pod("b")]))).toBeNull();
  });
});

describe("node chip", () => {
  it("says the most important state first, with a tone", () => {
    expect(nodeChip(node())).toEqual({ key: "status.ready", tone: "ok" });
    expect(nodeChip(node({ powered: false, ready: "Unknown" }))).toEqual({ key: "status.poweredOff", tone: "bad" });
    expect(nodeChip(node({ partitioned: true }))).toEqual({ key: "status.partitioned", tone: "bad" });
    expect(nodeChip(node({ ready: "Unknown", cordoned: true }))).toEqual({ key: "status.notReady", tone: "bad" });
    expect(nodeChip(node({ cordoned: true }))).toEqual({ key: "status.cordoned", tone: "warn" });
    expect(nodeChip(undefined).key).toBe("status.unknown");
  });
});

describe("events in a student's words", () => {
  it("translates kubelet and controller reasons", () => {
    expect(eventInWords({ reason: "TaintManagerEviction", object: "pod/shop-7d9-x2", message: "Marking for deletion Pod default/shop-7d9-x2" }, tr))
      .toBe("Pod shop-7d9-x2 is being moved away from your node.");
    expect(eventInWords({ reason: "NodePoweredOff", object: "node/node-amara", message: "Machine node-amara lost power" }, tr)).toBe("Your machine lost power.");
  });

  it("tells the node's NotReady from its pods' NotReady", () => {
    expect(eventInWords({ reason: "NodeNotReady", object: "node/node-amara", message: "" }, tr)).toBe("The control plane marked your node NotReady.");
    expect(eventInWords({ reason: "NodeNotReady", object: "pod/shop-a", message: "Node is not ready" }, tr)).toBe("Pod shop-a stopped receiving traffic: its node is not ready.");
  });

  it("falls back to reason and message for anything new", () => {
    expect(eventInWords({ reason: "Frobnicated", object: "pod/x", message: "it happened" }, tr)).toBe("Frobnicated: it happened");
  });
});
