import { describe, it, expect, beforeAll, afterAll } from "vitest";
import type { Room } from "@colyseus/sdk";
import { bootServer, createClass, inbox, sdk, sleep, waitFor, welcomeOf, youOf, type Booted } from "./boot.ts";
import { CloseCodes, type ErrorMessage, type NodeEventsMessage, type ResultMessage } from "../../shared/protocol/messages.ts";
import type { ClassRoom } from "../../server/rooms/class-room.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

let b: Booted;
beforeAll(async () => {
  b = await bootServer(29_567, { CLASS_CREATE_PER_MINUTE: "6000", CLASS_CREATE_BURST: "100" });
});
afterAll(async () => {
  await b.colyseus.shutdown();
});

async function teacherOf(code: string, teacherKey: string): Promise<Room> {
  return sdk(b).joinById(code, { teacherKey });
}

function serverRoom(code: string): ClassRoom {
  return b.colyseus.getRoomById<ClassRoom>(code);
}

describe("a class over real WebSockets", () => {
  it("30 students join as nodes; the teacher kills one; the others see its pods rescheduled", async () => {
    const cls = await createClass(b, { compression: 120, seed: 4 });
    expect(cls.code).toMatch(/^[A-Z0-9]{6}$/);
    expect(cls.joinUrl).toContain(cls.code);
    const teacher = await teacherOf(cls.code, cls.teacherKey);
    const results = inbox<ResultMessage>(teacher, "result");
    const students: Room[] = [];
    for (let i = 0; i < 30; i++) students.push(await sdk(b).joinById(cls.code, { name: `Student ${i + 1}` }));
    const watcher = students[29]!;
    await waitFor(() => (watcher.state as AnyState).nodes?.size === 30, 10_000, "30 nodes");

    teacher.send("classControl", { id: "go", action: "start" });
    const ready = () => [...(watcher.state as AnyState).pods.values()].filter((p: AnyState) => p.ready).length;
    // Free play's shop grew to two apartments per student while they joined.
    expect((watcher.state as AnyState).deployments.get("shop").replicas).toBe(60);
    await waitFor(() => ready() === 60, 20_000, "60 shop pods ready");

    const pods = [...(watcher.state as AnyState).pods.values()] as AnyState[];
    const victim = pods[0].node as string;
    const onVictim = pods.filter((p) => p.node === victim).map((p) => p.name);
    teacher.send("command", { id: "kill", command: { type: "killNode", node: victim } });
    await waitFor(() => results.some((r) => r.id === "kill" && r.ok), 5000, "kill acknowledged");

    const st = () => watcher.state as AnyState;
    await waitFor(() => st().nodes.get(victim).ready === "Unknown", 10_000, "victim NotReady");
    await waitFor(() => onVictim.every((n) => st().pods.get(n)?.terminating ?? true), 15_000, "victim pods evicted");
    await waitFor(() => [...st().pods.values()].filter((p: AnyState) => p.ready && p.node !== victim).length === 60, 15_000, "rescheduled");
    const moved = [...st().pods.values()].filter((p: AnyState) => p.ready) as AnyState[];
    expect(moved.every((p) => p.node !== victim)).toBe(true);
    expect(results.find((r) => r.id === "go")?.ok).toBe(true);
    // A late joiner decodes the same city as everyone else (the full state is far past 16 KB here).
    const late = await sdk(b).joinById(cls.code, { displayKey: cls.displayKey });
    const ls = () => late.state as AnyState;
    await waitFor(() => ls().nodes?.size === st().nodes.size && ls().pods?.size === st().pods.size, 5000, "late joiner's state");
    expect(ls().deployments.size).toBe(1);
    expect(ls().services.size).toBe(1);
    expect(ls().students.size).toBe(30);
    await Promise.all([teacher, late, ...students].map((r) => r.leave()));
  });

  it("a dropped student reconnects to the same node and keeps its points", async () => {
    const cls = await createClass(b, { compression: 60 });
    const teacher = await teacherOf(cls.code, cls.teacherKey);
    const amy = await sdk(b).joinById(cls.code, { name: "Amy" });
    const you = youOf(amy);
    const welcome = await welcomeOf(amy);
    teacher.send("classControl", { action: "start" });
    const me = () => (amy.state as AnyState).students.get(welcome.studentId);
    await waitFor(() => (you.current?.points ?? 0) > 0, 10_000, "points");
    // Everyone's points are the teacher's to see; a student learns only its own, by message.
    expect(me().points).toBeUndefined();
    await waitFor(() => (teacher.state as AnyState).students.get(welcome.studentId)?.points > 0, 5000, "the teacher sees the points");
    expect(you.current).toMatchObject({ rank: 1, of: 1 });
    amy.reconnection.minUptime = 0;
    const room = serverRoom(cls.code);
    const sim = () => room.inspect().sim;
    // Cut the socket from the server side, as a flaky Wi-Fi would.
    const serverClient = room.clients.find((c) => c.sessionId === amy.sessionId) as unknown as { ref: { terminate(): void } };
    let reconnected = false;
    amy.onReconnect(() => (reconnected = true));
    serverClient.ref.terminate();
    await waitFor(() => sim().nodes[welcome.nodeName!]!.connected === false, 3000, "node sees the drop");
    await waitFor(() => reconnected, 10_000, "SDK reconnects");
    await waitFor(() => sim().nodes[welcome.nodeName!]!.connected === true, 3000, "node sees the return");
    expect(me().nodeName).toBe(welcome.nodeName);
    // The messages lost while the socket was down are sent again after the reconnection.
    const before = you.count;
    await waitFor(() => you.count > before, 5000, "figures resent after the reconnection");
    expect(you.current!.points).toBeGreaterThan(0);
    expect(Object.keys(sim().nodes)).toHaveLength(1);

    // Much later, from another tab or after the window: the rejoin token gets the name and points back.
    const pts = you.current!.points;
    await amy.leave();
    const again = await sdk(b).joinById(cls.code, { rejoinToken: welcome.rejoinToken });
    const you2 = youOf(again);
    const w2 = await welcomeOf(again);
    expect(w2.studentId).toBe(welcome.studentId);
    await waitFor(() => (you2.current?.points ?? 0) >= pts, 5000, "points back");
    expect((again.state as AnyState).students.get(w2.studentId).name).toBe("Amy");
    await Promise.all([teacher.leave(), again.leave()]);
  });

  it("refuses teacher commands from students and from the display, and nothing changes", async () => {
    const cls = await createClass(b);
    const teacher = await teacherOf(cls.code, cls.teacherKey);
    const st = await sdk(b).joinById(cls.code, { name: "Bo" });
    const display = await sdk(b).joinById(cls.code, { displayKey: cls.displayKey });
    const room = serverRoom(cls.code);
    await waitFor(() => Object.keys(room.inspect().sim.nodes).length === 1, 3000);
    const stErrors = inbox<ErrorMessage>(st, "error");
    const dispErrors = inbox<ErrorMessage>(display, "error");
    // The city keeps running in the lobby, so compare what a command could change, not the clock.
    const facts = () => {
      const { sim, log } = room.inspect();
      return JSON.stringify({ log, deployments: Object.keys(sim.deployments), replicas: sim.deployments.shop!.replicas,
        registryDown: sim.registryDown, nodes: Object.values(sim.nodes).map((n) => [n.name, n.powered, n.unschedulable]) });
    };
    const before = facts();
    const attempts: [string, object][] = [
      ["command", { command: { type: "killNode", node: Object.keys(room.inspect().sim.nodes)[0] } }],
      ["command", { command: { type: "registryOutage", on: true } }],
      ["command", { command: { type: "deploy", app: "evil", version: "v1", replicas: 50 } }],
      ["command", { command: { type: "scale", deployment: "shop", replicas: 0 } }],
      ["classControl", { action: "start" }],
      ["classControl", { action: "end" }],
      ["classControl", { action: "lock" }],
      ["setCompression", { factor: 120 }],
      ["kick", { studentId: "anyone" }],
    ];
    for (const [type, payload] of attempts) {
      st.send(type, payload);
      display.send(type, payload);
    }
    display.send("nodeAction", { action: "drain" });
    await waitFor(() => stErrors.length === attempts.length && dispErrors.length === attempts.length + 1, 5000, "refusals");
    expect(stErrors.every((e) => e.code === "forbidden")).toBe(true);
    expect(dispErrors.every((e) => e.code === "forbidden")).toBe(true);
    await sleep(300);
    expect(facts()).toBe(before);
    expect((st.state as AnyState).phase).toBe("lobby");
    expect((st.state as AnyState).compression).toBe(20);
    expect((st.state as AnyState).locked).toBe(false);
    await Promise.all([teacher.leave(), st.leave(), display.leave()]);
  });

  it("answers invalid payloads with a reason and keeps the student connected", async () => {
    const cls = await createClass(b);
    const teacher = await teacherOf(cls.code, cls.teacherKey);
    const errors = inbox<ErrorMessage>(teacher, "error");
    const results = inbox<ResultMessage>(teacher, "result");
    teacher.send("command", { command: { type: "scale", deployment: "shop", replicas: -3 } });
    teacher.send("command", { command: { type: "nuke" } });
    teacher.send("command", "not an object");
    teacher.send("teleport", { x: 1 });
    teacher.send("command", { id: "x", command: { type: "killNode", node: "nobody-here" } });
    await waitFor(() => errors.length === 4 && results.length === 1, 5000, "answers");
    expect(errors.map((e) => e.code)).toEqual(["invalid", "invalid", "invalid", "unknown_type"]);
    expect(errors[0]!.reason).toMatch(/replicas/);
    expect(results[0]).toMatchObject({ id: "x", ok: false, error: 'node "nobody-here" not found' });
    teacher.send("command", { id: "ok", command: { type: "scale", deployment: "shop", replicas: 2 } });
    await waitFor(() => results.some((r) => r.id === "ok" && r.ok), 5000, "still connected and obeyed");
    await teacher.leave();
  });

  it("limits a flooding client and then disconnects it with a clear close code", async () => {
    const cls = await createClass(b);
    const st = await sdk(b).joinById(cls.code, { name: "Flood" });
    const errors = inbox<ErrorMessage>(st, "error");
    let closed = 0;
    st.onLeave((code) => (closed = code));
    for (let i = 0; i < 200; i++) st.send("nodeAction", { action: "cordon" });
    await waitFor(() => closed !== 0, 5000, "disconnect");
    expect(closed).toBe(CloseCodes.flooding);
    expect(errors.some((e) => e.code === "rate_limited")).toBe(true);
  });

  it("StateView hides teacher-only data from students", async () => {
    const cls = await createClass(b);
    const teacher = await teacherOf(cls.code, cls.teacherKey);
    const a = await sdk(b).joinById(cls.code, { name: "Ana" });
    const c = await sdk(b).joinById(cls.code, { name: "Cy" });
    await waitFor(() => (teacher.state as AnyState).students?.size === 2 && (a.state as AnyState).students?.size === 2, 5000);
    await sleep(200);
    const ts = teacher.state as AnyState;
    expect(ts.teacher.displayKey).toBe(cls.displayKey);
    expect([...ts.students.values()].every((s: AnyState) => typeof s.device === "string" && s.device.length > 0)).toBe(true);
    for (const r of [a, c]) {
      const s = r.state as AnyState;
      expect(s.teacher?.displayKey).toBeUndefined();
      expect(s.teacher?.joinUrl).toBeUndefined();
      for (const sv of s.students.values()) expect(sv.device).toBeUndefined();
      expect(JSON.stringify(s.toJSON())).not.toContain(cls.displayKey);
    }
    await Promise.all([teacher.leave(), a.leave(), c.leave()]);
  });

  it("students get only their own node's events and figures; the teacher and the projector get the whole feed and every node's load", async () => {
    const cls = await createClass(b, { compression: 60 });
    const teacher = await teacherOf(cls.code, cls.teacherKey);
    const display = await sdk(b).joinById(cls.code, { displayKey: cls.displayKey });
    const a = await sdk(b).joinById(cls.code, { name: "Ana" });
    const c = await sdk(b).joinById(cls.code, { name: "Cy" });
    const aEvents = inbox<NodeEventsMessage>(a, "nodeEvents");
    const cEvents = inbox<NodeEventsMessage>(c, "nodeEvents");
    const wa = await welcomeOf(a);
    const wc = await welcomeOf(c);
    teacher.send("classControl", { action: "start" });
    a.send("nodeAction", { action: "cordon" });
    const cordoned = (m: NodeEventsMessage[]) => m.some((x) => x.events.some((e) => e.reason === "NodeNotSchedulable"));
    await waitFor(() => cordoned(aEvents), 5000, "Ana hears about her cordon");
    for (const m of aEvents) for (const e of m.events) expect(e.node).toBe(wa.nodeName);
    for (const m of cEvents) for (const e of m.events) expect(e.node).toBe(wc.nodeName);
    expect(cordoned(cEvents)).toBe(false);
    const feed = (r: typeof teacher) => [...((r.state as AnyState).events?.values() ?? [])];
    await waitFor(() => [teacher, display].every((r) => feed(r).some((e: AnyState) => e.reason === "NodeNotSchedulable")), 5000, "the feed on the projector");
    for (const r of [a, c]) expect(feed(r)).toHaveLength(0);
    // Load per node and everyone's points: the projector's and teacher's, not the students'.
    await waitFor(() => [...(display.state as AnyState).nodes.values()].some((n: AnyState) => n.servedRps > 0), 5000, "load on the projector");
    for (const n of (a.state as AnyState).nodes.values()) expect(n.servedRps).toBeUndefined();
    await waitFor(() => JSON.parse((a.state as AnyState).leaderboard || "{}").total === 2, 5000, "leaderboard");
    await Promise.all([teacher.leave(), display.leave(), a.leave(), c.leave()]);
  });

  it("rejects a wrong teacher key, a bad nickname and a locked class with clear messages", async () => {
    const cls = await createClass(b);
    await expect(sdk(b).joinById(cls.code, { teacherKey: "guess" })).rejects.toThrow(/teacher key/);
    await expect(sdk(b).joinById(cls.code, { name: "\u200B\u200B" })).rejects.toThrow(/nickname|name/i);
    const teacher = await teacherOf(cls.code, cls.teacherKey);
    teacher.send("classControl", { action: "lock" });
    await waitFor(() => (teacher.state as AnyState).locked === true, 3000);
    await expect(sdk(b).joinById(cls.code, { name: "Late" })).rejects.toThrow(/locked/);
    await teacher.leave();
  });

  it("kicks a student: its node is drained and its device cannot come straight back", async () => {
    const cls = await createClass(b, { compression: 60 });
    const teacher = await teacherOf(cls.code, cls.teacherKey);
    const kid = await sdk(b).joinById(cls.code, { name: "Kid", deviceId: "device-123" });
    const w = await welcomeOf(kid);
    let code = 0;
    kid.onLeave((c) => (code = c));
    teacher.send("kick", { studentId: w.studentId });
    await waitFor(() => code !== 0, 5000, "kicked");
    expect(code).toBe(CloseCodes.kicked);
    const sim = serverRoom(cls.code).inspect().sim;
    expect(sim.nodes[w.nodeName!]?.unschedulable ?? true).toBe(true);
    await expect(sdk(b).joinById(cls.code, { name: "Kid again", deviceId: "device-123" })).rejects.toThrow(/removed/);
    await expect(sdk(b).joinById(cls.code, { rejoinToken: w.rejoinToken })).rejects.toThrow(/removed/);
    await teacher.leave();
  });
});

describe("warm-up", () => {
  it("builds the city while students join, and counts the SLO only from the start", async () => {
    const cls = await createClass(b, { compression: 60 });
    const teacher = await teacherOf(cls.code, cls.teacherKey);
    const st = await sdk(b).joinById(cls.code, { name: "Early" });
    const s = () => st.state as AnyState;
    await waitFor(() => [...(s().pods?.values() ?? [])].filter((p: AnyState) => p.ready).length === 2, 10_000, "pods ready in the lobby");
    expect(s().phase).toBe("lobby");
    expect(serverRoom(cls.code).inspect().sim.totals.errors).toBeGreaterThan(0);
    teacher.send("classControl", { action: "start" });
    await waitFor(() => s().phase === "running" && s().requests > 0, 5000, "running with traffic");
    expect(s().errors).toBe(0);
    expect(s().availability).toBe(1);
    await Promise.all([teacher.leave(), st.leave()]);
  });
});

describe("kubectl", () => {
  it("runs the teacher's kubectl, applies its changes, and keeps students read-only", async () => {
    const cls = await createClass(b);
    const teacher = await teacherOf(cls.code, cls.teacherKey);
    const st = await sdk(b).joinById(cls.code, { name: "Kay" });
    const tReplies = inbox<{ id?: string; ok: boolean; output: string }>(teacher, "kubectlResult");
    const sReplies = inbox<{ id?: string; ok: boolean; output: string }>(st, "kubectlResult");
    teacher.send("kubectl", { id: "g", line: "kubectl get deploy" });
    teacher.send("kubectl", { id: "s", line: "kubectl scale deploy/shop --replicas=2" });
    await waitFor(() => tReplies.length === 2, 5000, "teacher replies");
    expect(tReplies[0]!.output).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nshop\s/);
    expect(tReplies[1]).toMatchObject({ id: "s", ok: true, output: "deployment.apps/shop scaled" });
    expect(serverRoom(cls.code).inspect().sim.deployments.shop!.replicas).toBe(2);
    expect(serverRoom(cls.code).inspect().log.at(-1)!.command).toEqual({ type: "scale", deployment: "shop", replicas: 2 });

    st.send("kubectl", { id: "1", line: "get pods" });
    await waitFor(() => sReplies.length === 1, 5000);
    expect(sReplies[0]!.ok).toBe(false);
    teacher.send("setOptions", { advanced: true });
    await waitFor(() => (st.state as AnyState).advanced === true, 5000, "advanced on");
    st.send("kubectl", { id: "2", line: "get pods" });
    st.send("kubectl", { id: "3", line: "scale deploy/shop --replicas=9" });
    await waitFor(() => sReplies.length === 3, 5000);
    expect(sReplies[1]!.ok).toBe(true);
    expect(sReplies[2]!.output).toMatch(/Forbidden/);
    expect(serverRoom(cls.code).inspect().sim.deployments.shop!.replicas).toBe(2);

    const noKey = await fetch(`${b.url}/api/classes/${cls.code}/manifests.yaml`);
    expect(noKey.status).toBe(404);
    const yaml = await fetch(`${b.url}/api/classes/${cls.code}/manifests.yaml`, { headers: { "x-teacher-key": cls.teacherKey } });
    expect(yaml.status).toBe(200);
    expect(await yaml.text()).toMatch(/kind: Deployment[\s\S]*name: shop[\s\S]*replicas: 2/);
    await Promise.all([teacher.leave(), st.leave()]);
  });
});

describe("seats", () => {
  it("a student rejoining with its token frees the old session's seat, so the class never fills with ghosts", async () => {
    const cls = await createClass(b, { maxStudents: 2 });
    for (const name of ["Ann", "Ben"]) {
      let room = await sdk(b).joinById(cls.code, { name });
      const w = await welcomeOf(room);
      expect(w.rejoinToken).toBeTruthy();
      for (let i = 0; i < 6; i++) {
        room.reconnection.minUptime = 999_999; // the SDK must not resume: the student comes back with its token
        const serverClient = serverRoom(cls.code).clients.find((c) => c.sessionId === room.sessionId) as unknown as { ref: { terminate(): void } };
        serverClient.ref.terminate();
        await sleep(50);
        room = await sdk(b).joinById(cls.code, { rejoinToken: w.rejoinToken });
        await welcomeOf(room); // the join handshake is complete: a cut now is a drop, not a failed join
      }
      await room.leave();
    }
    // 2 students x 6 stale seats would exceed maxStudents + 8 if the old seats were kept.
    const teacher = await teacherOf(cls.code, cls.teacherKey);
    expect(serverRoom(cls.code).clients.length).toBe(1);
    await teacher.leave();
  });
});

describe("HTTP", () => {
  it("answers /healthz, /readyz and /metrics", async () => {
    const health = await fetch(`${b.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await fetch(`${b.url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toContain("container_city_classes");
    expect(metrics).toContain("container_city_messages_total");
    expect(metrics).toMatch(/container_city_messages_total\{type="command",outcome="(accepted|refused|invalid)"\}/);
    const patchBytes = Number(/container_city_patch_bytes_total (\d+)/.exec(metrics)?.[1]);
    expect(patchBytes).toBeGreaterThan(1000);
    expect(metrics).toMatch(/container_city_sim_step_seconds_count [1-9]/);
  });

  it("refuses a malformed class request and serves the join QR code", async () => {
    const bad = await fetch(`${b.url}/api/classes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ compression: 9999 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/compression/);
    const cls = await createClass(b);
    const qr = await fetch(`${b.url}/api/classes/${cls.code}/qr.svg`);
    expect(qr.status).toBe(200);
    expect(await qr.text()).toContain("<svg");
    expect((await fetch(`${b.url}/api/classes/ZZZZZZ/qr.svg`)).status).toBe(404);
  });
});
