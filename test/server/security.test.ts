/**
 * HTTP hardening (server/http/security.ts): headers, CORS and the per-address limits, first on a
 * bare HTTP server behind the security front (every configuration in one process), then on the
 * real server, whose matchmaker routes Colyseus answers without the express app.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MatchMakeError } from "@colyseus/sdk";
import { createHttpSecurity, type HttpSecurity } from "../../server/http/security.ts";
import { loadConfig } from "../../server/config.ts";
import { safeEqual, sha256 } from "../../server/secrets.ts";
import { bootServer, createClass, sdk, type Booted } from "./boot.ts";

interface Bare {
  url: string;
  server: Server;
  security: HttpSecurity;
  /** Requests that got past the front. */
  passed: string[];
}

/** A stand-in for Colyseus's listener: a miss for any /matchmake call to room "ZZZZZZ", a hit otherwise. */
async function bare(env: Record<string, string>): Promise<Bare> {
  const security = createHttpSecurity(loadConfig({ LOG_LEVEL: "silent", STORE_PATH: ":memory:", ...env }));
  const passed: string[] = [];
  const server = createServer((req, res) => {
    passed.push(`${req.method} ${req.url}`);
    const miss = req.url?.includes("ZZZZZZ") ?? false;
    res.writeHead(miss ? 522 : 200, { "content-type": "application/json" }).end(miss ? '{"code":522,"error":"not found"}' : "{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  security.install(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, security, passed };
}

async function closeBare(b: Bare | undefined): Promise<void> {
  if (!b) return;
  await b.security.close();
  await new Promise((r) => b.server.close(r));
}

const post = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });

describe("security front on plain HTTP (no PUBLIC_URL, no proxy)", () => {
  let b: Bare;
  beforeAll(async () => {
    b = await bare({ LOOKUP_FAILURES_PER_MINUTE: "3" });
  });
  afterAll(() => closeBare(b));

  it("sends the security headers and a CSP fit for a LAN: no HSTS, no upgrade to HTTPS", async () => {
    const res = await fetch(`${b.url}/matchmake/joinById/ABCDEF`, { method: "POST", body: "{}" });
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain(`connect-src 'self' ws://${new URL(b.url).host} wss://${new URL(b.url).host}`);
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(res.headers.get("strict-transport-security")).toBeNull();
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-powered-by")).toBeNull();
  });

  it("keeps a forged Host header out of the CSP", async () => {
    const { request } = await import("node:http");
    const csp = await new Promise<string>((resolve, reject) => {
      const u = new URL(b.url);
      const req = request({ host: u.hostname, port: u.port, path: "/x", headers: { host: "evil.example; script-src *" } }, (res) => {
        res.resume();
        resolve(String(res.headers["content-security-policy"] ?? ""));
      });
      req.on("error", reject);
      req.end();
    });
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toContain("evil");
  });

  it("answers CORS for the page's own origin only", async () => {
    const own = await fetch(`${b.url}/api/lessons`, { headers: { origin: b.url } });
    expect(own.headers.get("access-control-allow-origin")).toBe(b.url);
    const evil = await fetch(`${b.url}/api/lessons`, { headers: { origin: "http://evil.example" } });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${b.url}/matchmake/joinById/ABCDEF`, {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("limits failed look-ups per address, ignores X-Forwarded-For without TRUST_PROXY, and never counts hits", async () => {
    for (let i = 0; i < 10; i++) expect((await post(`${b.url}/matchmake/joinById/ABCDEF`)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await post(`${b.url}/matchmake/joinById/ZZZZZZ`)).status).toBe(522);
    const before = b.passed.length;
    // A forged header is not another address here: there is no proxy to have written it.
    const limited = await post(`${b.url}/matchmake/joinById/ABCDEF`, { "x-forwarded-for": "198.51.100.7" });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: 429 });
    expect(b.passed.length).toBe(before);
  });
});

describe("security front behind a proxy, with an HTTPS PUBLIC_URL", () => {
  let b: Bare;
  beforeAll(async () => {
    b = await bare({ LOOKUP_FAILURES_PER_MINUTE: "2", TRUST_PROXY: "true", PUBLIC_URL: "https://city.example.org/" });
  });
  afterAll(() => closeBare(b));

  it("adds HSTS and upgrade-insecure-requests, and allows the public origin", async () => {
    const res = await fetch(`${b.url}/api/lessons`, { headers: { origin: "https://city.example.org" } });
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    expect(res.headers.get("content-security-policy")).toContain("upgrade-insecure-requests");
    expect(res.headers.get("access-control-allow-origin")).toBe("https://city.example.org");
    const other = await fetch(`${b.url}/api/lessons`, { headers: { origin: "https://city.example.org.evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("keys the limit on the address the proxy saw (the last hop), not on what the client wrote before it", async () => {
    const via = (client: string, forged?: string) => ({ "x-forwarded-for": forged ? `${forged}, ${client}` : client });
    expect((await post(`${b.url}/matchmake/joinById/ZZZZZZ`, via("203.0.113.1"))).status).toBe(522);
    expect((await post(`${b.url}/matchmake/joinById/ZZZZZZ`, via("203.0.113.1", "10.9.9.9"))).status).toBe(522);
    // Rotating the forged entry does not buy new guesses.
    expect((await post(`${b.url}/matchmake/joinById/ZZZZZZ`, via("203.0.113.1", "10.9.9.10"))).status).toBe(429);
    // Another school behind the same proxy has its own budget.
    expect((await post(`${b.url}/matchmake/joinById/ZZZZZZ`, via("203.0.113.2"))).status).toBe(522);
  });
});

describe("keys are compared in constant time", () => {
  it("safeEqual compares digests, so inputs of different lengths take the same path", () => {
    const key = "k".repeat(32);
    expect(safeEqual(sha256(key), sha256(key))).toBe(true);
    expect(safeEqual(sha256(key), sha256(key + "x"))).toBe(false);
    expect(safeEqual("short", "a much longer string")).toBe(false);
    expect(safeEqual("", "")).toBe(true);
  });
});

describe("the real server", () => {
  let b: Booted;
  beforeAll(async () => {
    b = await bootServer(29_710, { LOOKUP_FAILURES_PER_MINUTE: "6", TRUST_PROXY: "true", CLASS_CREATE_PER_MINUTE: "60", CLASS_CREATE_BURST: "10" });
  });
  afterAll(async () => {
    await b.colyseus.shutdown();
  });

  it("puts the headers on Colyseus's own routes and stops them reflecting any origin", async () => {
    const cls = await createClass(b);
    const res = await post(`${b.url}/matchmake/joinById/${cls.code}`, { origin: "http://evil.example" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    const preflight = await fetch(`${b.url}/matchmake/joinById/${cls.code}`, {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const health = await fetch(`${b.url}/healthz`, { headers: { origin: "http://evil.example" } });
    expect(health.status).toBe(200);
    expect(health.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("replaces the hand-written limiter: class creation is limited per address", async () => {
    const from = { "x-forwarded-for": "192.0.2.50" };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await post(`${b.url}/api/classes`, from)).status);
    // A burst of 10 in a 10 s window (60 a minute): the eleventh waits.
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(201));
    expect(statuses[10]).toBe(429);
  });

  it("guessing codes by joining, by QR code and by report shares one budget per address; hits do not count", async () => {
    const cls = await createClass(b);
    const rooms = [];
    // A class behind one NAT: many successful joins, none of them counted.
    for (let i = 0; i < 12; i++) rooms.push(await sdk(b).joinById(cls.code, { name: `Kid ${i}` }));
    const guesses = ["ZZZZZ1", "ZZZZZ2", "ZZZZZ3"];
    for (const g of guesses) {
      const err = await sdk(b).joinById(g, {}).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(MatchMakeError);
      expect((err as MatchMakeError).code).toBe(522);
    }
    expect((await fetch(`${b.url}/api/classes/ZZZZZ4/qr.svg`)).status).toBe(404);
    expect((await fetch(`${b.url}/api/classes/${cls.code}/report.json`, { headers: { "x-teacher-key": "guess" } })).status).toBe(404);
    expect((await fetch(`${b.url}/api/classes/${cls.code}/manifests.yaml`, { headers: { "x-teacher-key": "guess" } })).status).toBe(404);
    // Six misses spent: the seventh look-up is refused before it reaches the matchmaker, even for the right code.
    const refused = await sdk(b).joinById(cls.code, { name: "Late" }).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(MatchMakeError);
    expect((refused as MatchMakeError).code).toBe(429);
    expect((refused as MatchMakeError).message).toMatch(/Too many requests/);
    expect((await fetch(`${b.url}/api/classes/${cls.code}/qr.svg`)).status).toBe(429);
    // Another address behind the proxy still gets in.
    expect((await post(`${b.url}/matchmake/joinById/${cls.code}`, { "x-forwarded-for": "192.0.2.77" })).status).toBe(200);
    await Promise.all(rooms.map((r) => r.leave()));
  });
});
