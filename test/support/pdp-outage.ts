// A PDP that is not there, as an enforcement point meets it: connections refused, no answer ever,
// or a 500. The client's and the gateway's fail-closed tests point at it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type Outage = "refuse" | "hang" | "fail";

export async function pdpOutage(answer: Outage): Promise<{ url: string; close(): Promise<unknown> }> {
  const server = createServer((_, res) => {
    if (answer === "fail") res.writeHead(500, { "content-type": "application/json" }).end('{"error":{}}');
    // "hang": never answers
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (answer === "refuse") await new Promise((r) => server.close(r));
  const close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  };
  return { url, close };
}
