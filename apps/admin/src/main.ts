import { closeOnSignals, startOrExit } from "@pea/http-kit";
import { parseAdminConfig } from "./config.js";
import { startAdmin } from "./server.js";

const admin = await startOrExit("pea admin", () => startAdmin(parseAdminConfig(process.env)));
console.log(`PEA admin app on ${admin.url}  (API docs: ${admin.url}/docs)`);
closeOnSignals(() => admin.close());
