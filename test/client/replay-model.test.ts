/** The replay page's DOM-free decisions: the key, the sentence a room reads, the steps. */
import { sloTotals } from "../../shared/game/score.ts";
import { describe, expect, it } from "vitest";
import { buildingsSentence, currentMarker, keyStorageName, snapshotAt, stepMsFor, takeKey } from "../../client/src/pages/replay-model.ts";
import { ReplayPlayer, type Marker } from "../../shared/replay/index.ts";
import type { ReplayData } from "../../shared/protocol/replay.ts";
import { LiveSim } from "../store/helpers.ts";

function memoryStorage(): Storage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
    clear: () => items.clear(),
    key: () => null,
    get length() {
      return items.size;
    },
  };
}

describe("takeKey", () => {
  it("takes the teacher or display key from the fragment and keeps it for a reload of this tab", () => {
    const store = memoryStorage();
    expect(takeKey("#key=abc", "AAAAAA", store)).toEqual({ header: "x-teacher-key", value: "abc" });
    expect(takeKey("", "AAAAAA", store)).toEqual({ header: "x-teacher-key", value: "abc" });
    expect(takeKey("#display=xyz&lang=vi", "BBBBBB", store)).toEqual({ header: "x-display-key", value: "xyz" });
    expect(store.items.has(keyStorageName("BBBBBB"))).toBe(true);
    // Each class its own key; none stored, none given: no key.
    expect(takeKey("", "CCCCCC", store)).toBeNull();
    expect(takeKey("#lang=en", "CCCCCC", undefined)).toBeNull();
  });

  it("ignores damaged or foreign entries", () => {
    const store = memoryStorage();
    store.setItem(keyStorageName("AAAAAA"), "{not json");
    expect(takeKey("", "AAAAAA", store)).toBeNull();
    store.setItem(keyStorageName("AAAAAA"), JSON.stringify({ header: "authorization", value: "k" }));
    expect(takeKey("", "AAAAAA", store)).toBeNull();
  });
});

describe("what the page says about a moment", () => {
  const l = new LiveSim(8).nodes(3).must({ type: "deploy", app: "shop", version: "v1", replicas: 6, baselineRps: 20 });
  l.advance(30_000);
  l.must({ type: "killNode", node: "node-2" });
  l.advance(1000);
  l.must({ type: "partitionNode", node: "node-3" });
  l.advance(60_000);
  const data: ReplayData = {
    format: 1, code: "AAAAAA", mode: "kubernetes", seed: 8, run: 1, lessonId: null, compression: 20, createdAt: 0, endedAt: 1,
    endMs: l.sim.timeMs, finalHash: null, sloBaseline: { requests: 0, errors: 0 },
    students: [{ id: "s1", name: "Amara", nodeName: "node-1" }, { id: "s2", name: "Bao", nodeName: "node-2" }],
    commands: l.log,
  };
  const player = new ReplayPlayer(data);
  const owners = new Map(data.students.map((s) => [s.nodeName, { id: s.id, name: s.name }]));

  it("names the buildings in trouble by student, with the city's words for why", () => {
    expect(buildingsSentence(snapshotAt(player, data, owners, 20_000), "en")).toBe("all 3 buildings working.");
    const after = snapshotAt(player, data, owners, 31_000);
    expect(after.nodes["node-2"]!.student).toBe("Bao");
    expect(buildingsSentence(after, "en")).toBe("1 of 3 buildings working. In trouble: Bao (Powered off), node-3 (Network cut).");
    expect(buildingsSentence(after, "vi")).toContain("Bao (");
    expect(buildingsSentence(after, "vi")).not.toContain("In trouble");
  });

  it("shows the SLO from the baseline once the class had started", () => {
    // What the SLO counts: the totals but for requests sent before the app first served.
    const counted = sloTotals(player.seek(data.endMs).totals);
    const late = { ...data, sloBaseline: { requests: 1e12, errors: 0 } };
    expect(snapshotAt(player, late, owners, data.endMs).requests).toBe(counted.requests);
    const started = { ...data, sloBaseline: { requests: 10, errors: 4 } };
    expect(snapshotAt(player, started, owners, data.endMs).errors).toBe(counted.errors - 4);
  });

  it("knows which incident's aftermath is on screen", () => {
    const [kill, cut] = player.markers as Marker[];
    expect(currentMarker(player.markers, kill!.atMs - 1)).toBeNull();
    expect(currentMarker(player.markers, kill!.atMs)).toBe(kill);
    expect(currentMarker(player.markers, cut!.atMs + 5000)).toBe(cut);
  });
});

describe("stepMsFor", () => {
  it("steps 10 s in a short class, 30 s up to an hour, a minute beyond", () => {
    expect(stepMsFor(5 * 60_000)).toBe(10_000);
    expect(stepMsFor(45 * 60_000)).toBe(30_000);
    expect(stepMsFor(5 * 3600_000)).toBe(60_000);
  });
});
