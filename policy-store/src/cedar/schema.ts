import { type ErrorCode, PeaError } from "@pea/schemas";
import { cedar } from "./cedar.js";

/** A Cedar type as PEA needs to check caller-supplied values against it. */
export type ValueType =
  | { kind: "String" | "Long" | "Boolean" }
  | { kind: "Set"; element: ValueType }
  | { kind: "Record"; attributes: AttributeTypes }
  | { kind: "Entity"; name: string }
  | { kind: "Other" };

export type AttributeTypes = Map<string, { type: ValueType; required: boolean }>;

/** Where PEA takes a resource type's attributes from (schema annotation @source). */
export type ResourceSource = "store" | "caller" | "email";

export interface EntityTypeInfo {
  source: ResourceSource;
  attributes: AttributeTypes;
}

export interface SchemaInfo {
  text: string;
  /** Name under which the schema is preparsed in the Cedar engine. */
  preparsedName: string;
  entityTypes: Map<string, EntityTypeInfo>;
  /** action → the resource types it applies to */
  actions: Map<string, Set<string>>;
  /** action → the principal types it applies to */
  actionPrincipals: Map<string, Set<string>>;
  /** action → the action groups it is in, transitively (empty for most schemas) */
  actionAncestors: Map<string, Set<string>>;
  /** Every type some action accepts as principal: the types a chain link may have. */
  principalTypes: Set<string>;
  /** action → the context attributes its schema declares (a pack may declare fewer than PEA's). */
  actionContext: Map<string, Set<string>>;
  /** The declared shape of context.request: what callers may assert. */
  requestFacts: AttributeTypes;
}

export class SchemaError extends PeaError {
  constructor(message: string, code: ErrorCode = "invalid_request") {
    super(code, message);
  }
}

let preparsedCount = 0;

export function loadSchema(text: string): SchemaInfo {
  const parsed = cedar.schemaToJsonWithResolvedTypes(text);
  if (parsed.type !== "success") {
    throw new SchemaError(`invalid Cedar schema: ${parsed.errors.map((e) => e.message).join("; ")}`);
  }
  const namespaces = Object.values(parsed.json);
  const commonTypes = new Map<string, unknown>();
  for (const ns of namespaces) {
    for (const [name, type] of Object.entries(ns.commonTypes ?? {})) commonTypes.set(name, type);
  }
  const toValueType = (raw: unknown): ValueType => {
    const t = raw as { type: string; name?: string; element?: unknown; attributes?: Record<string, unknown> };
    switch (t.type) {
      case "String":
      case "Long":
      case "Boolean":
        return { kind: t.type };
      // The schema's Bool (the resolved JSON form names it "Bool").
      case "Bool":
        return { kind: "Boolean" };
      case "Set":
        return { kind: "Set", element: toValueType(t.element) };
      case "Record":
        return { kind: "Record", attributes: toAttributes(t.attributes ?? {}) };
      case "Entity":
        return { kind: "Entity", name: t.name ?? "" };
      default: {
        const common = t.name !== undefined ? commonTypes.get(t.name) : undefined;
        if (common !== undefined) return toValueType(common);
        if (t.type !== undefined && commonTypes.has(t.type)) return toValueType(commonTypes.get(t.type));
        return { kind: "Other" };
      }
    }
  };
  const toAttributes = (attrs: Record<string, unknown>): AttributeTypes =>
    new Map(
      Object.entries(attrs).map(([name, raw]) => [
        name,
        { type: toValueType(raw), required: (raw as { required?: boolean }).required !== false },
      ]),
    );

  const entityTypes = new Map<string, EntityTypeInfo>();
  const actions = new Map<string, Set<string>>();
  const actionPrincipals = new Map<string, Set<string>>();
  const principalTypes = new Set<string>();
  const actionContext = new Map<string, Set<string>>();
  const actionParents = new Map<string, string[]>();
  for (const ns of namespaces) {
    for (const [name, def] of Object.entries(ns.entityTypes)) {
      const shape = (def as { shape?: { attributes?: Record<string, unknown> } }).shape;
      const source = (def as { annotations?: Record<string, string> }).annotations?.source;
      entityTypes.set(name, {
        source: source === "caller" || source === "email" ? source : "store",
        attributes: toAttributes(shape?.attributes ?? {}),
      });
    }
    for (const [name, def] of Object.entries(ns.actions)) {
      actions.set(name, new Set(def.appliesTo?.resourceTypes ?? []));
      actionPrincipals.set(name, new Set(def.appliesTo?.principalTypes ?? []));
      actionParents.set(
        name,
        (def.memberOf ?? []).map((m) => m.id),
      );
      for (const type of def.appliesTo?.principalTypes ?? []) principalTypes.add(type);
      const context = toValueType(def.appliesTo?.context ?? { type: "Record", attributes: {} });
      if (context.kind === "Record") actionContext.set(name, new Set(context.attributes.keys()));
    }
  }
  const actionAncestors = new Map<string, Set<string>>();
  for (const name of actionParents.keys()) {
    const seen = new Set<string>();
    const queue = [...(actionParents.get(name) ?? [])];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...(actionParents.get(next) ?? []));
    }
    if (seen.size > 0) actionAncestors.set(name, seen);
  }
  const requestType = toValueType(commonTypes.get("RequestFacts") ?? { type: "Record", attributes: {} });
  if (requestType.kind !== "Record") throw new SchemaError("common type RequestFacts must be a record");

  const preparsedName = `schema-${++preparsedCount}`;
  const preparsed = cedar.preparseSchema(preparsedName, text);
  if (preparsed.type !== "success") {
    throw new SchemaError(`invalid Cedar schema: ${preparsed.errors.map((e) => e.message).join("; ")}`);
  }
  return {
    text,
    preparsedName,
    entityTypes,
    actions,
    actionPrincipals,
    actionAncestors,
    principalTypes,
    actionContext,
    requestFacts: requestType.attributes,
  };
}

/**
 * Keep only the declared attributes of a caller-supplied object and check their types.
 * Returns the pruned value, or the path of the first attribute that is missing or mistyped.
 */
export function conformToAttributes(
  value: Record<string, unknown>,
  attributes: AttributeTypes,
  path: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; field: string; expected: string } {
  const out: Record<string, unknown> = {};
  for (const [name, { type, required }] of attributes) {
    const field = `${path}.${name}`;
    if (!Object.hasOwn(value, name) || value[name] === undefined || value[name] === null) {
      if (required) return { ok: false, field, expected: `a ${describe(type)} (required)` };
      continue;
    }
    const checked = conformValue(value[name], type, field);
    if (!checked.ok) return checked;
    out[name] = checked.value;
  }
  return { ok: true, value: out };
}

function conformValue(
  value: unknown,
  type: ValueType,
  field: string,
): { ok: true; value: unknown } | { ok: false; field: string; expected: string } {
  const bad = { ok: false as const, field, expected: describe(type) };
  switch (type.kind) {
    case "String":
      return typeof value === "string" ? { ok: true, value } : bad;
    case "Long":
      return Number.isSafeInteger(value) ? { ok: true, value } : bad;
    case "Boolean":
      return typeof value === "boolean" ? { ok: true, value } : bad;
    case "Set": {
      if (!Array.isArray(value)) return bad;
      const items: unknown[] = [];
      for (const [i, item] of value.entries()) {
        const checked = conformValue(item, type.element, `${field}[${i}]`);
        if (!checked.ok) return checked;
        items.push(checked.value);
      }
      return { ok: true, value: items };
    }
    case "Record":
      if (typeof value !== "object" || Array.isArray(value)) return bad;
      return conformToAttributes(value as Record<string, unknown>, type.attributes, field);
    default:
      // Entity references and extension values are governance data: never taken from callers.
      return bad;
  }
}

function describe(type: ValueType): string {
  switch (type.kind) {
    case "String":
      return "string";
    case "Long":
      return "integer";
    case "Boolean":
      return "boolean";
    case "Set":
      return `array of ${describe(type.element)}`;
    case "Record":
      return "object";
    case "Entity":
      return `${type.name} reference (not accepted from callers)`;
    default:
      return "value PEA does not accept from callers";
  }
}

/**
 * A stored value in Cedar's explicit JSON form: entity references as `{"__entity": …}` even where
 * they were written as bare `{type, id}` (which Cedar accepts only when it parses with the schema;
 * decisions parse entities without it, see policy-slices.ts).
 */
function explicitCedarValue(value: unknown, type: ValueType): unknown {
  if (value === null || typeof value !== "object") return value;
  switch (type.kind) {
    case "Entity": {
      const ref = value as { type?: unknown; id?: unknown; __entity?: unknown };
      return ref.__entity === undefined && typeof ref.type === "string" && typeof ref.id === "string"
        ? { __entity: { type: ref.type, id: ref.id } }
        : value;
    }
    case "Set":
      return Array.isArray(value) ? value.map((item) => explicitCedarValue(item, type.element)) : value;
    case "Record":
      return Array.isArray(value) ? value : explicitAttributes(value as Record<string, unknown>, type.attributes);
    default:
      return value;
  }
}

export function explicitAttributes(attrs: Record<string, unknown>, types: AttributeTypes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attrs)) {
    const declared = types.get(name);
    out[name] = declared ? explicitCedarValue(value, declared.type) : value;
  }
  return out;
}
