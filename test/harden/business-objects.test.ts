// Business objects are facts PEA keeps: once an action on a caller-described object is recorded
// (an allow, or an approval opened for it), a caller cannot describe it differently.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdpClient } from "../support/http.js";
import { paymentsAgentForDave } from "../support/requests.js";
import { startTestPdp, type TestPdp } from "../support/store.js";

let pdp: TestPdp;
let client: ReturnType<typeof pdpClient>;
beforeAll(async () => {
  pdp = await startTestPdp();
  client = pdpClient(pdp);
});
afterAll(async () => pdp?.close());

const payment = (id: string, attributes?: Record<string, unknown>) => ({
  type: "Payment",
  id,
  ...(attributes ? { attributes } : {}),
});
const initiate = (id: string, amount: number) => ({
  ...paymentsAgentForDave,
  action: "payment:initiate",
  context: { amount },
  resource: payment(id, { amount, currency: "EUR", payee: "Acme" }),
});

describe("business objects are facts PEA keeps", () => {
  it("a payment re-described from 50,000 to 5,000 is denied object_mismatch, naming the attribute", async () => {
    const first = await client.authorize(initiate("p-9", 50_000));
    expect(first.json.reasons?.[0]?.code).toBe("approval_required");

    const cheaper = await client.authorize(initiate("p-9", 5_000));
    expect(cheaper.json.decision).toBe("deny");
    expect(cheaper.json.reasons?.[0]?.code).toBe("object_mismatch");
    expect(cheaper.json.reasons?.[0]?.message).toContain("resource.attributes.amount");

    // Omitting the attributes: judged on the recorded ones (still 50,000: an approval is needed).
    const omitted = await client.authorize({ ...initiate("p-9", 50_000), resource: payment("p-9") });
    expect(omitted.json.reasons?.[0]?.code).toBe("approval_required");
    expect(omitted.json.obligations?.[0]).toMatchObject({ approvalId: first.json.obligations?.[0]?.approvalId });
  });

  it("erin approving p-9 as amount 1 and another payee is denied object_mismatch", async () => {
    const approve = await client.authorize({
      principal: { type: "User", id: "erin" },
      action: "payment:approve",
      resource: payment("p-9", { amount: 1, currency: "EUR", payee: "Someone Else" }),
    });
    expect(approve.json.decision).toBe("deny");
    expect(approve.json.reasons?.[0]?.code).toBe("object_mismatch");
  });

  it("an allowed payment fixes its description too, and the artifact binds the recorded one", async () => {
    const allowed = await client.authorize(initiate("p-10", 5_000));
    expect(allowed.json.decision).toBe("allow");
    const [row] = await pdp.database.query<{ attributes: Record<string, unknown> }>(
      "SELECT attributes FROM business_objects WHERE object_type = 'Payment' AND object_id = 'p-10'",
    );
    expect(row?.attributes).toEqual({ amount: 5_000, currency: "EUR", payee: "Acme" });
    const erin = await client.authorize({
      principal: { type: "User", id: "erin" },
      action: "payment:approve",
      resource: payment("p-10", { payee: "Elsewhere" }),
    });
    expect(erin.json.reasons?.[0]).toMatchObject({ code: "object_mismatch" });
    expect(erin.json.reasons?.[0]?.message).toContain("resource.attributes.payee");
    // Described as recorded (or not at all), erin's approval is judged as before.
    const same = await client.authorize({
      principal: { type: "User", id: "erin" },
      action: "payment:approve",
      resource: payment("p-10"),
    });
    expect(same.json.decision).toBe("allow");
  });
});
