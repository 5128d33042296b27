// Policy slices: what one Cedar call needs to evaluate, decided once per policy set.
//
// cedar-wasm's cost grows with every policy in the set, every entity and every context value it is
// handed (each crosses the JS/wasm boundary and is parsed per call). A request with principal type
// P, action A and resource type R can only be decided by the policies whose scope admits (P, A, R);
// the others never match, contribute nothing, and are never evaluated past their scope. So each
// (P, A, R) the schema allows gets its own preparsed slice of the set, and the context paths its
// policies read: a call sends only those (context.history is large and most slices never read it).
//
// Scopes and context references are read from each policy's text (already parsed and validated by
// Cedar); whatever that reading does not recognise falls back to Cedar's JSON form of the policy,
// and a context reference that cannot be followed keeps the whole context. Both only ever make a
// slice larger than needed, never smaller.
import { cedar } from "./cedar.js";
import type { SchemaInfo } from "./schema.js";

/** Which context values a slice's policies read: `true` the whole value, else per attribute. */
export type ContextShape = true | Map<string, ContextShape>;

export interface PolicyScope {
  /** Principal/resource types the scope admits; undefined: any (no constraint, or `in` an entity). */
  principalTypes?: Set<string>;
  resourceTypes?: Set<string>;
  /** Action ids the scope names (`==` or `in`); undefined: any action. */
  actions?: Set<string>;
}

export interface PolicyReads {
  scope: PolicyScope;
  /** The context paths the policy reads; undefined when it never mentions context. */
  context: ContextShape | undefined;
  /** The entities the policy's text names (`Type::"id"` → "Type::id"); true when one could not be read. */
  names: Set<string> | true;
}

export interface PolicySlice {
  /** Preparsed policy set to evaluate. */
  preparsedId: string;
  /** The same slice without its approval rules, when it has any (approval-rules.ts). */
  approvalWaivedId?: string | undefined;
  /** What to send of the context (undefined: nothing). */
  context: ContextShape | undefined;
  /**
   * Every entity the slice's policies name (prune-ancestors.ts); undefined when one of them names
   * an entity the reader could not spell out, so any ancestor may matter.
   */
  namedEntities?: ReadonlySet<string> | undefined;
}

export const sliceKey = (principalType: string, action: string, resourceType: string) =>
  `${principalType}\u0000${action}\u0000${resourceType}`;

// ---- reading a policy ----------------------------------------------------------------------------

type Token = { kind: "ident" | "string" | "punct" | "other"; text: string };

/** Cedar's tokens, enough to read scopes and attribute paths; comments dropped. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith("//", i)) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i] as string)) i++;
      tokens.push({ kind: "ident", text: text.slice(start, i) });
    } else if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      tokens.push({ kind: "string", text: text.slice(start, i) });
    } else if (text.startsWith("::", i)) {
      tokens.push({ kind: "punct", text: "::" });
      i += 2;
    } else if (/[()[\]{},.@=]/.test(c)) {
      tokens.push({ kind: "punct", text: c });
      i++;
    } else {
      tokens.push({ kind: "other", text: c });
      i++;
    }
  }
  return tokens;
}

/** A string literal's value, or undefined when it has escapes (left to Cedar's JSON form). */
const plainString = (token: Token | undefined) =>
  token?.kind === "string" && !token.text.includes("\\") ? token.text.slice(1, -1) : undefined;

class ScopeReader {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private take(text?: string): Token {
    const token = this.tokens[this.i];
    if (!token || (text !== undefined && token.text !== text)) throw new Error("unexpected scope");
    this.i++;
    return token;
  }

  /** `Type::Path::"id"` → { type, id } */
  private entity(): { type: string; id: string } {
    const path = [this.take().text];
    while (this.peek()?.text === "::" && this.peek(1)?.kind === "ident") {
      this.take("::");
      path.push(this.take().text);
    }
    this.take("::");
    const id = plainString(this.take());
    if (id === undefined) throw new Error("escaped id");
    return { type: path.join("::"), id };
  }

  private typeName(): string {
    const path = [this.take().text];
    while (this.peek()?.text === "::") {
      this.take("::");
      path.push(this.take().text);
    }
    return path.join("::");
  }

  /** principal|resource [== E | in E | is T [in E]] → the types it admits (undefined: any). */
  private variable(name: string): Set<string> | undefined {
    this.take(name);
    const next = this.peek()?.text;
    if (next === "==") {
      // `==` is two "=" tokens
      this.take("=");
      this.take("=");
      return new Set([this.entity().type]);
    }
    if (next === "is") {
      this.take("is");
      const type = this.typeName();
      if (this.peek()?.text === "in") {
        this.take("in");
        this.entity();
      }
      return new Set([type]);
    }
    if (next === "in") {
      this.take("in");
      this.entity();
      return undefined;
    }
    return undefined;
  }

  private actionScope(): Set<string> | undefined {
    this.take("action");
    const next = this.peek()?.text;
    if (next === "=") {
      this.take("=");
      this.take("=");
      return new Set([this.entity().id]);
    }
    if (next !== "in") return undefined;
    this.take("in");
    if (this.peek()?.text !== "[") return new Set([this.entity().id]);
    this.take("[");
    const ids = new Set<string>();
    while (this.peek()?.text !== "]") {
      ids.add(this.entity().id);
      if (this.peek()?.text === ",") this.take(",");
    }
    this.take("]");
    return ids;
  }

  read(): PolicyScope {
    // annotations: @name("text")
    while (this.peek()?.text === "@") {
      this.take("@");
      this.take();
      this.take("(");
      this.take();
      this.take(")");
    }
    this.take();
    this.take("(");
    const principalTypes = this.variable("principal");
    this.take(",");
    const actions = this.actionScope();
    this.take(",");
    const resourceTypes = this.variable("resource");
    this.take(")");
    return {
      ...(principalTypes ? { principalTypes } : {}),
      ...(actions ? { actions } : {}),
      ...(resourceTypes ? { resourceTypes } : {}),
    };
  }
}

/** Add one path to a shape; the empty path means the whole value. */
function addPath(shape: ContextShape | undefined, path: string[]): ContextShape {
  if (shape === true || path.length === 0) return true;
  const map = shape ?? new Map<string, ContextShape>();
  const [head, ...rest] = path as [string, ...string[]];
  map.set(head, addPath(map.get(head), rest));
  return map;
}

function mergeShapes(a: ContextShape | undefined, b: ContextShape | undefined): ContextShape | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a === true || b === true) return true;
  const out = new Map(a);
  for (const [key, sub] of b) out.set(key, mergeShapes(out.get(key), sub) as ContextShape);
  return out;
}

/** Every `context.a.b` / `context["a"]` / `context has a` in the policy, as a shape. */
function contextReads(tokens: Token[]): ContextShape | undefined {
  let shape: ContextShape | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind !== "ident" || token.text !== "context") continue;
    const before = tokens[i - 1]?.text;
    // `x.context`, `x has context` and a record key `{context: …}` name an attribute, not the variable.
    if (before === "." || before === "has" || tokens[i + 1]?.text === ":") continue;
    const path: string[] = [];
    let j = i + 1;
    for (;;) {
      const next = tokens[j];
      if (next?.text === "." && tokens[j + 1]?.kind === "ident" && tokens[j + 2]?.text !== "(") {
        path.push((tokens[j + 1] as Token).text);
        j += 2;
      } else if (next?.text === "[" && plainString(tokens[j + 1]) !== undefined && tokens[j + 2]?.text === "]") {
        path.push(plainString(tokens[j + 1]) as string);
        j += 3;
      } else if (next?.text === "has") {
        const attr = tokens[j + 1]?.kind === "ident" ? tokens[j + 1]?.text : plainString(tokens[j + 1]);
        if (attr !== undefined) path.push(attr);
        else path.length = 0;
        break;
      } else {
        break;
      }
    }
    shape = addPath(shape, path);
    if (shape === true) return true;
  }
  return shape;
}

/**
 * Every entity literal in the policy (`Type::"id"`, `Name::Space::Type::"id"`) as "Type::id"; true
 * when a literal's id has escapes (its id is left to Cedar, so no ancestor may be left out).
 */
function entityNames(tokens: Token[]): Set<string> | true {
  const names = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind !== "string" || tokens[i - 1]?.text !== "::" || tokens[i - 2]?.kind !== "ident") continue;
    const id = plainString(token);
    if (id === undefined) return true;
    const path = [(tokens[i - 2] as Token).text];
    for (let j = i - 3; tokens[j]?.text === "::" && tokens[j - 1]?.kind === "ident"; j -= 2) {
      path.unshift((tokens[j - 1] as Token).text);
    }
    names.add(`${path.join("::")}::${id}`);
  }
  return names;
}

/** The scope, context reads and named entities of one policy (its text, as Cedar split it from its file). */
export function readPolicy(text: string): PolicyReads {
  const tokens = tokenize(text);
  let scope: PolicyScope;
  try {
    scope = new ScopeReader(tokens).read();
  } catch {
    scope = scopeFromJson(text);
  }
  return { scope, context: contextReads(tokens), names: entityNames(tokens) };
}

type JsonEntity = { type: string; id: string };
type JsonConstraint = { op: string; entity?: JsonEntity; entities?: JsonEntity[]; entity_type?: string };

/** The scope from Cedar's JSON form of the policy (escaped ids and anything the reader missed). */
function scopeFromJson(text: string): PolicyScope {
  const answer = cedar.policyToJson(text);
  if (answer.type !== "success") return {};
  const json = answer.json as unknown as Record<"principal" | "action" | "resource", JsonConstraint>;
  const types = (c: JsonConstraint): Set<string> | undefined => {
    if (c.op === "==" && c.entity) return new Set([c.entity.type]);
    if (c.op === "is" && c.entity_type) return new Set([c.entity_type]);
    return undefined;
  };
  const actions = (c: JsonConstraint): Set<string> | undefined => {
    if (c.op === "==" && c.entity) return new Set([c.entity.id]);
    if (c.op === "in") return new Set([...(c.entity ? [c.entity] : []), ...(c.entities ?? [])].map((e) => e.id));
    return undefined;
  };
  const principalTypes = types(json.principal);
  const resourceTypes = types(json.resource);
  const actionIds = actions(json.action);
  return {
    ...(principalTypes ? { principalTypes } : {}),
    ...(actionIds ? { actions: actionIds } : {}),
    ...(resourceTypes ? { resourceTypes } : {}),
  };
}

// ---- slicing a set -------------------------------------------------------------------------------

function admits(
  scope: PolicyScope,
  principalType: string,
  action: string,
  actionAncestors: Set<string> | undefined,
  resourceType: string,
): boolean {
  if (scope.principalTypes && !scope.principalTypes.has(principalType)) return false;
  if (scope.resourceTypes && !scope.resourceTypes.has(resourceType)) return false;
  if (scope.actions && !scope.actions.has(action)) {
    if (![...(actionAncestors ?? [])].some((group) => scope.actions?.has(group))) return false;
  }
  return true;
}

/**
 * Which policies each slice holds: one slice per (principal type, action, resource type) the schema
 * allows, slices with the same policies shared. Plain data (it crosses to and from a worker thread);
 * placeSlices gives the slices their preparsed ids.
 */
export interface SlicePlan {
  /** The index in `slices` of the slice each sliceKey() is decided by. */
  byKey: Map<string, number>;
  slices: Array<{
    ids: string[];
    /** The same slice without its approval rules (approval-rules.ts), when it has any. */
    waived: string[] | undefined;
    context: ContextShape | undefined;
    /** The entities its policies name; true: one could not be read. */
    names: string[] | true;
  }>;
}

/** Slice a set: `waivable` says which policies are approval rules, for each slice's approval-waived twin. */
export function planSlices(
  schema: SchemaInfo,
  reads: Map<string, PolicyReads>,
  waivable: (id: string) => boolean,
): SlicePlan {
  const byKey = new Map<string, number>();
  const slices: SlicePlan["slices"] = [];
  const byMembers = new Map<string, number>();
  for (const [action, resourceTypes] of schema.actions) {
    const ancestors = schema.actionAncestors.get(action);
    for (const principalType of schema.actionPrincipals.get(action) ?? []) {
      for (const resourceType of resourceTypes) {
        const members = [...reads].filter(([, r]) => admits(r.scope, principalType, action, ancestors, resourceType));
        const ids = members.map(([id]) => id);
        const membersKey = ids.join("\u0000");
        let index = byMembers.get(membersKey);
        if (index === undefined) {
          const kept = ids.filter((p) => !waivable(p));
          let context: ContextShape | undefined;
          for (const [, r] of members) context = mergeShapes(context, r.context);
          const named = members.map(([, r]) => r.names);
          const names = named.includes(true) ? true : [...new Set(named.flatMap((n) => [...(n as Set<string>)]))];
          index = slices.push({ ids, waived: kept.length < ids.length ? kept : undefined, context, names }) - 1;
          byMembers.set(membersKey, index);
        }
        byKey.set(sliceKey(principalType, action, resourceType), index);
      }
    }
  }
  return { byKey, slices };
}

/**
 * The planned slices under `<prefix>~<n>` ids (`<prefix>~<n>-approval-waived` for a twin), and one
 * step per slice that preparses it with `preparse`, all to be run before any slice is used.
 */
export function placeSlices(
  plan: SlicePlan,
  prefix: string,
  texts: Record<string, string>,
  preparse: (id: string, policies: Record<string, string>) => void,
): { slices: Map<string, PolicySlice>; preparse: Array<() => void> } {
  const placed = plan.slices.map((planned, n) => {
    const id = `${prefix}~${n}`;
    const approvalWaivedId = planned.waived ? `${id}-approval-waived` : undefined;
    const namedEntities = planned.names === true ? undefined : new Set(planned.names);
    const slice: PolicySlice = { preparsedId: id, approvalWaivedId, context: planned.context, namedEntities };
    const policiesOf = (ids: string[]) => Object.fromEntries(ids.map((p) => [p, texts[p] as string]));
    const step = () => {
      preparse(id, policiesOf(planned.ids));
      if (approvalWaivedId && planned.waived) preparse(approvalWaivedId, policiesOf(planned.waived));
    };
    return { slice, step };
  });
  const slices = new Map<string, PolicySlice>();
  for (const [key, index] of plan.byKey) slices.set(key, (placed[index] as { slice: PolicySlice }).slice);
  return { slices, preparse: placed.map((p) => p.step) };
}

/** The part of `value` a shape asks for (records are cut down; anything else is kept whole). */
export function pruneToShape(value: Record<string, unknown>, shape: ContextShape | undefined): Record<string, unknown> {
  if (shape === undefined) return {};
  if (shape === true) return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of shape) {
    if (!Object.hasOwn(value, key)) continue;
    const item = value[key];
    out[key] =
      sub === true || item === null || typeof item !== "object" || Array.isArray(item) || "__entity" in item
        ? item
        : pruneToShape(item as Record<string, unknown>, sub);
  }
  return out;
}
