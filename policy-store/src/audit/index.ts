export {
  type AuditEntry,
  type AuditRecord,
  canonicalJson,
  chainEntries,
  entryHash,
  GENESIS_HASH,
  recordChange,
} from "./chain.js";
export {
  auditHashAt,
  CheckpointError,
  loadCheckpointSigner,
  parseCheckpoint,
  startAuditService,
  storeCheckpoint,
} from "./checkpoints.js";
export { DecisionLog, type DecisionRecord, decisionAuditRecord } from "./decision-log.js";
export {
  type AuditPage,
  type AuditQuery,
  auditFilters,
  buildLineage,
  exportAudit,
  type Lineage,
  MAX_AUDIT_PAGE,
  queryAudit,
} from "./query.js";
export { readRecentDecisions } from "./recent-decisions.js";
export { verifyAuditLog } from "./verify.js";
