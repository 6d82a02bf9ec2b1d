/**
 * The server's definition (rooms, HTTP routes, transport, class store), separate from the process
 * entry (main.ts) so that tests boot exactly this with @colyseus/testing. After listen(), call
 * app.resumeClasses() to bring back the classes a restart interrupted (main.ts does).
 */
import path from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import express, { type Request } from "express";
import QRCode from "qrcode";
import { defineRoom, defineServer, matchMaker, type Server } from "@colyseus/core";
import { Encoder } from "@colyseus/schema";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { MAX_FILE_MESSAGE_BYTES, ROOM_NAME, createClassSchema, type CreateClassResponse } from "../shared/protocol/messages.ts";
import { describeIssues } from "../shared/sim/command-schema.ts";
import { loadConfig, type Config } from "./config.ts";
import { createLogger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";
import { ClassRoom, type ClassRoomOptions } from "./rooms/class-room.ts";
import { generateClassCode, normalizeClassCode } from "./class-code.ts";
import { cryptoRandom, randomToken, sha256 } from "./secrets.ts";
import { classForKeys, keyHeader, saveLiveClass } from "./http/class-access.ts";
import { createHttpSecurity, trustProxySetting } from "./http/security.ts";
import type { ServerContext } from "./context.ts";
import { lessonSummary, loadLessons } from "./lessons.ts";
import { createClassStore, type ClassMeta, type ClassStore } from "./store/index.ts";
import { finishClass, loadReport, toCSV, toJSON, toMarkdownPostmortem } from "./reports/index.ts";
import { scaleOptions } from "./scale.ts";
import { replayRoute } from "./reports/replay-routes.ts";
import { ClassOwners } from "./takeover.ts";

/**
 * A class's full state (sent to every late joiner) outgrows the schema encoder's 16 KB default at
 * about 30 students; the encoder's grow-on-overflow path then handed late joiners a corrupt state
 * (measured with bench/load.ts). Size it for a large class up front: 1 MB per class.
 */
Encoder.BUFFER_SIZE = 1024 * 1024;

const CLIENT_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../client/dist");
/** A frame may hold the largest file message (lesson YAML, kubectl apply) plus its framing. */
const MAX_WS_PAYLOAD = MAX_FILE_MESSAGE_BYTES + 16 * 1024;

export interface App {
  server: Server;
  ctx: ServerContext;
  /**
   * Boot maintenance, once the server listens: the retention clean-up, then every class left open
   * by a restart or a crash re-created from the store (paused, same code and teacher key), and
   * those idle for longer than IDLE_TIMEOUT_SECONDS ended with their report instead. With a store
   * shared by several processes, only classes whose process is gone (server/takeover.ts), and the
   * same again every few seconds: a class whose process died is taken over by a live one.
   */
  resumeClasses(): Promise<ResumeSummary>;
  /** Stop the timers and close the store; the default onShutdown calls it (call it from yours if you replace it). */
  close(): Promise<void>;
}

export interface ResumeSummary {
  resumed: string[];
  failed: string[];
  /** Ended at boot: open in the store but idle too long to resume. Finished in the background; see `finishing`. */
  stale: string[];
  finishing: Promise<void>;
}

/** How often old classes are deleted when STORE_RETENTION_DAYS > 0. */
const RETENTION_EVERY_MS = 6 * 60 * 60 * 1000;
/** How often a process sharing its store looks for classes whose process is gone. */
const TAKEOVER_EVERY_MS = 5000;
const REPORT_FORMATS = {
  json: { type: "application/json; charset=utf-8", render: toJSON },
  csv: { type: "text/csv; charset=utf-8", render: (r: Parameters<typeof toCSV>[0]) => toCSV(r) },
  md: { type: "text/markdown; charset=utf-8", render: toMarkdownPostmortem },
} as const;

function publicBase(config: Config, req: Request): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/$/, "");
  return `${req.protocol}://${req.get("host") ?? `localhost:${config.PORT}`}`;
}


export function createApp(config: Config = loadConfig(), opts: { gracefullyShutdown?: boolean; store?: ClassStore } = {}): App {
  const logger = createLogger(config.LOG_LEVEL);
  const metrics = createMetrics();
  const store = opts.store ?? createClassStore(config);
  const ctx: ServerContext = {
    config, logger, metrics, codeSetKey: "container-city:class-codes", shuttingDown: false, lessons: loadLessons(logger),
    store, persistent: config.STORE_DRIVER === "redis" || config.STORE_PATH !== ":memory:",
  };
  ClassRoom.context = ctx;
  const background = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    background.add(p);
    void p.finally(() => background.delete(p)).catch(() => undefined);
    return p;
  };

  async function retention(): Promise<void> {
    if (config.STORE_RETENTION_DAYS <= 0) return;
    try {
      const deleted = await store.deleteOlderThan(config.STORE_RETENTION_DAYS);
      if (deleted > 0) logger.info({ deleted, days: config.STORE_RETENTION_DAYS }, "deleted old classes from the store");
    } catch (err) {
      logger.error({ err }, "retention clean-up failed");
    }
  }
  const retentionTimer = config.STORE_RETENTION_DAYS > 0 ? setInterval(() => void track(retention()), RETENTION_EVERY_MS).unref() : null;
  const owners = new ClassOwners(store);
  let takeoverTimer: NodeJS.Timeout | null = null;

  const security = createHttpSecurity(config);
  const transport = new WebSocketTransport({ maxPayload: MAX_WS_PAYLOAD });
  const server = defineServer({
    transport,
    greet: false,
    logger,
    gracefullyShutdown: opts.gracefullyShutdown ?? true,
    // Redis presence and driver, and this process's public address, when REDIS_URL is set.
    ...scaleOptions(config),
    rooms: { [ROOM_NAME]: defineRoom(ClassRoom) },
    express: (app) => {
      app.set("trust proxy", trustProxySetting(config));
      app.disable("x-powered-by");
      app.use(express.json({ limit: "16kb" }));

      app.get("/healthz", (_req, res) => {
        res.json({ ok: true });
      });
      app.get("/readyz", (_req, res) => {
        if (ctx.shuttingDown) res.status(503).json({ ready: false, reason: "shutting down" });
        else res.json({ ready: true });
      });
      app.get("/metrics", async (_req, res) => {
        res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      });

      app.post("/api/classes", security.limit.createClass, async (req, res) => {
        const body = createClassSchema.safeParse(req.body ?? {});
        if (!body.success) {
          res.status(400).json({ error: describeIssues(body.error) });
          return;
        }
        if (ctx.shuttingDown) {
          res.status(503).json({ error: "The server is restarting; try again in a few seconds." });
          return;
        }
        const lesson = body.data.lesson !== undefined ? ctx.lessons.get(body.data.lesson) : undefined;
        if (body.data.lesson !== undefined && !lesson) {
          res.status(400).json({ error: `lesson: no lesson called "${body.data.lesson}" (see GET /api/lessons)` });
          return;
        }
        const presence = matchMaker.presence;
        // Taken: open in some process (the presence set), or kept in the store (an ended class's
        // code stays its own until retention deletes it, so old reports never change hands).
        const code = await generateClassCode(cryptoRandom, async (c) => {
          if ((await presence.sadd(ctx.codeSetKey, c)) === 0) return true;
          if (!(await store.getClass(c))) return false;
          await presence.srem(ctx.codeSetKey, c);
          return true;
        });
        const teacherKey = randomToken(24);
        const displayKey = randomToken(18);
        const base = publicBase(config, req);
        const joinUrl = `${base}/?code=${code}`;
        const options: ClassRoomOptions = {
          code,
          teacherKeyHash: sha256(teacherKey),
          displayKeyHash: sha256(displayKey),
          displayKey,
          joinUrl,
          mode: lesson && lesson.mode !== "any" ? lesson.mode : (body.data.mode ?? "kubernetes"),
          compression: body.data.compression ?? lesson?.compression ?? config.DEFAULT_COMPRESSION,
          lessonId: lesson?.id ?? null,
          seed: body.data.seed ?? Math.floor(Math.random() * 0xffffffff),
          maxStudents: Math.min(body.data.maxStudents ?? config.MAX_STUDENTS_PER_CLASS, config.MAX_STUDENTS_PER_CLASS),
        };
        try {
          await owners.own(code);
          await matchMaker.createRoom(ROOM_NAME, options);
        } catch (err) {
          await presence.srem(ctx.codeSetKey, code);
          logger.error({ err }, "could not create class");
          res.status(500).json({ error: "The class could not be created." });
          return;
        }
        const response: CreateClassResponse = {
          code,
          teacherKey,
          displayKey,
          joinUrl,
          // Keys travel in the fragment: browsers never send it to the server or to logs.
          hostUrl: `${base}/host.html#code=${code}&key=${teacherKey}`,
          displayUrl: `${base}/display.html#code=${code}&key=${displayKey}`,
        };
        res.status(201).json(response);
      });

      // A teacher's classes, by the key that opens them; a wrong key simply owns none.
      app.get("/api/classes", security.limit.listClasses, security.limit.guesses, async (req, res) => {
        res.set("cache-control", "no-store");
        const key = keyHeader(req, "x-teacher-key");
        if (!key) {
          res.status(401).json({ error: "Send your teacher key in the x-teacher-key header." });
          return;
        }
        const classes = await store.listClasses(sha256(key), { limit: 100 });
        res.json({
          classes: classes.map((c) => ({
            ...c,
            reports: { json: `/api/classes/${c.code}/report.json`, csv: `/api/classes/${c.code}/report.csv`, md: `/api/classes/${c.code}/report.md` },
          })),
        });
      });

      // The class report: the stored one once the class ended, else built from the store now.
      app.get("/api/classes/:code/report.:format", security.limit.report, security.limit.guesses, async (req, res) => {
        res.set("cache-control", "no-store");
        const format = req.params.format as string;
        const code = normalizeClassCode(req.params.code as string);
        const meta = Object.hasOwn(REPORT_FORMATS, format) ? await classForKeys(store, code, { teacherKey: keyHeader(req, "x-teacher-key") }) : null;
        if (!meta) {
          res.status(404).json({ error: "No class with that code and teacher key." });
          return;
        }
        await saveLiveClass(meta, logger, "report");
        const report = await loadReport(store, meta.code);
        if (!report) {
          res.status(404).json({ error: "No class with that code and teacher key." });
          return;
        }
        const f = REPORT_FORMATS[format as keyof typeof REPORT_FORMATS];
        res.type(f.type).attachment(`container-city-${meta.code}-report.${format}`).send(f.render(report));
      });

      // A class's seed and command log, for the replay page (teacher or display key; see replay-routes.ts).
      app.get("/api/classes/:code/replay.json", security.limit.replay, security.limit.guesses, replayRoute(store, logger));

      app.get("/api/lessons", (_req, res) => {
        res.json({ lessons: [...ctx.lessons.values()].map(lessonSummary) });
      });

      app.get("/api/classes/:code/qr.svg", security.limit.qr, security.limit.guesses, async (req, res) => {
        const code = normalizeClassCode(req.params.code);
        const room = code ? await matchMaker.getRoomById(code) : undefined;
        if (!code || !room) {
          res.status(404).json({ error: "No class with that code." });
          return;
        }
        const svg = await QRCode.toString(`${publicBase(config, req)}/?code=${code}`, { type: "svg", margin: 1, errorCorrectionLevel: "M" });
        res.type("image/svg+xml").send(svg);
      });

      // The key travels in a header, not the query string, which proxies write to their logs.
      app.get("/api/classes/:code/manifests.yaml", security.limit.manifests, security.limit.guesses, async (req, res) => {
        const code = normalizeClassCode(req.params.code);
        const key = keyHeader(req, "x-teacher-key");
        const room = code ? await matchMaker.getRoomById(code) : undefined;
        const r = room && key ? ((await matchMaker.remoteRoomCall(code!, "exportFor", [key])) as Awaited<ReturnType<ClassRoom["exportFor"]>>) : { ok: false as const };
        if (!r.ok) {
          res.status(404).json({ error: "No class with that code and teacher key." });
          return;
        }
        res.set("cache-control", "no-store").type("text/yaml").attachment(r.filename).send(r.body);
      });

      if (existsSync(CLIENT_DIST)) app.use(express.static(CLIENT_DIST, { index: "index.html", maxAge: "1h" }));
    },
  });
  // Only the join paths are open to browsers: classes are created through POST /api/classes.
  matchMaker.controller.exposedMethods = ["join", "joinById", "reconnect"];
  // Colyseus binds its own routes once it listens; the security front goes before them then.
  const listen = server.listen.bind(server);
  server.listen = (async (...args: Parameters<typeof listen>) => {
    const listening: unknown = await listen(...args);
    if (transport.server) security.install(transport.server);
    return listening;
  }) as typeof server.listen;

  /** Resume (or end, when idle too long) every open class of the store that is no live process's. */
  async function sweep(): Promise<ResumeSummary> {
    const summary: ResumeSummary = { resumed: [], failed: [], stale: [], finishing: Promise.resolve() };
    const since = Date.now() - config.IDLE_TIMEOUT_SECONDS * 1000;
    const stale: ClassMeta[] = [];
    owners.beginSweep();
    for (const meta of await store.listOpenClasses(0)) {
      if (ctx.shuttingDown) break;
      if (!(await owners.take(meta))) continue;
      if (meta.updatedAt < since) {
        stale.push(meta);
        continue;
      }
      const displayKey = randomToken(18);
      const options: ClassRoomOptions = {
        code: meta.code,
        teacherKeyHash: meta.teacherKeyHash,
        displayKeyHash: sha256(displayKey),
        displayKey,
        joinUrl: meta.joinUrl ?? `${(config.PUBLIC_URL ?? "").replace(/\/$/, "")}/?code=${meta.code}`,
        mode: meta.mode,
        compression: meta.compression,
        seed: meta.seed,
        maxStudents: Math.min(meta.maxStudents ?? config.MAX_STUDENTS_PER_CLASS, config.MAX_STUDENTS_PER_CLASS),
        lessonId: meta.lessonId,
        resume: true,
      };
      await matchMaker.presence.sadd(ctx.codeSetKey, meta.code);
      try {
        await matchMaker.createRoom(ROOM_NAME, options);
        summary.resumed.push(meta.code);
      } catch (err) {
        await matchMaker.presence.srem(ctx.codeSetKey, meta.code);
        summary.failed.push(meta.code);
        logger.error({ err, class: meta.code }, "could not resume a class");
      }
    }
    summary.stale = stale.map((m) => m.code);
    // Left open by a crash long ago: end them with their report, one at a time, in the background.
    summary.finishing = track((async () => {
      for (const m of stale) {
        try {
          await finishClass(store, m.code, m.updatedAt);
        } catch (err) {
          logger.error({ err, class: m.code }, "could not end a stale class");
        }
      }
    })());
    if (summary.resumed.length + summary.failed.length + stale.length > 0) {
      logger.info({ resumed: summary.resumed.length, failed: summary.failed.length, stale: stale.length }, "classes resumed from the store");
    }
    return summary;
  }

  async function resumeClasses(): Promise<ResumeSummary> {
    await retention();
    const summary = await sweep();
    if (owners.shared && !takeoverTimer) {
      let sweeping = false;
      takeoverTimer = setInterval(() => {
        if (sweeping || ctx.shuttingDown) return;
        sweeping = true;
        void track(sweep().catch((err: unknown) => logger.error({ err }, "could not look for classes to take over"))).finally(() => (sweeping = false));
      }, TAKEOVER_EVERY_MS).unref();
    }
    return summary;
  }

  let closing: Promise<void> | null = null;
  function close(): Promise<void> {
    closing ??= (async () => {
      if (retentionTimer) clearInterval(retentionTimer);
      if (takeoverTimer) clearInterval(takeoverTimer);
      await security.close();
      while (background.size > 0) await Promise.allSettled([...background]);
      await store.close();
    })();
    return closing;
  }
  server.onShutdown(close);

  return { server, ctx, resumeClasses, close };
}
