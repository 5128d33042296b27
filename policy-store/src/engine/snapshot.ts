import { type Database, rowsOf, type Session, tables } from "@pea/migrations";
import { eq, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { EntityJson, EntityUidJson } from "../cedar/cedar.js";
import { explicitAttributes, type SchemaInfo } from "../cedar/schema.js";

export const entityKey = (type: string, id: string) => `${type}::${id}`;

/** Two groups nobody may hold together (governance/sod.ts). */
export interface SodConflict {
  a: string;
  b: string;
  description: string;
}

/**
 * An immutable, in-memory copy of every entitlement at one entitlement version, in Cedar's entity
 * form. Each entity carries its ancestor closure precomputed, so a decision sends Cedar exactly the
 * entities it needs (cedar-wasm's cost grows with every entity passed).
 */
export class Snapshot {
  private readonly closures = new Map<string, EntityJson[]>();

  /** Groups nobody may hold together (sod.ts); decide() denies `sod` to a link holding both. */
  sodConflicts: ReadonlyArray<SodConflict> = [];

  constructor(
    readonly version: number,
    private readonly entities: Map<string, EntityJson>,
  ) {}

  get(type: string, id: string): EntityJson | undefined {
    return this.entities.get(entityKey(type, id));
  }

  has(type: string, id: string): boolean {
    return this.entities.has(entityKey(type, id));
  }

  get size(): number {
    return this.entities.size;
  }

  private byType: Map<string, EntityJson[]> | undefined;
  private referenced: Map<string, Set<string>> | undefined;

  /**
   * Ids of `type` that some entity's attributes refer to: the issuers resources are tagged with,
   * for instance, which exist only as references (a wall crossing for an issuer nothing names is a typo).
   */
  referencedIds(type: string): ReadonlySet<string> {
    if (!this.referenced) {
      const found = new Map<string, Set<string>>();
      const visit = (value: unknown): void => {
        if (Array.isArray(value)) for (const item of value) visit(item);
        else if (value && typeof value === "object") {
          const ref = (value as { __entity?: { type?: unknown; id?: unknown } }).__entity;
          if (ref && typeof ref.type === "string" && typeof ref.id === "string") {
            const ids = found.get(ref.type) ?? new Set<string>();
            ids.add(ref.id);
            found.set(ref.type, ids);
          } else for (const inner of Object.values(value)) visit(inner);
        }
      };
      for (const entity of this.entities.values()) visit(entity.attrs);
      this.referenced = found;
    }
    return this.referenced.get(type) ?? new Set();
  }

  /** Every entity of one type, ordered by id (the candidates of an AuthZEN search). */
  ofType(type: string): readonly EntityJson[] {
    if (!this.byType) {
      const index = new Map<string, EntityJson[]>();
      for (const entity of this.entities.values()) {
        const uid = entity.uid as { type: string; id: string };
        const list = index.get(uid.type);
        if (list) list.push(entity);
        else index.set(uid.type, [entity]);
      }
      const idOf = (e: EntityJson) => (e.uid as { id: string }).id;
      for (const list of index.values()) list.sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
      this.byType = index;
    }
    return this.byType.get(type) ?? [];
  }

  /**
   * `compute(key)` for the entity, remembered in `cache` when the entity is this snapshot's own (an
   * entity made for one request, a resource the caller describes, is worked out each time).
   */
  private remembered<V>(cache: Map<string, V>, entity: EntityJson, compute: (key: string) => V): V {
    const uid = entity.uid as { type: string; id: string };
    const key = entityKey(uid.type, uid.id);
    const mine = this.entities.get(key) === entity;
    if (mine && cache.has(key)) return cache.get(key) as V;
    const value = compute(key);
    if (mine) cache.set(key, value);
    return value;
  }

  /** The entity and all its ancestors (groups of groups, segments), each once. */
  closure(entity: EntityJson): EntityJson[] {
    return this.remembered(this.closures, entity, (key) => {
      // Breadth first over `out` itself (no queue to shift: a user in 100 groups made that quadratic).
      const seen = new Set<string>([key]);
      const out: EntityJson[] = [entity];
      for (let i = 0; i < out.length; i++) {
        for (const parent of (out[i] as EntityJson).parents as Array<{ type: string; id: string }>) {
          const parentKey = entityKey(parent.type, parent.id);
          if (seen.has(parentKey)) continue;
          seen.add(parentKey);
          const found = this.entities.get(parentKey);
          if (found) out.push(found);
        }
      }
      return out;
    });
  }

  private readonly conflicts = new Map<string, SodConflict | undefined>();

  /**
   * A pair of groups that separation of duties keeps apart and that the entity holds both of,
   * directly or through its ancestors; remembered per entity (at bank size a user is in ~100 groups).
   */
  conflictHeldBy(entity: EntityJson): SodConflict | undefined {
    if (this.sodConflicts.length === 0) return undefined;
    return this.remembered(this.conflicts, entity, () => {
      const groups = new Set<string>();
      for (const e of this.closure(entity)) {
        const ancestor = e.uid as { type: string; id: string };
        if (ancestor.type === "Group") groups.add(ancestor.id);
      }
      return this.sodConflicts.find((c) => groups.has(c.a) && groups.has(c.b));
    });
  }

  private readonly flattened = new Map<string, EntityJson[]>();

  /**
   * What a Cedar call needs of an entity: the entity with every ancestor as a direct parent (so
   * `in` holds without the ancestors themselves), plus those ancestors that carry attributes a
   * policy could read (a medical record's patient). Ancestors without attributes (groups,
   * segments) are left out: Cedar answers `in`, `is` and `==` from uids alone, and an entity with no
   * attributes answers `has` false whether it is sent or not. Every entity sent costs a parse.
   */
  forEvaluation(entity: EntityJson): EntityJson[] {
    return this.remembered(this.flattened, entity, () => {
      const [self, ...ancestors] = this.closure(entity);
      const out: EntityJson[] = [flatten(self ?? entity, ancestors)];
      for (const ancestor of ancestors) {
        if (Object.keys(ancestor.attrs ?? {}).length > 0) out.push(flatten(ancestor, this.closure(ancestor).slice(1)));
      }
      return out;
    });
  }
}

const flatten = (entity: EntityJson, ancestors: EntityJson[]): EntityJson =>
  ancestors.length === 0 ? entity : { ...entity, parents: ancestors.map((a) => a.uid) };

const ref = (type: string, id: string): EntityUidJson => ({ type, id });
const entityValue = (type: string, id: string) => ({ __entity: { type, id } });

/** The store's entitlement version: the entitlement tables' triggers bump it on every change. */
export async function entitlementVersion(session: Session): Promise<number> {
  const { peaState } = tables;
  const [row] = await session.db
    .select({ value: peaState.value })
    .from(peaState)
    .where(eq(peaState.key, "entitlement_version"));
  return row?.value ?? 0;
}

/**
 * Read every entitlement table at one consistent point and build a Snapshot. Given the schema,
 * stored resource attributes are put in Cedar's explicit JSON form (what decisions need).
 */
export async function loadSnapshot(database: Database, schema?: SchemaInfo): Promise<Snapshot> {
  const rows = await database.transaction(readEntitlements, { readOnly: true });
  return buildSnapshot(rows, schema);
}

/** Every entitlement table's rows, read in one transaction (one consistent point). */
async function readEntitlements(s: Session) {
  const version = await entitlementVersion(s);
  const t = tables;
  // Tables are read through the `sql` template (rawRows): the query builder maps every row again,
  // which counts for the two that grow with the bank (a million memberships). 42,815 memberships
  // and 20,000 resources on Postgres: 164 ms raw, 220 through the builder, 161 through the
  // template; PGlite 570, 556, 553 ms (npm run bench:drizzle, median of 7 alternating rounds).
  return {
    version,
    users: await rawRows(s, t.users, ["id", "status"]),
    agents: await rawRows(s, t.agents, ["id", "ownerId", "status"]),
    groups: await rawRows(s, t.groups, ["id"]),
    segments: await rawRows(s, t.segments, ["id"]),
    memberships: await rawRows(s, t.memberships, ["memberType", "memberId", "parentType", "parentId"]),
    intents: await rawRows(s, t.intents, ["id"]),
    capabilities: await rawRows(s, t.intentCapabilities, ["intentId", "action", "resourceType"]),
    agentIntents: await rawRows(s, t.agentIntents, ["agentId", "intentId"]),
    delegations: await rawRows(s, t.agentDelegations, ["agentId", "delegatorAgentId"]),
    sodConflicts: await s.db
      .select({ a: t.sodConflicts.groupA, b: t.sodConflicts.groupB, description: t.sodConflicts.description })
      .from(t.sodConflicts),
    principalAttributes: await rawRows(s, t.principalAttributes, ["type", "id", "attributes"]),
    resources: await rawRows(s, t.resources, ["type", "id", "attributes", "parents"]),
  };
}

/**
 * The Snapshot of those rows. At bank size this is a million memberships: the work is done in
 * slices with a turn of the event loop between them, so the snapshot in use keeps answering while
 * the next one is built (built in one go, an entitlement change stalled every decision for ~1 s).
 */
async function buildSnapshot(rows: Awaited<ReturnType<typeof readEntitlements>>, schema?: SchemaInfo) {
  const explicit = (type: string, attrs: Record<string, unknown>) => {
    const declared = schema?.entityTypes.get(type)?.attributes;
    return declared ? explicitAttributes(attrs, declared) : attrs;
  };
  const extraAttrs = new Map(
    rows.principalAttributes.map((p) => [entityKey(p.type, p.id), explicit(p.type, p.attributes)]),
  );
  const parentsOf = await groupBy(
    rows.memberships,
    (row) => entityKey(row.memberType, row.memberId),
    (row) => ref(row.parentType, row.parentId),
  );
  const capabilitiesOf = await groupBy(
    rows.capabilities,
    (c) => c.intentId,
    (c) => capabilityOf(c.action, c.resourceType),
  );
  const intentsOf = await groupBy(
    rows.agentIntents,
    (a) => a.agentId,
    (a) => entityValue("Intent", a.intentId),
  );
  const delegatorsOf = await groupBy(
    rows.delegations,
    (d) => d.agentId,
    (d) => entityValue("Agent", d.delegatorAgentId),
  );

  const entities = new Map<string, EntityJson>();
  const add = (type: string, id: string, attrs: EntityJson["attrs"], parents?: EntityUidJson[]) =>
    entities.set(entityKey(type, id), {
      uid: ref(type, id),
      attrs,
      parents: parents ?? parentsOf.get(entityKey(type, id)) ?? [],
    });
  await inSlices(rows.groups, (g) => add("Group", g.id, {}));
  await inSlices(rows.segments, (g) => add("Segment", g.id, {}));
  await inSlices(rows.users, (u) =>
    add("User", u.id, { ...extraAttrs.get(entityKey("User", u.id)), status: u.status }),
  );
  await inSlices(rows.agents, (a) =>
    add("Agent", a.id, {
      ...extraAttrs.get(entityKey("Agent", a.id)),
      owner: entityValue("User", a.ownerId),
      status: a.status,
      intents: intentsOf.get(a.id) ?? [],
      delegableBy: delegatorsOf.get(a.id) ?? [],
    }),
  );
  await inSlices(rows.intents, (i) => add("Intent", i.id, { capabilities: capabilitiesOf.get(i.id) ?? [] }));
  await inSlices(rows.resources, (row) =>
    add(row.type, row.id, explicit(row.type, row.attributes) as EntityJson["attrs"], row.parents),
  );
  const snapshot = new Snapshot(rows.version, entities);
  snapshot.sodConflicts = rows.sodConflicts;
  return snapshot;
}

/** Rows handled between two turns of the event loop while a snapshot is built (a few ms each). */
const SLICE = 5_000;

/** `fn` over every row, letting the event loop turn after each SLICE of them. */
async function inSlices<T>(rows: readonly T[], fn: (row: T) => void): Promise<void> {
  for (let i = 0; i < rows.length; i++) {
    fn(rows[i] as T);
    if (i % SLICE === SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** How an intent's capability is spelled, both in Intent.capabilities and in context.capability. */
export function capabilityOf(action: string, resourceType: string): string {
  return `${action} on ${resourceType}`;
}

/**
 * The `keys` columns of every row of `table`, read through the `sql` template (rows keyed as the
 * columns are), not the query builder, which maps every row again (see loadSnapshot).
 */
function rawRows<T extends PgTable, K extends keyof T["$inferSelect"] & keyof T & string>(
  s: Session,
  table: T,
  keys: K[],
): Promise<Array<Pick<T["$inferSelect"], K>>> {
  const columns = keys.map((key) => sql`${table[key] as PgColumn} AS ${sql.identifier(key)}`);
  return rowsOf(s, sql`SELECT ${sql.join(columns, sql`, `)} FROM ${table}`);
}

async function groupBy<T, V>(rows: T[], key: (row: T) => string, value: (row: T) => V): Promise<Map<string, V[]>> {
  const out = new Map<string, V[]>();
  await inSlices(rows, (row) => {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(value(row));
    else out.set(k, [value(row)]);
  });
  return out;
}
