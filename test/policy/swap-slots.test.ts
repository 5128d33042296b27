// Policy swaps free what no longer serves: a compiled set's slices live in a slot of Cedar's cache
// that the next set reuses once nothing holds the old one (cedar/preparsed-slots.ts), and the
// check runs in a worker thread (policy/check-thread.ts).
import {
  compilePolicySet,
  compilePolicySetAsync,
  defaultPolicyDir,
  evaluate,
  generateSigningKeyPem,
  loadSchema,
  loadSigningKey,
  PolicySetError,
  type PolicySource,
  publishVersion,
  readPolicyDir,
  requestActivation,
  slotCounts,
} from "@pea/policy-store";
import { AuthorizeRequest, readCedarSchema } from "@pea/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPdp, type TestPdp, waitFor } from "../support/store.js";

const schema = loadSchema(readCedarSchema());
const key = loadSigningKey(generateSigningKeyPem());

// Only some versions have it: alice may not read market data.
const planted: PolicySource = {
  file: "bank/planted.cedar",
  text: `@id("bank.no-market-data")
@reason("policy_denied")
forbid (principal, action == Action::"dataset:read", resource == Dataset::"market-data");
`,
};
const marketData = AuthorizeRequest.parse({
  principal: { type: "User", id: "alice" },
  action: "dataset:read",
  resource: { type: "Dataset", id: "market-data" },
});

/**
 * A policy that changes no decision, so that every version is new content (a new version id). It
 * reads context.history: a decision then reads the store between taking the engine's inputs and
 * evaluating, the window a swap must not free its set in.
 */
const salt = (n: number): PolicySource => ({
  file: `salt/${n}.cedar`,
  text: `@id("salt.${n}")
permit (principal is User, action == Action::"dataset:read", resource is Dataset)
when { resource.classification == "salt-${n}" && context.history.human.mnpiIssuers.isEmpty() };
`,
});

describe("compiled sets and their slots", () => {
  let shipped: PolicySource[];
  beforeAll(async () => {
    shipped = await readPolicyDir(defaultPolicyDir);
  });

  it("a retired set stays evaluable while a decision holds it, and is never evaluated after", () => {
    const set = compilePolicySet([...shipped, salt(1)], schema);
    const release = set.hold();
    set.retire();
    expect(set.slice("User", "dataset:read", "Dataset")).toBeDefined();
    release();
    expect(() => set.slice("User", "dataset:read", "Dataset")).toThrow(/no longer loaded/);
    // Retiring or releasing again changes nothing.
    set.retire();
    release();
  });

  it("compiles of one version share a slot; the last one retired frees it for the next version", async () => {
    const first = compilePolicySet([...shipped, salt(2)], schema);
    const again = compilePolicySet([...shipped, salt(2)], schema);
    first.retire();
    expect(again.slice("User", "dataset:read", "Dataset")).toBeDefined();
    again.retire();
    expect(() => again.slice("User", "dataset:read", "Dataset")).toThrow(/no longer loaded/);
    await new Promise((resolve) => setTimeout(resolve, 50)); // emptied one id per turn
    const created = slotCounts().created;
    const next = compilePolicySet([...shipped, salt(3)], schema);
    expect(slotCounts().created).toBe(created);
    next.retire();
  });

  it("checks in a worker thread: problems name file and line, as in this thread", async () => {
    const broken = [
      ...shipped,
      { file: "bank/broken.cedar", text: "permit (principal, action, resource)\nwhen { nope };\n" },
    ];
    const offThread = await compilePolicySetAsync(broken, schema).catch((error: unknown) => error);
    expect(offThread).toBeInstanceOf(PolicySetError);
    const inThread = (() => {
      try {
        compilePolicySet(broken, schema);
      } catch (error) {
        return error;
      }
    })();
    expect((offThread as PolicySetError).message).toBe((inThread as PolicySetError).message);
    expect((offThread as PolicySetError).message).toMatch(/^bank\/broken\.cedar:2:/);
  });

  it("a check the worker does not answer in time fails, and the next check gets a fresh worker", async () => {
    await expect(compilePolicySetAsync([...shipped, salt(4)], schema, { checkTimeoutMs: 1 })).rejects.toThrow(
      /took longer than 1 ms/,
    );
    const set = await compilePolicySetAsync([...shipped, salt(4)], schema);
    expect(set.policies.has("salt.4")).toBe(true);
    set.retire();
  });
});

describe("swapping versions under concurrent decisions", () => {
  let pdp: TestPdp;
  let shipped: PolicySource[];
  beforeAll(async () => {
    pdp = await startTestPdp();
    shipped = await readPolicyDir(defaultPolicyDir);
  });
  afterAll(async () => {
    await pdp?.close();
  });

  it("answers every decision by the policies of the version it reports, and reuses slots", async () => {
    // Versions alternate between allowing and forbidding alice's market data read.
    const forbids = new Map<string, boolean>();
    const versions: string[] = [];
    for (let n = 0; n < 8; n++) {
      const sources = [...shipped, salt(100 + n), ...(n % 2 === 0 ? [planted] : [])];
      const { version } = await publishVersion(pdp.database, {
        sources,
        policyCount: 1,
        author: "author@meridian.example",
        message: `swap ${n}`,
        key,
      });
      forbids.set(version.id, n % 2 === 0);
      versions.push(version.id);
    }
    forbids.set(pdp.engine.policyVersion, false);
    const slotsBefore = slotCounts().created;

    let stop = false;
    const answers: Array<{ version: string; decision: string; policy: string | undefined }> = [];
    // Each decision takes the engine's inputs, then awaits its facts from the store before Cedar
    // evaluates: the window in which a swap lands.
    const loops = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const { outcome, policyVersion } = await evaluate(pdp.engine, marketData);
        answers.push({ version: policyVersion, decision: outcome.decision, policy: outcome.reasons[0]?.policy });
        // A decision that needs nothing from the store settles in microtasks: let timers and I/O run.
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    try {
      for (const id of versions) {
        await requestActivation(pdp.database, { versionId: id, kind: "activate", actor: "ops" });
        await waitFor(() => pdp.engine.policyVersion === id, 30_000);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      stop = true;
      await Promise.all(loops);
    }

    const served = new Set(answers.map((a) => a.version));
    expect(served.size).toBeGreaterThanOrEqual(versions.length);
    const wrong = answers.filter((a) =>
      forbids.get(a.version) ? a.decision !== "deny" || a.policy !== "bank.no-market-data" : a.decision !== "allow",
    );
    expect(wrong).toEqual([]);
    // Nine versions served, but only the one serving (and at most a next, or one being emptied) hold a slot.
    expect(slotCounts().inUse).toBeLessThanOrEqual(2);
    expect(slotCounts().created - slotsBefore).toBeLessThanOrEqual(3);
  }, 120_000);
});
