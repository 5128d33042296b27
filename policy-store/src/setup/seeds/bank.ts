import type { EntitlementSeed } from "../seed.js";
import { entity, people, teams } from "./build.js";

const employees = people(
  [
    ["alice", "Alice Chen (equity research)", ["research-analysts", "Segment::research"]],
    ["bob", "Bob Osei (investment banking)", ["bankers", "Segment::ibd"]],
    ["carol", "Carol Diaz (compliance)", ["compliance"]],
    ["dave", "Dave Kim (payments)", ["payments-initiators"]],
    ["erin", "Erin Novak (finance approver)", ["payments-approvers"]],
  ],
  "meridian.example",
);

/** Meridian Bank, the demo organisation of shared/DESIGN.md. */
export const bankSeed: EntitlementSeed = {
  ...employees,
  groups: teams("staff", "Every employee", {
    "research-analysts": "Equity research",
    bankers: "Investment banking",
    compliance: "Compliance officers; approve wall crossings",
    "payments-initiators": "May initiate payments",
    "payments-approvers": "May approve and release payments",
  }),
  segments: [
    { id: "research", description: "Public side: equity research" },
    { id: "ibd", description: "Private side: investment banking" },
  ],
  memberships: {
    ...employees.memberships,
    "Agent::research-assistant": ["Segment::research"],
    "Agent::web-fetcher": ["Segment::research"],
    "Agent::deal-assistant": ["Segment::ibd"],
  },
  intents: [
    {
      id: "market-research-report",
      description: "Read market data and the research repository, write research drafts, send internal email",
      capabilities: [
        ["dataset:read", "Dataset"],
        ["document:write", "Document"],
        ["email:send", "EmailAddress"],
      ],
    },
    {
      id: "deal-prep",
      description: "Read the deal database and CRM, write deal memos",
      capabilities: [
        ["dataset:read", "Dataset"],
        ["document:write", "Document"],
        ["email:send", "EmailAddress"],
      ],
    },
    {
      id: "vendor-payment",
      description: "Initiate vendor payments (above 10,000 an approval is required)",
      capabilities: [["payment:initiate", "Payment"]],
    },
  ],
  agents: [
    {
      id: "research-assistant",
      owner: "alice",
      description: "Drafts market research for Alice",
      intents: ["market-research-report"],
    },
    { id: "deal-assistant", owner: "bob", description: "Prepares deal material for Bob", intents: ["deal-prep"] },
    { id: "payments-agent", owner: "dave", description: "Pays vendors for Dave", intents: ["vendor-payment"] },
    {
      id: "web-fetcher",
      owner: "alice",
      description: "Fetches market data; a sub-agent of research-assistant",
      intents: ["market-research-report"],
      delegableBy: ["research-assistant"],
    },
  ],
  // Separation of duties: who may initiate payments may not approve them, and the other way round.
  sodConflicts: [
    { a: "payments-initiators", b: "payments-approvers", description: "a payment's initiator may not approve it" },
  ],
  resources: [
    {
      type: "Dataset",
      id: "market-data",
      attributes: { classification: "internal", issuers: [], mnpi: false },
    },
    {
      type: "Dataset",
      id: "research-repo",
      attributes: { classification: "confidential", segment: entity("Segment", "research"), issuers: [], mnpi: false },
      parents: [{ type: "Segment", id: "research" }],
    },
    {
      type: "Dataset",
      id: "client-list",
      attributes: {
        classification: "confidential",
        issuers: [],
        mnpi: false,
        coverage: [entity("User", "alice"), entity("User", "bob")],
      },
    },
    {
      type: "Dataset",
      id: "deal-db",
      attributes: {
        classification: "restricted",
        segment: entity("Segment", "ibd"),
        issuers: [entity("Issuer", "ACME")],
        mnpi: true,
      },
      parents: [{ type: "Segment", id: "ibd" }],
    },
    {
      type: "Document",
      id: "research-drafts",
      attributes: { classification: "confidential", segment: entity("Segment", "research") },
      parents: [{ type: "Segment", id: "research" }],
    },
    {
      type: "Document",
      id: "deal-memos",
      attributes: { classification: "restricted", segment: entity("Segment", "ibd") },
      parents: [{ type: "Segment", id: "ibd" }],
    },
    // Issuers the firm follows: what a wall crossing may name (wall-crossings.ts refuses others).
    { type: "Issuer", id: "ACME", attributes: {} },
    { type: "Issuer", id: "GLOBEX", attributes: {} },
  ],
};
