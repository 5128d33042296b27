// Where compiled policy sets live: preparsed in cedar-wasm's cache, under ids, in the thread that
// evaluates them. cedar-wasm has no call that drops a preparsed set, but preparsing under an id
// already in use replaces the set there (its memory is freed inside the wasm allocator, for the next
// set to reuse). So ids are reused instead of named after each version: a set's slices go under one
// slot's ids (`pset-<n>~<slice>`), and once the set is retired (no longer served) and no decision
// that took it is still evaluating, the slot's ids are emptied and the slot goes to the next set.
// A process swapping versions then holds two slots (the one serving, the next), however many
// versions it has served.
import { cedar } from "./cedar.js";

class Slot {
  /** Bumped when the slot is emptied: a lease from an earlier generation no longer holds its set. */
  generation = 0;
  /** Sets compiled into this slot and not yet retired (compiles of the same version share one). */
  holders = 0;
  /** Decisions evaluating with a set in this slot. */
  inFlight = 0;
  /** Every id preparsed under this slot since it was last emptied. */
  readonly ids = new Set<string>();
  key: string | undefined;

  constructor(readonly prefix: string) {}
}

/** One compiled set's claim on a slot. */
export interface SlotLease {
  /** What the set's preparsed ids start with. */
  readonly prefix: string;
  /** False once the slot was emptied: nothing may evaluate against the set any more. */
  readonly live: boolean;
  /** Preparse one slice of the set under `id` (replacing what was there). */
  preparse(id: string, policies: Record<string, string>): void;
  /** A decision evaluates with the set until the returned function is called (once; repeats are ignored). */
  hold(): () => void;
  /** The set is no longer served; its slot is emptied once no decision holds it. Repeats are ignored. */
  release(): void;
}

const byKey = new Map<string, Slot>();
const idle: Slot[] = [];
let created = 0;

/**
 * A slot for a set named `key` (its version): compiles of the same version share the slot that
 * holds it already, as they shared ids named after the version before; any other gets an idle slot
 * or a new one.
 */
export function leaseSlot(key: string): SlotLease {
  let slot = byKey.get(key);
  if (!slot) {
    slot = idle.pop() ?? new Slot(`pset-${created++}`);
    slot.key = key;
    byKey.set(key, slot);
  }
  const held = slot;
  held.holders++;
  const generation = held.generation;
  let released = false;
  return {
    prefix: held.prefix,
    get live() {
      return held.generation === generation;
    },
    preparse(id, policies) {
      if (held.generation !== generation) throw new Error("the policy set's slot was emptied before it was preparsed");
      held.ids.add(id);
      const result = cedar.preparsePolicySet(id, { staticPolicies: policies });
      if (result.type !== "success") throw new Error(result.errors.map((e) => e.message).join("; "));
    },
    hold() {
      held.inFlight++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        held.inFlight--;
        emptyIfUnused(held);
      };
    },
    release() {
      if (released) return;
      released = true;
      held.holders--;
      emptyIfUnused(held);
    },
  };
}

/**
 * Empty a slot nothing holds: from here on its leases are dead, and each id is replaced by an empty
 * set in its own turn of the event loop (dropping a large slice can take a while), after which the
 * slot is idle and can be leased again.
 */
function emptyIfUnused(slot: Slot): void {
  if (slot.holders > 0 || slot.inFlight > 0 || slot.key === undefined) return;
  byKey.delete(slot.key);
  slot.key = undefined;
  slot.generation++;
  const ids = [...slot.ids];
  slot.ids.clear();
  const next = () => {
    const id = ids.pop();
    if (id === undefined) {
      idle.push(slot);
      return;
    }
    cedar.preparsePolicySet(id, { staticPolicies: {} });
    setImmediate(next);
  };
  next();
}

/** How many slots exist and how many are in use (tests and benches). */
export function slotCounts(): { created: number; inUse: number; idle: number } {
  return { created, inUse: byKey.size, idle: idle.length };
}
