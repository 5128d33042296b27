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

/** A decision's id: when it was made (ms since the epoch, base 36), then 10 random bytes. */
export function newDecisionId(): string {
  return `dec_${Date.now().toString(36)}${randomHex(DECISION_RANDOM_HEX / 2)}`;
}

/** When a decision id was made; undefined for a string PEA never made one of. */
export function decisionIdTime(id: string): Date | undefined {
  const time = /^dec_([0-9a-z]{1,11})[0-9a-f]{20}$/.exec(id)?.[1];
  const ms = time === undefined ? Number.NaN : Number.parseInt(time, 36);
  return Number.isSafeInteger(ms) ? new Date(ms) : undefined;
}
