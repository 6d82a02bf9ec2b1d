/**
 * The postmortem's conclusions, derived from the figures: what went well, what went wrong, where
 * we got lucky, and what to learn. Blameless on purpose: sentences describe what the system did
 * and what a setting would have changed, never who pressed what. Incidents of one kind are
 * described together, so five killed nodes make one line with a range, not five lines.
 */
import type { Command, KubeEvent } from "../../shared/sim/index.ts";
import { count, duration, percent, plural } from "./format.ts";
import type { Incident, IncidentKind } from "./incidents.ts";
import type { ClassReport, ReportInput } from "./report.ts";

export type ActionTheme = "kubernetesDid" | "configure" | "practice";

export interface ActionItem {
  theme: ActionTheme;
  text: string;
}

export interface Findings {
  summary: string;
  wentWell: string[];
  wentWrong: string[];
  lucky: string[];
  actionItems: ActionItem[];
}

type Base = Omit<ClassReport, "findings">;

const MODE_NAMES: Record<Base["class"]["mode"], string> = {
  kubernetes: "a Kubernetes cluster",
  compose: "a fleet of Docker Compose hosts",
  bare: "machines without containers",
};

/** "50 s" or "45–55 s". */
function range(seconds: readonly number[]): string {
  if (seconds.length === 0) return "";
  const lo = Math.min(...seconds);
  const hi = Math.max(...seconds);
  if (Math.round(lo) === Math.round(hi)) return duration(lo);
  return hi < 59.5 ? `${Math.round(lo)}–${Math.round(hi)} s` : `${duration(lo)} to ${duration(hi)}`;
}

function sum(list: readonly Incident[], f: (i: Incident) => number): number {
  return list.reduce((n, i) => n + f(i), 0);
}

function names(list: readonly Incident[]): string {
  const targets = [...new Set(list.map((i) => i.target).filter((t): t is string => !!t))];
  if (targets.length === 0) return "";
  if (targets.length <= 3) return targets.join(", ");
  return `${targets.slice(0, 3).join(", ")} and ${targets.length - 3} more`;
}

function respondedWith(i: Incident, types: readonly Command["type"][]): Incident["responses"][number] | undefined {
  return i.responses.find((r) => types.includes(r.type));
}

class Collector {
  readonly wentWell: string[] = [];
  readonly wentWrong: string[] = [];
  readonly lucky: string[] = [];
  readonly actionItems: ActionItem[] = [];
  action(theme: ActionTheme, text: string): void {
    if (!this.actionItems.some((a) => a.text === text)) this.actionItems.push({ theme, text });
  }
}

/** Without an orchestrator (Compose and bare rounds) a lost machine simply takes its share down. */
function hostLoss(f: Collector, list: Incident[]): void {
  const down = list.filter((i) => i.outcome !== "noImpact");
  if (down.length) {
    f.wentWrong.push(
      `When ${names(down) ? `machine ${names(down)}` : "a machine"} went down, everything on it went down too, and nothing started it elsewhere: ` +
        "that share of the service stayed down until the machine came back.",
    );
  }
  const unharmed = list.filter((i) => i.outcome === "noImpact");
  if (unharmed.length) f.lucky.push(`${names(unharmed) ? `Machine ${names(unharmed)}` : "The lost machine"} was not serving anyone when it went down.`);
  f.action("practice", "Compare with the Kubernetes round: there, the same lost machine is noticed in about 50 s and its pods are recreated elsewhere.");
}

function nodeLoss(f: Collector, list: Incident[], base: Base): void {
  if (list.length === 0) return;
  if (base.class.mode !== "kubernetes") return hostLoss(f, list);
  const one = list.length === 1;
  const detected = list.filter((i) => i.detectSeconds !== null && i.detectedBy?.startsWith("NodeNotReady"));
  if (detected.length) {
    f.wentWell.push(
      `The control plane noticed ${one ? "the lost node" : "each lost node"} by itself: ${one ? "it was" : "they were"} marked NotReady ` +
        `${range(detected.map((i) => i.detectSeconds!))} after going silent (the node-monitor grace period is 50 s, checked every 5 s), and ${one ? "its" : "their"} pods were taken out of the Service.`,
    );
  }
  const healed = list.filter((i) => i.selfHealed);
  if (healed.length) {
    f.wentWell.push(
      `Nobody had to step in: the lost pods were recreated on healthy nodes and the service was back at full strength ` +
        `${range(healed.map((i) => i.recoverSeconds!))} after the failure.`,
    );
  }
  const blind = sum(list, (i) => i.impact.errorsBeforeDetection);
  if (blind > 0) {
    f.wentWrong.push(
      `Until the node was marked NotReady, the Service kept sending requests to its pods, because the API still listed them as ready: ` +
        `${plural(blind, "request")} failed in that blind window.`,
    );
  }
  const slow = list.filter((i) => (i.recoverSeconds ?? 0) > 300);
  if (slow.length) {
    f.wentWrong.push(
      `Getting back to full strength took ${range(slow.map((i) => i.recoverSeconds!))}: by default Kubernetes waits 300 s ` +
        `(the not-ready/unreachable toleration) before evicting pods from a node that might come back.`,
    );
  }
  const ongoing = list.filter((i) => i.outcome === "ongoing");
  if (ongoing.length) f.wentWrong.push(`After losing ${names(ongoing) || "a node"}, the service was still below strength when the run ended.`);
  if (list.some((i) => (i.signals.EvictionsPaused ?? 0) > 0)) {
    f.wentWrong.push(
      "So many nodes were down at once that the control plane stopped evicting pods: when most of a small cluster disappears, it suspects its own network and waits.",
    );
  }
  const partitions = list.filter((i) => i.kind === "networkPartition" && i.firstEvictionMs !== null);
  if (partitions.length) {
    f.wentWrong.push(
      `While ${names(partitions) || "the node"} was cut off, its containers kept running unseen and replacements started elsewhere: for a while the app ran twice (a split brain). ` +
        "Harmless for a stateless shop, dangerous for anything that writes data.",
    );
    f.action("configure", "Anything that writes data needs fencing or leader election: a cut-off node does not stop its containers.");
  }
  const unharmed = list.filter((i) => i.outcome === "noImpact");
  if (unharmed.length) {
    f.lucky.push(`${names(unharmed) ? `Node ${names(unharmed)}` : "The lost node"} carried too little of the service to matter when it failed, so users noticed nothing.`);
  }
  const backInTime = list.filter((i) => i.causeEndedAtMs !== null && (i.firstEvictionMs === null || i.causeEndedAtMs < i.firstEvictionMs));
  if (backInTime.length) f.lucky.push(`${names(backInTime) ? `Node ${names(backInTime)}` : "The lost node"} came back before its pods were evicted, so nothing had to move.`);
  f.action("kubernetesDid", "The node lifecycle controller and the ReplicaSet replaced lost capacity without anyone being paged.");
  const defaultToleration = (base.config?.deployments ?? []).some((d) => d.tolerationSeconds >= 300);
  if (slow.length || defaultToleration) {
    f.action(
      "configure",
      "For stateless apps, set a shorter toleration for node.kubernetes.io/unreachable and not-ready (say 30–60 s) so pods move sooner; the 300 s default suits apps that are costly to move.",
    );
  }
  f.action("configure", "Spread replicas across nodes (topologySpreadConstraints) and run enough of them that losing one node costs little capacity.");
}

function crashes(f: Collector, list: Incident[]): void {
  if (list.length === 0) return;
  f.wentWell.push(`The kubelet restarted ${list.length === 1 ? "the crashed container" : "each crashed container"} at once (restartPolicy: Always).`);
  if (list.some((i) => (i.signals.BackOff ?? 0) > 0)) {
    f.wentWrong.push("Repeated crashes put containers into CrashLoopBackOff: each restart waits longer (10 s, 20 s, 40 s… up to 5 minutes).");
  }
  if (list.every((i) => i.outcome === "noImpact")) f.lucky.push("The other replicas absorbed the traffic while the crashed container came back.");
  f.action("configure", "A readiness probe keeps traffic off a restarting container; CrashLoopBackOff is a cue to read the logs (kubectl logs --previous), not to wait.");
}

function hangs(f: Collector, list: Incident[], base: Base): void {
  if (list.length === 0) return;
  const probed = list.filter((i) => i.detectedBy === "Unhealthy event" && i.detectSeconds !== null);
  if (probed.length) f.wentWell.push(`Probes found the hung container ${range(probed.map((i) => i.detectSeconds!))} after it stopped answering, and the kubelet restarted it.`);
  const blind = sum(list, (i) => i.impact.errorsBeforeDetection);
  if (blind > 0) f.wentWrong.push(`Until the third failed probe, a hung pod still got its share of traffic: ${plural(blind, "request")} failed.`);
  if ((base.config?.deployments ?? []).some((d) => !d.livenessProbe)) f.wentWrong.push("With the liveness probe turned off, nothing restarts a hung container.");
  f.action("configure", "Probe timing trades speed for false alarms: periodSeconds × failureThreshold (10 s × 3 by default) is how long a hang can go unnoticed.");
}

function badRollouts(f: Collector, list: Incident[], base: Base, target: number): void {
  if (list.length === 0) return;
  if (list.some((i) => i.impact.minAvailability >= target)) {
    f.wentWell.push("The rolling update kept the old pods serving: it never takes more than maxUnavailable old pods down, and the new ones never became ready.");
  }
  const undone = list.map((i) => ({ i, r: respondedWith(i, ["rolloutUndo", "deploy"]) })).filter((x) => x.r);
  if (undone.length) f.wentWell.push(`The bad version was rolled back or replaced ${range(undone.map((x) => (x.r!.atMs - x.i.injectedAtMs) / 1000))} after it went out.`);
  if (list.some((i) => (i.signals.ProgressDeadlineExceeded ?? 0) > 0)) {
    f.wentWrong.push("A rollout stalled and Kubernetes reported ProgressDeadlineExceeded, but it never rolls back by itself: someone has to.");
  }
  const left = list.filter((i) => i.causeEndedAtMs === null);
  if (left.length) f.wentWrong.push(`The bad version ${names(left)} was still deployed when the run ended.`);
  const errors = sum(list, (i) => i.impact.errors);
  if (errors > 0) f.wentWrong.push(`${plural(errors, "request")} failed while a bad version was out.`);
  if ((base.config?.deployments ?? []).some((d) => !d.readinessProbe)) f.wentWrong.push("Without a readiness probe, pods of a bad version receive traffic as soon as they start.");
  f.action("kubernetesDid", "maxSurge and maxUnavailable limited how much of the service a bad version could take down.");
  f.action("configure", "Make readiness probes check real health, and let the deploy pipeline watch the rollout (kubectl rollout status) and undo it on failure; minReadySeconds gives a crash time to show.");
}

function spikes(f: Collector, list: Incident[], base: Base): void {
  if (list.length === 0) return;
  const rescales = sum(list, (i) => i.signals.SuccessfulRescale ?? 0);
  if (rescales > 0) f.wentWell.push(`The HorizontalPodAutoscaler added pods as CPU rose (${plural(rescales, "resize")}).`);
  const errors = sum(list, (i) => i.impact.errors);
  if (errors > 0) f.wentWrong.push(`Demand outran capacity: ${plural(errors, "request")} timed out or were refused during the spike.`);
  const hpas = base.config?.hpas ?? [];
  if (errors > 0 && hpas.length === 0 && rescales === 0) f.wentWrong.push("No autoscaler was set, so the replica count stayed fixed while demand grew.");
  if (list.some((i) => (i.signals.FailedScheduling ?? 0) > 0)) f.wentWrong.push("Some new pods could not be placed: the cluster ran out of room (FailedScheduling).");
  if (hpas.some((h) => h.reachedMax)) f.wentWrong.push("The autoscaler reached its maxReplicas ceiling.");
  if (list.every((i) => i.outcome === "noImpact") && rescales === 0) f.lucky.push("The spike fit in the spare capacity the service already had.");
  f.action(
    "configure",
    "Give the autoscaler room (maxReplicas) and headroom (a target utilisation around 60–70%), and set requests to real usage so its arithmetic holds; the new pods also need free nodes.",
  );
}

function registry(f: Collector, list: Incident[], base: Base): void {
  if (list.length === 0) return;
  const failedPulls = sum(list, (i) => i.signals.Failed ?? 0);
  if (failedPulls === 0) {
    f.lucky.push("The registry was down, but no node needed to download an image (the layers were cached and IfNotPresent skipped the registry), so nobody noticed.");
  } else {
    f.wentWrong.push(`Pods that needed an image during the outage were stuck in ErrImagePull / ImagePullBackOff (${plural(failedPulls, "failed pull")}).`);
  }
  if ((base.config?.deployments ?? []).some((d) => d.pullPolicy === "Always")) f.wentWrong.push("Pull policy Always made every pod start depend on the registry.");
  f.action("configure", "Keep images close: IfNotPresent with pinned tags, images pre-pulled on nodes, or a registry mirror; pullPolicy Always turns a registry outage into a deployment outage.");
}

function memory(f: Collector, list: Incident[]): void {
  if (list.length === 0) return;
  const killed = sum(list, (i) => (i.signals.OOMKilling ?? 0) + (i.signals.Evicted ?? 0));
  if (killed > 0) f.wentWell.push("The kubelet stepped in before the machine fell over: it stopped the container or pod using too much memory.");
  f.action("configure", "Set memory limits close to real usage so a leak is stopped early, and watch restart counts: a container OOMKilled again and again is leaking.");
}

function slowNodes(f: Collector, list: Incident[]): void {
  if (list.length === 0) return;
  if (sum(list, (i) => i.impact.errors) > 0) {
    f.wentWrong.push("A slow node kept receiving its share of traffic: kube-proxy spreads requests at random and does not know that one machine is slower.");
  } else {
    f.lucky.push("A node slowed down, but its pods still kept up with the traffic they got.");
  }
  f.action("configure", "Readiness probes with a timeout, or cordoning a slow machine and moving its pods, keep one slow node from dragging the service down.");
}

function compose(f: Collector, list: Incident[]): void {
  if (list.length === 0) return;
  f.wentWrong.push("Docker Compose restarts containers on the same machine but never moves them: when a host is in trouble, its part of the service is gone.");
  if (list.some((i) => i.kind === "composeHang")) f.wentWrong.push("A hung container is only reported unhealthy: Compose does not restart it.");
  f.action("practice", "This is the gap an orchestrator fills: compare with the Kubernetes round, where controllers handle the same failures.");
}

function summary(base: Base): string {
  const c = base.class;
  const s = base.slo;
  const who = c.students > 0 ? `${plural(c.students, "student")} ran` : "the class ran";
  const lesson = c.lessonId ? ` for the lesson "${c.lessonId}"` : "";
  const parts = [`Over ${duration(c.durationMs / 1000)} of cluster time, ${who} ${MODE_NAMES[c.mode]}${lesson}.`];
  const n = base.incidents.length;
  if (n === 0) parts.push("No failures were injected.");
  else if (n <= 3) parts.push(`${plural(n, "failure")} ${n === 1 ? "was" : "were"} injected: ${base.incidents.map((i) => i.title.charAt(0).toLowerCase() + i.title.slice(1)).join("; ")}.`);
  else parts.push(`${plural(n, "failure")} were injected, the first at ${Math.floor(base.incidents[0]!.injectedAtMs / 60000)} min.`);
  if (s.requests > 0) {
    parts.push(
      `Users got an answer to ${percent(s.availability)} of ${count(s.requests)} requests against a ${percent(s.target, 0)} objective, ` +
        `${s.met ? "using" : "spending"} ${percent(s.budgetUsed, 0)} of the error budget.`,
    );
  }
  if (c.disconnections > 0) {
    const times = c.disconnections === 1 ? "once" : `${count(c.disconnections)} times`;
    parts.push(`Students' connections dropped ${times}; to the cluster, each drop looks like a node cut off from the network.`);
  }
  return parts.join(" ");
}

export function findings(base: Base, input: Pick<ReportInput, "events" | "commands">): Findings {
  const f = new Collector();
  const s = base.slo;
  const by = (...kinds: IncidentKind[]) => base.incidents.filter((i) => kinds.includes(i.kind));

  if (s.requests > 0 && s.met) f.wentWell.push(`We kept our promise: ${percent(s.availability)} of requests were answered, above the ${percent(s.target, 0)} objective.`);
  if (s.requests > 0 && !s.met) {
    f.wentWrong.push(`We missed our objective: ${percent(s.availability)} of requests were answered against ${percent(s.target, 0)}, spending ${percent(s.budgetUsed, 0)} of the error budget.`);
  }
  if (s.met && s.budgetUsed > 0.5) f.lucky.push(`We stayed within the objective but used ${percent(s.budgetUsed, 0)} of the error budget: one more incident could have broken it.`);
  if (s.warmupErrors > 0 && s.errors > 0 && s.warmupErrors / s.errors >= 0.5 && s.warmupMs !== null) {
    f.wentWrong.push(
      `Most failed requests (${percent(s.warmupErrors / s.errors, 0)}) came in the first ${duration(s.warmupMs / 1000)}, while the first pods were still downloading their image and starting: traffic arrived before the service was ready.`,
    );
    f.action("configure", "Send traffic only once a rollout is ready (kubectl rollout status), or pre-pull images so the first start is quick.");
  }

  nodeLoss(f, by("nodePowerOff", "networkPartition"), base);
  crashes(f, by("containerCrash"));
  hangs(f, by("containerHang"), base);
  badRollouts(f, by("badRollout"), base, s.target);
  spikes(f, by("trafficSpike"), base);
  registry(f, by("registryOutage"), base);
  memory(f, by("memoryLeak", "memoryPressure"));
  slowNodes(f, by("slowNode"));
  const deleted = by("podDeleted");
  if (deleted.length) f.wentWell.push(`The ReplicaSet created a replacement as soon as ${deleted.length === 1 ? "the pod was" : "each pod was"} deleted.`);
  compose(f, by("composeCrash", "composeHang", "composeStop"));

  const blocked = input.events.filter((e: KubeEvent) => e.reason === "EvictionBlocked").reduce((n, e) => n + e.count, 0);
  if (blocked > 0) f.wentWell.push(`A PodDisruptionBudget held back ${plural(blocked, "eviction")} that would have left too few pods running.`);
  const drained = input.commands.some((e) => e.command.type === "drain");
  if (drained && (base.config?.pdbs.length ?? 0) === 0 && base.class.mode === "kubernetes") {
    f.action("configure", "Add a PodDisruptionBudget, so a drain (a student leaving, a node upgrade) cannot take too many replicas at once.");
  }
  const overlapping = base.incidents.filter((i) => i.overlapsWith.length > 0);
  if (overlapping.length) {
    f.wentWrong.push(`Some incidents overlapped (${overlapping.map((i) => `#${i.id}`).join(", ")}): several failures at once make each one harder to read, and their figures share the same samples.`);
  }
  const hurt = base.incidents.filter((i) => i.outcome !== "noImpact");
  if (hurt.length > 1 && hurt.every((i) => i.selfHealed)) f.action("kubernetesDid", "Every incident that hurt the service was repaired by the controllers before anyone acted.");

  const answers = base.predictions.reduce((n, q) => n + q.answered, 0);
  if (answers > 0) {
    const right = base.predictions.reduce((n, q) => n + q.correct, 0) / answers;
    if (right >= 0.7) f.wentWell.push(`Predictions were mostly right (${percent(right, 0)} of ${plural(answers, "answer")}): the class had a good model of what Kubernetes would do.`);
    else f.action("practice", `Predictions were right ${percent(right, 0)} of the time: the timers (50 s to notice a node, 300 s to evict its pods) are the usual surprise, and worth another look.`);
  }
  if (base.incidents.length === 0) f.action("practice", "No failure was injected in this run: next time, power off a node and predict when its pods come back.");

  if (f.wentWell.length === 0) f.wentWell.push("Nothing stood out in the records.");
  if (f.wentWrong.length === 0) f.wentWrong.push("Nothing went wrong that the records show.");
  if (f.lucky.length === 0) f.lucky.push("Nothing in the records suggests we got lucky.");
  return { summary: summary(base), wentWell: f.wentWell, wentWrong: f.wentWrong, lucky: f.lucky, actionItems: f.actionItems };
}
