import type { LinkAnswer } from "./evaluate.js";

/**
 * Cedar's answers for single links, keyed by everything the call was made of: the preparsed slice
 * (so the policy version), the entitlement version (the entities), the link, action, resource,
 * task, any caller-supplied resource attributes and the exact context sent (history included).
 * Cedar is deterministic, so an equal key is an equal answer; nothing is ever invalidated, old
 * versions' keys simply stop being asked for and age out. Agents repeat themselves (the same
 * human link is judged for every request of every agent working for that human), and a hit costs
 * a few microseconds where a call costs 100–300.
 *
 * Bounded: past `capacity` the oldest entries go first. Capacity 0 turns it off.
 */
export class LinkDecisionCache {
  private readonly answers = new Map<string, LinkAnswer>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {}

  get enabled(): boolean {
    return this.capacity > 0;
  }

  get(key: string): LinkAnswer | undefined {
    const answer = this.answers.get(key);
    if (answer) this.hits++;
    else this.misses++;
    return answer;
  }

  set(key: string, answer: LinkAnswer): void {
    if (this.answers.size >= this.capacity) {
      const oldest = this.answers.keys().next().value;
      if (oldest !== undefined) this.answers.delete(oldest);
    }
    this.answers.set(key, answer);
  }

  get size(): number {
    return this.answers.size;
  }
}
