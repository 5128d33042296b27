// Who may speak for whom. Before anything is evaluated, every link of a request (its principal and
// each link of its chain) must be vouched for by something PEA verified itself: the key that asks,
// a run a human started themself, or a signed token. A request naming anyone else is a deny
// (recorded like any decision): unverified_principal for the principal, unverified_delegation for
// a chain link. The caller's say-so is never evidence.
import type { ApiKeyPrincipal, EntityRef } from "@pea/schemas";
import { type Decision, type DecisionRequest, deny, linkName } from "../decision/decision.js";
import type { DecisionEngine } from "../engine/engine.js";
import type { Snapshot } from "../engine/snapshot.js";
import { getRun, type Run } from "../trust/runs.js";
import { looksLikeRunToken, verifyRunToken } from "./run-tokens.js";

/**
 * Who asks: an authenticated key, or PEA's own process (`pea policy test` evaluating scenarios,
 * which never crosses a network and never leaves PEA).
 */
export type Speaker = ApiKeyPrincipal | "in-process";

/** Evidence a caller presents besides its key: a PEA run token or a token from a trusted IdP. */
export interface Delegation {
  token: string;
}

export type CallerCheck =
  /** The request to decide (its run filled in from a run token) and the run PEA read, if any. */
  { request: DecisionRequest; run?: Run | null | undefined } | { denied: Decision };

const userLink = (id: string): EntityRef => ({ type: "User", id });
const same = (a: EntityRef, b: EntityRef) => a.type === b.type && a.id === b.id;

/**
 * Check that `speaker` may speak for every link of `request`, given the evidence it brings. Reads
 * the named run (handed on, so the decision does not read it twice). Fails closed: a store that
 * cannot be read is a deny.
 */
export async function verifyCaller(
  engine: DecisionEngine,
  request: DecisionRequest,
  speaker: Speaker,
  delegation: Delegation | undefined,
): Promise<CallerCheck> {
  if (speaker === "in-process") return { request };
  // Who the key or a token shows may act (principals), and who may stand in the chain (links).
  const principals: EntityRef[] = [];
  const links: EntityRef[] = [];
  const inputs = engine.inputs();
  const snapshot = "decision" in inputs ? undefined : inputs.snapshot;

  // The key itself.
  if (speaker.kind === "user" && speaker.userId !== null) {
    const self = userLink(speaker.userId);
    principals.push(self);
    // Its human, present: evidence for the chain that human delegates (outermost link).
    if (same(request.chain[0] ?? request.principal, self)) {
      principals.push(request.principal);
      links.push(...request.chain);
    }
  } else if (speaker.kind === "service") {
    for (const link of [request.principal, ...request.chain]) {
      if (link.type === "Agent" && hosts(speaker, link.id, snapshot)) {
        principals.push(link);
        links.push(link);
      }
    }
  } else if (speaker.kind === "gateway" && request.chain.length === 0) {
    // An enforcement point that authenticated its subject itself (AuthZEN), acting for nobody else.
    principals.push(request.principal);
  }

  // A run token or an IdP token.
  let asked = request;
  let runFromToken: string | undefined;
  if (delegation) {
    const now = engine.now();
    if (looksLikeRunToken(delegation.token)) {
      const verified = await verifyRunToken(engine.trust, delegation.token, now);
      if ("refused" in verified) return { denied: deny("unverified_delegation", verified.refused) };
      const { claims } = verified;
      if (request.run !== undefined && request.run !== claims.run) {
        return { denied: deny("unverified_delegation", `the run token is for run ${claims.run}, not ${request.run}`) };
      }
      runFromToken = claims.run;
      asked = { ...request, run: claims.run };
      principals.push({ type: "Agent", id: claims.act.sub });
    } else {
      const verified = await engine.trust.idp.verify(delegation.token, now);
      if ("refused" in verified) return { denied: deny("unverified_delegation", verified.refused) };
      const agent = { type: "Agent", id: verified.agent };
      principals.push(agent);
      links.push(userLink(verified.human), agent);
    }
  }

  // A run a human started themself: evidence for that human and the run's own links, when presented
  // by its token, its human's key or the key of an agent in it. It never makes a key speak for an
  // agent it does not host: the principal is shown by the key or the token alone (or, for a token,
  // a sub-agent the run admitted).
  let run: Run | null | undefined;
  if (asked.run !== undefined) {
    try {
      run = (await getRun(engine.database, asked.run)) ?? null;
    } catch (error) {
      return { denied: deny("store_unavailable", `PEA's records could not be read: ${(error as Error).message}`) };
    }
    if (run) {
      const members: EntityRef[] = [run.principal, ...run.subAgents.map((id) => ({ type: "Agent", id }))];
      const byToken = runFromToken === run.id;
      const presented =
        byToken ||
        (speaker.kind === "user" && speaker.userId !== null && run.startedBy === speaker.userId) ||
        members.some((m) => m.type === "Agent" && hosts(speaker, m.id, snapshot));
      if (presented) {
        if (run.startedBy !== null) links.push(userLink(run.startedBy));
        links.push(...run.chain.filter((link) => link.type !== "User"), run.principal);
        if (byToken) principals.push(...members);
      }
    }
  }

  if (!principals.some((p) => same(p, asked.principal))) {
    return {
      denied: deny("unverified_principal", `this ${speaker.kind} key may not speak for ${linkName(asked.principal)}`, {
        link: linkName(asked.principal),
      }),
    };
  }
  const unproven = asked.chain.find((link) => !links.some((l) => same(l, link)));
  if (unproven) {
    return {
      denied: deny(
        "unverified_delegation",
        `nothing PEA verified shows ${linkName(unproven)} delegated this: start a run as ${linkName(unproven)} and present it (its id through the agent's key, or its token)`,
        { link: linkName(unproven) },
      ),
    };
  }
  return { request: asked, run };
}

/** Whether a service key hosts an agent: by id, or through a group the agent belongs to. */
export function hosts(key: ApiKeyPrincipal, agentId: string, snapshot: Snapshot | undefined): boolean {
  if (key.kind !== "service") return false;
  if (key.agents.includes(agentId)) return true;
  if (key.agentGroups.length === 0 || !snapshot) return false;
  const agent = snapshot.get("Agent", agentId);
  if (!agent) return false;
  return snapshot
    .closure(agent)
    .some((e) => (e.uid as EntityRef).type === "Group" && key.agentGroups.includes((e.uid as EntityRef).id));
}
