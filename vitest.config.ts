import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ".pea/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each test file opens its own database; two cores run two files at a time.
    maxWorkers: 2,
    // Node 20.20's V8 can abort ("unreachable code" in Deoptimizer::DoComputeBuiltinContinuation)
    // when it deoptimizes a hot decide(); without TurboFan inlining it does not. See README.
    execArgv: ["--no-turbo-inlining"],
  },
});
