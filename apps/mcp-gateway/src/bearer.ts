// The bearer an agent presents (a PEA run token or an IdP token), read without verifying it: PEA
// verifies the signature when the gateway hands the token over as delegation evidence. Read here
// are only what names the request (agent, human, run, intent) and what lets the gateway refuse
// early: another audience, expiry, a token that is not a JWT.

/** Who is calling, as the token says; PEA decides whether that is true. */
export interface Caller {
  /** The raw token, passed to PEA as `delegation.token`. */
  token: string;
  /** `act.sub`: the agent acting. */
  agent: string;
  /** `sub`: the human the agent acts for (absent for agent-only runs). */
  user?: string;
  run?: string;
  intent?: string;
}

export type BearerReading = { caller: Caller } | { refused: string };

const text = (value: unknown) => (typeof value === "string" && value.length > 0 ? value : undefined);

export function readBearer(authorization: string | undefined, audience: string, nowSeconds: number): BearerReading {
  const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)\s*$/i.exec(authorization ?? "");
  const token = match?.[1];
  if (!token) return { refused: "a bearer token (a PEA run token or an IdP token) is required" };
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
  } catch {
    return { refused: "the bearer token cannot be read" };
  }
  if (typeof claims !== "object" || claims === null) return { refused: "the bearer token cannot be read" };
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(audience)) return { refused: "the bearer token is for another audience" };
  if (typeof claims.exp !== "number" || claims.exp <= nowSeconds) return { refused: "the bearer token has expired" };
  const agent = text((claims.act as { sub?: unknown } | undefined)?.sub);
  if (!agent) return { refused: "the bearer token names no acting agent (act.sub)" };
  const user = text(claims.sub);
  const run = text(claims.run);
  const intent = text(claims.intent);
  return {
    caller: {
      token,
      agent,
      ...(user ? { user } : {}),
      ...(run ? { run } : {}),
      ...(intent ? { intent } : {}),
    },
  };
}
