/** Times, codes, join errors and the debrief's series: the small formatting every page relies on. */
import { describe, expect, it } from "vitest";
import { en } from "../../client/src/i18n/en.ts";
import { vi } from "../../client/src/i18n/vi.ts";
import { clock, humanDuration, joinErrorKey, kubectlAge, percent, translator } from "../../client/src/ui/format.ts";
import { labelRows, summarize, toSeries } from "../../client/src/ui/history.ts";
import { normalizeClassCode } from "../../shared/protocol/class-code.ts";

describe("times", () => {
  it("clock shows the cluster time as m:ss or h:mm:ss", () => {
    expect(clock(0)).toBe("0:00");
    expect(clock(59_999)).toBe("0:59");
    expect(clock(300_000)).toBe("5:00");
    expect(clock(3_723_000)).toBe("1:02:03");
    expect(clock(-5)).toBe("0:00");
  });

  it("humanDuration reads aloud in either language", () => {
    const t = translator(en);
    expect(humanDuration(50_000, t)).toBe("50 s");
    expect(humanDuration(250_000, t)).toBe("4 min 10 s");
    expect(humanDuration(300_000, t)).toBe("5 min");
    expect(humanDuration(7_500_000, t)).toBe("2 h 5 min");
    expect(humanDuration(2_400, t)).toBe("2 s");
    expect(humanDuration(250_000, translator(vi))).toBe("4 phút 10 giây");
  });

  it("kubectlAge matches kubectl's HumanDuration", () => {
    expect(kubectlAge(45_000)).toBe("45s");
    expect(kubectlAge(119_000)).toBe("119s");
    expect(kubectlAge(200_000)).toBe("3m20s");
    expect(kubectlAge(300_000)).toBe("5m");
    expect(kubectlAge(45 * 60_000)).toBe("45m");
    expect(kubectlAge(5 * 3600_000 + 7 * 60_000)).toBe("5h7m");
    expect(kubectlAge(20 * 3600_000)).toBe("20h");
    expect(kubectlAge(72 * 3600_000)).toBe("3d");
  });

  it("percent", () => {
    expect(percent(0.99123, 2)).toBe("99.12%");
    expect(percent(NaN)).toBe("–");
  });
});

describe("class codes typed by hand", () => {
  // The landing page uses the server's own rules (shared/protocol/class-code.ts).
  it("forgives case, spaces, dashes, full-width digits and look-alikes; refuses wrong lengths and symbols", () => {
    const cases: [string, string | null][] = [
      ["4k7qxm", "4K7QXM"], [" 4K7-QXM ", "4K7QXM"], ["４Ｋ７ＱＸＭ", "4K7QXM"], ["oilzsg", "011256"], ["O1LZSG", "011256"],
      ["ABCDEF", "A8CDEF"], ["b u v 123", "8VV123"], ["4K7QX", null], ["4K7QXMM", null], ["HELLO!", null],
    ];
    for (const [typed, want] of cases) expect(normalizeClassCode(typed), typed).toBe(want);
  });
});

describe("join errors", () => {
  const err = (code: number, message: string) => Object.assign(new Error(message), { code });
  it("maps the server's refusals to messages a student understands", () => {
    expect(joinErrorKey(err(423, "locked")).key).toBe("join.error.locked");
    expect(joinErrorKey(err(429, "full")).key).toBe("join.error.full");
    expect(joinErrorKey(err(403, "removed")).key).toBe("join.error.kicked");
    expect(joinErrorKey(err(410, "ended")).key).toBe("join.error.ended");
    expect(joinErrorKey(err(522, 'room "ABCDEF" not found')).key).toBe("join.error.notFound");
    expect(joinErrorKey(err(522, 'room "ABCDEF" is locked')).key).toBe("join.error.full");
    expect(joinErrorKey(new TypeError("Failed to fetch")).key).toBe("join.error.network");
  });

  it("keeps the server's reason for a refused nickname", () => {
    expect(joinErrorKey(err(422, "That nickname is not allowed."))).toEqual({ key: "join.error.nickname", detail: "That nickname is not allowed." });
  });
});

describe("debrief series", () => {
  const sample = (t: number, over: Record<string, number> = {}) => ({
    t, rps: 30, served: 150, errors: 0, p95Ms: 20, availability: 1, desiredReplicas: 6, readyReplicas: 6, readyNodes: 3, totalNodes: 3, ...over,
  });

  it("turns 5-second window totals into per-second rates", () => {
    const s = toSeries({ samples: [sample(5000), sample(10_000, { served: 100, errors: 50, availability: 0.6667 })] });
    expect(s.t).toEqual([5, 10]);
    expect(s.servedPerSecond).toEqual([30, 20]);
    expect(s.errorsPerSecond).toEqual([0, 10]);
    expect(s.availabilityPct).toEqual([100, 66.67]);
  });

  it("summarizes the worst moment and the time spent degraded", () => {
    const sum = summarize({ samples: [sample(5000), sample(10_000, { availability: 0.9, errors: 15, readyReplicas: 4 }), sample(15_000, { readyReplicas: 5 }), sample(20_000)] });
    expect(sum).toEqual({ durationS: 20, minAvailabilityPct: 90, totalErrors: 15, peakRps: 30, degradedS: 10 });
  });

  it("stacks annotation labels so that neighbours do not overlap", () => {
    expect(labelRows([{ x: 0, width: 50 }, { x: 100, width: 50 }])).toEqual([0, 0]);
    expect(labelRows([{ x: 0, width: 80 }, { x: 40, width: 80 }, { x: 60, width: 10 }, { x: 130, width: 10 }])).toEqual([0, 1, 2, 0]);
    // Out of order input keeps its order in the answer.
    expect(labelRows([{ x: 40, width: 80 }, { x: 0, width: 80 }])).toEqual([1, 0]);
  });
});
