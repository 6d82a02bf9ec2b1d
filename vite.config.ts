import { defineConfig } from "vite";
import { resolve } from "node:path";

// Four pages, one bundle graph: the landing/student page, the teacher's host page (with the
// debrief), the projector display, and the replay of a class on the projector. The server serves client/dist; in
// development Vite proxies to it.
export default defineConfig({
  root: "client",
  publicDir: "public",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      input: {
        index: resolve(import.meta.dirname, "client/index.html"),
        host: resolve(import.meta.dirname, "client/host.html"),
        display: resolve(import.meta.dirname, "client/display.html"),
        replay: resolve(import.meta.dirname, "client/replay.html"),
      },
      output: {
        // zod decides at each object schema's creation whether it may compile parsers with eval,
        // which the Content-Security-Policy refuses (client/src/csp.ts turns that off). zod and
        // that switch get a chunk of their own, imported first by every page, so the switch is
        // set before any shared chunk creates a schema.
        manualChunks: (id: string) => (/[\\/]node_modules[\\/]zod[\\/]|[\\/]client[\\/]src[\\/]csp\.ts$/.test(id) ? "zod" : undefined),
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      "/api": "http://localhost:2567",
      "/healthz": "http://localhost:2567",
    },
  },
});
