import type { EntitlementSeed } from "../seed.js";

/** What the shipped seeds share: how a person, an organisation's teams and an entity reference are written. */

/** A reference to an entity inside stored attributes (Cedar's JSON form). */
export const entity = (type: string, id: string) => ({ __entity: { type, id } });

/** A person: id, display name, and what they are in ("Segment::x", "Group::x", or a bare group id). */
export type Person = [id: string, displayName: string, memberOf: string[]];

/**
 * People as a seed's users and their memberships, each person written once. With `emailDomain`
 * everyone's e-mail is id@emailDomain; without it nobody has one.
 */
export function people(rows: Person[], emailDomain?: string): Pick<EntitlementSeed, "users" | "memberships"> {
  return {
    users: rows.map(([id, displayName]) => ({
      id,
      displayName,
      ...(emailDomain ? { email: `${id}@${emailDomain}` } : {}),
    })),
    memberships: Object.fromEntries(
      rows.map(([id, , memberOf]) => [
        `User::${id}`,
        memberOf.map((parent) => (parent.includes("::") ? parent : `Group::${parent}`)),
      ]),
    ),
  };
}

/** An organisation's groups: the one everyone is in, and its teams (id → description) under it. */
export function teams(everyone: string, description: string, under: Record<string, string>): EntitlementSeed["groups"] {
  return [
    { id: everyone, description },
    ...Object.entries(under).map(([id, team]) => ({ id, description: team, parents: [everyone] })),
  ];
}
