/**
 * The debrief: what the class lived through, on the cluster clock. Availability, traffic and
 * errors, replicas and nodes, each with the teacher's injections drawn as labelled vertical lines,
 * so "we killed a node here, and errors rose there" can be read off the chart. The same numbers
 * are offered as a table for people who do not read charts.
 */
import {
  CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip, type ChartDataset, type Plugin,
} from "chart.js";
import type { Connection } from "../net/connection.ts";
import type { HistoryMessage } from "../../../shared/protocol/messages.ts";
import { language, onLanguageChange, t, type MessageKey } from "../i18n/index.ts";
import { h, ht, replace } from "../ui/dom.ts";
import { toast } from "../ui/feedback.ts";
import { clock, humanDuration } from "../ui/format.ts";
import { labelRows, summarize, toSeries, type Series } from "../ui/history.ts";
import { onReducedMotionChange, reducedMotion } from "../ui/prefs.ts";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

/** Okabe–Ito: distinguishable with every common colour-vision deficiency; each line also has its own dash and marker. */
const PALETTE = { blue: "#0072B2", vermillion: "#D55E00", green: "#009E73", orange: "#E69F00", purple: "#CC79A7", sky: "#56B4E9", black: "#222222" };

interface Annotation {
  t: number;
  label: string;
}

/** Vertical lines with labels at the moments the teacher injected something. */
const annotationPlugin: Plugin<"line", { items?: Annotation[] }> = {
  id: "injections",
  afterDatasetsDraw(chart, _args, options) {
    const items = options.items ?? [];
    if (!items.length) return;
    const { ctx, chartArea, scales } = chart;
    const x = scales.x;
    if (!x) return;
    ctx.save();
    ctx.font = "600 12px system-ui, sans-serif";
    const visible = items
      .map((a) => ({ a, x: x.getPixelForValue(a.t / 1000) }))
      .filter((v) => v.x >= chartArea.left && v.x <= chartArea.right);
    const rows = labelRows(visible.map((v) => ({ x: v.x + 3, width: ctx.measureText(v.a.label).width + 8 })));
    visible.forEach((v, i) => {
      ctx.strokeStyle = PALETTE.black;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      ctx.moveTo(v.x, chartArea.top);
      ctx.lineTo(v.x, chartArea.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      const y = chartArea.top + 2 + (rows[i] ?? 0) * 18;
      const w = ctx.measureText(v.a.label).width + 8;
      // Labels near the right edge open to the left so they stay inside the chart.
      const left = v.x + 3 + w > chartArea.right ? v.x - 3 - w : v.x + 3;
      ctx.fillStyle = "rgba(255,255,255,0.92)";
      ctx.fillRect(left, y, w, 16);
      ctx.strokeStyle = PALETTE.black;
      ctx.lineWidth = 1;
      ctx.strokeRect(left, y, w, 16);
      ctx.fillStyle = PALETTE.black;
      ctx.textBaseline = "middle";
      ctx.fillText(v.a.label, left + 4, y + 8);
    });
    ctx.restore();
  },
};

type LineDataset = ChartDataset<"line", { x: number; y: number }[]>;

function dataset(labelKey: MessageKey, xs: number[], ys: number[], color: string, dash: number[], pointStyle: "circle" | "triangle" | "rectRot" | "crossRot" | "rect", fill = false): LineDataset {
  const dense = xs.length > 80;
  return {
    label: t(labelKey),
    data: xs.map((x, i) => ({ x, y: ys[i] ?? 0 })),
    borderColor: color,
    backgroundColor: color,
    borderDash: dash,
    borderWidth: 2.5,
    pointStyle,
    pointRadius: dense ? 0 : 3,
    pointHoverRadius: 5,
    fill,
    stepped: false,
    tension: 0,
  };
}

interface ChartSpec {
  id: string;
  titleKey: MessageKey;
  descKey: MessageKey;
  yKey: MessageKey;
  yMax?: number;
  yMin?: number;
  build(s: Series): LineDataset[];
}

const CHARTS: ChartSpec[] = [
  {
    id: "availability",
    titleKey: "debrief.chart.availability",
    descKey: "debrief.chart.availabilityDesc",
    yKey: "debrief.axis.percent",
    yMax: 100,
    build: (s) => [dataset("debrief.series.availability", s.t, s.availabilityPct, PALETTE.blue, [], "circle")],
  },
  {
    id: "traffic",
    titleKey: "debrief.chart.traffic",
    descKey: "debrief.chart.trafficDesc",
    yKey: "debrief.axis.perSecond",
    yMin: 0,
    build: (s) => [
      dataset("debrief.series.requests", s.t, s.rps, PALETTE.blue, [], "circle"),
      dataset("debrief.series.served", s.t, s.servedPerSecond, PALETTE.green, [8, 4], "triangle"),
      dataset("debrief.series.errors", s.t, s.errorsPerSecond, PALETTE.vermillion, [2, 3], "crossRot"),
    ],
  },
  {
    id: "capacity",
    titleKey: "debrief.chart.capacity",
    descKey: "debrief.chart.capacityDesc",
    yKey: "debrief.axis.count",
    yMin: 0,
    build: (s) => [
      dataset("debrief.series.desired", s.t, s.desired, PALETTE.black, [8, 4], "rect"),
      dataset("debrief.series.ready", s.t, s.ready, PALETTE.blue, [], "circle"),
      dataset("debrief.series.readyNodes", s.t, s.readyNodes, PALETTE.orange, [2, 3], "triangle"),
      dataset("debrief.series.totalNodes", s.t, s.totalNodes, PALETTE.purple, [12, 3, 2, 3], "rectRot"),
    ],
  },
];

export interface Debrief {
  refresh(): Promise<void>;
  destroy(): void;
}

function fetchHistory(conn: Connection, timeoutMs = 10_000): Promise<HistoryMessage> {
  return new Promise((resolve, reject) => {
    let done = false;
    const off = conn.room.onMessage("history", (m: HistoryMessage) => {
      if (done) return;
      done = true;
      off();
      resolve(m);
    });
    conn.room.send("getHistory", {});
    setTimeout(() => {
      if (done) return;
      done = true;
      off();
      reject(new Error(t("debrief.timeout")));
    }, timeoutMs);
  });
}

/**
 * The link to the replay (replay.html), in a new tab the teacher can put on the projector. The
 * teacher key travels in the fragment, which no server or log ever receives; the replay page moves
 * it into that tab's sessionStorage and clears it from the address bar at once (replay-model.ts
 * takeKey says why not sessionStorage from here: a noopener tab does not inherit it).
 */
export function replayLink(keys: { code: string; teacherKey: string }): HTMLAnchorElement {
  return ht("a", "debrief.replay", {
    class: "big-button",
    href: `/replay.html?code=${encodeURIComponent(keys.code)}#key=${encodeURIComponent(keys.teacherKey)}`,
    target: "_blank",
    rel: "noopener noreferrer",
    "data-testid": "debrief-replay",
  });
}

export function mountDebrief(parent: HTMLElement, conn: Connection, keys?: { code: string; teacherKey: string }): Debrief {
  const replay = keys ? replayLink(keys) : null;
  const refreshButton = ht("button", "debrief.refresh", { type: "button", class: "big-button", "data-testid": "debrief-refresh" });
  const status = h("p", { class: "hint", role: "status" });
  const summary = h("dl", { class: "stats summary" });
  const injections = h("ol", { class: "injections" });
  const figures = CHARTS.map((spec) => {
    const canvas = h("canvas", { role: "img", "data-chart": spec.id });
    const desc = h("p", { class: "hint chart-desc" });
    const fig = h("figure", { class: "card chart-card" }, h("figcaption", {}, ht("h3", spec.titleKey), desc), h("div", { class: "chart-box" }, canvas));
    return { spec, canvas, desc, fig };
  });
  const tableBody = h("tbody");
  const tableHead = h("thead");
  const table = h(
    "details",
    { class: "card data-table" },
    ht("summary", "debrief.tableSummary"),
    h("div", { class: "table-wrap", tabindex: 0 }, h("table", { class: "kubectl" }, tableHead, tableBody)),
  );
  parent.replaceChildren(
    h(
      "section",
      { class: "debrief", "aria-labelledby": "debrief-h" },
      h("div", { class: "debrief-head" }, ht("h2", "debrief.heading", { id: "debrief-h" }), replay, refreshButton),
      ht("p", "debrief.intro", { class: "lead" }),
      replay ? ht("p", "debrief.replayHint", { class: "hint" }) : null,
      status,
      h("section", { class: "card", "aria-labelledby": "summary-h" }, ht("h3", "debrief.summaryHeading", { id: "summary-h" }), summary),
      h("div", { class: "charts" }, figures.map((f) => f.fig)),
      h("section", { class: "card", "aria-labelledby": "inj-h" }, ht("h3", "debrief.injections", { id: "inj-h" }), injections),
      table,
    ),
  );

  const charts = new Map<string, Chart<"line", { x: number; y: number }[]>>();
  let last: HistoryMessage | null = null;

  function draw(hist: HistoryMessage): void {
    const s = toSeries(hist);
    const anns: Annotation[] = hist.annotations;
    const animation = reducedMotion() ? false : { duration: 300 };
    for (const f of figures) {
      const datasets = f.spec.build(s);
      const existing = charts.get(f.spec.id);
      if (existing) existing.destroy();
      const chart = new Chart<"line", { x: number; y: number }[]>(f.canvas, {
        type: "line",
        data: { datasets },
        plugins: [annotationPlugin as unknown as Plugin<"line">],
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation,
          parsing: false,
          normalized: true,
          interaction: { mode: "nearest", axis: "x", intersect: false },
          layout: { padding: { top: 4 } },
          scales: {
            x: {
              type: "linear",
              title: { display: true, text: t("debrief.axis.time"), font: { size: 14 } },
              ticks: { callback: (v) => clock(Number(v) * 1000), font: { size: 13 }, maxTicksLimit: 10 },
              ...(s.t.length ? { min: 0, max: Math.max(5, s.t[s.t.length - 1]!) } : {}),
            },
            y: {
              title: { display: true, text: t(f.spec.yKey), font: { size: 14 } },
              ticks: { font: { size: 13 } },
              ...(f.spec.yMin !== undefined ? { min: f.spec.yMin } : {}),
              ...(f.spec.yMax !== undefined ? { max: f.spec.yMax, suggestedMin: 90 } : {}),
            },
          },
          plugins: {
            legend: { labels: { usePointStyle: true, font: { size: 14 }, padding: 16 } },
            tooltip: { callbacks: { title: (items) => (items[0] ? clock(items[0].parsed.x! * 1000) : "") } },
            // @ts-expect-error: our own plugin's options are not in Chart.js's registry of plugin option types.
            injections: { items: anns },
          },
        },
      });
      charts.set(f.spec.id, chart);
      f.canvas.setAttribute("aria-label", `${t(f.spec.titleKey)}. ${t(f.spec.descKey)}`);
      replace(f.desc, `${language()}|${f.spec.id}`, () => [t(f.spec.descKey)]);
    }

    const sum = summarize(hist);
    const items: [MessageKey, string][] = [
      ["debrief.sum.duration", humanDuration(sum.durationS * 1000, t)],
      ["debrief.sum.minAvailability", `${sum.minAvailabilityPct}%`],
      ["debrief.sum.errors", String(sum.totalErrors)],
      ["debrief.sum.peakRps", String(sum.peakRps)],
      ["debrief.sum.degraded", humanDuration(sum.degradedS * 1000, t)],
    ];
    replace(summary, JSON.stringify([language(), items]), () => items.map(([k, v]) => h("div", { class: "stat" }, h("dt", {}, t(k)), h("dd", {}, v))));
    replace(injections, JSON.stringify([language(), anns]), () =>
      anns.length === 0
        ? [ht("li", "debrief.noInjections", { class: "empty" })]
        : anns.map((a) => h("li", {}, h("time", {}, clock(a.t)), " ", h("code", {}, a.label))),
    );
    replace(tableHead, language(), () => [
      h("tr", {}, (["debrief.axis.time", "debrief.series.availability", "debrief.series.requests", "debrief.series.errors", "debrief.series.desired", "debrief.series.ready", "debrief.series.readyNodes"] as MessageKey[]).map((k) => ht("th", k, { scope: "col" }))),
    ]);
    replace(tableBody, `${hist.samples.length}|${hist.samples.at(-1)?.t}`, () =>
      s.t.map((x, i) =>
        h("tr", {}, h("th", { scope: "row" }, clock(x * 1000)), h("td", {}, `${s.availabilityPct[i]}%`), h("td", {}, String(s.rps[i])), h("td", {}, String(s.errorsPerSecond[i])), h("td", {}, String(s.desired[i])), h("td", {}, String(s.ready[i])), h("td", {}, `${s.readyNodes[i]}/${s.totalNodes[i]}`)),
      ),
    );
    status.textContent = hist.samples.length ? t("debrief.loaded", { n: hist.samples.length, time: clock(hist.samples.at(-1)!.t) }) : t("debrief.empty");
  }

  async function refresh(): Promise<void> {
    refreshButton.disabled = true;
    status.textContent = t("debrief.loading");
    try {
      last = await fetchHistory(conn);
      draw(last);
    } catch (err) {
      status.textContent = "";
      toast((err as Error).message, "bad");
    } finally {
      refreshButton.disabled = false;
    }
  }
  refreshButton.addEventListener("click", () => void refresh());
  const offLang = onLanguageChange(() => last && draw(last));
  onReducedMotionChange(() => last && draw(last));

  return {
    refresh,
    destroy() {
      offLang();
      for (const c of charts.values()) c.destroy();
      charts.clear();
    },
  };
}
