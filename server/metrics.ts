/** Prometheus metrics (prom-client): one registry per server process, served on /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "container_city_process_" });
  return {
    registry,
    classes: new Gauge({ name: "container_city_classes", help: "Classes open in this process", registers: [registry] }),
    students: new Gauge({ name: "container_city_students", help: "Students connected in this process", registers: [registry] }),
    messages: new Counter({
      name: "container_city_messages_total",
      help: "Client messages by type and outcome (accepted or the reason they were refused)",
      labelNames: ["type", "outcome"] as const,
      registers: [registry],
    }),
    simStep: new Histogram({
      name: "container_city_sim_step_seconds",
      help: "Wall time of one simulation step",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25],
      registers: [registry],
    }),
    patchBytes: new Counter({ name: "container_city_patch_bytes_total", help: "Bytes of state patches encoded", registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
