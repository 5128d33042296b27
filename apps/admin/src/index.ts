export { type AdminApp, type AdminDeps, createAdminApp } from "./app.js";
export { AdminConfig, parseAdminConfig } from "./config.js";
export { detectFeatures, type RunningAdmin, startAdmin } from "./server.js";
