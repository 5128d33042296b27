// The few parts of oidc-provider (which ships no types) that the sign-in test uses.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export interface ProviderConfiguration {
    clients: Array<Record<string, unknown>>;
    findAccount: (
      ctx: unknown,
      id: string,
    ) => { accountId: string; claims: () => Record<string, unknown> } | Promise<undefined>;
    claims?: Record<string, string[]>;
    pkce?: { required?: () => boolean };
    cookies?: { keys?: string[] };
  }

  export default class Provider {
    constructor(issuer: string, configuration: ProviderConfiguration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
