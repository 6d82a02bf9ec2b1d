/**
 * The lesson file format, defined once as zod schemas: what a teacher-facing YAML file may say,
 * and the typed, normalized lesson the runner plays. Durations become milliseconds, triggers and
 * conditions become tagged unions, and everything a lesson author can get wrong (a command the
 * simulation would refuse, a condition about an app nobody deploys, a missing translation) is
 * refused here with the path of the mistake, long before a class is waiting.
 */
import { z } from "zod";
import { commandSchema, type CommandType } from "../sim/command-schema.ts";
import { RUNTIME_CHOICES } from "../sim/bare.ts";

export const LESSON_MODES = ["kubernetes", "compose", "bare", "any"] as const;
export type LessonMode = (typeof LESSON_MODES)[number];
type ClusterMode = Exclude<LessonMode, "any">;

/** Points for a right prediction, and for taking part in a discussion round (answer: null). */
export const CORRECT_POINTS = 50;
export const PARTICIPATION_POINTS = 20;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const DURATION_HINT = 'expected a duration like "30s"';
/** Longer than any lesson: a typo such as "6000m" is refused rather than silently never firing. */
const MAX_DURATION_MS = 24 * 3600 * 1000;

/** "30s", "5m", "1m30s", "2h" -> milliseconds; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return null;
  const ms = ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
  return ms <= MAX_DURATION_MS ? ms : null;
}

const missingOr = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? "is missing" : `expected ${what}`);

const text = () => z.string({ error: missingOr("text") }).trim().min(1, "must not be empty").max(2000, "is longer than 2000 characters");

/** Every text a person reads exists in English and Vietnamese. */
export const textSchema = z.strictObject(
  { en: text(), vi: text() },
  {
    error: (i) => i.code === "unrecognized_keys"
      // The usual cause: { en: Yes, at once, vi: ... } -- YAML reads "at once" as a key.
      ? `unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => `"${k}"`).join(", ")} (text with a comma inside { en: ..., vi: ... } needs quotes)`
      : missingOr("a text with en and vi, e.g. { en: ..., vi: ... }")(i),
  },
);
export type Text = z.output<typeof textSchema>;

const idSchema = z
  .string({ error: missingOr("an id") })
  .min(1)
  .max(63)
  .regex(DNS_LABEL, "must be lowercase letters, digits and '-' (like a Kubernetes name)");

const nameSchema = idSchema;

const durationSchema = z.unknown().transform((v, ctx) => {
  const ms = typeof v === "string" ? parseDuration(v) : null;
  if (ms === null) {
    ctx.addIssue({ code: "custom", message: DURATION_HINT, input: v });
    return z.NEVER;
  }
  return ms;
});

const fraction = z.number({ error: missingOr("a number between 0 and 1") }).min(0).max(1);
const anyOrName = z.union([z.literal("any"), nameSchema], { error: 'expected "any" or a name' });

/**
 * Conditions a step or a reveal can wait for, each read from the cluster state. Those phrased as
 * "something happened" (evicted, rescaled, restarted) only count what happened since the step's
 * action began, so a leftover from an earlier step can never fire a later one.
 */
const conditionShape = {
  /** Every replica of the Deployment's current version is Ready and no other version is left. */
  allPodsReady: nameSchema,
  /** The Deployment's Progressing condition is False with reason ProgressDeadlineExceeded. */
  progressDeadlineExceeded: nameSchema,
  /** The control plane shows the node (or any node) as not Ready: this takes the 50 s grace period. */
  nodeNotReady: anyOrName,
  /** The machine itself is off, whether the control plane has noticed yet or not. */
  nodePoweredOff: anyOrName,
  /** A pod (of this app) was evicted: taint manager, kubelet memory pressure or a drain. */
  podsEvicted: anyOrName,
  /** Pods (of this app) created since the action are all placed on nodes. */
  podsRescheduled: anyOrName,
  /** The Deployment's desired replicas (spec.replicas) reached n. */
  replicasAtLeast: z.strictObject({ deployment: nameSchema, n: z.number().int().min(0).max(100_000) }),
  /** At least n pods of the Deployment are Ready. */
  readyReplicasAtLeast: z.strictObject({ deployment: nameSchema, n: z.number().int().min(0).max(100_000) }),
  /** The HorizontalPodAutoscaler raised (or lowered) the Deployment's replicas. */
  hpaScaledUp: nameSchema,
  hpaScaledDown: nameSchema,
  /** Share of requests answered in the last 5 s history sample. */
  availabilityBelow: fraction,
  availabilityAtLeast: fraction,
  /** Every traffic spike of the Service has fully ramped down. */
  spikeOver: nameSchema,
  /** Share of hosts whose app answers (Compose and bare rounds) or of Ready nodes (Kubernetes). */
  servingHostsAtLeast: fraction,
  servingHostsBelow: fraction,
  /** Docker's restart policy (not a person) restarted this Compose service somewhere. */
  composeAutoRestarted: nameSchema,
  /** An event with this reason was recorded (a catch-all for the rare cases above do not cover). */
  event: z.strictObject({
    reason: z.string().min(1).max(64),
    objectContains: z.string().min(1).max(253).optional(),
    messageContains: z.string().min(1).max(200).optional(),
  }),
} as const;

type ConditionArgs = { [K in keyof typeof conditionShape]: z.output<(typeof conditionShape)[K]> };
export type ConditionType = keyof ConditionArgs;
export type Condition = { [K in ConditionType]: { type: K; arg: ConditionArgs[K] } }[ConditionType];
const CONDITION_TYPES = Object.keys(conditionShape) as ConditionType[];

/** Conditions that only make sense in some rounds; the others work in all of them. */
const CONDITION_MODES: Partial<Record<ConditionType, readonly ClusterMode[]>> = {
  allPodsReady: ["kubernetes"],
  progressDeadlineExceeded: ["kubernetes"],
  podsEvicted: ["kubernetes"],
  podsRescheduled: ["kubernetes"],
  replicasAtLeast: ["kubernetes"],
  readyReplicasAtLeast: ["kubernetes"],
  hpaScaledUp: ["kubernetes"],
  hpaScaledDown: ["kubernetes"],
  composeAutoRestarted: ["compose"],
  servingHostsAtLeast: ["compose", "bare", "kubernetes"],
  servingHostsBelow: ["compose", "bare", "kubernetes"],
};

/**
 * Read by hand rather than as a strict object: a misspelt condition should get one message that
 * lists the known ones, not a pile of unrelated zod issues.
 */
const conditionSchema = z.unknown().transform((v, ctx): Condition => {
  const known = `known: ${CONDITION_TYPES.join(", ")}`;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    ctx.addIssue({ code: "custom", message: `expected a condition such as { allPodsReady: shop } (${known})`, input: v });
    return z.NEVER;
  }
  const keys = Object.keys(v);
  const unknown = keys.filter((k) => !(CONDITION_TYPES as string[]).includes(k));
  if (unknown.length > 0) {
    ctx.addIssue({ code: "custom", message: `unknown condition ${unknown.map((k) => `"${k}"`).join(", ")} (${known})`, input: v });
    return z.NEVER;
  }
  if (keys.length !== 1) {
    ctx.addIssue({
      code: "custom",
      message: keys.length === 0 ? `expected one condition (${known})` : `give one condition per trigger, not ${keys.length} (${keys.join(", ")})`,
      input: v,
    });
    return z.NEVER;
  }
  const type = keys[0] as ConditionType;
  const arg = conditionShape[type].safeParse((v as Record<string, unknown>)[type]);
  if (!arg.success) {
    for (const i of arg.error.issues) ctx.addIssue({ code: "custom", message: i.message, path: [type, ...i.path.map(String)], input: v });
    return z.NEVER;
  }
  return { type, arg: arg.data } as Condition;
});

export type Trigger =
  | { kind: "teacher" }
  | { kind: "after"; ms: number }
  | { kind: "when"; condition: Condition; timeoutMs: number | null };

/** How a step (or a prediction's reveal) ends: the teacher's "next", a cluster-time delay, or a condition. */
export const triggerSchema = z
  .strictObject(
    {
      teacher: z.literal(true, { error: "teacher: expected true" }).optional(),
      after: durationSchema.optional(),
      when: conditionSchema.optional(),
      /** A fallback for `when`: move on anyway after this long, so a stuck class is never stuck for good. */
      orAfter: durationSchema.optional(),
    },
    { error: (i) => (i.code === "unrecognized_keys" ? undefined : 'expected a trigger: { teacher: true }, { after: "30s" } or { when: { ... } }') },
  )
  .transform((t, ctx): Trigger => {
    const given = (["teacher", "after", "when"] as const).filter((k) => t[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: given.length === 0
          ? 'expected one of teacher: true, after: "30s" or when: { ... }'
          : `expected one of teacher, after or when, not ${given.join(" and ")}`,
        input: t,
      });
      return z.NEVER;
    }
    if (t.orAfter !== undefined && t.when === undefined) {
      ctx.addIssue({ code: "custom", message: "orAfter only goes with when", path: ["orAfter"], input: t });
      return z.NEVER;
    }
    if (t.teacher) return { kind: "teacher" };
    if (t.after !== undefined) return { kind: "after", ms: t.after };
    return { kind: "when", condition: t.when!, timeoutMs: t.orAfter ?? null };
  });

/**
 * Placeholders a lesson may use where the simulation wants a concrete value it cannot know in
 * advance: the nodes belong to whoever joined. They are resolved from the cluster state when the
 * command is issued, deterministically (join order breaks every tie).
 */
export const NODE_TARGETS = {
  /** Every node the command can act on now (a crash only where that container is running). */
  "@each": "every node where the command applies",
  /** Like @each, without the lesson's spare nodes: for chaos a student is expected to repair by hand. */
  "@students": "every student node where the command applies",
  /** Every machine that is powered off (to bring it back). */
  "@poweredOff": "every powered-off node",
  /** The nodes this lesson added for a small class. */
  "@spares": "the lesson's spare nodes",
  /** The powered node running the most pods: a failure there is the one worth watching. */
  "@busiest": "the powered node running the most pods",
} as const;
export type NodeTarget = keyof typeof NODE_TARGETS;
/** addNode name: the next free spare name (spare-1, spare-2, ...). */
export const SPARE_NAME = "@spare";
/** deploy/scale replicas: one per node in the cluster at that moment. */
export const PER_NODE = "@nodes";
/** ship needs: the version installed on the first machine that has this runtime ("my machine"). */
export const DEV_RUNTIME = "@dev";

/** A simulation command as written in a lesson, possibly with placeholders; validated against the simulation's own schema. */
export type LessonCommand = { readonly type: CommandType } & Readonly<Record<string, unknown>>;

const COMMAND_MODES: Partial<Record<CommandType, ClusterMode>> = {
  deploy: "kubernetes",
  scale: "kubernetes",
  setHpa: "kubernetes",
  removeHpa: "kubernetes",
  rolloutUndo: "kubernetes",
  setPdb: "kubernetes",
  removePdb: "kubernetes",
  crashContainer: "kubernetes",
  leakMemory: "kubernetes",
  deletePod: "kubernetes",
  composeCrash: "compose",
  composeHang: "compose",
  composeRestart: "compose",
  composeStop: "compose",
  ship: "bare",
};

export function commandMode(type: CommandType): ClusterMode | null {
  return COMMAND_MODES[type] ?? null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Swap placeholders for stand-ins the simulation's schema accepts, so one schema checks every other
 * field; a placeholder in a field that does not take it is reported there.
 */
function withStandIns(raw: Record<string, unknown>, ctx: z.RefinementCtx, reported: Set<string>): Record<string, unknown> {
  const c: Record<string, unknown> = { ...raw };
  const wrong = (path: string[], value: string, allowed: string) => {
    reported.add(path.join("."));
    ctx.addIssue({ code: "custom", message: `"${value}" is not allowed here (${allowed})`, path, input: value });
  };
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== "string" || !value.startsWith("@")) continue;
    if (key === "node") {
      if (value in NODE_TARGETS) c.node = "placeholder-node";
      else wrong([key], value, `node targets: ${Object.keys(NODE_TARGETS).join(", ")}`);
    } else if (key === "name" && raw.type === "addNode") {
      if (value === SPARE_NAME) c.name = "spare-0";
      else wrong([key], value, `use "${SPARE_NAME}" for the next spare node`);
    } else if (key === "replicas" && (raw.type === "deploy" || raw.type === "scale")) {
      if (value === PER_NODE) c.replicas = 1;
      else wrong([key], value, `use "${PER_NODE}" for one replica per node`);
    } else {
      wrong([key], value, "placeholders go in node, addNode name, replicas or ship needs");
    }
  }
  if (raw.type === "ship" && isRecord(raw.needs)) {
    const needs: Record<string, unknown> = {};
    for (const [lang, version] of Object.entries(raw.needs)) {
      const versions = RUNTIME_CHOICES[lang];
      reported.add(`needs.${lang}`);
      if (!versions) {
        ctx.addIssue({ code: "custom", message: `unknown runtime "${lang}" (known: ${Object.keys(RUNTIME_CHOICES).join(", ")})`, path: ["needs", lang], input: lang });
        continue;
      }
      if (version === DEV_RUNTIME) needs[lang] = versions[0];
      else if (typeof version === "string" && versions.includes(version)) needs[lang] = version;
      else ctx.addIssue({ code: "custom", message: `expected one of ${versions.join(", ")} or "${DEV_RUNTIME}"`, path: ["needs", lang], input: version });
    }
    c.needs = needs;
  }
  return c;
}

export const lessonCommandSchema = z.unknown().transform((raw, ctx): LessonCommand => {
  if (!isRecord(raw) || typeof raw.type !== "string") {
    ctx.addIssue({ code: "custom", message: "expected a command such as { type: killNode }", input: raw });
    return z.NEVER;
  }
  const reported = new Set<string>();
  const parsed = commandSchema.safeParse(withStandIns(raw, ctx, reported));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (reported.has(issue.path.map(String).join("."))) continue;
      ctx.addIssue({ code: "custom", message: issue.message, path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)), input: raw });
    }
    return z.NEVER;
  }
  return raw as LessonCommand;
});

const optionSchema = z.strictObject({ id: idSchema, text: textSchema });

const choicePredictionSchema = z.strictObject({
  kind: z.literal("choice"),
  question: textSchema,
  options: z.array(optionSchema).min(2, "needs at least 2 options").max(6, "at most 6 options fit on a phone"),
  /** The right option's id, or null for a discussion round where every answer earns participation points. */
  answer: z.union([idSchema, z.null()], { error: (i) => (i.input === undefined ? "is missing: give the right option's id, or null for a discussion" : "expected an option id or null") }),
  explanation: textSchema,
  revealWhen: triggerSchema.optional(),
});

const whichNodePredictionSchema = z.strictObject({
  kind: z.literal("whichNode"),
  question: textSchema,
  /**
   * How the right building is found when the answer is revealed: the node that received the most
   * pods created since the step's action (rescheduled or scaled), or the node running the most.
   */
  resolve: z.enum(["mostNewPods", "mostPods"]).default("mostNewPods"),
  app: nameSchema.optional(),
  explanation: textSchema,
  revealWhen: triggerSchema.optional(),
});

const predictionSchema = z.discriminatedUnion("kind", [choicePredictionSchema, whichNodePredictionSchema], {
  error: (i) => (i.code === "invalid_union" ? 'expected kind "choice" or "whichNode"' : undefined),
});

const studentActionSchema = z.strictObject({
  action: z.enum(["cordon", "uncordon", "drain", "restartContainer"]),
  service: nameSchema.optional(),
  hint: textSchema,
});

const stepSchema = z.strictObject({
  id: idSchema,
  title: textSchema,
  teacherNotes: textSchema,
  studentText: textSchema,
  commands: z.array(lessonCommandSchema).max(50).default([]),
  prediction: predictionSchema.optional(),
  /**
   * Hold the step's commands (and the cluster clock) until the teacher says go, so the class
   * answers before the outcome can be seen. Defaults to true when the step has both a prediction
   * and commands.
   */
  askFirst: z.boolean().optional(),
  trigger: triggerSchema,
  studentActions: z.array(studentActionSchema).max(6).default([]),
  /** An image (app:version) whose layers the screens show during this step, read from the registry. */
  showImage: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?:[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected an image like shop:v1").optional(),
});

const setupSchema = z.preprocess(
  (v) => (Array.isArray(v) ? { commands: v } : v ?? {}),
  z.strictObject({
    /** Teacher-provided nodes added whatever the class size. */
    extraNodes: z.number().int().min(0).max(50).optional(),
    /** Spare nodes are added until the cluster has this many, so 1 to 3 people can still play. */
    minNodes: z.number().int().min(0).max(50).optional(),
    commands: z.array(lessonCommandSchema).max(100).default([]),
  }),
);

const lessonObjectSchema = z.strictObject({
  id: idSchema,
  title: textSchema,
  summary: textSchema,
  durationMinutes: z.number().int().min(5, "lessons last 5 to 10 minutes").max(10, "lessons last 5 to 10 minutes"),
  mode: z.enum(LESSON_MODES, { error: `expected one of ${LESSON_MODES.join(", ")}` }),
  /** The time compression the lesson was written for (cluster seconds per wall second). */
  compression: z.number().min(1).max(120),
  minStudents: z.number().int().min(1).max(1000),
  maxStudents: z.number().int().min(1).max(1000),
  setup: setupSchema.default({ commands: [] }),
  steps: z.array(stepSchema).min(1, "a lesson needs at least one step").max(30),
  debrief: z.strictObject({
    summary: textSchema,
    points: z.array(textSchema).min(3, "give 3 to 5 talking points").max(5, "give 3 to 5 talking points"),
  }),
});

type RawLesson = z.output<typeof lessonObjectSchema>;

/** Cross-field rules: modes, references between fields, unique ids. */
function checkLesson(l: RawLesson, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", message, path, input: l });
  if (l.minStudents > l.maxStudents) issue(["minStudents"], `is more than maxStudents (${l.maxStudents})`);

  const allCommands: { cmd: LessonCommand; path: (string | number)[] }[] = [
    ...l.setup.commands.map((cmd, i) => ({ cmd, path: ["setup", "commands", i] })),
    ...l.steps.flatMap((s, si) => s.commands.map((cmd, i) => ({ cmd, path: ["steps", si, "commands", i] }))),
  ];
  const deployments = new Set<string>();
  const services = new Set<string>();
  const images = new Set<string>();
  for (const { cmd } of allCommands) {
    if (cmd.type === "deploy") {
      deployments.add(String(cmd.app));
      services.add(String(cmd.app));
      images.add(`${String(cmd.app)}:${String(cmd.version)}`);
    }
    if (cmd.type === "expose") services.add(String(cmd.service));
  }
  for (const { cmd, path } of allCommands) {
    const needs = commandMode(cmd.type);
    if (needs && l.mode === "any") issue([...path, "type"], `${cmd.type} needs the ${needs} mode; a lesson for any mode cannot use it`);
    else if (needs && needs !== l.mode) issue([...path, "type"], `${cmd.type} needs the ${needs} mode, this lesson is ${l.mode}`);
    if ((cmd.type === "trafficSpike" || cmd.type === "setBaseline") && !services.has(String(cmd.service))) {
      issue([...path, "service"], `no deploy or expose command in this lesson creates the service "${String(cmd.service)}"`);
    }
  }

  const checkCondition = (c: Condition, path: (string | number)[]) => {
    const modes = CONDITION_MODES[c.type];
    if (modes && (l.mode === "any" || !modes.includes(l.mode))) {
      issue([...path, c.type], `works in the ${modes.join(" or ")} mode${modes.length > 1 ? "s" : ""}, this lesson is ${l.mode}`);
    }
    const dep = c.type === "replicasAtLeast" || c.type === "readyReplicasAtLeast" ? c.arg.deployment
      : c.type === "allPodsReady" || c.type === "progressDeadlineExceeded" || c.type === "hpaScaledUp" || c.type === "hpaScaledDown" ? c.arg
        : null;
    if (dep !== null && !deployments.has(dep)) issue([...path, c.type], `no deploy command in this lesson creates "${dep}"`);
    if (c.type === "spikeOver" && !services.has(c.arg)) issue([...path, c.type], `no deploy or expose command in this lesson creates the service "${c.arg}"`);
  };
  const checkTrigger = (t: Trigger, path: (string | number)[]) => {
    if (t.kind === "when") checkCondition(t.condition, [...path, "when"]);
  };

  const seen = new Map<string, number>();
  l.steps.forEach((s, si) => {
    const first = seen.get(s.id);
    if (first !== undefined) issue(["steps", si, "id"], `duplicate step id "${s.id}" (also steps[${first}])`);
    else seen.set(s.id, si);
    checkTrigger(s.trigger, ["steps", si, "trigger"]);
    if (s.showImage !== undefined && !images.has(s.showImage)) issue(["steps", si, "showImage"], `no deploy command in this lesson builds the image "${s.showImage}"`);
    const p = s.prediction;
    if (p) {
      if (p.revealWhen) checkTrigger(p.revealWhen, ["steps", si, "prediction", "revealWhen"]);
      if (p.kind === "choice") {
        const ids = new Set<string>();
        p.options.forEach((o, oi) => {
          if (ids.has(o.id)) issue(["steps", si, "prediction", "options", oi, "id"], `duplicate option id "${o.id}"`);
          ids.add(o.id);
        });
        if (p.answer !== null && !ids.has(p.answer)) {
          issue(["steps", si, "prediction", "answer"], `"${p.answer}" is not one of the options (${[...ids].join(", ")})`);
        }
      } else if (l.mode !== "kubernetes") {
        issue(["steps", si, "prediction", "kind"], "whichNode predictions follow pods, so they need the kubernetes mode");
      }
    }
    s.studentActions.forEach((a, ai) => {
      const path = ["steps", si, "studentActions", ai];
      if (a.action === "restartContainer") {
        if (l.mode !== "compose") issue([...path, "action"], "restartContainer is for the compose mode");
        if (!a.service) issue([...path, "service"], "is missing: say which container to restart");
      } else if (l.mode !== "kubernetes") {
        issue([...path, "action"], `${a.action} is for the kubernetes mode`);
      }
    });
  });
}

export const lessonSchema = lessonObjectSchema.superRefine(checkLesson);

export type Lesson = z.output<typeof lessonSchema>;
export type Step = Lesson["steps"][number];
export type Prediction = NonNullable<Step["prediction"]>;
export type ChoicePrediction = Extract<Prediction, { kind: "choice" }>;
export type WhichNodePrediction = Extract<Prediction, { kind: "whichNode" }>;
export type StudentAction = Step["studentActions"][number];

/** Whether a step starts by asking (clock and commands held until the teacher releases them). */
export function asksFirst(step: Step): boolean {
  return step.askFirst ?? (step.prediction !== undefined && step.commands.length > 0);
}

/** When a prediction is revealed if its author said nothing: on the teacher's "next". */
export function revealTrigger(p: Prediction): Trigger {
  return p.revealWhen ?? { kind: "teacher" };
}
