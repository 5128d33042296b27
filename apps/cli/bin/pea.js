#!/usr/bin/env node
// Runs the TypeScript CLI directly (no build step), wherever it is invoked from.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2), process.env);
