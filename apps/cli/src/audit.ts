import { readFile, writeFile } from "node:fs/promises";
import {
  auditHashAt,
  CheckpointError,
  exportAudit,
  loadCheckpointSigner,
  parseCheckpoint,
  storeCheckpoint,
  verifyAuditLog,
} from "@pea/policy-store";
import { parseTimeBound } from "@pea/schemas";
import type { CliConfig } from "./config.js";
import { withStore } from "./store.js";
import { type Out, readFlags, UsageError } from "./usage.js";

export const auditUsage = `  pea audit verify [--checkpoint FILE] [--public-key PEM_FILE]
                                               check the audit chain; exit 1 naming the first bad seq
  pea audit checkpoint [--seq N] [--out FILE]  verify, then sign the head (or seq N; Ed25519), store and print it
  pea audit export --since T [--until T] [--run R] [--principal P] [--out FILE]
                                               audit entries as JSON lines (T: ISO time or 15m, 24h, 7d)`;

/** Parse "2026-01-01T00:00:00Z" or a look-back such as 15m, 24h, 7d. */
export function parseSince(text: string, now = new Date()): Date {
  const time = parseTimeBound(text, now) ?? new Date(text);
  if (Number.isNaN(time.getTime())) throw new UsageError(`not a time: ${text} (use ISO 8601 or 15m, 24h, 7d)`);
  return time;
}

/** `pea audit ...`; returns the exit code (0 intact/done, 1 tampered or failed, 2 usage). */
export async function auditCommand(
  sub: string | undefined,
  args: string[],
  config: CliConfig & { PEA_AUDIT_SIGNING_KEY?: string | undefined },
  out: Out,
): Promise<number> {
  try {
    switch (sub) {
      case "verify":
        return await verify(args, config, out);
      case "checkpoint":
        return await checkpoint(args, config, out);
      case "export":
        return await exportLines(args, config, out);
      default:
        throw new UsageError("audit takes: verify, checkpoint, export");
    }
  } catch (error) {
    if (error instanceof CheckpointError) {
      out.error(`pea: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

async function verify(args: string[], config: CliConfig, out: Out): Promise<number> {
  const values = readFlags(args, { checkpoint: { type: "string" }, "public-key": { type: "string" } });
  const checkpoint = values.checkpoint ? parseCheckpoint(await readFile(values.checkpoint, "utf8")) : undefined;
  const publicKey = values["public-key"] ? await readFile(values["public-key"], "utf8") : undefined;
  return withStore(config, async (db) => {
    const result = await verifyAuditLog(db, { checkpoint, publicKey });
    if (!result.ok && result.problem) {
      out.error(
        `audit log NOT intact: first bad seq ${result.problem.seq} (${result.problem.kind}): ${result.problem.message}`,
      );
      out.error(`checked ${result.checked} records before it`);
      return 1;
    }
    out.log(
      `audit log intact: ${result.checked} records, seq ${result.firstSeq ?? 0}..${result.lastSeq}, head ${result.lastHash}, ` +
        `${result.checkpointsMatched} signed checkpoint(s) matched`,
    );
    return 0;
  });
}

async function checkpoint(
  args: string[],
  config: CliConfig & { PEA_AUDIT_SIGNING_KEY?: string | undefined },
  out: Out,
): Promise<number> {
  const values = readFlags(args, { out: { type: "string" }, seq: { type: "string" } });
  const at = values.seq === undefined ? undefined : Number(values.seq);
  if (at !== undefined && !(Number.isInteger(at) && at >= 1)) throw new UsageError("--seq takes a positive integer");
  return withStore(config, async (db) => {
    // Sign only what verifies: a checkpoint vouches for the chain up to its seq.
    const result = await verifyAuditLog(db);
    if (!result.ok && result.problem) {
      out.error(
        `pea: refusing to sign: first bad seq ${result.problem.seq} (${result.problem.kind}): ${result.problem.message}`,
      );
      return 1;
    }
    const signer = await loadCheckpointSigner(db, { privateKey: config.PEA_AUDIT_SIGNING_KEY });
    let point = { seq: result.lastSeq, hash: result.lastHash };
    if (at !== undefined) {
      // Any verified seq (e.g. the last of a month about to be archived).
      const hash = await auditHashAt(db, at);
      if (hash === undefined || at > result.lastSeq || at < (result.firstSeq ?? 1)) {
        out.error(`pea: seq ${at} is not in the verified log (seq ${result.firstSeq ?? 0}..${result.lastSeq})`);
        return 1;
      }
      point = { seq: at, hash };
    }
    const signed = signer.sign(point);
    await storeCheckpoint(db, signed);
    const text = `${JSON.stringify(signed, null, 2)}\n`;
    if (values.out) {
      await writeFile(values.out, text);
      out.log(`checkpoint at seq ${signed.seq} (key ${signed.keyId}) written to ${values.out}`);
    } else {
      out.log(text.trimEnd());
    }
    return 0;
  });
}

async function exportLines(args: string[], config: CliConfig, out: Out): Promise<number> {
  const values = readFlags(args, {
    since: { type: "string" },
    until: { type: "string" },
    run: { type: "string" },
    principal: { type: "string" },
    out: { type: "string" },
  });
  if (!values.since) throw new UsageError("audit export needs --since");
  const since = parseSince(values.since);
  const until = values.until ? parseSince(values.until) : undefined;
  return withStore(config, async (db) => {
    const lines: string[] = [];
    let count = 0;
    for await (const entry of exportAudit(db, { since, until, run: values.run, principal: values.principal })) {
      const line = JSON.stringify(entry);
      if (values.out) lines.push(line);
      else out.log(line);
      count += 1;
    }
    if (values.out) {
      await writeFile(values.out, lines.length > 0 ? `${lines.join("\n")}\n` : "");
      out.log(`${count} entries written to ${values.out}`);
    }
    return 0;
  });
}
