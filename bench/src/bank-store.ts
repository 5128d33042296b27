// A bank-sized entitlement store on top of the demo bank, written with set-based SQL
// (INSERT … SELECT generate_series), so 1M rows take seconds, not an hour of round trips.
import type { Database } from "@pea/migrations";
import type { AuthorizeRequest } from "@pea/schemas";

export interface BankSize {
  users: number;
  agents: number;
  resources: number;
  groups: number;
  /** Groups each user belongs to (users × this = the membership rows). */
  groupsPerUser: number;
}

export const bankSize: BankSize = {
  users: 10_000,
  agents: 2_000,
  resources: 100_000,
  groups: 2_000,
  groupsPerUser: 100,
};

/** Entitlement rows the generator writes for `size` (memberships, agent grants, resources...). */
export function generatedRows(size: BankSize): number {
  const memberships = size.users * (size.groupsPerUser + 1) + size.agents + size.groups;
  return size.users + size.agents * 2 + size.groups + memberships + size.resources;
}

/**
 * Users u1…uN (half research, half private side), groups g1…gG under staff, every user in
 * `groupsPerUser` of them, agents a1…aA each owned by a user and holding that side's task, and
 * datasets ds1…dsR: a third internal, the rest in a segment, every tenth MNPI with an issuer,
 * every fifth covering two users (client records).
 */
export async function generateBankStore(database: Database, size: BankSize = bankSize): Promise<void> {
  const { users, agents, resources, groups, groupsPerUser } = size;
  await database.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO users (id, display_name) SELECT 'u' || g, 'Bench user ' || g FROM generate_series(1, ${users}) g`,
    );
    await tx.query(
      `INSERT INTO groups (id, description) SELECT 'g' || g, 'Bench desk ' || g FROM generate_series(1, ${groups}) g`,
    );
    await tx.query(
      `INSERT INTO memberships (member_type, member_id, parent_type, parent_id, granted_by)
       SELECT 'Group', 'g' || g, 'Group', 'staff', 'bench' FROM generate_series(1, ${groups}) g`,
    );
    // Each user in groupsPerUser distinct groups (a stride through the groups), and in one segment.
    await tx.query(
      `INSERT INTO memberships (member_type, member_id, parent_type, parent_id, granted_by)
       SELECT 'User', 'u' || u, 'Group', 'g' || (1 + ((u * 7 + k * ${Math.floor(groups / groupsPerUser)}) % ${groups})), 'bench'
       FROM generate_series(1, ${users}) u, generate_series(0, ${groupsPerUser - 1}) k`,
    );
    await tx.query(
      `INSERT INTO memberships (member_type, member_id, parent_type, parent_id, granted_by)
       SELECT 'User', 'u' || u, 'Segment', CASE WHEN u % 2 = 0 THEN 'research' ELSE 'ibd' END, 'bench'
       FROM generate_series(1, ${users}) u`,
    );
    // Agent aK is owned by user u((K-1) mod users + 1) and works on that user's side.
    await tx.query(
      `INSERT INTO agents (id, owner_id, description)
       SELECT 'a' || a, 'u' || (1 + (a - 1) % ${users}), 'Bench agent ' || a FROM generate_series(1, ${agents}) a`,
    );
    await tx.query(
      `INSERT INTO agent_intents (agent_id, intent_id, granted_by)
       SELECT 'a' || a, CASE WHEN (1 + (a - 1) % ${users}) % 2 = 0 THEN 'market-research-report' ELSE 'deal-prep' END, 'bench'
       FROM generate_series(1, ${agents}) a`,
    );
    await tx.query(
      `INSERT INTO memberships (member_type, member_id, parent_type, parent_id, granted_by)
       SELECT 'Agent', 'a' || a, 'Segment', CASE WHEN (1 + (a - 1) % ${users}) % 2 = 0 THEN 'research' ELSE 'ibd' END, 'bench'
       FROM generate_series(1, ${agents}) a`,
    );
    await tx.query(
      `INSERT INTO resources (type, id, attributes, parents)
       SELECT 'Dataset', 'ds' || r,
         jsonb_build_object(
           'classification', CASE WHEN r % 3 = 0 THEN 'internal' ELSE 'confidential' END,
           'issuers', CASE WHEN r % 10 = 1 THEN jsonb_build_array(jsonb_build_object('__entity', jsonb_build_object('type', 'Issuer', 'id', 'ISS' || (r % 500)))) ELSE '[]'::jsonb END,
           'mnpi', r % 10 = 1
         )
         || CASE WHEN r % 3 = 0 THEN '{}'::jsonb
                 ELSE jsonb_build_object('segment', jsonb_build_object('__entity', jsonb_build_object('type', 'Segment', 'id', CASE WHEN r % 2 = 0 THEN 'research' ELSE 'ibd' END))) END
         || CASE WHEN r % 5 = 0 THEN jsonb_build_object('coverage', jsonb_build_array(
                   jsonb_build_object('__entity', jsonb_build_object('type', 'User', 'id', 'u' || (1 + r % ${users}))),
                   jsonb_build_object('__entity', jsonb_build_object('type', 'User', 'id', 'u' || (1 + (r * 31) % ${users})))))
                 ELSE '{}'::jsonb END,
         CASE WHEN r % 3 = 0 THEN '[]'::jsonb
              ELSE jsonb_build_array(jsonb_build_object('type', 'Segment', 'id', CASE WHEN r % 2 = 0 THEN 'research' ELSE 'ibd' END)) END
       FROM generate_series(1, ${resources}) r`,
    );
    // Every human asks with their own key (a key speaks only for its user and that user's agents):
    // bankKeyOf(u) is uK's, its secret's sha256 stored as PEA stores any key's.
    await tx.query(
      `INSERT INTO api_keys (id, name, secret_hash, scopes, user_id, kind, created_by)
       SELECT 'benchuser' || u, 'Bench user ' || u, encode(sha256(convert_to('${KEY_SECRET}' || u, 'UTF8')), 'hex'),
         ARRAY['authorize'], 'u' || u, 'user', 'bench'
       FROM generate_series(1, ${users}) u`,
    );
  });
}

const KEY_SECRET = "benchsecretbenchsecret";

/** The API key of bench user `u<n>` (made by generateBankStore). */
export const bankKeyOf = (userId: string): string =>
  `pea_bench${userId.replace(/^u/, "user")}.${KEY_SECRET}${userId.slice(1)}`;

/** A small deterministic PRNG, so a run's request mix can be replayed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A request drawn at random: an agent for its owner (read or export) or a user on their own
 * (read or export), over any of the datasets. With 10k users, 2k agents and 100k datasets, two
 * requests rarely ask about the same link.
 */
export function randomBankRequest(
  random: () => number,
  size: BankSize = bankSize,
): { body: AuthorizeRequest; key: string } {
  const dataset = { type: "Dataset", id: `ds${1 + Math.floor(random() * size.resources)}` };
  const action = random() < 0.8 ? "dataset:read" : "dataset:export";
  if (random() < 0.5) {
    const agent = 1 + Math.floor(random() * size.agents);
    const owner = 1 + ((agent - 1) % size.users);
    const body = {
      principal: { type: "Agent", id: `a${agent}` },
      chain: [{ type: "User", id: `u${owner}` }],
      intent: owner % 2 === 0 ? "market-research-report" : "deal-prep",
      action,
      resource: dataset,
      context: {},
    } as AuthorizeRequest;
    return { body, key: bankKeyOf(`u${owner}`) };
  }
  const user = `u${1 + Math.floor(random() * size.users)}`;
  const body = { principal: { type: "User", id: user }, chain: [], action, resource: dataset, context: {} };
  return { body: body as AuthorizeRequest, key: bankKeyOf(user) };
}
