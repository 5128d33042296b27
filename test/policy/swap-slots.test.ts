// Policy swaps free what no longer serves: a compiled set's slices live in a slot of Cedar's cache
// that the next set reuses once nothing holds the old one (cedar/preparsed-slots.ts), and the
// check runs in a worker thread (policy/check-thread.ts). Swaps under concurrent decisions on a
// running PDP: hot-reload.test.ts.
import {
  compilePolicySet,
  compilePolicySetAsync,
  defaultPolicyDir,
  loadSchema,
  PolicySetError,
  type PolicySource,
  readPolicyDir,
  slotCounts,
} from "@pea/policy-store";
import { readCedarSchema } from "@pea/schemas";
import { beforeAll, describe, expect, it } from "vitest";

const schema = loadSchema(readCedarSchema());

/** A policy that changes no decision, so that every set is new content. */
const salt = (n: number): PolicySource => ({
  file: `salt/${n}.cedar`,
  text: `@id("salt.${n}") permit (principal, action, resource) when { false };`,
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
