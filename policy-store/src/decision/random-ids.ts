import { randomFillSync } from "node:crypto";

// Decision ids are made for every request; asking the CSPRNG for 10 bytes at a time cost more than
// a tenth of a request's CPU. Bytes are drawn from the same CSPRNG a pool at a time and each byte
// is handed out once.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` fresh random bytes (from node:crypto's CSPRNG) as lowercase hex. */
export function randomHex(bytes: number): string {
  if (bytes > POOL_BYTES) return randomFillSync(Buffer.alloc(bytes)).toString("hex");
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + bytes);
  offset += bytes;
  return hex;
}

const DECISION_RANDOM_HEX = 20;
const DECISION_ID = new RegExp(`^dec_([0-9a-z]{1,11})[0-9a-f]{${DECISION_RANDOM_HEX}}$`);
const RECORD_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A decision's id: when it was made (ms since the epoch, base 36), then 10 random bytes. */
export function newDecisionId(): string {
  return `dec_${Date.now().toString(36)}${randomHex(DECISION_RANDOM_HEX / 2)}`;
}

/**
 * When a decision's audit record can have been written: by the process that made its id, within
 * the decision's deadline; a day either side covers any clock step. The audit log is partitioned by
 * month, so a lookup bounded by this reads one or two partitions instead of every one. Undefined
 * for a string PEA never made a decision id of.
 */
export function decisionRecordWindow(id: string): { from: Date; to: Date } | undefined {
  const time = DECISION_ID.exec(id)?.[1];
  const ms = time === undefined ? Number.NaN : Number.parseInt(time, 36);
  if (!Number.isSafeInteger(ms)) return undefined;
  return { from: new Date(ms - RECORD_WINDOW_MS), to: new Date(ms + RECORD_WINDOW_MS) };
}
