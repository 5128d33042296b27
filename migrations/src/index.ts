export * from "./database.js";
export * from "./embedded.js";
export * from "./migrate.js";
export * as tables from "./tables.js";
