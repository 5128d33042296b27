import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// Tests run PEA's sources, not its build: every @pea/* package exports `./src/index.ts` under
// the `pea-source` condition (see "Build" in the README). Not `module`: packages that export
// bundler-only ESM under it (@opentelemetry/api) would then be loaded by Node and fail.
const conditions = ["pea-source", ...defaultServerConditions.filter((c) => c !== "module")];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ".pea/**", "**/dist/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each test file opens its own database; two cores run two files at a time.
    maxWorkers: 2,
    // Node 20.20's V8 can abort ("unreachable code" in Deoptimizer::DoComputeBuiltinContinuation)
    // when it deoptimizes a hot decide(); without TurboFan inlining it does not. See README.
    execArgv: ["--no-turbo-inlining"],
  },
});
