import type { Database, Session } from "@pea/migrations";
import {
  type Effects,
  HISTORY_SCOPES,
  type HistoryFacts,
  type HistoryQuery,
  loadHistory,
} from "../governance/history.js";

/**
 * History barriers that cannot be raced (DESIGN item 13). A decision reads history before deciding
 * and its allow is written after; decisions of one run, agent or human racing each other (in one
 * batch, or in several PDP processes) could each miss the other. Here an allow whose policies read
 * history carries what it saw (a guard); the decision log checks it at the write, under the audit
 * chain's head lock that orders every writer of every process: if the scope gained a label (or the
 * business object a duty) since, from the store or from a record earlier in the same commit, the
 * allow is not written and the decision is taken again on fresh facts. Unrelated decisions never
 * wait on each other; related ones only retry when history really moved.
 */
export interface HistoryGuard {
  query: HistoryQuery;
  known: HistoryFacts;
  /** The embedded store's journal position before the facts were read (historyMark). */
  mark: number;
}

/** The allow was not written: its scope's history moved after its facts were read. */
export class HistoryMoved extends Error {
  constructor() {
    super("the history this decision read moved before it could be recorded");
  }
}

/** How often a decision is taken again when its history moved, before it is denied. */
export const HISTORY_ATTEMPTS = 5;

/**
 * The embedded store has one writer process: there the check needs no query. Each database handle
 * keeps a journal of the effects written through it since a while; an allow is checked against the
 * entries after its mark, and the check, the write and the journal entry are one turn per handle.
 */
interface JournalEntry {
  n: number;
  at: number;
  effects: Effects;
}
interface Journal {
  next: number;
  entries: JournalEntry[];
  turn: Promise<unknown>;
}
const journals = new WeakMap<Database, Journal>();
// Longer than any decision takes between its facts and its write (a decision past it is taken again).
const JOURNAL_MS = 30_000;
const journalOf = (database: Database): Journal => {
  let journal = journals.get(database);
  if (!journal) {
    journal = { next: 0, entries: [], turn: Promise.resolve() };
    journals.set(database, journal);
  }
  return journal;
};

/** Taken before a decision's facts are read: effects journalled after it may be missing from them. */
export const historyMark = (database: Database): number => journalOf(database).next;

/**
 * Write `items` in the handle's turn (embedded store): those whose history moved (journal or earlier
 * items) are left out, the rest written by `append` and journalled.
 */
export function appendInTurn<T>(
  database: Database,
  items: ReadonlyArray<{ guard?: HistoryGuard | undefined; effects?: Effects | undefined }>,
  append: (moved: boolean[]) => Promise<T>,
): Promise<T> {
  const journal = journalOf(database);
  const work = journal.turn.then(async () => {
    const moved: boolean[] = [];
    for (const [i, item] of items.entries()) {
      if (!item.guard) {
        moved.push(false);
        continue;
      }
      const { mark, query, known } = item.guard;
      // Entries after this decision's mark were pruned: what it missed is unknown, so it is taken again.
      if (mark < journal.next && (journal.entries[0]?.n ?? journal.next) > mark) {
        moved.push(true);
        continue;
      }
      const fresh = copyHistory(known);
      // Entries are numbered consecutively: the first after the mark is found by its number.
      const first = journal.entries[0]?.n ?? journal.next;
      for (let k = Math.max(0, mark - first); k < journal.entries.length; k++) {
        addEffects(fresh, query, (journal.entries[k] as JournalEntry).effects);
      }
      for (const [j, earlier] of items.entries()) {
        if (j < i && !moved[j] && earlier.effects) addEffects(fresh, query, earlier.effects);
      }
      moved.push(grew(known, fresh));
    }
    const result = await append(moved);
    const now = Date.now();
    for (const [i, item] of items.entries()) {
      if (!moved[i] && item.effects) journal.entries.push({ n: journal.next++, at: now, effects: item.effects });
    }
    while ((journal.entries[0]?.at ?? now) < now - JOURNAL_MS) journal.entries.shift();
    return result;
  });
  journal.turn = work.catch(() => {});
  return work;
}

const copyHistory = (h: HistoryFacts): HistoryFacts => ({
  scopes: { run: new Set(h.scopes.run), agent: new Set(h.scopes.agent), human: new Set(h.scopes.human) },
  duties: new Map([...h.duties].map(([k, v]) => [k, { users: new Set(v.users), agents: new Set(v.agents) }])),
});

/**
 * Inside the write, after the chain head is locked: for each item (in commit order), whether the
 * history its guard describes moved, counting the store and the effects of earlier items that stay.
 */
export async function historyMoved(
  tx: Session,
  items: ReadonlyArray<{ guard?: HistoryGuard | undefined; effects?: Effects | undefined }>,
): Promise<boolean[]> {
  const moved: boolean[] = [];
  for (const [i, item] of items.entries()) {
    if (!item.guard) {
      moved.push(false);
      continue;
    }
    const fresh = await loadHistory(tx, item.guard.query);
    for (const [j, earlier] of items.entries()) {
      if (j < i && !moved[j] && earlier.effects) addEffects(fresh, item.guard.query, earlier.effects);
    }
    moved.push(grew(item.guard.known, fresh));
  }
  return moved;
}

/** Add what a not-yet-stored allow touched to the history of `query` where their scopes meet. */
function addEffects(history: HistoryFacts, query: HistoryQuery, effects: Effects): void {
  const inRun = effects.runId !== null && effects.runId === query.runId;
  const byAgent = effects.agents.some((a) => query.agents.includes(a));
  const byHuman = effects.human !== null && effects.human === query.human;
  for (const label of effects.labels) {
    if (inRun) history.scopes.run.add(label);
    if (byAgent) history.scopes.agent.add(label);
    if (byHuman) history.scopes.human.add(label);
  }
  const object = effects.object;
  if (object && query.object && object.type === query.object.type && object.id === query.object.id) {
    const duty = history.duties.get(object.duty) ?? { users: new Set(), agents: new Set() };
    for (const u of effects.users) duty.users.add(u);
    for (const a of effects.agents) duty.agents.add(a);
    history.duties.set(object.duty, duty);
  }
}

/** Whether `now` holds a label or a duty performer that `before` did not. */
function grew(before: HistoryFacts, now: HistoryFacts): boolean {
  for (const scope of HISTORY_SCOPES) {
    for (const label of now.scopes[scope]) if (!before.scopes[scope].has(label)) return true;
  }
  for (const [duty, done] of now.duties) {
    const known = before.duties.get(duty);
    for (const u of done.users) if (!known?.users.has(u)) return true;
    for (const a of done.agents) if (!known?.agents.has(a)) return true;
  }
  return false;
}

/**
 * Take a decision again while its allow comes back HistoryMoved (fresh facts each time), at most
 * HISTORY_ATTEMPTS times; the last attempt is told so and answers a deny instead of throwing.
 */
export async function inScopeOrder<T>(attempt: (last: boolean) => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n === HISTORY_ATTEMPTS);
    } catch (error) {
      if (!(error instanceof HistoryMoved) || n === HISTORY_ATTEMPTS) throw error;
    }
  }
}
