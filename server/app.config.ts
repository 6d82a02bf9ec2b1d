/**
 * The server's definition (rooms, HTTP routes, transport), separate from the process entry
 * (main.ts) so that tests boot exactly this with @colyseus/testing.
 */
import path from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import express, { type Request, type Response } from "express";
import QRCode from "qrcode";
import { defineRoom, defineServer, matchMaker, type Server } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { ROOM_NAME, createClassSchema, type CreateClassResponse } from "../shared/protocol/messages.ts";
import { describeIssues } from "../shared/sim/command-schema.ts";
import { loadConfig, type Config } from "./config.ts";
import { createLogger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";
import { ClassRoom, type ClassRoomOptions } from "./rooms/class-room.ts";
import { generateClassCode, normalizeClassCode } from "./class-code.ts";
import { cryptoRandom, randomToken, sha256 } from "./secrets.ts";
import { TokenBucket } from "./rate-limit.ts";
import type { ServerContext } from "./context.ts";
import { lessonSummary, loadLessons } from "./lessons.ts";

const CLIENT_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../client/dist");
const MAX_WS_PAYLOAD = 16 * 1024;

export interface App {
  server: Server;
  ctx: ServerContext;
}

/** Per-address token buckets for HTTP endpoints that create things or can be guessed at. */
function httpLimiter(rate: number, burst: number) {
  const buckets = new Map<string, TokenBucket>();
  return (req: Request, res: Response, next: () => void) => {
    const key = req.ip ?? "unknown";
    const now = Date.now();
    let b = buckets.get(key);
    if (!b) {
      if (buckets.size > 10_000) buckets.clear();
      buckets.set(key, (b = new TokenBucket(rate, burst, now)));
    }
    if (b.take(now)) return next();
    res.status(429).json({ error: "Too many requests: wait a moment and try again." });
  };
}

function publicBase(config: Config, req: Request): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/$/, "");
  return `${req.protocol}://${req.get("host") ?? `localhost:${config.PORT}`}`;
}

export function createApp(config: Config = loadConfig(), opts: { gracefullyShutdown?: boolean } = {}): App {
  const logger = createLogger(config.LOG_LEVEL);
  const metrics = createMetrics();
  const ctx: ServerContext = { config, logger, metrics, codeSetKey: "container-city:class-codes", shuttingDown: false, lessons: loadLessons(logger) };
  ClassRoom.context = ctx;

  const server = defineServer({
    transport: new WebSocketTransport({ maxPayload: MAX_WS_PAYLOAD }),
    greet: false,
    logger,
    gracefullyShutdown: opts.gracefullyShutdown ?? true,
    rooms: { [ROOM_NAME]: defineRoom(ClassRoom) },
    express: (app) => {
      if (config.TRUST_PROXY) app.set("trust proxy", true);
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

      app.post("/api/classes", httpLimiter(config.CLASS_CREATE_PER_MINUTE / 60, config.CLASS_CREATE_BURST), async (req, res) => {
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
        const code = await generateClassCode(cryptoRandom, async (c) => (await presence.sadd(ctx.codeSetKey, c)) === 0);
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

      app.get("/api/lessons", (_req, res) => {
        res.json({ lessons: [...ctx.lessons.values()].map(lessonSummary) });
      });

      app.get("/api/classes/:code/qr.svg", httpLimiter(5, 20), async (req, res) => {
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
      app.get("/api/classes/:code/manifests.yaml", httpLimiter(2, 10), async (req, res) => {
        const code = normalizeClassCode(req.params.code);
        const key = req.get("x-teacher-key") ?? "";
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
  return { server, ctx };
}
