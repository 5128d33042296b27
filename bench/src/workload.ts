import type { AuthorizeRequest } from "@pea/schemas";

const forAlice = {
  principal: { type: "Agent", id: "research-assistant" },
  chain: [{ type: "User", id: "alice" }],
  intent: "market-research-report",
  context: {},
};

/** Alice's research assistant reads the research repository: the demo's plain allow. */
export const readResearch = {
  ...forAlice,
  action: "dataset:read",
  resource: { type: "Dataset", id: "research-repo" },
} satisfies AuthorizeRequest;

/** The demo bank's stories as a decision mix: allows and denies of each kind, direct and delegated. */
export const demoWorkload: AuthorizeRequest[] = [
  readResearch,
  { ...forAlice, action: "dataset:export", resource: { type: "Dataset", id: "client-list" } },
  { ...forAlice, action: "dataset:read", resource: { type: "Dataset", id: "deal-db" } },
  {
    principal: { type: "User", id: "alice" },
    chain: [],
    context: {},
    action: "dataset:export",
    resource: { type: "Dataset", id: "client-list" },
  },
  {
    principal: { type: "Agent", id: "web-fetcher" },
    chain: [
      { type: "User", id: "alice" },
      { type: "Agent", id: "research-assistant" },
    ],
    intent: "market-research-report",
    context: {},
    action: "dataset:read",
    resource: { type: "Dataset", id: "market-data" },
  },
  {
    principal: { type: "Agent", id: "payments-agent" },
    chain: [{ type: "User", id: "dave" }],
    intent: "vendor-payment",
    context: { amount: 5_000 },
    action: "payment:initiate",
    resource: { type: "Payment", id: "p-bench", attributes: { amount: 5_000, currency: "EUR", payee: "Acme" } },
  },
];
