// The demo bank's systems behind the tools: the datasets of the demo seed with made-up rows, an
// outbox, a drafts folder and a payments ledger. In memory: the demo starts fresh every time.

export const datasets: Record<string, { description: string; rows: Array<Record<string, unknown>> }> = {
  "market-data": {
    description: "Public market data",
    rows: [
      { ticker: "ACME", close: 41.2, change: 0.8 },
      { ticker: "GLOBEX", close: 17.5, change: -0.3 },
    ],
  },
  "research-repo": {
    description: "Equity research notes (research side)",
    rows: [{ note: "ACME: hold, margins under pressure", author: "alice" }],
  },
  "client-list": {
    description: "Client records (coverage only)",
    rows: [
      { client: "Initech", coverage: "alice" },
      { client: "Umbrella", coverage: "bob" },
    ],
  },
  "deal-db": {
    description: "Live deals (private side, MNPI)",
    rows: [{ deal: "Project Falcon", target: "ACME", status: "due diligence" }],
  },
};

/** The key under which PEA's MCP gateway passes the authorization artifact in a call's `_meta`. */
export const ARTIFACT_META_KEY = "pea/artifact";

export type PaymentStatus = "initiated" | "approved" | "released";

export interface Payment {
  id: string;
  amount: number;
  currency: string;
  payee: string;
  status: PaymentStatus;
}

/** What the tools did: what a demo shows afterwards (and what tests read). */
export class BankState {
  readonly outbox: Array<{ to: string; subject: string; body: string }> = [];
  readonly drafts: Array<{ title: string; body: string }> = [];
  readonly payments = new Map<string, Payment>();
  readonly exports: string[] = [];
  /** Every tool call, with the artifact it carried (if any). */
  readonly calls: Array<{ tool: string; artifact?: string }> = [];

  record(tool: string, meta: Record<string, unknown> | undefined): void {
    const artifact = meta?.[ARTIFACT_META_KEY];
    this.calls.push({ tool, ...(typeof artifact === "string" ? { artifact } : {}) });
  }
}
