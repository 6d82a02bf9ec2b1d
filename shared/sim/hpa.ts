/**
 * HorizontalPodAutoscaler (autoscaling/v2, CPU utilization), every 15 s:
 * desired = ceil(current x utilization / target), skipped within the 0.1 tolerance; pods that are
 * not ready are counted conservatively; scale-up is limited to max(4 pods, 100%) per 15 s;
 * scale-down takes the highest recommendation of the last 300 s (stabilization window).
 */
import { K8S } from "./defaults.ts";
import { isActive, markDeployment, record, schedule } from "./core.ts";
import { replicaSetsFor } from "./workloads.ts";
import type { ClusterState, HpaState, PodState } from "./types.ts";

/** The metric-based recommendation (replica_calculator.go GetResourceReplicas, simplified to one metric). */
export function recommend(pods: PodState[], current: number, targetUtilization: number): { replicas: number; utilization: number | null } {
  let readySum = 0;
  let readyCount = 0;
  let unready = 0;
  for (const p of pods) {
    if (p.ready && p.running) {
      readySum += (p.cpuMilli / p.template.requests.cpuMilli) * 100;
      readyCount++;
    } else unready++;
  }
  if (readyCount === 0) return { replicas: current, utilization: null };
  const utilization = readySum / readyCount;
  const ratio = utilization / targetUtilization;
  if (unready === 0) {
    if (Math.abs(ratio - 1) <= K8S.hpaTolerance) return { replicas: current, utilization };
    return { replicas: Math.ceil(ratio * readyCount), utilization };
  }
  // Not-ready pods: assume 0% when scaling up and 100% of target when scaling down, then re-check direction.
  const assumed = ratio > 1 ? 0 : targetUtilization;
  const newRatio = (readySum + assumed * unready) / ((readyCount + unready) * targetUtilization);
  if (Math.abs(newRatio - 1) <= K8S.hpaTolerance || (ratio > 1) !== (newRatio > 1)) return { replicas: current, utilization };
  return { replicas: Math.ceil(newRatio * (readyCount + unready)), utilization };
}

function podsOf(s: ClusterState, deployment: string): PodState[] {
  const out: PodState[] = [];
  for (const rs of replicaSetsFor(s, deployment)) {
    for (const name of rs.podIds) {
      const p = s.pods[name]!;
      if (isActive(p)) out.push(p);
    }
  }
  return out;
}

function syncOne(s: ClusterState, hpa: HpaState): void {
  const dep = s.deployments[hpa.target];
  if (!dep || dep.replicas === 0) return;
  const current = dep.replicas;
  const rec = recommend(podsOf(s, dep.name), current, hpa.targetCpuUtilization);
  hpa.currentUtilization = rec.utilization === null ? null : Math.round(rec.utilization);
  const now = s.timeMs;
  const windowMs = K8S.hpaDownscaleStabilizationSeconds * 1000;
  hpa.recommendations.push({ atMs: now, replicas: rec.replicas });
  hpa.recommendations = hpa.recommendations.filter((r) => now - r.atMs <= windowMs);
  let desired = rec.replicas;
  if (desired < current) {
    // Scale-down stabilization: never go below the highest recommendation of the last 5 minutes.
    desired = Math.min(current, Math.max(...hpa.recommendations.map((r) => r.replicas)));
  }
  const periodMs = K8S.hpaPolicyPeriodSeconds * 1000;
  hpa.scaleEvents = hpa.scaleEvents.filter((e) => now - e.atMs < periodMs);
  if (desired > current) {
    const addedInPeriod = hpa.scaleEvents.reduce((n, e) => n + Math.max(0, e.to - e.from), 0);
    const periodStart = current - addedInPeriod;
    const limit = Math.max(periodStart + K8S.hpaScaleUpPods, Math.ceil(periodStart * (1 + K8S.hpaScaleUpPercent / 100)));
    desired = Math.min(desired, limit);
  } else if (desired < current) {
    const removedInPeriod = hpa.scaleEvents.reduce((n, e) => n + Math.max(0, e.from - e.to), 0);
    const periodStart = current + removedInPeriod;
    const limit = Math.floor(periodStart * (1 - K8S.hpaScaleDownPercent / 100));
    desired = Math.max(desired, limit);
  }
  desired = Math.max(hpa.minReplicas, Math.min(hpa.maxReplicas, desired));
  hpa.desiredReplicas = desired;
  if (desired === current) return;
  const direction = desired > current ? "above" : "below";
  record(s, "Normal", "SuccessfulRescale", `horizontalpodautoscaler/${hpa.name}`,
    `New size: ${desired}; reason: cpu resource utilization (percentage of request) ${direction} target`);
  hpa.scaleEvents.push({ atMs: now, from: current, to: desired });
  hpa.lastScaleMs = now;
  dep.replicas = desired;
  markDeployment(s, dep.name);
}

export function hpaSync(s: ClusterState): void {
  for (const name in s.hpas) syncOne(s, s.hpas[name]!);
  schedule(s, s.timeMs + K8S.hpaSyncPeriodSeconds * 1000, "hpaSync");
}
