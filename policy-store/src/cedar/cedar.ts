// The one place that loads the Cedar engine, so every module shares its preparsed state.

export type {
  DetailedError,
  EntityJson,
  EntityUidJson,
  SchemaJson,
} from "@cedar-policy/cedar-wasm/nodejs";
export * as cedar from "@cedar-policy/cedar-wasm/nodejs";
