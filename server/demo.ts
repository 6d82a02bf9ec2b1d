// Until the classroom server lands, `npm start` plays one scripted class in the terminal:
// a node dies and the cluster heals itself on Kubernetes' real timeline, shown at 20x.
import { advance, applyCommand, createCluster, wallMsForCluster, type Command } from "../shared/sim/index.ts";

const COMPRESSION = 20;
const s = createCluster({ seed: 2026 });
const run = (c: Command) => {
  const r = applyCommand(s, c);
  if (!r.ok) throw new Error(r.error);
};
for (const name of ["amara", "bao", "chloe", "dinh", "elif", "farid"]) run({ type: "addNode", name });
run({ type: "deploy", app: "shop", version: "v1", replicas: 12, baselineRps: 120 });

const show = new Set(["Scheduled", "NodeNotReady", "TaintManagerEviction", "NodePoweredOff", "Started", "ScalingReplicaSet"]);
let seen = 0;
const clock = (ms: number) => `${String(Math.floor(ms / 60000)).padStart(2, "0")}:${String(Math.floor(ms / 1000) % 60).padStart(2, "0")}`;
function flush(): void {
  for (const e of s.events.slice(seen)) {
    if (!show.has(e.reason) || (e.reason === "Scheduled" && s.timeMs < 60_000) || (e.reason === "Started" && s.timeMs < 60_000)) continue;
    console.log(`cluster ${clock(e.lastMs)}  wall ${(wallMsForCluster(e.lastMs, COMPRESSION) / 1000).toFixed(1).padStart(5)}s  ${e.reason.padEnd(22)} ${e.object}  ${e.message}`);
  }
  seen = s.events.length;
}
advance(s, 60_000);
console.log(`12 shop pods ready on 6 nodes: ${Object.values(s.pods).filter((p) => p.ready).length} ready. Killing bao's machine.`);
seen = s.events.length;
run({ type: "killNode", node: "bao" });
for (let t = 0; t < 480; t++) {
  advance(s, 1000);
  flush();
}
const last = s.history.at(-1);
console.log(`\nready pods: ${Object.values(s.pods).filter((p) => p.ready).length}/12, availability of the last 5 s: ${last?.availability}`);
console.log("The classroom server is on its way: see the issues. Run `npm test` for the test suite.");
