import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { type BankState, datasets, type PaymentStatus } from "./bank.js";

const text = (value: unknown): CallToolResult => ({
  content: [{ type: "text", text: typeof value === "string" ? value : JSON.stringify(value) }],
});
const failure = (message: string): CallToolResult => ({ ...text(message), isError: true });

const datasetId = { id: z.string().min(1).max(128).describe("Dataset id, e.g. research-repo") };
const paymentId = { id: z.string().min(1).max(128).describe("Payment id") };

/** The demo bank's MCP tools over one BankState; each call is logged with the artifact it came with. */
export function createBankToolServer(state: BankState): McpServer {
  const server = new McpServer({ name: "pea-demo-bank", version: "0.1.0" });

  server.registerTool(
    "read_dataset",
    { description: "Read a dataset of the bank", inputSchema: datasetId },
    ({ id }, extra) => {
      state.record("read_dataset", extra._meta);
      const dataset = datasets[id];
      return dataset ? text({ id, ...dataset }) : failure(`no dataset ${id}`);
    },
  );
  server.registerTool(
    "export_dataset",
    { description: "Export a dataset out of the bank's systems", inputSchema: datasetId },
    ({ id }, extra) => {
      state.record("export_dataset", extra._meta);
      if (!datasets[id]) return failure(`no dataset ${id}`);
      state.exports.push(id);
      return text(`exported ${id}`);
    },
  );
  server.registerTool(
    "send_email",
    {
      description: "Send an e-mail",
      inputSchema: { to: z.string().email(), subject: z.string().max(200), body: z.string().max(20_000) },
    },
    (mail, extra) => {
      state.record("send_email", extra._meta);
      state.outbox.push(mail);
      return text(`sent to ${mail.to}`);
    },
  );
  server.registerTool(
    "write_draft",
    {
      description: "Write a draft into the research drafts folder",
      inputSchema: { title: z.string().min(1).max(200), body: z.string().max(20_000) },
    },
    (draft, extra) => {
      state.record("write_draft", extra._meta);
      state.drafts.push(draft);
      return text(`draft "${draft.title}" saved`);
    },
  );
  server.registerTool(
    "initiate_payment",
    {
      description: "Initiate a payment to a vendor",
      inputSchema: {
        ...paymentId,
        amount: z.number().int().positive(),
        currency: z.string().length(3),
        payee: z.string().min(1).max(200),
      },
    },
    ({ id, amount, currency, payee }, extra) => {
      state.record("initiate_payment", extra._meta);
      if (state.payments.has(id)) return failure(`payment ${id} already exists`);
      state.payments.set(id, { id, amount, currency, payee, status: "initiated" });
      return text(`payment ${id} of ${amount} ${currency} to ${payee} initiated`);
    },
  );
  /** A payment moves one step (initiated → approved → released) only from the step before. */
  const advancePayment = (tool: string, description: string, from: PaymentStatus, to: PaymentStatus, refusal: string) =>
    server.registerTool(tool, { description, inputSchema: paymentId }, ({ id }, extra) => {
      state.record(tool, extra._meta);
      const payment = state.payments.get(id);
      if (payment?.status !== from) return failure(`payment ${id} ${refusal}`);
      payment.status = to;
      return text(`payment ${id} ${to}`);
    });
  advancePayment(
    "approve_payment",
    "Approve an initiated payment",
    "initiated",
    "approved",
    "is not awaiting approval",
  );
  advancePayment("release_payment", "Release an approved payment", "approved", "released", "is not approved");
  return server;
}
