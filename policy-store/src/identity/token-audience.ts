// Where PEA's own tokens say they come from and whom they are for. A leaf: the trust state holds
// one, and the run tokens read it.

export interface TokenAudience {
  /** `iss` of run tokens (PEA_ISSUER). */
  issuer: string;
  /** `aud` every token PEA accepts must carry (PEA_AUDIENCE). */
  audience: string;
  /** Longest life of a run token (default 15 min; never beyond its run). */
  runTokenTtlSeconds: number;
}

export const defaultTokenAudience: TokenAudience = { issuer: "pea", audience: "pea", runTokenTtlSeconds: 900 };
