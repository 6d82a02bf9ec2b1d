import { defineConfig } from "vitest/config";

// Two projects: everything that runs in Node (in parallel, one worker per file), and the browser
// end-to-end suites, one file at a time: two Chromiums on a 2-core machine starve each other.
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      { test: { name: "unit", include: ["test/**/*.test.ts"], exclude: ["test/e2e/**"], environment: "node" } },
      { test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], environment: "node", fileParallelism: false, testTimeout: 180_000, hookTimeout: 180_000 } },
    ],
  },
});
