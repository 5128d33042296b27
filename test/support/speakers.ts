// Which of the demo's credentials speaks for a request, as each runtime would hold its own: the key
// of the request's human (outermost link, or the principal), a gateway key for a principal acting
// for nobody, the agent's own key otherwise. Tests of the binding itself pass their own key.
import type { TestPdp } from "./store.js";

type Link = { type?: unknown; id?: unknown };
type Asked = { principal?: Link; subject?: Link; chain?: Link[]; context?: { chain?: Link[] } };

/** The key a decision-path call is made with, or undefined to keep the admin key. */
export function speakerKey(
  pdp: Pick<TestPdp, "keys">,
  method: string,
  path: string,
  body: unknown,
): string | undefined {
  if (method !== "POST" || typeof body !== "object" || body === null) return undefined;
  const first = (value: unknown): Asked => (Array.isArray(value) ? (value[0] ?? {}) : {}) as Asked;
  const given = body as Asked & { requests?: unknown; evaluations?: unknown };
  let asked: Asked;
  if (path === "/v1/authorize" || path === "/v1/runs") asked = given;
  else if (path === "/v1/authorize/batch" || path === "/v1/authorize/probe") asked = first(given.requests);
  else if (path === "/access/v1/evaluation" || path.startsWith("/access/v1/search/")) asked = given;
  else if (path === "/access/v1/evaluations") asked = { ...given, ...first(given.evaluations) };
  else return undefined;
  const principal = asked.principal ?? asked.subject ?? {};
  const chain = asked.chain ?? asked.context?.chain ?? [];
  const human = [...chain, principal].find((link) => link.type === "User");
  const own = typeof human?.id === "string" ? pdp.keys.get(human.id) : undefined;
  if (own) return own;
  // Nobody else holds a human's key: an unknown human acting directly reaches PEA through a gateway.
  if (chain.length === 0 && path !== "/v1/runs") return pdp.keys.get("gateway");
  return typeof principal.id === "string" ? pdp.keys.get(principal.id) : undefined;
}
