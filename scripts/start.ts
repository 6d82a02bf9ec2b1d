// `npm start`: build the browser client once if it has not been built, then run the game server.
// One process, embedded defaults, no external service: what a teacher needs on a laptop.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
if (!existsSync(path.join(root, "client/dist/index.html"))) {
  console.log("Building the client (first start only)…");
  const vite = path.join(root, "node_modules/.bin/vite");
  const r = spawnSync(vite, ["build", "--logLevel", "warn"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import("../server/main.ts");
