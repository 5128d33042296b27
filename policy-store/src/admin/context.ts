import { type Database, type Session, tables } from "@pea/migrations";
import { PeaError } from "@pea/schemas";
import { eq } from "drizzle-orm";
import { recordChange } from "../audit/chain.js";
import type { SchemaInfo } from "../cedar/schema.js";
import type { AdminAction, AdminAuthorizer, AdminTarget } from "./authorizer.js";

/**
 * What every entitlement change shares (see EntitlementAdmin in ./entitlement-admin.ts): who acts,
 * the refusals, id rules, and the authorize → change → audit record step.
 */

/** Who is making a change: a signed-in user, and how they signed in. */
export interface AdminActor {
  userId: string;
  /** "password", "api-key:<id>", "oidc:<issuer>": kept with the change record. */
  via: string;
}

/** The API key the actor is acting with (a bearer key, or the key a session was opened with). */
export const keyIdOf = (actor: AdminActor): string | null =>
  actor.via.startsWith("api-key:") ? actor.via.slice("api-key:".length) : null;

/** The audit record's actor fields for a change made by `actor`. */
export const recordedActor = (actor: AdminActor) => ({ actor: `User::${actor.userId}`, apiKeyId: keyIdOf(actor) });

export type EntitlementErrorCode = "invalid_request" | "not_found" | "conflict";

/** A change that cannot be made as asked (the message says why, for the person asking). */
export class EntitlementError extends PeaError {
  declare readonly code: EntitlementErrorCode;
  constructor(code: EntitlementErrorCode, message: string) {
    super(code, message);
  }
}

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;
export const principalStatuses = ["active", "suspended", "revoked"] as const;
export type PrincipalStatus = (typeof principalStatuses)[number];
export const memberTypes = ["User", "Agent", "Group"] as const;
export const parentTypes = ["Group", "Segment"] as const;

export interface Ref {
  type: string;
  id: string;
}

export interface EntitlementAdminDeps {
  database: Database;
  authorizer: AdminAuthorizer;
  /** The Cedar schema: capability sets and resources are checked against it. */
  schema: () => SchemaInfo | undefined;
}

export const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));

export function checkId(field: string, id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw new EntitlementError(
      "invalid_request",
      `${field}: must start with a letter or digit and use only letters, digits and . _ @ : - (at most 128)`,
    );
  }
}

/** Postgres unique violations become a 409 naming what already exists (drizzle wraps the driver's error). */
export function mapUnique(error: unknown, what: string): never {
  const { code, cause } = error as { code?: string; cause?: { code?: string } };
  if (code === "23505" || cause?.code === "23505") throw new EntitlementError("conflict", `${what} already exists`);
  throw error;
}

/** Authorize, then run `work` and its audit record in one transaction. */
export async function change<T>(
  deps: EntitlementAdminDeps,
  actor: AdminActor,
  action: AdminAction,
  target: AdminTarget,
  record: { action: string; target: string; detail?: Record<string, unknown> },
  work: (tx: Session) => Promise<T>,
): Promise<T> {
  await deps.authorizer.require(actor.userId, action, target);
  return deps.database.transaction(async (tx) => {
    const result = await work(tx);
    await recordChange(tx, {
      ...recordedActor(actor),
      action: record.action,
      target: record.target,
      detail: { ...record.detail, via: actor.via },
    });
    return result;
  });
}

/** How one entity is created from its input (see rowCreator). */
export interface NewRow {
  permission: AdminAction;
  target: AdminTarget;
  record: { action: string; target: string; detail?: Record<string, unknown> };
  before?: () => Promise<void> | void;
  insert: (tx: Session) => Promise<unknown>;
}

/**
 * The operation that creates one entity from an input naming its id: the id is checked, then
 * `before` (further checks), then the authorized insert with its audit record; an id already taken
 * is a conflict naming the record's target.
 */
export function rowCreator<Input extends { id: string }>(
  describe: (input: Input, deps: EntitlementAdminDeps) => NewRow,
): (deps: EntitlementAdminDeps, actor: AdminActor, input: Input) => Promise<void> {
  return async (deps, actor, input) => {
    checkId("id", input.id);
    const row = describe(input, deps);
    await row.before?.();
    await change(deps, actor, row.permission, row.target, row.record, async (tx) => {
      await row.insert(tx).catch((e) => mapUnique(e, row.record.target));
    });
  };
}

/** Reading requires the admin:view permission (every role has it). */
export async function requireView(deps: EntitlementAdminDeps, actor: AdminActor): Promise<void> {
  await deps.authorizer.require(actor.userId, "admin:view", { kind: "console" });
}

const entityTables = {
  User: tables.users,
  Agent: tables.agents,
  Group: tables.groups,
  Segment: tables.segments,
  Intent: tables.intents,
};

export async function mustExist(session: Session, type: string, id: string): Promise<void> {
  const table = entityTables[type as keyof typeof entityTables];
  if (!table) throw new EntitlementError("invalid_request", `${type} is not an entitlement type`);
  const rows = await session.db.select({ id: table.id }).from(table).where(eq(table.id, id));
  if (rows.length === 0) throw new EntitlementError("not_found", `${type}::${id} does not exist`);
}
