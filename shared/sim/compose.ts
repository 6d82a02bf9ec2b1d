/**
 * The Docker Compose round: every student's machine is a single Docker host running its own copy
 * of one Compose project. What the round has to show is what Compose does *not* do: nothing moves
 * to another host, depends_on only orders the first start, and an unhealthy container is reported,
 * never replaced.
 */
import { DOCKER, seconds } from "./defaults.ts";
import { record, schedule } from "./core.ts";
import type {
  ClusterState,
  ComposeContainerState,
  ComposeRestart,
  ComposeServiceSpec,
  NodeState,
  SimEvent,
} from "./types.ts";

export type ComposeCommand =
  | { type: "composeCrash"; node: string; service: string }
  | { type: "composeHang"; node: string; service: string }
  | { type: "composeRestart"; node: string; service: string }
  | { type: "composeStop"; node: string; service: string };

export type ComposeCommandResult = { ok: true } | { ok: false; error: string };

const INTERVAL_MS = seconds(DOCKER.healthcheckIntervalSeconds);
const TIMEOUT_MS = seconds(DOCKER.healthcheckTimeoutSeconds);
const STOP_TIMEOUT_S = DOCKER.stopTimeoutSeconds;

/** Exit codes as `docker ps` shows them. */
const EXIT_CRASH = 1;
const EXIT_SIGKILL = 137;
/** After a power loss the daemon never saw the process exit, so it reports 255. */
const EXIT_HOST_LOST = 255;

export function defaultComposeServices(): ComposeServiceSpec[] {
  return [
    {
      name: "web",
      image: "classroom/web:1.0",
      restart: "no",
      dependsOn: [
        { service: "db", condition: "service_healthy" },
        { service: "cache", condition: "service_started" },
      ],
      healthcheck: true,
      public: true,
      startMs: 1000,
    },
    { name: "db", image: "postgres:16", restart: "always", dependsOn: [], healthcheck: true, public: false, startMs: 5000 },
    { name: "cache", image: "redis:7", restart: "unless-stopped", dependsOn: [], healthcheck: false, public: false, startMs: 500 },
  ];
}

function specsOf(s: ClusterState): ComposeServiceSpec[] {
  return s.compose?.services ?? [];
}

function containerObject(nodeName: string, service: string): string {
  return `container/${nodeName}-${service}-1`;
}

function refOf(nodeName: string, service: string): string {
  return `${nodeName}/${service}`;
}

/**
 * Generations come from the global sequence rather than a per-container counter: a host that leaves
 * and rejoins under the same name then gets generations no event left in the queue can match.
 */
function bump(s: ClusterState, c: ComposeContainerState): void {
  c.gen = s.seq++;
}

function fmtMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
}

/** The process inside accepts connections: the container runs, has finished booting and is not stuck. */
function answering(s: ClusterState, spec: ComposeServiceSpec, c: ComposeContainerState): boolean {
  return c.status === "running" && !c.hung && c.startedAtMs !== null && s.timeMs >= c.startedAtMs + spec.startMs;
}

function startContainer(
  s: ClusterState,
  node: NodeState,
  spec: ComposeServiceSpec,
  c: ComposeContainerState,
  reason: "Start" | "Restart",
  message: string,
): void {
  bump(s, c);
  c.status = "running";
  c.startedAtMs = s.timeMs;
  c.exitCode = 0;
  c.health = spec.healthcheck ? "starting" : "none";
  c.failedChecks = 0;
  c.hung = false;
  // Any start, even by the daemon, clears the "stopped by hand" mark, as Docker does.
  c.stoppedByUser = false;
  const ref = refOf(node.name, spec.name);
  schedule(s, s.timeMs + spec.startMs, "composeStart", ref, c.gen);
  // start_period is 0, so the first check simply comes one interval after the start.
  if (spec.healthcheck) schedule(s, s.timeMs + INTERVAL_MS, "composeHealth", ref, c.gen);
  record(s, "Normal", reason, containerObject(node.name, spec.name), message, node.name);
}

function shouldRestart(policy: ComposeRestart, exitCode: number, stoppedByUser: boolean): boolean {
  if (stoppedByUser) return false;
  if (policy === "always" || policy === "unless-stopped") return true;
  if (policy === "on-failure") return exitCode !== 0;
  return false;
}

/** The process is gone; the restart policy decides what happens next. */
function exitContainer(
  s: ClusterState,
  node: NodeState,
  spec: ComposeServiceSpec,
  c: ComposeContainerState,
  exitCode: number,
  why: string,
): void {
  const ranMs = c.startedAtMs === null ? 0 : s.timeMs - c.startedAtMs;
  bump(s, c);
  c.status = "exited";
  c.exitCode = exitCode;
  // A stopped container has no health to report; keeping "healthy" on it would mislead the screen.
  c.health = "none";
  c.failedChecks = 0;
  c.hung = false;
  const object = containerObject(node.name, spec.name);
  if (!shouldRestart(spec.restart, exitCode, c.stoppedByUser)) {
    const after = spec.restart === "no" ? "restart policy \"no\": it stays down" : `restart policy "${spec.restart}" does not bring it back`;
    record(s, "Warning", "Die", object, `${why}, exit code ${exitCode}; ${after}`, node.name);
    return;
  }
  // Docker forgets the backoff once a container has stayed up long enough.
  if (ranMs >= DOCKER.restartBackoffResetMs) c.backoffMs = 0;
  const delay = c.backoffMs === 0 ? DOCKER.restartBackoffInitialMs : Math.min(c.backoffMs * 2, DOCKER.restartBackoffMaxMs);
  c.backoffMs = delay;
  c.status = "restarting";
  schedule(s, s.timeMs + delay, "composeRestart", refOf(node.name, spec.name), c.gen);
  record(
    s,
    "Warning",
    "Die",
    object,
    `${why}, exit code ${exitCode}; restart policy "${spec.restart}": restarting in ${fmtMs(delay)}`,
    node.name,
  );
}

function conditionMet(node: NodeState, dep: ComposeServiceSpec["dependsOn"][number]): boolean {
  const c = node.compose?.containers[dep.service];
  if (!c || c.status !== "running") return false;
  return dep.condition === "service_started" || c.health === "healthy";
}

/**
 * `docker compose up` holding back dependents: a container still "created" starts as soon as every
 * dependency meets its condition. Looping until nothing changes lets a chain of service_started
 * dependencies come up at the same instant, as Compose does.
 */
function releaseWaiting(s: ClusterState, node: NodeState): void {
  if (!node.compose) return;
  for (let progressed = true; progressed; ) {
    progressed = false;
    for (const spec of specsOf(s)) {
      const c = node.compose.containers[spec.name];
      if (!c || c.status !== "created") continue;
      if (!spec.dependsOn.every((d) => conditionMet(node, d))) continue;
      const waited = spec.dependsOn.length
        ? ` after ${spec.dependsOn.map((d) => `${d.service} (${d.condition})`).join(", ")}`
        : "";
      startContainer(s, node, spec, c, "Start", `started by docker compose up${waited}`);
      progressed = true;
    }
  }
}

function freshContainer(service: string, gen: number): ComposeContainerState {
  return {
    service,
    status: "created",
    health: "none",
    exitCode: 0,
    restartCount: 0,
    backoffMs: 0,
    startedAtMs: null,
    stoppedByUser: false,
    hung: false,
    failedChecks: 0,
    gen,
  };
}

/** `docker compose up -d` on a student's machine. Uses the default project if none was chosen yet. */
export function initComposeHost(s: ClusterState, nodeName: string): void {
  const node = s.nodes[nodeName];
  if (!node) return;
  if (!s.compose) s.compose = { services: defaultComposeServices() };
  const containers: Record<string, ComposeContainerState> = {};
  for (const spec of specsOf(s)) containers[spec.name] = freshContainer(spec.name, s.seq++);
  node.compose = { containers };
  if (node.powered) releaseWaiting(s, node);
}

function locate(
  s: ClusterState,
  nodeName: string,
  service: string,
): { node: NodeState; spec: ComposeServiceSpec; c: ComposeContainerState } | null {
  const node = s.nodes[nodeName];
  const c = node?.compose?.containers[service];
  const spec = specsOf(s).find((x) => x.name === service);
  if (!node || !c || !spec) return null;
  return { node, spec, c };
}

function splitRef(ref: string): [string, string] {
  const i = ref.lastIndexOf("/");
  return [ref.slice(0, i), ref.slice(i + 1)];
}

/**
 * When a check of a hung process begins, its outcome is already certain (only a restart, which
 * changes the generation, could unstick it), so the queued health event stands for the moment the
 * check times out. Checks of a responsive process finish at once, one interval apart from the start.
 */
function runHealthCheck(s: ClusterState, node: NodeState, spec: ComposeServiceSpec, c: ComposeContainerState): void {
  const object = containerObject(node.name, spec.name);
  const ref = refOf(node.name, spec.name);
  if (c.hung) {
    c.failedChecks++;
    record(s, "Warning", "Unhealthy", object, `health check timed out after ${fmtMs(TIMEOUT_MS)}`, node.name);
    markUnhealthyIfDue(s, node, spec, c);
    schedule(s, s.timeMs + INTERVAL_MS + TIMEOUT_MS, "composeHealth", ref, c.gen);
    return;
  }
  if (answering(s, spec, c)) {
    c.failedChecks = 0;
    if (c.health !== "healthy") {
      c.health = "healthy";
      record(s, "Normal", "HealthStatus", object, "health_status: healthy", node.name);
    }
  } else {
    c.failedChecks++;
    record(s, "Warning", "Unhealthy", object, "health check failed: connection refused (still booting)", node.name);
    markUnhealthyIfDue(s, node, spec, c);
  }
  schedule(s, s.timeMs + INTERVAL_MS, "composeHealth", ref, c.gen);
}

function markUnhealthyIfDue(s: ClusterState, node: NodeState, spec: ComposeServiceSpec, c: ComposeContainerState): void {
  if (c.failedChecks < DOCKER.healthcheckRetries || c.health === "unhealthy") return;
  c.health = "unhealthy";
  record(
    s,
    "Warning",
    "HealthStatus",
    containerObject(node.name, spec.name),
    `health_status: unhealthy after ${c.failedChecks} failed checks; Docker only reports this, nothing restarts the container`,
    node.name,
  );
}

export function handleComposeEvent(s: ClusterState, ev: SimEvent): void {
  const [nodeName, service] = splitRef(ev.ref);
  const found = locate(s, nodeName, service);
  if (!found) return;
  const { node, spec, c } = found;
  if (!node.powered || c.gen !== ev.gen) return;
  switch (ev.kind) {
    case "composeStart":
      if (c.status === "running" && !c.hung) {
        record(s, "Normal", "Up", containerObject(node.name, spec.name), `process is up after ${fmtMs(spec.startMs)}`, node.name);
      }
      return;
    case "composeHealth":
      if (c.status === "running" && spec.healthcheck) {
        runHealthCheck(s, node, spec, c);
        releaseWaiting(s, node);
      }
      return;
    case "composeRestart":
      if (c.status === "restarting") {
        c.restartCount++;
        startContainer(
          s,
          node,
          spec,
          c,
          "Restart",
          `restarted by policy "${spec.restart}" (restart count ${c.restartCount})`,
        );
        releaseWaiting(s, node);
      }
      return;
    case "composeExit":
      // A crash planned ahead of time (for instance by a scripted scenario) rather than typed now.
      if (c.status === "running") exitContainer(s, node, spec, c, EXIT_CRASH, "process crashed");
      return;
    default:
      return;
  }
}

export function composeCommand(s: ClusterState, cmd: ComposeCommand): ComposeCommandResult {
  if (s.mode !== "compose") return { ok: false, error: `docker compose commands need the Compose round (current mode: ${s.mode})` };
  const node = s.nodes[cmd.node];
  if (!node) return { ok: false, error: `no such host: ${cmd.node}` };
  if (!node.compose || !s.compose) return { ok: false, error: `host ${cmd.node} has no Compose project` };
  const found = locate(s, cmd.node, cmd.service);
  if (!found) return { ok: false, error: `no such service: ${cmd.service} (services: ${specsOf(s).map((x) => x.name).join(", ")})` };
  if (!node.powered) return { ok: false, error: `Cannot connect to the Docker daemon on ${cmd.node}: the host is powered off` };
  const { spec, c } = found;
  const object = containerObject(node.name, spec.name);

  switch (cmd.type) {
    case "composeCrash":
      if (c.status !== "running") return { ok: false, error: `container ${node.name}-${spec.name}-1 is not running (${c.status})` };
      exitContainer(s, node, spec, c, EXIT_CRASH, "process crashed");
      break;
    case "composeHang": {
      if (c.status !== "running") return { ok: false, error: `container ${node.name}-${spec.name}-1 is not running (${c.status})` };
      if (c.hung) return { ok: true };
      // The health ticker keeps its phase: the next check is the one after now on the start's grid.
      const started = c.startedAtMs ?? s.timeMs;
      const k = Math.max(1, Math.floor((s.timeMs - started) / INTERVAL_MS) + 1);
      bump(s, c);
      c.hung = true;
      if (spec.healthcheck) {
        schedule(s, started + k * INTERVAL_MS + TIMEOUT_MS, "composeHealth", refOf(node.name, spec.name), c.gen);
      }
      record(s, "Warning", "Hang", object, "process stopped answering but is still running", node.name);
      break;
    }
    case "composeRestart":
      c.backoffMs = 0;
      startContainer(s, node, spec, c, "Restart", "restarted by hand (docker restart)");
      break;
    case "composeStop":
      if (c.status === "exited") {
        c.stoppedByUser = true;
        break;
      }
      c.stoppedByUser = true;
      exitContainer(
        s,
        node,
        spec,
        c,
        c.hung ? EXIT_SIGKILL : 0,
        c.hung ? `ignored SIGTERM, killed after the ${STOP_TIMEOUT_S}s stop timeout (docker stop)` : "stopped by hand (docker stop)",
      );
      break;
    default:
      return { ok: false, error: "unknown compose command" };
  }
  releaseWaiting(s, node);
  return { ok: true };
}

/** The machine lost power: every process is gone and every pending timer belongs to the past. */
export function composeHostDown(s: ClusterState, nodeName: string): void {
  const node = s.nodes[nodeName];
  if (!node?.compose) return;
  for (const spec of specsOf(s)) {
    const c = node.compose.containers[spec.name];
    if (!c) continue;
    const wasUp = c.status === "running" || c.status === "restarting";
    bump(s, c);
    if (!wasUp) continue;
    c.status = "exited";
    c.exitCode = EXIT_HOST_LOST;
    c.health = "none";
    c.hung = false;
    c.failedChecks = 0;
    c.backoffMs = 0;
    record(s, "Warning", "Die", containerObject(nodeName, spec.name), "host lost power; the container went down with it", nodeName);
  }
}

/**
 * The Docker daemon starts again after a reboot. It only applies restart policies; Compose is not
 * running, so depends_on means nothing here and everything eligible starts at once.
 */
export function composeHostUp(s: ClusterState, nodeName: string): void {
  const node = s.nodes[nodeName];
  if (!node?.compose) return;
  for (const spec of specsOf(s)) {
    const c = node.compose.containers[spec.name];
    if (!c || c.status !== "exited" || c.startedAtMs === null) continue;
    const back = spec.restart === "always" || (spec.restart === "unless-stopped" && !c.stoppedByUser);
    if (!back) continue;
    c.backoffMs = 0;
    startContainer(s, node, spec, c, "Start", `started by the Docker daemon after the reboot (restart policy "${spec.restart}")`);
  }
}

/** The gate gets an answer only if the public service and everything it relies on can answer. */
export function composeServing(s: ClusterState, nodeName: string): boolean {
  const node = s.nodes[nodeName];
  if (!node?.compose || !node.powered || node.partitioned) return false;
  const specs = specsOf(s);
  const front = specs.find((x) => x.public);
  if (!front) return false;
  const seen = new Set<string>();
  const todo = [front.name];
  while (todo.length) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const spec = specs.find((x) => x.name === name);
    const c = node.compose.containers[name];
    if (!spec || !c || !answering(s, spec, c)) return false;
    for (const d of spec.dependsOn) todo.push(d.service);
  }
  return true;
}
