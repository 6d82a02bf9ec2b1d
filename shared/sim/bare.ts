/**
 * The "before containers" round: the class ships one app to every machine. Shipped as bare code it
 * relies on whatever runtime each machine happens to have ("it works on my machine"); shipped as an
 * image it carries its own runtime and runs the same everywhere.
 */
import { nextInt } from "./rng.ts";
import type { BareAppState, ClusterState, NodeState } from "./types.ts";

/** Versions are exact strings: a compiled dependency built for one of them does not load on another. */
export const RUNTIME_CHOICES: Readonly<Record<string, readonly string[]>> = {
  python: ["3.9", "3.10", "3.11", "3.12"],
  node: ["18", "20", "22"],
};

export type BareCommand = {
  type: "ship";
  packaging: "bare" | "image";
  app: string;
  needs: Record<string, string>;
};

export type BareCommandResult = { ok: true } | { ok: false; error: string };

type Shipment = NonNullable<ClusterState["bare"]>;

/** Most machines have some Python; Node.js is an extra that one machine in four lacks. */
const MISSING_ONE_IN: Readonly<Record<string, number>> = { python: 0, node: 4 };

/**
 * Every node takes the same number of draws whatever it ends up with, so the runtimes of later nodes
 * do not depend on what earlier nodes got.
 */
export function assignRuntimes(s: ClusterState, nodeName: string): Record<string, string> {
  const runtimes: Record<string, string> = {};
  for (const [lang, versions] of Object.entries(RUNTIME_CHOICES)) {
    const version = versions[nextInt(s.rng.chaos, versions.length)]!;
    const oneIn = MISSING_ONE_IN[lang] ?? 0;
    const missing = oneIn > 0 && nextInt(s.rng.chaos, oneIn) === 0;
    if (!missing) runtimes[lang] = version;
  }
  const node = s.nodes[nodeName];
  if (node) node.runtimes = runtimes;
  return runtimes;
}

/** Node.js ABI numbers: a native addon only loads on the major release it was compiled for. */
const NODE_MODULE_VERSION: Readonly<Record<string, number>> = { "18": 108, "20": 115, "22": 127 };

function mismatchText(app: string, lang: string, have: string, want: string): string {
  if (lang === "python") {
    const tag = `cp${want.replace(".", "")}`;
    return (
      `python ${have} found, ${app} needs python ${want}: ` +
      `ModuleNotFoundError: No module named 'pydantic_core._pydantic_core' ` +
      `(the installed wheel was built for ${tag}, not for this interpreter)`
    );
  }
  if (lang === "node") {
    const built = NODE_MODULE_VERSION[want] ?? "?";
    const here = NODE_MODULE_VERSION[have] ?? "?";
    return (
      `node v${have} found, ${app} needs node ${want}: ` +
      `Error: better_sqlite3.node was compiled against NODE_MODULE_VERSION ${built}, ` +
      `but this Node.js requires NODE_MODULE_VERSION ${here}`
    );
  }
  return `${lang} ${have} found, ${app} needs ${lang} ${want}`;
}

function outcome(node: NodeState, ship: Shipment, packaging: BareAppState["packaging"]): BareAppState {
  const needs = { ...ship.needs };
  const wanted = Object.entries(needs).map(([lang, v]) => `${lang} ${v}`).join(", ");
  if (packaging === "image") {
    return { app: ship.app, packaging, needs, status: "running", reason: `the image brings its own ${wanted}` };
  }
  for (const [lang, want] of Object.entries(needs)) {
    const have = node.runtimes[lang];
    if (have === undefined) {
      return {
        app: ship.app,
        packaging,
        needs,
        status: "failed",
        reason: `${lang}: command not found (${ship.app} needs ${lang} ${want}, and this machine has none installed)`,
      };
    }
    if (have !== want) {
      return { app: ship.app, packaging, needs, status: "failed", reason: mismatchText(ship.app, lang, have, want) };
    }
  }
  return { app: ship.app, packaging, needs, status: "running", reason: `${wanted} found, same as on the developer's machine` };
}

function validate(s: ClusterState, cmd: BareCommand): string | null {
  if (s.mode !== "bare") return `shipping code belongs to the "before containers" round (current mode: ${s.mode})`;
  if (cmd.type !== "ship") return "unknown command";
  if (cmd.packaging !== "bare" && cmd.packaging !== "image") return `packaging must be "bare" or "image"`;
  if (typeof cmd.app !== "string" || cmd.app.trim() === "") return "the app needs a name";
  if (typeof cmd.needs !== "object" || cmd.needs === null || Array.isArray(cmd.needs)) return "needs must list runtimes";
  const entries = Object.entries(cmd.needs);
  if (entries.length === 0) return "the app must need at least one runtime";
  for (const [lang, version] of entries) {
    const versions = RUNTIME_CHOICES[lang];
    if (!versions) return `unknown runtime "${lang}" (known: ${Object.keys(RUNTIME_CHOICES).join(", ")})`;
    if (typeof version !== "string" || !versions.includes(version)) {
      return `unknown ${lang} version "${String(version)}" (known: ${versions.join(", ")})`;
    }
  }
  return null;
}

export function bareCommand(s: ClusterState, cmd: BareCommand): BareCommandResult {
  const error = validate(s, cmd);
  if (error) return { ok: false, error };
  const shipment: Shipment = { app: cmd.app.trim(), needs: { ...cmd.needs }, packaging: cmd.packaging };
  s.bare = shipment;
  for (const node of Object.values(s.nodes)) node.bare = outcome(node, shipment, cmd.packaging);
  return { ok: true };
}

/** A machine that joins after the shipment receives the same package as everybody else. */
export function bareNodeJoined(s: ClusterState, nodeName: string): void {
  const node = s.nodes[nodeName];
  if (!node) return;
  const ship = s.bare;
  node.bare = ship ? outcome(node, ship, ship.packaging) : null;
}

export function bareServing(s: ClusterState, nodeName: string): boolean {
  const node = s.nodes[nodeName];
  return !!node && node.powered && !node.partitioned && node.bare?.status === "running";
}
