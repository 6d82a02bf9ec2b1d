/**
 * The teacher's control panel turns form values into simulation commands here. The server checks
 * every command again (zod, then the world); this only catches what a form can get wrong before a
 * round trip, in words a teacher understands. Pure, so each button's command is tested.
 */
import type { Command } from "../../../shared/sim/command-schema.ts";
import type { MessageKey } from "../i18n/en.ts";
import { ACTION_PHASES, type ClassAction } from "../../../shared/protocol/messages.ts";

export type CommandKind =
  | "killNode" | "partitionNode" | "restoreNode" | "slowNode" | "memoryPressureOn" | "memoryPressureOff"
  | "cordon" | "uncordon" | "drain"
  | "crashExit" | "crashHang" | "leakMemory" | "deletePod"
  | "registryOn" | "registryOff" | "trafficSpike"
  | "deploy" | "scale" | "setHpa" | "removeHpa" | "rolloutUndo"
  | "composeCrash" | "composeHang" | "composeStop" | "composeRestart"
  | "shipBare" | "shipImage";

/** Form values by field name; "" in a target select means "let the simulation pick". */
export type FormValues = Readonly<Record<string, string | undefined>>;

export type Built = { ok: true; command: Command } | { ok: false; error: MessageKey };

/** Pod targets are "app:<name>" for every pod of an app, or a pod name. */
export const APP_PREFIX = "app:";

function int(v: string | undefined, min: number, max: number): number | null {
  if (v === undefined || v.trim() === "") return null;
  const n = Number(v);
  return Number.isInteger(n) && n >= min && n <= max ? n : null;
}

function real(v: string | undefined, min: number, max: number): number | null {
  if (v === undefined || v.trim() === "") return null;
  const n = Number(v);
  return Number.isFinite(n) && n >= min && n <= max ? n : null;
}

function podTarget(v: string | undefined): { pod?: string; app?: string } {
  if (!v) return {};
  return v.startsWith(APP_PREFIX) ? { app: v.slice(APP_PREFIX.length) } : { pod: v };
}

/** "python=3.12, node 20" → { python: "3.12", node: "20" }. */
export function parseNeeds(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const part of text.split(/[,;\n]+/)) {
    const p = part.trim();
    if (!p) continue;
    const m = /^([A-Za-z][\w.-]{0,31})\s*[=: ]\s*([\w.-]{1,16})$/.exec(p);
    if (!m) return null;
    out[m[1]!.toLowerCase()] = m[2]!;
  }
  return Object.keys(out).length ? out : null;
}

export function buildCommand(kind: CommandKind, v: FormValues): Built {
  const node = v.node || undefined;
  const ok = (command: Command): Built => ({ ok: true, command });
  const needNode = (make: (node: string) => Command): Built => (node ? ok(make(node)) : { ok: false, error: "cmd.needNode" });
  switch (kind) {
    case "killNode":
      return ok(node ? { type: "killNode", node } : { type: "killNode" });
    case "partitionNode":
      return ok(node ? { type: "partitionNode", node } : { type: "partitionNode" });
    case "restoreNode":
      return needNode((n) => ({ type: "restoreNode", node: n }));
    case "slowNode": {
      const pct = int(v.slowPercent, 5, 100);
      if (pct === null) return { ok: false, error: "cmd.badSlow" };
      return needNode((n) => ({ type: "slowNode", node: n, factor: pct / 100 }));
    }
    case "memoryPressureOn":
    case "memoryPressureOff":
      return needNode((n) => ({ type: "memoryPressure", node: n, on: kind === "memoryPressureOn" }));
    case "cordon":
    case "uncordon":
    case "drain":
      return needNode((n) => ({ type: kind, node: n }));
    case "crashExit":
    case "crashHang":
      return ok({ type: "crashContainer", ...podTarget(v.pod), how: kind === "crashExit" ? "exit" : "hang" });
    case "leakMemory": {
      const rate = real(v.leakRate, 0.1, 1024);
      if (rate === null) return { ok: false, error: "cmd.badLeak" };
      return ok({ type: "leakMemory", ...podTarget(v.pod), mibPerSecond: rate });
    }
    case "deletePod":
      if (!v.pod || v.pod.startsWith(APP_PREFIX)) return { ok: false, error: "cmd.needPod" };
      return ok({ type: "deletePod", pod: v.pod });
    case "registryOn":
    case "registryOff":
      return ok({ type: "registryOutage", on: kind === "registryOn" });
    case "trafficSpike": {
      const multiplier = real(v.multiplier, 1, 100);
      const rampSeconds = int(v.rampSeconds, 0, 3600);
      const durationSeconds = int(v.durationSeconds, 1, 86_400);
      if (!v.service) return { ok: false, error: "cmd.needService" };
      if (multiplier === null || rampSeconds === null || durationSeconds === null) return { ok: false, error: "cmd.badSpike" };
      return ok({ type: "trafficSpike", service: v.service, multiplier, rampSeconds, durationSeconds });
    }
    case "deploy": {
      const app = (v.app ?? "").trim();
      const version = (v.version ?? "").trim();
      const replicas = int(v.replicas, 0, 100_000);
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(app)) return { ok: false, error: "cmd.badApp" };
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(version)) return { ok: false, error: "cmd.badVersion" };
      if (replicas === null) return { ok: false, error: "cmd.badReplicas" };
      const behavior = (["healthy", "crashing", "failingReadiness", "slowStart"] as const).find((b) => b === v.behavior) ?? "healthy";
      const strategy = v.strategy === "Recreate" ? "Recreate" : "RollingUpdate";
      return ok({ type: "deploy", app, version, behavior, replicas, strategy });
    }
    case "scale": {
      const replicas = int(v.replicas, 0, 100_000);
      if (!v.deployment) return { ok: false, error: "cmd.needDeployment" };
      if (replicas === null) return { ok: false, error: "cmd.badReplicas" };
      return ok({ type: "scale", deployment: v.deployment, replicas });
    }
    case "setHpa": {
      const min = int(v.hpaMin, 1, 100_000);
      const max = int(v.hpaMax, 1, 100_000);
      const target = int(v.hpaTarget, 1, 1000);
      if (!v.deployment) return { ok: false, error: "cmd.needDeployment" };
      if (min === null || max === null || target === null || min > max) return { ok: false, error: "cmd.badHpa" };
      return ok({ type: "setHpa", deployment: v.deployment, minReplicas: min, maxReplicas: max, targetCpuUtilization: target });
    }
    case "removeHpa":
    case "rolloutUndo":
      if (!v.deployment) return { ok: false, error: "cmd.needDeployment" };
      return ok({ type: kind, deployment: v.deployment });
    case "composeCrash":
    case "composeHang":
    case "composeStop":
    case "composeRestart": {
      if (!v.service) return { ok: false, error: "cmd.needService" };
      const service = v.service;
      return needNode((n) => ({ type: kind, node: n, service }));
    }
    case "shipBare":
    case "shipImage": {
      const app = (v.app ?? "").trim();
      const needs = parseNeeds(v.needs ?? "");
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(app)) return { ok: false, error: "cmd.badApp" };
      if (!needs) return { ok: false, error: "cmd.badNeeds" };
      return ok({ type: "ship", packaging: kind === "shipBare" ? "bare" : "image", app, needs });
    }
  }
}

/** Which commands a mode offers: Deployments exist only in the Kubernetes round, containers only in Compose. */
export function kindsForMode(mode: string): ReadonlySet<CommandKind> {
  const nodeChaos: CommandKind[] = ["killNode", "partitionNode", "restoreNode", "slowNode"];
  if (mode === "compose") return new Set([...nodeChaos, "composeCrash", "composeHang", "composeStop", "composeRestart", "trafficSpike"]);
  if (mode === "bare") return new Set([...nodeChaos, "shipBare", "shipImage"]);
  return new Set<CommandKind>([
    ...nodeChaos, "memoryPressureOn", "memoryPressureOff", "cordon", "uncordon", "drain",
    "crashExit", "crashHang", "leakMemory", "deletePod", "registryOn", "registryOff", "trafficSpike",
    "deploy", "scale", "setHpa", "removeHpa", "rolloutUndo",
  ]);
}

export type { ClassAction };

export function actionAllowed(action: ClassAction, phase: string, locked: boolean): boolean {
  if (action === "lock" && locked) return false;
  if (action === "unlock" && !locked) return false;
  return (ACTION_PHASES[action] as readonly string[]).includes(phase);
}
