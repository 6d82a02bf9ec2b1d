/** Mutating verbs: the exact commands they return, what they print, and what applying them does. */
import { describe, expect, it } from "vitest";
import { applyCommand, stateHash, type ClusterState, type Command } from "../../shared/sim/index.ts";
import { kubectl } from "../../shared/kubectl/index.ts";
import { Scenario, allReady } from "../sim/harness.ts";
import { city, expectTable, lines, ok, run, teacher } from "./helpers.ts";

function applyAll(s: ClusterState, commands: Command[]): void {
  for (const c of commands) expect(applyCommand(s, c)).toMatchObject({ ok: true });
}

describe("kubectl scale", () => {
  it("returns the scale command, leaves the state alone, and the command scales", () => {
    const sc = city();
    const r = run(sc.s, "scale deploy/web --replicas=6", teacher);
    expect(r).toEqual({ ok: true, output: "deployment.apps/web scaled", commands: [{ type: "scale", deployment: "web", replicas: 6 }] });
    expect(sc.s.deployments["web"]!.replicas).toBe(4);
    applyAll(sc.s, r.commands);
    sc.until(allReady("web", 6), 60_000);
    // Deployment status is refreshed once per cluster second.
    sc.run(2000);
    expect(expectTable(ok(sc.s, "get deploy"), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"])[0]!.slice(1, 4)).toEqual(["6/6", "6", "6"]);
  });

  it("accepts kubectl's other spellings", () => {
    const s = city().s;
    const want = [{ type: "scale", deployment: "web", replicas: 2 }];
    expect(run(s, "scale deployment web --replicas 2", teacher).commands).toEqual(want);
    expect(run(s, "kubectl scale --replicas=2 deployments.apps/web", teacher).commands).toEqual(want);
    expect(run(s, "scale deploy web --replicas=2 --current-replicas=4", teacher).commands).toEqual(want);
  });

  it("refuses what kubectl refuses", () => {
    const s = city().s;
    expect(run(s, "scale deploy/web", teacher)).toEqual({ ok: false, output: 'error: required flag(s) "replicas" not set', commands: [] });
    expect(run(s, "scale deploy/web --replicas=-1", teacher).output).toBe("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
    expect(run(s, "scale deploy/nope --replicas=1", teacher).output).toBe('Error from server (NotFound): deployments.apps "nope" not found');
    expect(run(s, "scale deploy/web --replicas=1 --current-replicas=3", teacher).output).toBe("error: Expected replicas to be 3, was 4");
    expect(run(s, "scale foos/web --replicas=1", teacher).output).toBe(`error: the server doesn't have a resource type "foos"`);
  });
});

describe("read-only consoles and dry runs", () => {
  it("answers Forbidden without commands when mutations are not allowed (the default)", () => {
    const s = city().s;
    for (const opts of [{}, { allowMutations: false }]) {
      const r = run(s, "scale deploy/web --replicas=6", opts);
      expect(r.ok).toBe(false);
      expect(r.commands).toEqual([]);
      expect(lines(r.output)[0]).toBe(
        'Error from server (Forbidden): deployments.apps "web" is forbidden: User "student" cannot patch resource "deployments/scale" in API group "apps" in the namespace "default"',
      );
      expect(r.output).toContain("read-only");
    }
    expect(lines(run(s, "cordon node-1").output)[0]).toBe(
      'Error from server (Forbidden): nodes "node-1" is forbidden: User "student" cannot patch resource "nodes" in API group "" at the cluster scope',
    );
    const pod = Object.keys(s.pods)[0]!;
    expect(lines(run(s, `delete pod ${pod}`, { user: "ana" }).output)[0]).toBe(
      `Error from server (Forbidden): pods "${pod}" is forbidden: User "ana" cannot delete resource "pods" in API group "" in the namespace "default"`,
    );
    // Reading stays allowed, and a missing object is still NotFound first.
    expect(run(s, "get pods").ok).toBe(true);
    expect(run(s, "scale deploy/nope --replicas=1").output).toMatch(/NotFound/);
  });

  it("--dry-run prints what would happen and returns no commands, even read-only", () => {
    const s = city().s;
    expect(run(s, "scale deploy/web --replicas=6 --dry-run=client")).toEqual({ ok: true, output: "deployment.apps/web scaled (dry run)", commands: [] });
    expect(run(s, "cordon node-1 --dry-run=server", teacher)).toEqual({ ok: true, output: "node/node-1 cordoned (server dry run)", commands: [] });
    expect(run(s, "cordon node-1 --dry-run=sometimes", teacher).output).toBe('error: Invalid dry-run value (sometimes). Must be "none", "server", or "client".');
  });
});

describe("kubectl rollout", () => {
  it("status follows a rolling update to its end", () => {
    const sc = city().deploy("web", "v2", 4).run(1000);
    const first = ok(sc.s, "rollout status deploy/web");
    expect(first).toMatch(/^Waiting for deployment "web" rollout to finish: \d out of 4 new replicas have been updated\.\.\.$/);
    const seen = new Set<string>([first.replace(/\d+/g, "N")]);
    sc.until((s) => {
      seen.add(kubectl(s, "rollout status deployment/web").output.replace(/\d+/g, "N"));
      return s.deployments["web"]!.progressing.reason === "NewReplicaSetAvailable";
    }, 120_000, 500);
    expect(ok(sc.s, "rollout status deploy web")).toBe('deployment "web" successfully rolled out');
    expect(seen).toContain('Waiting for deployment "web" rollout to finish: N old replicas are pending termination...');
  });

  it("status fails once the progress deadline is exceeded", () => {
    const sc = new Scenario(7).nodes(3).deploy("web", "v1", 2, { progressDeadlineSeconds: 30 }).run(40_000).deploy("web", "v2", 2, { behavior: "crashing" }).run(60_000);
    expect(run(sc.s, "rollout status deploy/web")).toEqual({ ok: false, output: 'error: deployment "web" exceeded its progress deadline', commands: [] });
  });

  it("history lists revisions; --revision shows one template", () => {
    const sc = city().deploy("web", "v2", 4).run(60_000);
    expect(ok(sc.s, "rollout history deploy/web")).toBe("deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>");
    const one = ok(sc.s, "rollout history deploy/web --revision=1");
    expect(lines(one)[0]).toBe("deployment.apps/web with revision #1");
    expect(one).toMatch(/\n {4}Image: +web:v1\n/);
    expect(run(sc.s, "rollout history deploy/web --revision=9").output).toBe("error: unable to find the specified revision");
  });

  it("undo returns rolloutUndo, which rolls back when applied", () => {
    const sc = city().deploy("web", "v2", 4).run(60_000);
    const r = run(sc.s, "rollout undo deploy/web", teacher);
    expect(r).toEqual({ ok: true, output: "deployment.apps/web rolled back", commands: [{ type: "rolloutUndo", deployment: "web" }] });
    expect(run(sc.s, "rollout undo deploy/web --to-revision=1", teacher).commands).toEqual([{ type: "rolloutUndo", deployment: "web", toRevision: 1 }]);
    applyAll(sc.s, r.commands);
    expect(sc.s.deployments["web"]!.template.version).toBe("v1");
    sc.run(60_000);
    expect(ok(sc.s, "rollout history deploy/web")).toBe("deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>");
    expect(run(sc.s, "rollout undo deploy/web --to-revision=3", teacher)).toEqual({
      ok: true,
      output: "deployment.apps/web skipped rollback (current template already matches revision 3)",
      commands: [],
    });
    expect(run(sc.s, "rollout undo deploy/web --to-revision=7", teacher).output).toBe("error: unable to find specified revision 7 in history");
    expect(run(city().s, "rollout undo deploy/web", teacher).output).toBe('error: no rollout history found for deployment "web"');
  });
});

describe("kubectl cordon, uncordon, drain", () => {
  it("cordon and uncordon", () => {
    const sc = city();
    const r = run(sc.s, "cordon node-1", teacher);
    expect(r).toEqual({ ok: true, output: "node/node-1 cordoned", commands: [{ type: "cordon", node: "node-1" }] });
    applyAll(sc.s, r.commands);
    expect(run(sc.s, "cordon node-1", teacher)).toEqual({ ok: true, output: "node/node-1 already cordoned", commands: [] });
    expect(run(sc.s, "uncordon node/node-1", teacher)).toEqual({ ok: true, output: "node/node-1 uncordoned", commands: [{ type: "uncordon", node: "node-1" }] });
    expect(run(sc.s, "cordon nope", teacher).output).toBe('Error from server (NotFound): nodes "nope" not found');
    expect(run(sc.s, "cordon", teacher).output).toMatch(/^error: USAGE: cordon NODE \[flags\]/);
  });

  it("drain prints kubectl's lines and its prediction matches what the simulation does", () => {
    const sc = city();
    const here = sc.s.nodes["node-2"]!.podIds;
    const r = run(sc.s, "drain node-2 --ignore-daemonsets --delete-emptydir-data", teacher);
    expect(r.commands).toEqual([{ type: "drain", node: "node-2" }]);
    expect(lines(r.output)).toEqual(["node/node-2 cordoned", ...here.map((p) => `evicting pod default/${p}`), ...here.map((p) => `pod/${p} evicted`), "node/node-2 drained"]);
    applyAll(sc.s, r.commands);
    for (const p of here) expect(sc.s.pods[p]!.deletionAtMs).not.toBeNull();
    expect(ok(sc.s, "get nodes")).toContain("node-2   Ready,SchedulingDisabled");
  });

  it("drain reports evictions a disruption budget refuses", () => {
    const sc = city().cmd({ type: "setPdb", app: "web", minAvailable: 4 });
    const node = sc.s.nodeOrder.find((n) => sc.s.nodes[n]!.podIds.length > 0)!;
    const r = run(sc.s, `drain ${node} --ignore-daemonsets`, teacher);
    const blocked = sc.s.nodes[node]!.podIds;
    for (const p of blocked) {
      expect(r.output).toContain(`error when evicting pods/"${p}" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`);
    }
    expect(r.output).not.toContain("drained");
    applyAll(sc.s, r.commands);
    for (const p of blocked) expect(sc.s.pods[p]!.deletionAtMs).toBeNull();
    expect(sc.s.nodes[node]!.draining).toBe(true);
  });
});

describe("kubectl delete, set image, autoscale", () => {
  it("delete pod returns deletePod per pod", () => {
    const sc = city();
    const [a, b] = Object.keys(sc.s.pods);
    expect(run(sc.s, `delete pod ${a}`, teacher)).toEqual({ ok: true, output: `pod "${a}" deleted`, commands: [{ type: "deletePod", pod: a }] });
    expect(run(sc.s, `delete pods ${a} ${b}`, teacher).commands).toEqual([
      { type: "deletePod", pod: a },
      { type: "deletePod", pod: b },
    ]);
    expect(run(sc.s, `delete pod/${a}`, teacher).commands).toEqual([{ type: "deletePod", pod: a }]);
    expect(run(sc.s, "delete pods -l app=web", teacher).commands).toHaveLength(4);
    expect(run(sc.s, "delete pod nope", teacher).output).toBe('Error from server (NotFound): pods "nope" not found');
    expect(run(sc.s, "delete pod nope --ignore-not-found", teacher)).toEqual({ ok: true, output: "", commands: [] });
    expect(run(sc.s, "delete deploy web", teacher).output).toMatch(/^error: Container City cannot delete deployments/);
    const r = run(sc.s, `delete pod ${a}`, teacher);
    applyAll(sc.s, r.commands);
    expect(ok(sc.s, `get pod ${a}`)).toContain("Terminating");
  });

  it("delete hpa and pdb map to removeHpa and removePdb", () => {
    const sc = city().cmd({ type: "setHpa", deployment: "web", maxReplicas: 5 }).cmd({ type: "setPdb", app: "web", minAvailable: 1 });
    expect(run(sc.s, "delete hpa web", teacher)).toEqual({
      ok: true,
      output: 'horizontalpodautoscaler.autoscaling "web" deleted',
      commands: [{ type: "removeHpa", deployment: "web" }],
    });
    expect(run(sc.s, "delete pdb web", teacher).commands).toEqual([{ type: "removePdb", app: "web" }]);
  });

  it("set image starts a rollout and keeps the release's behavior", () => {
    const sc = new Scenario(7).nodes(3).deploy("web", "v1", 2, { behavior: "slowStart" }).run(60_000);
    const r = run(sc.s, "set image deploy/web app=web:v2", teacher);
    expect(r).toEqual({ ok: true, output: "deployment.apps/web image updated", commands: [{ type: "deploy", app: "web", version: "v2", behavior: "slowStart" }] });
    applyAll(sc.s, r.commands);
    expect(sc.s.deployments["web"]!.template.image).toBe("web:v2");
    expect(run(sc.s, "set image deploy/web nginx=web:v3", teacher).output).toBe('error: unable to find container named "nginx"');
    expect(run(sc.s, "set image deploy/web app=shop/web:v3", teacher).commands).toEqual([{ type: "deploy", app: "web", version: "v3", behavior: "slowStart" }]);
  });

  it("autoscale returns setHpa", () => {
    const s = city().s;
    expect(run(s, "autoscale deploy web --min=2 --max=10 --cpu-percent=50", teacher)).toEqual({
      ok: true,
      output: "horizontalpodautoscaler.autoscaling/web autoscaled",
      commands: [{ type: "setHpa", deployment: "web", maxReplicas: 10, minReplicas: 2, targetCpuUtilization: 50 }],
    });
    expect(run(s, "autoscale deploy web --max=1 --min=3", teacher).output).toBe("error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 1, min: 3");
  });

  it("no verb ever changes the state it reads", () => {
    const sc = city().cmd({ type: "setPdb", app: "web", minAvailable: 1 });
    const before = stateHash(sc.s);
    for (const line of ["drain node-1", "delete pods --all", "rollout undo deploy/web", "scale deploy/web --replicas=0", "uncordon node-1", "get all -o yaml", "describe nodes", "top pods"]) {
      kubectl(sc.s, line, teacher);
    }
    expect(stateHash(sc.s)).toBe(before);
  });
});
