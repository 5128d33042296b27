import { getConnInfo } from "@hono/node-server/conninfo";
import type { Database } from "@pea/migrations";
import {
  type AdminSession,
  type ApiKeyCache,
  recordChange,
  signInWithApiKey,
  signInWithPassword,
} from "@pea/policy-store";
import type { Context } from "hono";

/**
 * Sign-in throttling: after `freeFailures` failures in a row, an account (and, separately, a
 * client address) must wait before its next attempt, twice as long after each further failure,
 * up to `maxDelayMs`. Attempts while waiting are refused without checking the password, so a
 * guesser learns nothing from them. Kept in this process's memory (one admin process per
 * deployment); a success clears the account's and the address's count.
 */
export interface ThrottleOptions {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** At most this many accounts and addresses remembered (oldest forgotten first). */
  maxEntries: number;
  now: () => number;
}

const defaults: ThrottleOptions = {
  freeFailures: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  maxEntries: 50_000,
  now: Date.now,
};

interface Failures {
  count: number;
  /** No attempt before this time (ms). */
  until: number;
}

export class SignInThrottle {
  private readonly options: ThrottleOptions;
  private readonly entries = new Map<string, Failures>();

  constructor(options: Partial<ThrottleOptions> = {}) {
    this.options = { ...defaults, ...options };
  }

  /** How long (ms) the next attempt for these keys must wait, and which key makes it wait. */
  wait(keys: string[]): { ms: number; key?: string } {
    const now = this.options.now();
    let longest: { ms: number; key?: string } = { ms: 0 };
    for (const key of keys) {
      const ms = (this.entries.get(key)?.until ?? 0) - now;
      if (ms > longest.ms) longest = { ms, key };
    }
    return longest;
  }

  failed(keys: string[]): number {
    const { freeFailures, baseDelayMs, maxDelayMs } = this.options;
    // One reading of the clock for every key: equal counts then wait equally long, and the
    // account (named first) is the one a throttled attempt names.
    const now = this.options.now();
    let most = 0;
    for (const key of keys) {
      const entry = this.entries.get(key) ?? { count: 0, until: 0 };
      entry.count++;
      const over = entry.count - freeFailures;
      entry.until = over < 0 ? 0 : now + Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(over, 30));
      this.remember(key, entry);
      most = Math.max(most, entry.count);
    }
    return most;
  }

  succeeded(keys: string[]): void {
    for (const key of keys) this.entries.delete(key);
  }

  private remember(key: string, entry: Failures): void {
    this.entries.delete(key);
    if (this.entries.size >= this.options.maxEntries) {
      const now = this.options.now();
      for (const [k, e] of this.entries)
        if (e.until <= now && e.count < this.options.freeFailures) this.entries.delete(k);
      const oldest = this.entries.keys().next();
      if (this.entries.size >= this.options.maxEntries && !oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, entry);
  }
}

/** The client's address as the socket saw it (a stated X-Forwarded-For is never trusted). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

export interface SignInDeps {
  database: Database;
  keys: ApiKeyCache;
  throttle: SignInThrottle;
}

export type SignInOutcome =
  | { ok: true; session: AdminSession & { token: string } }
  | { ok: false; throttled: false }
  | { ok: false; throttled: true; retryAfterSeconds: number };

/**
 * Sign in with a password or a user-bound API key, throttled per account and per client
 * address. Every failure and every throttled attempt is recorded in the audit log.
 */
export async function signIn(
  deps: SignInDeps,
  c: Context,
  input: { user: string; password: string } | { apiKey: string },
): Promise<SignInOutcome> {
  const address = clientAddress(c);
  const account = "user" in input ? input.user.slice(0, 200) : undefined;
  // The account first: when both wait as long, the record names the account.
  const keys = [...(account !== undefined ? [`account:${account}`] : []), `address:${address}`];
  const via = "user" in input ? "password" : "api-key";
  const target = account !== undefined ? `User::${account}` : "ApiKey::?";
  const actor = `Client::${address}`;
  const waiting = deps.throttle.wait(keys);
  if (waiting.ms > 0) {
    const retryAfterSeconds = Math.ceil(waiting.ms / 1000);
    await recordChange(deps.database, {
      actor,
      action: "signin.throttled",
      target,
      detail: { via, retryAfterSeconds, by: waiting.key?.startsWith("account:") ? "account" : "address" },
    });
    return { ok: false, throttled: true, retryAfterSeconds };
  }
  const session =
    "user" in input
      ? await signInWithPassword(deps.database, input.user, input.password)
      : await signInWithApiKey(deps.database, deps.keys, input.apiKey);
  if (session) {
    deps.throttle.succeeded(keys);
    return { ok: true, session };
  }
  const failures = deps.throttle.failed(keys);
  await recordChange(deps.database, { actor, action: "signin.failed", target, detail: { via, failures } });
  return { ok: false, throttled: false };
}
