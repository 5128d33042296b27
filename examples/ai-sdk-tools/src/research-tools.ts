import type { PeaClient } from "@pea/client";
import { tool } from "ai";
import { z } from "zod";
import { guardedExecute } from "./pea-tool.js";

/** The run an agent works in: its human started it; the agent's runtime key speaks for the agent. */
export interface AgentRun {
  agent: string;
  user: string;
  intent: string;
  run: string;
}

/** Stand-ins for the bank's systems: what the tools would reach once PEA allowed them. */
const datasets: Record<string, string[]> = {
  "market-data": ["ACME 41.2", "GLOBEX 17.5"],
  "research-repo": ["ACME: hold, margins under pressure"],
  "deal-db": ["Project Falcon: ACME, due diligence"],
};

/** The research assistant's tools for the AI SDK (generateText({ tools })), each guarded by PEA. */
export function researchTools(client: PeaClient, run: AgentRun, outbox: Array<{ to: string; body: string }> = []) {
  const asked = {
    principal: { type: "Agent", id: run.agent },
    chain: [{ type: "User", id: run.user }],
    intent: run.intent,
    run: run.run,
  };
  return {
    readDataset: tool({
      description: "Read one of the bank's datasets",
      inputSchema: z.object({ id: z.string().describe("dataset id, e.g. research-repo") }),
      execute: guardedExecute(
        client,
        ({ id }: { id: string }) => ({ ...asked, action: "dataset:read", resource: { type: "Dataset", id } }),
        async ({ id }) => ({ id, rows: datasets[id] ?? [] }),
      ),
    }),
    sendEmail: tool({
      description: "Send an e-mail",
      inputSchema: z.object({ to: z.string().email(), subject: z.string(), body: z.string() }),
      execute: guardedExecute(
        client,
        ({ to, subject }: { to: string; subject: string; body: string }) => ({
          ...asked,
          action: "email:send",
          resource: { type: "EmailAddress", id: to },
          context: { subject },
        }),
        async ({ to, body }) => {
          outbox.push({ to, body });
          return { sent: to };
        },
      ),
    }),
  };
}
