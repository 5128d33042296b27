import { randomBytes } from "node:crypto";
import type { Database } from "@pea/migrations";
import { userByClaim } from "@pea/policy-store";
import * as client from "openid-client";

/**
 * Sign-in through the firm's OpenID Connect provider: the authorization code flow with PKCE
 * (openid-client), the ID token's `claim` matched to a PEA user. Local passwords stay.
 */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** This app's callback as registered at the provider (…/login/oidc/callback). */
  redirectUri: string;
  /** The ID token claim that names the PEA user: "email" matches a user's e-mail (verified only), any other claim the user id. */
  claim: string;
  /** The provider's name on the sign-in button. */
  name: string;
}

/** One sign-in under way: what the callback must see again (held here, never sent to the browser). */
interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  expires: number;
}

const FLOW_TTL_MS = 10 * 60_000;
const MAX_FLOWS = 10_000;
const loopback = new Set(["127.0.0.1", "localhost", "[::1]"]);

export type OidcOutcome =
  | { ok: true; userId: string; next: string; via: string }
  | { ok: false; reason: string; subject?: string };

export class OidcSignIn {
  private config: Promise<client.Configuration> | undefined;
  private readonly flows = new Map<string, Flow>();

  constructor(readonly settings: OidcSettings) {}

  /** The provider's metadata, fetched once (again after a failure). */
  private configuration(): Promise<client.Configuration> {
    this.config ??= client
      .discovery(new URL(this.settings.issuer), this.settings.clientId, this.settings.clientSecret, undefined, {
        // Plain HTTP only for a provider on this machine (a test or a local IdP), never across a network.
        execute: loopback.has(new URL(this.settings.issuer).host.replace(/:\d+$/, ""))
          ? [client.allowInsecureRequests]
          : [],
      })
      .catch((error) => {
        this.config = undefined;
        throw error;
      });
    return this.config;
  }

  /** Start: where to send the browser, and the flow id its cookie carries back. */
  async start(next: string): Promise<{ url: URL; flowId: string }> {
    const config = await this.configuration();
    const flow: Flow = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      next,
      expires: Date.now() + FLOW_TTL_MS,
    };
    const flowId = randomBytes(24).toString("base64url");
    this.remember(flowId, flow);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.claim === "email" ? "openid email" : "openid profile email",
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: "S256",
    });
    return { url, flowId };
  }

  /**
   * Finish: check the answer (state, PKCE, nonce, the ID token's signature, issuer, audience and
   * expiry, all by openid-client), then find the PEA user the configured claim names.
   */
  async finish(database: Database, flowId: string | undefined, query: string): Promise<OidcOutcome> {
    const flow = flowId ? this.flows.get(flowId) : undefined;
    if (flowId) this.flows.delete(flowId);
    if (!flow || flow.expires < Date.now())
      return { ok: false, reason: "this sign-in has expired or was not started here" };
    const config = await this.configuration();
    const answer = new URL(this.settings.redirectUri);
    answer.search = query;
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(config, answer, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      claims = idToken;
      // Many providers put profile claims (e-mail included) in UserInfo only: ask it, for the same subject.
      if (idToken && idToken[this.settings.claim] === undefined) {
        claims = { ...(await client.fetchUserInfo(config, tokens.access_token, idToken.sub)), ...idToken };
      }
    } catch (error) {
      return { ok: false, reason: `the identity provider's answer was refused (${(error as Error).message})` };
    }
    const value = claims?.[this.settings.claim];
    if (typeof value !== "string" || value === "") {
      return { ok: false, reason: `the identity provider did not say your ${this.settings.claim}` };
    }
    const userId = await this.match(database, value, claims);
    if (!userId) return { ok: false, reason: `no PEA user has ${this.settings.claim} ${value}`, subject: value };
    return { ok: true, userId, next: flow.next, via: `oidc:${this.settings.issuer}` };
  }

  private async match(
    database: Database,
    value: string,
    claims: Record<string, unknown> | undefined,
  ): Promise<string | undefined> {
    if (this.settings.claim === "email") {
      // An address the provider has not verified proves nothing.
      if (claims?.email_verified !== true) return undefined;
      return userByClaim(database, "email", value);
    }
    return userByClaim(database, "id", value);
  }

  private remember(flowId: string, flow: Flow): void {
    const now = Date.now();
    if (this.flows.size >= MAX_FLOWS) {
      for (const [id, f] of this.flows) if (f.expires < now) this.flows.delete(id);
      const oldest = this.flows.keys().next();
      if (this.flows.size >= MAX_FLOWS && !oldest.done) this.flows.delete(oldest.value);
    }
    this.flows.set(flowId, flow);
  }
}
