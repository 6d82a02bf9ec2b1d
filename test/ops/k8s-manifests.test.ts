/**
 * deploy/k8s/ names routes, ports, users, paths and variables that live in the code and the
 * Dockerfile. No cluster runs where the tests do (and nothing is downloaded: no kubeconform), so
 * every manifest is parsed here and held against the repository and the real server: probes
 * against the routes it answers, the pod address the router routes against a real join, the
 * environment against server/config.ts, the shutdown timings against server/main.ts, the Redis the
 * class store needs against what server/store/redis.ts asks of it.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { Client } from "@colyseus/sdk";
import { matchMaker } from "@colyseus/core";
import { createApp, type App } from "../../server/app.config.ts";
import { loadConfig, type Config } from "../../server/config.ts";
import { storeRedisUrl } from "../../server/store/config.ts";
import { all, last, parseDockerfile, parseEnv } from "./dockerfile.ts";
import { literalRedisPassword, redisOption } from "./compose.ts";
import { freePort } from "../scale/redis-server.ts";
import type { CreateClassResponse } from "../../shared/protocol/messages.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIR = path.join(ROOT, "deploy/k8s");
const read = (rel: string) => readFileSync(path.join(ROOT, rel), "utf8");

// The parts of the Kubernetes API these manifests use.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: any }[];
  envFrom?: { configMapRef?: { name: string } }[];
  livenessProbe?: any;
  readinessProbe?: any;
  startupProbe?: any;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: any;
  volumeMounts?: { name: string; mountPath: string }[];
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const objects: (Obj & { file: string })[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(DIR, file), "utf8")).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
    return { ...(doc.toJS() as Obj), file };
  }),
);

function get(kind: string, name: string): Obj {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return o;
}

/** Everything that runs pods: the Deployments and Redis's StatefulSet. */
const workloads = objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
const game = get("Deployment", "game");
const gameContainer = game.spec.template.spec.containers[0] as Container;
const gameConfig = get("ConfigMap", "game-config");

const stages = parseDockerfile(read("Dockerfile"));
const final = stages.at(-1)!;
const imageEnv = Object.assign({}, ...all(final, "ENV").map(parseEnv)) as Record<string, string>;
/** Variables the pod carries that the server itself does not read. */
const NOT_SERVER_CONFIG = new Set(["NODE_ENV", "NODE_OPTIONS", "POD_IP", "PUBLIC_HOST"]);
const HARD_EXIT_MS = Number(/HARD_EXIT_MS\s*=\s*([\d_]+)/.exec(read("server/main.ts"))![1]!.replace(/_/g, ""));
/** How often each process looks for classes whose process is gone (server/app.config.ts). */
const TAKEOVER_EVERY_MS = Number(/TAKEOVER_EVERY_MS\s*=\s*([\d_]+)/.exec(read("server/app.config.ts"))![1]!.replace(/_/g, ""));
/** Colyseus's health check of a process that stopped listening (REMOTE_ROOM_SHORT_TIMEOUT, not exported). */
const HEALTH_CHECK_MS = 2000;
const SAMPLE_POD_IP = "10.244.3.17";

/** The environment the game container gets, the way the kubelet builds it: envFrom, then env with $(VAR) expanded. */
function podEnv(podIp = SAMPLE_POD_IP): Record<string, string> {
  const env: Record<string, string> = { ...imageEnv };
  for (const from of gameContainer.envFrom ?? []) Object.assign(env, get("ConfigMap", from.configMapRef!.name).data);
  for (const e of gameContainer.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value.replace(/\$\(([A-Za-z_]\w*)\)/g, (m, v: string) => env[v] ?? m);
    else if (e.valueFrom?.fieldRef?.fieldPath === "status.podIP") env[e.name] = podIp;
    else if (e.valueFrom?.configMapKeyRef) env[e.name] = get("ConfigMap", e.valueFrom.configMapKeyRef.name).data![e.valueFrom.configMapKeyRef.key]!;
    else throw new Error(`env ${e.name}: a source this test does not know`);
  }
  return env;
}

function serverConfig(env: Record<string, string>): Config {
  return loadConfig(Object.fromEntries(Object.entries(env).filter(([k]) => !NOT_SERVER_CONFIG.has(k))));
}

/** A probe's or a Service's port, by number or by the container port's name. */
function portNumber(c: Container, port: number | string): number | undefined {
  return typeof port === "number" ? port : c.ports?.find((p) => p.name === port)?.containerPort;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

const routerConf = get("ConfigMap", "router-config").data!["default.conf"]!;
/** The router's pod route, as nginx reads it (a PCRE that JavaScript reads the same way). */
const podRoute = new RegExp(/location ~ "([^"]+)"/.exec(routerConf)![1]!);

describe("deploy/k8s manifests", () => {
  it("parse, and every namespaced object lives in the Namespace they create", () => {
    expect(files.length).toBeGreaterThan(0);
    const ns = get("Namespace", "container-city").metadata.name;
    for (const o of objects) {
      expect(o.apiVersion && o.kind && o.metadata?.name, `${o.file}: apiVersion, kind, metadata.name`).toBeTruthy();
      if (o.kind !== "Namespace") expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(ns);
    }
    // kubectl apply -f applies a directory's files in name order: the Namespace must come first.
    expect(objects[0]!.kind).toBe("Namespace");
  });

  it("select, in every Deployment and StatefulSet, the labels of its own pods", () => {
    expect(workloads.map((w) => w.kind)).toContain("StatefulSet");
    for (const d of workloads) expect(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels), d.metadata.name).toBe(true);
  });

  it("run every pod as non-root, without privilege escalation or capabilities, with resources set (Pod Security 'restricted')", () => {
    // The volume types 'restricted' admits.
    const allowedVolumes = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
    for (const d of workloads) {
      const pod = d.spec.template.spec;
      for (const v of (pod.volumes ?? []) as Record<string, unknown>[]) {
        for (const type of Object.keys(v).filter((k) => k !== "name")) expect(allowedVolumes.has(type), `${d.metadata.name}: volume ${String(v.name)} of type ${type}`).toBe(true);
      }
      expect(pod.securityContext?.runAsNonRoot, `${d.metadata.name}: runAsNonRoot`).toBe(true);
      expect(pod.securityContext?.runAsUser, `${d.metadata.name}: a numeric non-root user`).toBeGreaterThan(0);
      expect(pod.securityContext?.seccompProfile?.type).toBe("RuntimeDefault");
      for (const c of pod.containers as Container[]) {
        const where = `${d.metadata.name}/${c.name}`;
        expect(c.securityContext?.allowPrivilegeEscalation, where).toBe(false);
        expect(c.securityContext?.capabilities?.drop, where).toEqual(["ALL"]);
        expect(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${where}: requests`).toBeTruthy();
        expect(c.resources?.limits?.memory, `${where}: a memory limit`).toBeTruthy();
        expect(c.image, `${where}: a pinned tag, not latest`).toMatch(/:(?!latest$)[\w.-]+$/);
      }
    }
  });

  it("send every Service to pods that exist, on a port their container declares", () => {
    for (const s of objects.filter((o) => o.kind === "Service")) {
      const d = workloads.find((x) => matches(s.spec.selector, x.spec.template.metadata.labels));
      expect(d, `Service ${s.metadata.name} selects a Deployment's or StatefulSet's pods`).toBeDefined();
      for (const p of s.spec.ports as { port: number; targetPort: number | string }[]) {
        expect(portNumber(d!.spec.template.spec.containers[0], p.targetPort), `Service ${s.metadata.name} targetPort ${p.targetPort}`).toBeDefined();
      }
    }
  });
});

describe("the game Deployment", () => {
  it("runs the Dockerfile's image as its USER, with its CMD, on the port it EXPOSEs and the server listens on", () => {
    expect(game.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(gameContainer.image).toMatch(/(^|\/)container-city:[\w.-]+$/);
    expect(gameContainer.command, "the image's CMD (node server/main.ts) is the entry point").toBeUndefined();
    expect(gameContainer.args).toBeUndefined();
    const expose = all(final, "EXPOSE").map((e) => Number(e.args));
    expect(gameContainer.ports?.map((p) => p.containerPort)).toEqual(expose);
    expect(serverConfig(podEnv()).PORT).toBe(expose[0]);
    // USER node in the Dockerfile: uid 1000 in the node images.
    expect(last(final, "USER")?.args).toBe("node");
    expect(game.spec.template.spec.securityContext.runAsUser).toBe(1000);
  });

  it("gives the server an environment server/config.ts accepts, with a PUBLIC_ADDRESS of its own per pod", () => {
    const config = serverConfig(podEnv());
    expect(config.REDIS_URL).toBeDefined();
    expect(config.PUBLIC_ADDRESS).toBe(`${gameConfig.data!.PUBLIC_HOST}/pod/${SAMPLE_POD_IP}`);
    expect(serverConfig(podEnv("10.244.0.9")).PUBLIC_ADDRESS).not.toBe(config.PUBLIC_ADDRESS);
    // Every variable of the ConfigMap reaches the server (zod drops those it does not know).
    for (const k of Object.keys(gameConfig.data!)) if (!NOT_SERVER_CONFIG.has(k)) expect(Object.keys(config), `server/config.ts does not read ${k}`).toContain(k);
    expect(config.TRUST_PROXY, "behind the router, the students' addresses come in X-Forwarded-For").toBe(true);
  });

  it("keeps its classes in the store every pod shares (Redis), nothing on the pod's disk, the root filesystem read-only", () => {
    const config = serverConfig(podEnv());
    expect(config.STORE_DRIVER, "a per-pod SQLite store would lose a removed pod's classes").toBe("redis");
    expect(storeRedisUrl(config)).toBeDefined();
    expect(gameContainer.securityContext.readOnlyRootFilesystem).toBe(true);
    // A volume where the image keeps the SQLite store would hold nothing: a leftover of per-pod stores.
    expect(gameContainer.volumeMounts?.find((m) => m.mountPath === path.posix.dirname(config.STORE_PATH))).toBeUndefined();
    for (const v of game.spec.template.spec.volumes ?? []) expect(v.persistentVolumeClaim, `${v.name}: game pods hold no claim`).toBeUndefined();
  });

  it("lets a SIGTERM run its course: readiness fails within SHUTDOWN_GRACE_MS, the kill comes after the server's hard exit", () => {
    const config = serverConfig(podEnv());
    const readiness = gameContainer.readinessProbe;
    expect(readiness.periodSeconds * readiness.failureThreshold * 1000).toBeLessThanOrEqual(config.SHUTDOWN_GRACE_MS);
    expect(config.SHUTDOWN_GRACE_MS).toBeLessThan(HARD_EXIT_MS);
    expect(game.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(HARD_EXIT_MS);
  });

  it("is scaled by an autoscaling/v2 HPA on CPU, down one pod at a time, and a PDB that never takes the last pod", () => {
    const hpa = get("HorizontalPodAutoscaler", "game");
    expect(hpa.apiVersion).toBe("autoscaling/v2");
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: game.metadata.name });
    expect(hpa.spec.minReplicas).toBe(game.spec.replicas);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics).toContainEqual(expect.objectContaining({ type: "Resource", resource: expect.objectContaining({ name: "cpu" }) }));
    expect(gameContainer.resources?.requests?.cpu, "CPU utilization is measured against the request").toBeTruthy();
    // Scale-down is safe only because a removed pod's classes are taken over from the shared store.
    expect(serverConfig(podEnv()).STORE_DRIVER).toBe("redis");
    const down = hpa.spec.behavior?.scaleDown;
    expect(down, "scaleDown behavior is spelled out").toBeDefined();
    expect(down.selectPolicy ?? "Max", "scale-down enabled").not.toBe("Disabled");
    expect(down.policies?.length, "a bounded scale-down").toBeGreaterThan(0);
    const grace = game.spec.template.spec.terminationGracePeriodSeconds * 1000;
    for (const p of down.policies as { type: string; value: number; periodSeconds: number }[]) {
      // Each removal pauses the classes of one pod until it is taken over.
      expect(p.type, "a number of pods, not a percentage").toBe("Pods");
      expect(p.value, "at most one pod per period").toBe(1);
      // The next pod goes only once the previous one has exited and its classes have been taken over.
      expect(p.periodSeconds * 1000).toBeGreaterThan(grace + TAKEOVER_EVERY_MS + HEALTH_CHECK_MS);
    }
    // Not on every dip of CPU (Kubernetes's default is 300 s; 0 would follow each sample).
    expect(down.stabilizationWindowSeconds ?? 300).toBeGreaterThanOrEqual(60);

    const pdb = get("PodDisruptionBudget", "game");
    expect(pdb.apiVersion).toBe("policy/v1");
    expect(matches(pdb.spec.selector.matchLabels, game.spec.template.metadata.labels)).toBe(true);
    const allowed = pdb.spec.maxUnavailable ?? hpa.spec.minReplicas - pdb.spec.minAvailable;
    expect(allowed, "a drain can proceed").toBeGreaterThanOrEqual(1);
    expect(allowed, "a drain never empties the game").toBeLessThan(hpa.spec.minReplicas);
  });
});

/** The one Redis workload the game's store uses, through the Service its URL names. */
function storeRedis(): { url: URL; svc: Obj; set: Obj; container: Container } {
  const url = new URL(storeRedisUrl(serverConfig(podEnv()))!);
  const svc = get("Service", url.hostname);
  const set = workloads.find((w) => matches(svc.spec.selector, w.spec.template.metadata.labels));
  if (!set) throw new Error(`Service ${url.hostname} selects no pods`);
  return { url, svc, set, container: set.spec.template.spec.containers[0] as Container };
}

/** Bytes in a Kubernetes quantity ("1Gi", "512M") or a Redis memory size ("640mb", "1gb", "1g"). */
function k8sBytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] ? units[m[2]]! : 1);
}
function redisBytes(v: string): number {
  const m = /^(\d+)(kb|mb|gb|k|m|g)?$/i.exec(v);
  if (!m) throw new Error(`not a Redis memory size: ${v}`);
  const units: Record<string, number> = { kb: 2 ** 10, mb: 2 ** 20, gb: 2 ** 30, k: 1e3, m: 1e6, g: 1e9 };
  return Number(m[1]) * (m[2] ? units[m[2].toLowerCase()]! : 1);
}

describe("the Redis of presence and the class store", () => {
  it("is the one REDIS_URL names, and the one the store uses: a Service of these files, on its port", () => {
    const config = serverConfig(podEnv());
    expect(config.REDIS_URL).toBeDefined();
    const { url, svc, set, container } = storeRedis();
    expect(svc.spec.ports.map((p: { port: number }) => p.port)).toContain(Number(url.port || 6379));
    expect(set.kind, "a StatefulSet: its volume is a claim of its own").toBe("StatefulSet");
    expect(set.spec.replicas, "one Redis: the store's scripts need a single Redis, not a cluster").toBe(1);
    expect(container.image).toMatch(/^redis:\d/);
    expect(Number(redisOption(container.args ?? [], "port") ?? 6379)).toBe(portNumber(container, svc.spec.ports[0].targetPort));
  });

  it("persists: AOF fsync'd every second, in its data directory on a PersistentVolumeClaim", () => {
    const { set, container } = storeRedis();
    const args = container.args ?? [];
    expect(container.command, "the image's entrypoint runs redis-server with these options").toBeUndefined();
    expect(args[0]).toBe("redis-server");
    expect(redisOption(args, "appendonly")).toBe("yes");
    expect(redisOption(args, "appendfsync") ?? "everysec", "at most a second of writes lost, like the SQLite store").toBe("everysec");
    const dir = redisOption(args, "dir") ?? "/data";
    const mount = container.volumeMounts?.find((m) => m.mountPath === dir);
    expect(mount, `a volume at ${dir}`).toBeDefined();
    const claims = (set.spec.volumeClaimTemplates ?? []) as { metadata: { name: string }; spec: { accessModes: string[]; resources: { requests: { storage: string } } } }[];
    const claim = claims.find((c) => c.metadata.name === mount!.name);
    expect(claim, `${mount!.name} is a volumeClaimTemplate, not an emptyDir`).toBeDefined();
    expect((set.spec.template.spec.volumes ?? []).map((v: { name: string }) => v.name)).not.toContain(mount!.name);
    expect(claim!.spec.accessModes).toEqual(["ReadWriteOnce"]);
    expect(k8sBytes(claim!.spec.resources.requests.storage)).toBeGreaterThanOrEqual(2 ** 30);
    // A StatefulSet needs a governing Service; a headless one gives its pod a DNS name.
    const governing = get("Service", set.spec.serviceName);
    expect(governing.spec.clusterIP).toBe("None");
    expect(matches(governing.spec.selector, set.spec.template.metadata.labels)).toBe(true);
  });

  it("never evicts, and refuses writes before its container reaches its memory limit", () => {
    const { container } = storeRedis();
    const args = container.args ?? [];
    expect(redisOption(args, "maxmemory-policy")).toBe("noeviction");
    const maxmemory = redisOption(args, "maxmemory");
    expect(maxmemory, "a maxmemory, or the kernel's OOM kill comes first").toBeDefined();
    expect(redisBytes(maxmemory!)).toBeGreaterThan(0);
    expect(redisBytes(maxmemory!), "room for the AOF rewrite's fork and the buffers").toBeLessThan(k8sBytes(container.resources!.limits!.memory!) * 0.8);
  });

  it("runs as the image's redis user, its volume writable by its group, on a read-only root filesystem", () => {
    const { set, container } = storeRedis();
    const pod = set.spec.template.spec.securityContext;
    // uid 999 in the official redis images; running as it, the entrypoint needs no root to drop.
    expect(pod.runAsUser).toBe(999);
    expect(pod.fsGroup, "the claim is made writable by the group Redis runs as").toBe(pod.runAsGroup);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it("is reachable only from game pods", () => {
    const { set } = storeRedis();
    const policy = objects.find((o) => o.kind === "NetworkPolicy" && matches(o.spec.podSelector.matchLabels, set.spec.template.metadata.labels));
    expect(policy, "a NetworkPolicy in front of the password-less Redis").toBeDefined();
    expect(policy!.spec.policyTypes).toContain("Ingress");
    expect(policy!.spec.ingress.flatMap((r: { from: { podSelector: { matchLabels: Record<string, string> } }[] }) => r.from.map((f) => f.podSelector.matchLabels))).toEqual([
      expect.objectContaining({ "app.kubernetes.io/component": "game" }),
    ]);
  });

  it("has no password written in the manifests (one would come from a Secret)", () => {
    for (const cm of objects.filter((o) => o.kind === "ConfigMap")) {
      for (const [k, v] of Object.entries(cm.data ?? {})) if (/^rediss?:\/\//.test(v)) expect(literalRedisPassword(v), `${cm.metadata.name} ${k}`).toBeUndefined();
    }
    for (const e of gameContainer.env ?? []) if (e.value && /^rediss?:\/\//.test(e.value)) expect(literalRedisPassword(e.value), e.name).toBeUndefined();
    const pass = redisOption(storeRedis().container.args ?? [], "requirepass");
    if (pass !== undefined) expect(pass, "--requirepass from an env var of a Secret").toMatch(/^\$\(\w+\)$/);
  });
});

describe("the router", () => {
  it("listens on the port its container declares, with its configuration mounted where nginx reads it", () => {
    const router = get("Deployment", "router");
    const c = router.spec.template.spec.containers[0] as Container;
    const listen = Number(/^\s*listen\s+(\d+);/m.exec(routerConf)![1]);
    expect(c.ports?.map((p) => p.containerPort)).toEqual([listen]);
    const volume = router.spec.template.spec.volumes.find((v: { configMap?: { name: string } }) => v.configMap?.name === "router-config");
    expect(c.volumeMounts?.find((m) => m.name === volume.name)?.mountPath).toBe("/etc/nginx/conf.d");
    expect(get("Service", "router").spec.type).toBe("LoadBalancer");
  });

  it("sends everything but the pod route to the game Service on its port", () => {
    const fallback = /location \/ \{[^}]*proxy_pass http:\/\/([\w-]+):(\d+);/.exec(routerConf)!;
    expect(fallback, "location / proxies to a Service").not.toBeNull();
    const svc = get("Service", fallback[1]!);
    expect(svc.spec.ports.map((p: { port: number }) => p.port)).toContain(Number(fallback[2]));
    expect(matches(svc.spec.selector, game.spec.template.metadata.labels)).toBe(true);
  });

  it("routes a pod's WebSocket path to that pod's IP on the game's port, and nothing else", () => {
    const config = serverConfig(podEnv());
    const pathPart = config.PUBLIC_ADDRESS!.slice(config.PUBLIC_ADDRESS!.indexOf("/"));
    const m = podRoute.exec(`${pathPart}/aBc_12-3/ABC123`);
    expect(m?.[1]).toBe(SAMPLE_POD_IP);
    expect(routerConf).toMatch(new RegExp(`proxy_pass http://\\$1:${config.PORT};`));
    for (const other of ["/pod/metadata.google.internal/x/y", "/pod/10.0.0.1:22/x/y", "/api/classes", "/x/pod/10.0.0.1/a/b"]) expect(podRoute.test(other), other).toBe(false);
  });
});

// The real server, with a PUBLIC_ADDRESS of the k8s form pointing at itself (no router here: the
// router passes the path unchanged), so a real join shows the client and the server agree on it.
let app: App;
let port: number;
const upgrades: string[] = [];
beforeAll(async () => {
  port = await freePort();
  const env: Record<string, string> = { ...podEnv("127.0.0.1"), PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "silent", STORE_PATH: ":memory:", PUBLIC_ADDRESS: `127.0.0.1:${port}/pod/127.0.0.1` };
  // One process, no Redis: the address alone decides where the client connects.
  delete env.REDIS_URL;
  env.STORE_DRIVER = "sqlite";
  app = createApp(serverConfig(env), { gracefullyShutdown: false });
  await app.server.listen(port, "127.0.0.1");
  app.server.transport.server!.on("upgrade", (req: { url: string }) => upgrades.push(req.url));
});
afterAll(async () => {
  await app?.server.gracefullyShutdown(false);
});

describe("the game's probes and pod address, against the real server", () => {
  it("answers the liveness, readiness and startup probes' paths on the probed port", async () => {
    for (const probe of [gameContainer.livenessProbe, gameContainer.readinessProbe, gameContainer.startupProbe]) {
      expect(portNumber(gameContainer, probe.httpGet.port)).toBe(serverConfig(podEnv()).PORT);
      expect((await fetch(`http://127.0.0.1:${port}${probe.httpGet.path}`)).status, probe.httpGet.path).toBe(200);
    }
    expect(gameContainer.livenessProbe.httpGet.path).toBe("/healthz");
    expect(gameContainer.readinessProbe.httpGet.path).toBe("/readyz");
  });

  it("takes a student's WebSocket on the /pod/<ip>/ path it announces", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/classes`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(201);
    const cls = (await res.json()) as CreateClassResponse;
    const room = await new Client(`http://127.0.0.1:${port}`).joinById(cls.code, { name: "Kay" });
    try {
      const url = upgrades.find((u) => u.includes(cls.code));
      expect(url).toBeDefined();
      expect(url!.split("?")[0]).toBe(`/pod/127.0.0.1/${matchMaker.processId}/${cls.code}`);
      expect(podRoute.exec(url!)?.[1]).toBe("127.0.0.1");
    } finally {
      await room.leave();
    }
  });
});
