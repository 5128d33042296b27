export { CliConfig } from "./config.js";
export { main } from "./main.js";
