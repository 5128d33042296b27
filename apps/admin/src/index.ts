export { type AdminApp, type AdminDeps, createAdminApp } from "./app.js";
export { AdminConfig, oidcSettingsOf, parseAdminConfig } from "./config.js";
export type { OidcSettings } from "./oidc.js";
export { type RunningAdmin, startAdmin } from "./server.js";
export { SignInThrottle } from "./sign-in.js";
export { axisTop, chartSeries, DecisionChart } from "./ui/overview/chart.js";
