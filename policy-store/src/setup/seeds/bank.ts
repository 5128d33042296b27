import type { EntitlementSeed } from "../seed.js";

const entity = (type: string, id: string) => ({ __entity: { type, id } });

/** Meridian Bank, the demo organisation of shared/DESIGN.md. */
export const bankSeed: EntitlementSeed = {
  users: [
    { id: "alice", displayName: "Alice Chen (equity research)", email: "alice@meridian.example" },
    { id: "bob", displayName: "Bob Osei (investment banking)", email: "bob@meridian.example" },
    { id: "carol", displayName: "Carol Diaz (compliance)", email: "carol@meridian.example" },
    { id: "dave", displayName: "Dave Kim (payments)", email: "dave@meridian.example" },
    { id: "erin", displayName: "Erin Novak (finance approver)", email: "erin@meridian.example" },
  ],
  groups: [
    { id: "staff", description: "Every employee" },
    { id: "research-analysts", description: "Equity research", parents: ["staff"] },
    { id: "bankers", description: "Investment banking", parents: ["staff"] },
    { id: "compliance", description: "Compliance officers; approve wall crossings", parents: ["staff"] },
    { id: "payments-initiators", description: "May initiate payments", parents: ["staff"] },
    { id: "payments-approvers", description: "May approve and release payments", parents: ["staff"] },
  ],
  segments: [
    { id: "research", description: "Public side: equity research" },
    { id: "ibd", description: "Private side: investment banking" },
  ],
  memberships: {
    "User::alice": ["Group::research-analysts", "Segment::research"],
    "User::bob": ["Group::bankers", "Segment::ibd"],
    "User::carol": ["Group::compliance"],
    "User::dave": ["Group::payments-initiators"],
    "User::erin": ["Group::payments-approvers"],
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
  ],
};
