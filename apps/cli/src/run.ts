// The `pea` process: one command from argv, and its exit code.
import { main } from "./main.js";

// A reader that stops early (`pea audit export | head`) closes the pipe: that is the reader's
// choice, not a failure, so the command ends quietly instead of dying with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await main(process.argv.slice(2), process.env);
