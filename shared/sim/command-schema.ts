/**
 * Every command the simulation accepts, defined once as zod schemas; the TypeScript types are
 * derived from them. The server, the lesson engine and the tests all speak this language, and
 * anything that does not parse is refused before it can touch the state.
 */
import { z } from "zod";

/** A DNS-1123 label, as Kubernetes requires for names. */
const name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be lowercase letters, digits and '-', starting and ending with a letter or digit");
const podName = z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "is not a valid pod name");
const version = z.string().min(1).max(32).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "is not a valid image tag");
const int = (min: number, max: number) => z.number().int().min(min).max(max);
const nodeTarget = { node: name.optional() };

export const behaviorSchema = z.enum(["healthy", "crashing", "failingReadiness", "slowStart"]);

export const commandSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("addNode"),
    name,
    cpuMilli: int(250, 256_000).optional(),
    memoryMiB: int(256, 1_048_576).optional(),
    pods: int(1, 250).optional(),
    bandwidthMBps: z.number().min(0.1).max(10_000).optional(),
    connected: z.boolean().optional(),
  }),
  z.object({ type: z.literal("removeNode"), node: name }),
  z.object({ type: z.literal("heartbeat"), node: name, connected: z.boolean() }),
  z.object({ type: z.literal("killNode"), ...nodeTarget }),
  z.object({ type: z.literal("partitionNode"), ...nodeTarget }),
  z.object({ type: z.literal("restoreNode"), node: name }),
  z.object({ type: z.literal("slowNode"), node: name, factor: z.number().min(0.05).max(1).optional() }),
  z.object({ type: z.literal("memoryPressure"), node: name, on: z.boolean() }),
  z.object({
    type: z.literal("crashContainer"),
    pod: podName.optional(),
    app: name.optional(),
    how: z.enum(["exit", "hang"]).optional(),
  }),
  z.object({ type: z.literal("leakMemory"), pod: podName.optional(), app: name.optional(), mibPerSecond: z.number().min(0.1).max(1024).optional() }),
  z.object({ type: z.literal("registryOutage"), on: z.boolean() }),
  z.object({
    type: z.literal("trafficSpike"),
    service: name,
    multiplier: z.number().min(1).max(100),
    rampSeconds: int(0, 3600).optional(),
    durationSeconds: int(1, 86_400),
  }),
  z.object({ type: z.literal("setBaseline"), service: name, rps: z.number().min(0).max(1_000_000) }),
  /** A Service in front of an app (kubectl expose); deploy creates one too. */
  z.object({ type: z.literal("expose"), service: name, app: name.optional(), baselineRps: z.number().min(0).max(1_000_000).optional() }),
  z.object({
    type: z.literal("deploy"),
    app: name,
    version,
    behavior: behaviorSchema.optional(),
    replicas: int(0, 100_000).optional(),
    strategy: z.enum(["RollingUpdate", "Recreate"]).optional(),
    maxSurge: z.union([int(0, 100_000), z.string().regex(/^\d{1,3}%$/)]).optional(),
    maxUnavailable: z.union([int(0, 100_000), z.string().regex(/^\d{1,3}%$/)]).optional(),
    minReadySeconds: int(0, 3600).optional(),
    progressDeadlineSeconds: int(1, 86_400).optional(),
    cpuRequestMilli: int(1, 64_000).optional(),
    cpuLimitMilli: int(1, 64_000).optional(),
    memoryRequestMiB: int(1, 262_144).optional(),
    memoryLimitMiB: int(1, 262_144).optional(),
    capacityRps: z.number().min(0.1).max(100_000).optional(),
    baselineRps: z.number().min(0).max(1_000_000).optional(),
    pullPolicy: z.enum(["IfNotPresent", "Always"]).optional(),
    livenessProbe: z.boolean().optional(),
    readinessProbe: z.boolean().optional(),
    tolerationSeconds: int(0, 86_400).optional(),
  }),
  z.object({ type: z.literal("scale"), deployment: name, replicas: int(0, 100_000) }),
  z.object({
    type: z.literal("setHpa"),
    deployment: name,
    minReplicas: int(1, 100_000).optional(),
    maxReplicas: int(1, 100_000),
    targetCpuUtilization: int(1, 1000).optional(),
  }),
  z.object({ type: z.literal("removeHpa"), deployment: name }),
  z.object({ type: z.literal("rolloutUndo"), deployment: name, toRevision: int(1, 1_000_000).optional() }),
  z.object({ type: z.literal("cordon"), node: name }),
  z.object({ type: z.literal("uncordon"), node: name }),
  z.object({ type: z.literal("drain"), node: name }),
  z.object({ type: z.literal("deletePod"), pod: podName }),
  z.object({ type: z.literal("setPdb"), app: name, minAvailable: int(0, 100_000) }),
  z.object({ type: z.literal("removePdb"), app: name }),
  z.object({ type: z.literal("composeCrash"), node: name, service: name }),
  z.object({ type: z.literal("composeHang"), node: name, service: name }),
  z.object({ type: z.literal("composeRestart"), node: name, service: name }),
  z.object({ type: z.literal("composeStop"), node: name, service: name }),
  z.object({
    type: z.literal("ship"),
    packaging: z.enum(["bare", "image"]),
    app: name,
    needs: z.record(z.string().min(1).max(32), z.string().min(1).max(16)),
  }),
]);

export type Command = z.infer<typeof commandSchema>;
export type CommandType = Command["type"];
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

/** Turn a zod failure into one readable sentence for a teacher or a client developer. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}
