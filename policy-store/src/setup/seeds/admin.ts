import type { EntitlementSeed } from "../seed.js";
import { people } from "./build.js";

/** The admin roles (policies/admin/roles.cedar): groups like any other, so granting one is governed. */
export const adminRoleSeed: EntitlementSeed = {
  users: [],
  groups: [
    { id: "pea-admins", description: "Role: platform administrators" },
    { id: "pea-compliance", description: "Role: compliance officers (SoD, wall crossings, revocations)" },
    { id: "pea-approvers", description: "Role: approvers (the approvals queue)" },
    { id: "pea-auditors", description: "Role: auditors (read everything, change nothing)" },
    { id: "owner-managed-agents", description: "Agents whose owner may widen what they may do" },
  ],
  segments: [],
  memberships: {},
  agents: [],
  intents: [],
  resources: [],
};

/** Meridian Bank's people in those roles: carol and erin through their teams; pat and grace. */
export const bankAdminSeed: EntitlementSeed = {
  ...adminRoleSeed,
  ...people(
    [
      ["pat", "Pat Rivera (platform admin)", ["pea-admins", "staff"]],
      ["grace", "Grace Liu (internal audit)", ["pea-auditors", "staff"]],
    ],
    "meridian.example",
  ),
  groups: [
    ...adminRoleSeed.groups,
    { id: "compliance", parents: ["pea-compliance"] },
    { id: "payments-approvers", parents: ["pea-approvers"] },
  ],
};
