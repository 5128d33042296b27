export { createDemoKeys, type DemoKey } from "./demo-keys.js";
export { prepareAdmin } from "./prepare-admin.js";
export { prepareStore } from "./prepare-store.js";
export { applySeed, isEmptyStore } from "./seed.js";
export { bankSeed } from "./seeds/bank.js";
export { seeds } from "./seeds/index.js";
