export { type AdminApp, type AdminDeps, createAdminApp } from "./app.js";
export { AdminConfig, parseAdminConfig } from "./config.js";
export { type RunningAdmin, startAdmin } from "./server.js";
export { axisTop, chartSeries, DecisionChart } from "./ui/overview/chart.js";
