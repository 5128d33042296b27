export { type AuditEntry, type AuditRecord, canonicalJson, entryHash, GENESIS_HASH, recordChange } from "./chain.js";
export {
  CheckpointError,
  loadCheckpointSigner,
  parseCheckpoint,
  startAuditService,
  storeCheckpoint,
} from "./checkpoints.js";
export { DecisionLog, type DecisionRecord } from "./decision-log.js";
export { buildLineage, exportAudit, type Lineage, queryAudit } from "./query.js";
export { readRecentDecisions } from "./recent-decisions.js";
export { verifyAuditLog } from "./verify.js";
