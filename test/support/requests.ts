/** Requests of the demo bank's stories, shared by tests and benchmarks. */
export const researchAssistantForAlice = {
  principal: { type: "Agent", id: "research-assistant" },
  chain: [{ type: "User", id: "alice" }],
  intent: "market-research-report",
};

/** Bob's deal assistant: what it reads in deal-db is MNPI (the information-barrier stories). */
export const dealAssistantForBob = {
  principal: { type: "Agent", id: "deal-assistant" },
  chain: [{ type: "User", id: "bob" }],
  intent: "deal-prep",
};
export const readDeals = {
  ...dealAssistantForBob,
  action: "dataset:read",
  resource: { type: "Dataset", id: "deal-db" },
};

export const stories = {
  readResearch: {
    ...researchAssistantForAlice,
    action: "dataset:read",
    resource: { type: "Dataset", id: "research-repo" },
  },
  exportClientsViaAgent: {
    ...researchAssistantForAlice,
    action: "dataset:export",
    resource: { type: "Dataset", id: "client-list" },
  },
  exportClientsDirectly: {
    principal: { type: "User", id: "alice" },
    action: "dataset:export",
    resource: { type: "Dataset", id: "client-list" },
  },
  readDealDb: { ...researchAssistantForAlice, action: "dataset:read", resource: { type: "Dataset", id: "deal-db" } },
  subAgentReadsMarketData: {
    principal: { type: "Agent", id: "web-fetcher" },
    chain: [
      { type: "User", id: "alice" },
      { type: "Agent", id: "research-assistant" },
    ],
    intent: "market-research-report",
    action: "dataset:read",
    resource: { type: "Dataset", id: "market-data" },
  },
} as const;

/** Dave's payments agent: the approval and separation-of-duties stories. */
export const paymentsAgentForDave = {
  principal: { type: "Agent", id: "payments-agent" },
  chain: [{ type: "User", id: "dave" }],
  intent: "vendor-payment",
};

/** A payment the caller describes (a new business object): `amount` EUR to `payee`. */
export const paymentObject = (id: string, amount: number, payee = "Acme") => ({
  type: "Payment",
  id,
  attributes: { amount, currency: "EUR", payee },
});

/** Dave's payments agent initiates the payment `id`. */
export const initiatePayment = (id: string, amount: number, payee = "Acme") => ({
  ...paymentsAgentForDave,
  action: "payment:initiate",
  resource: paymentObject(id, amount, payee),
});

/** A person acting directly: no agent, no task (the human scope of entitlements and barriers). */
export const userActs = (
  user: string,
  action: string,
  resource: { type: string; id: string; attributes?: Record<string, unknown> },
) => ({ principal: { type: "User", id: user }, action, resource });
