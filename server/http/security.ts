/**
 * HTTP hardening, in front of everything the server answers: security headers (helmet, with a
 * Content-Security-Policy the built client runs under), CORS limited to the public origin, and
 * per-address rate limits on the endpoints that create things or can be guessed at.
 *
 * Colyseus answers its own routes (POST /matchmake/..., CORS preflights) before the express app
 * sees the request, so middleware added to that app never runs for them. This module's `front`
 * app is therefore put in front of the HTTP server's request listeners (putInFront), the way
 * Colyseus itself wraps them to pre-read bodies; the per-route limiters are also exported for the
 * express routes in app.config.ts.
 */
import type { IncomingMessage, RequestListener, Server as HttpServer, ServerResponse } from "node:http";
import express, { type Request } from "express";
import helmet from "helmet";
import cors from "cors";
import { MemoryStore, rateLimit, type RateLimitRequestHandler } from "express-rate-limit";
import { matchMaker } from "@colyseus/core";
import type { Config } from "../config.ts";

/**
 * TRUST_PROXY=true means one reverse proxy in front: req.ip is the address that proxy saw. Trusting
 * every hop (`true`) would take the leftmost X-Forwarded-For entry, which any client can write, and
 * so slip past every per-address limit.
 */
export function trustProxySetting(config: Pick<Config, "TRUST_PROXY">): number | false {
  return config.TRUST_PROXY ? 1 : false;
}

/** A Host header that can go into a CSP source without bending it (no spaces, `;` or `,`). */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function httpsPublicUrl(config: Pick<Config, "PUBLIC_URL">): boolean {
  return config.PUBLIC_URL?.startsWith("https:") ?? false;
}

/**
 * The CSP the built client (client/dist) runs under, checked in Chromium by test/e2e/csp.test.ts.
 * Phaser draws with WebGL and makes its default textures from data: URIs; the SDK's WebSocket goes
 * to the page's own host, which `'self'` covers in current browsers and the explicit ws:/wss:
 * source covers in older Safari. Nothing is loaded from another origin (system fonts only).
 */
function contentSecurityPolicy(config: Pick<Config, "PUBLIC_URL">) {
  const sameHostSockets = (req: IncomingMessage): string => {
    const host = req.headers.host ?? "";
    return PLAIN_HOST.test(host) ? `'self' ws://${host} wss://${host}` : "'self'";
  };
  return {
    useDefaults: false,
    directives: {
      "default-src": ["'self'"],
      "base-uri": ["'self'"],
      "script-src": ["'self'"],
      "script-src-attr": ["'none'"],
      "style-src": ["'self'"],
      "img-src": ["'self'", "data:", "blob:"],
      "font-src": ["'self'"],
      "connect-src": [sameHostSockets],
      "worker-src": ["'self'", "blob:"],
      "object-src": ["'none'"],
      "form-action": ["'self'"],
      "frame-ancestors": ["'self'"],
      // Classrooms run this over plain HTTP on a LAN: upgrading would break every request there.
      ...(httpsPublicUrl(config) ? { "upgrade-insecure-requests": [] } : {}),
    },
  };
}

/** The origin browsers may call the API from, besides the page's own: PUBLIC_URL's, when set. */
export function allowedOrigin(config: Pick<Config, "PUBLIC_URL">): string | null {
  return config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : null;
}

/** Same origin: the Origin header names the host the request was sent to. */
function sameOrigin(req: Request, origin: string): boolean {
  try {
    return new URL(origin).host === req.get("host");
  } catch {
    return false;
  }
}

export interface HttpSecurity {
  /** Put in front of every request listener of the server (call once it listens: Colyseus binds its own then). */
  install(server: HttpServer): void;
  /** Per-address limiters for app.config.ts's routes. */
  limit: {
    createClass: RateLimitRequestHandler;
    listClasses: RateLimitRequestHandler;
    report: RateLimitRequestHandler;
    replay: RateLimitRequestHandler;
    qr: RateLimitRequestHandler;
    manifests: RateLimitRequestHandler;
    /** Failed look-ups by class code or key, shared by every route that takes one, the matchmaker's included. */
    guesses: RateLimitRequestHandler;
  };
  /** Stop the limiters' timers. */
  close(): Promise<void>;
}

const TOO_MANY = "Too many requests: wait a moment and try again.";

/**
 * A token bucket of `perSecond` on average and `burst` at once, as a fixed window: `burst`
 * requests per burst/perSecond seconds. The long-run rate is the same; at a window's edge a
 * client may get up to two bursts back to back.
 */
function bucket(perSecond: number, burst: number, store: MemoryStore): RateLimitRequestHandler {
  const limit = Math.max(1, Math.floor(burst));
  return rateLimit({
    windowMs: Math.max(1000, Math.round((limit / perSecond) * 1000)),
    limit,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    message: { error: TOO_MANY },
    store,
  });
}

export function createHttpSecurity(config: Config): HttpSecurity {
  const trustProxy = trustProxySetting(config);
  const stores: MemoryStore[] = [];
  const store = () => {
    const s = new MemoryStore();
    stores.push(s);
    return s;
  };
  const limit = {
    createClass: bucket(config.CLASS_CREATE_PER_MINUTE / 60, config.CLASS_CREATE_BURST, store()),
    listClasses: bucket(1, 10, store()),
    report: bucket(1, 10, store()),
    replay: bucket(1, 10, store()),
    qr: bucket(5, 20, store()),
    manifests: bucket(2, 10, store()),
    guesses: rateLimit({
      windowMs: 60_000,
      limit: config.LOOKUP_FAILURES_PER_MINUTE,
      // Only misses count: a school behind one NAT joins hundreds of times a minute, all hits.
      skipSuccessfulRequests: true,
      standardHeaders: "draft-8",
      legacyHeaders: false,
      // `code` and `error` are what the SDK's MatchMakeError reads from a refused join.
      message: { code: 429, error: TOO_MANY },
      store: store(),
    }),
  };

  // Colyseus reflects any Origin, with credentials, on every response it touches (its routes and
  // the express app's alike). The `cors` middleware below decides instead.
  matchMaker.controller.DEFAULT_CORS_HEADERS = {} as typeof matchMaker.controller.DEFAULT_CORS_HEADERS;
  matchMaker.controller.getCorsHeaders = () => ({});

  const publicOrigin = allowedOrigin(config);
  const front = express();
  front.disable("x-powered-by");
  front.set("trust proxy", trustProxy);
  front.use(
    helmet({
      contentSecurityPolicy: contentSecurityPolicy(config),
      // HSTS only where the server is meant to be reached over HTTPS; a LAN address is plain HTTP.
      strictTransportSecurity: httpsPublicUrl(config) ? { maxAge: 180 * 24 * 3600 } : false,
    }),
  );
  front.use(
    cors((req, cb) => {
      const origin = req.headers.origin;
      const ok = origin !== undefined && (origin === publicOrigin || sameOrigin(req as Request, origin));
      cb(null, { origin: ok, methods: ["GET", "HEAD", "POST"], allowedHeaders: ["content-type", "x-teacher-key"], maxAge: 600 });
    }),
  );
  // Joining by code is the cheapest way to test a guess; the matchmaker answers a miss with 4xx/5xx.
  front.use("/matchmake", limit.guesses);

  return {
    install(server) {
      const behind = server.listeners("request") as RequestListener[];
      server.removeAllListeners("request");
      server.on("request", (req: IncomingMessage, res: ServerResponse) => {
        const handle = front as unknown as (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
        handle(req, res, (err?: unknown) => {
          if (err) {
            res.statusCode = 500;
            res.end();
            return;
          }
          for (const listener of behind) listener.call(server, req, res);
        });
      });
    },
    limit,
    async close() {
      for (const s of stores) s.shutdown();
    },
  };
}
