import { parseAdminConfig } from "./config.js";
import { type RunningAdmin, startAdmin } from "./server.js";

let admin: RunningAdmin;
try {
  admin = await startAdmin(parseAdminConfig(process.env));
} catch (error) {
  console.error(`pea admin: cannot start: ${(error as Error).message}`);
  process.exit(1);
}
console.log(`PEA admin app on ${admin.url}  (API docs: ${admin.url}/docs)`);

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (closing) return;
    closing = true;
    await admin.close();
    process.exit(0);
  });
}
