import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ".pea/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each test file opens its own database; two cores run two files at a time.
    maxWorkers: 2,
  },
});
