// `npm run docs:config`: regenerate docs/configuration.md.
import { writeFileSync } from "node:fs";
import { configReference, configReferencePath } from "./config-reference.js";

writeFileSync(configReferencePath, configReference());
console.log(`wrote ${configReferencePath.pathname}`);
