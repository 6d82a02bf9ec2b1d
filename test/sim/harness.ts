/** A small fluent harness for scenario tests: seed, nodes, apps, then run until something is true. */
import { advance, applyCommand, createCluster, type ClusterState, type Command, type PodState } from "../../shared/sim/index.ts";

export class Scenario {
  readonly s: ClusterState;
  constructor(seed = 1, mode: ClusterState["mode"] = "kubernetes") {
    this.s = createCluster({ seed, mode });
  }

  cmd(c: Command): this {
    const r = applyCommand(this.s, c);
    if (!r.ok) throw new Error(`command ${c.type} refused: ${r.error}`);
    return this;
  }

  nodes(n: number, prefix = "node", extra: Partial<Extract<Command, { type: "addNode" }>> = {}): this {
    for (let i = 1; i <= n; i++) this.cmd({ type: "addNode", name: `${prefix}-${i}`, ...extra });
    return this;
  }

  deploy(app: string, version: string, replicas: number, extra: Partial<Extract<Command, { type: "deploy" }>> = {}): this {
    return this.cmd({ type: "deploy", app, version, replicas, ...extra });
  }

  run(ms: number): this {
    advance(this.s, ms);
    return this;
  }

  /** Advance in small steps until pred holds; returns the cluster time it first held. Throws after maxMs. */
  until(pred: (s: ClusterState) => boolean, maxMs: number, stepMs = 100): number {
    const end = this.s.timeMs + maxMs;
    while (!pred(this.s)) {
      if (this.s.timeMs >= end) throw new Error(`condition not met within ${maxMs} ms (t=${this.s.timeMs})`);
      advance(this.s, stepMs);
    }
    return this.s.timeMs;
  }

  pods(app?: string): PodState[] {
    return Object.values(this.s.pods).filter((p) => app === undefined || p.app === app);
  }

  readyPods(app: string): PodState[] {
    return this.pods(app).filter((p) => p.ready && p.deletionAtMs === null);
  }

  podsOn(node: string): PodState[] {
    return this.pods().filter((p) => p.nodeName === node);
  }

  events(reason: string) {
    return this.s.events.filter((e) => e.reason === reason);
  }
}

export const allReady = (app: string, n: number) => (s: ClusterState) =>
  Object.values(s.pods).filter((p) => p.app === app && p.ready && p.deletionAtMs === null).length === n;
