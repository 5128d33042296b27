// Who may start a run, fetch its token and admit sub-agents. A run is a human's delegation made
// durable, so only that human, authenticated as themself, may start it: with their own key, or
// through a key that presents their identity provider's token. Nobody starts a run for someone else.
import { type ApiKeyPrincipal, type EntityRef, PeaError, type StartRunRequest } from "@pea/schemas";
import type { DecisionEngine } from "../engine/engine.js";
import { admitSubAgent, getRun, type Run, runIsLive, startRun } from "../trust/runs.js";
import { type Delegation, hosts } from "./caller-binding.js";
import { issueRunToken } from "./run-tokens.js";

export interface StartedRun {
  run: Run;
  token: string;
  tokenExpiresAt: Date;
}

function hostsAgent(engine: DecisionEngine, key: ApiKeyPrincipal, agent: EntityRef): boolean {
  const inputs = engine.inputs();
  return agent.type === "Agent" && hosts(key, agent.id, "decision" in inputs ? undefined : inputs.snapshot);
}

/** Start a run as `key`; refused (403) when the key cannot show it is the run's human. */
export async function startRunAs(
  engine: DecisionEngine,
  input: StartRunRequest & { delegation?: Delegation | undefined },
  key: ApiKeyPrincipal,
): Promise<StartedRun> {
  const { delegation, ...runInput } = input;
  return startRunFor(engine, runInput, {
    human: await authenticatedHuman(engine, key, delegation),
    hostsPrincipal: hostsAgent(engine, key, runInput.principal),
    createdBy: key.id,
  });
}

/**
 * Start a run as a person signed in to the admin app (password, their key, or the firm's OpenID
 * provider): only for themself, like a key of theirs.
 */
export function startRunAsSignedIn(
  engine: DecisionEngine,
  input: StartRunRequest,
  signedIn: { userId: string; via: string },
): Promise<StartedRun> {
  return startRunFor(engine, input, {
    human: signedIn.userId,
    hostsPrincipal: false,
    createdBy: `User::${signedIn.userId} (${signedIn.via})`,
  });
}

/** The one rule: a run with a human is started by that human; one without, by its agent's key. */
async function startRunFor(
  engine: DecisionEngine,
  input: StartRunRequest,
  starter: { human: string | undefined; hostsPrincipal: boolean; createdBy: string },
): Promise<StartedRun> {
  const runInput = input;
  const humans = [...runInput.chain, runInput.principal].filter((link) => link.type === "User");
  const distinct = [...new Set(humans.map((h) => h.id))];
  if (distinct.length > 1)
    throw new PeaError("forbidden", "a run is started by its one human; this chain names several");
  const human = distinct[0];
  if (human !== undefined && starter.human !== human) {
    throw new PeaError(
      "forbidden",
      `only ${human} may start a run on their own behalf (authenticated as themself: their key, their sign-in, or their identity provider's token)`,
    );
  }
  if (human === undefined && !starter.hostsPrincipal) {
    throw new PeaError("forbidden", "a run without a human is started by the key of the agent that carries it out");
  }
  const now = engine.now();
  const run = await startRun(engine.database, runInput, {
    createdBy: starter.createdBy,
    startedBy: human ?? null,
    now,
  });
  const { token, expiresAt } = issueRunToken(engine.trust, run, now);
  return { run, token, tokenExpiresAt: expiresAt };
}

/** The human a key is, or whose IdP token it presents; undefined when it shows none. */
async function authenticatedHuman(
  engine: DecisionEngine,
  key: ApiKeyPrincipal,
  delegation: Delegation | undefined,
): Promise<string | undefined> {
  if (key.kind === "user") return key.userId ?? undefined;
  if (!delegation || key.kind === "admin") return undefined;
  const verified = await engine.trust.idp.verify(delegation.token, engine.now());
  return "refused" in verified ? undefined : verified.human;
}

/** A fresh token for a live run: for its human's key, or the key of an agent in it. */
export async function runTokenFor(
  engine: DecisionEngine,
  runId: string,
  key: ApiKeyPrincipal,
): Promise<{ token: string; expiresAt: Date }> {
  const run = await liveRunFor(engine, runId, key);
  return issueRunToken(engine.trust, run, engine.now());
}

/** Admit a registered agent as a sub-agent of the run's principal (its human's key or the principal's). */
export async function admitSubAgentAs(
  engine: DecisionEngine,
  runId: string,
  agent: string,
  key: ApiKeyPrincipal,
): Promise<Run> {
  const run = await liveRunFor(engine, runId, key, { principalOnly: true });
  const inputs = engine.inputs();
  if ("decision" in inputs) throw new PeaError("not_ready", "the entitlements are not loaded");
  if (!inputs.snapshot.has("Agent", agent)) throw new PeaError("invalid_request", `agent ${agent} is not registered`);
  if (run.principal.type === "Agent" && run.principal.id === agent) {
    throw new PeaError("invalid_request", "the run's principal cannot be its own sub-agent");
  }
  const admitted = await admitSubAgent(engine.database, run.id, agent, `key:${key.id}`);
  if (!admitted) throw new PeaError("not_found", "no such run");
  return admitted;
}

async function liveRunFor(
  engine: DecisionEngine,
  runId: string,
  key: ApiKeyPrincipal,
  options: { principalOnly?: boolean } = {},
): Promise<Run> {
  const run = await getRun(engine.database, runId);
  if (!run) throw new PeaError("not_found", "no such run");
  const agents = options.principalOnly
    ? [run.principal]
    : [run.principal, ...run.subAgents.map((id) => ({ type: "Agent", id }))];
  const isItsHuman = key.kind === "user" && key.userId !== null && key.userId === run.startedBy;
  if (!isItsHuman && !agents.some((a) => hostsAgent(engine, key, a))) {
    throw new PeaError("forbidden", "only the run's human or the key of an agent in it may do this");
  }
  if (!runIsLive(run, engine.now()))
    throw new PeaError("conflict", `run ${run.id} is ${run.status === "active" ? "expired" : run.status}`);
  return run;
}
