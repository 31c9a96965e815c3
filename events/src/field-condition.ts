import type { LeafValue } from "./leaf-value.ts";

/**
 * What a pattern asks of one field, compiled: either a test that some leaf value of the field
 * must pass, or `{ exists: false }`, which asks that the field have no leaf at all.
 */
export type FieldCondition =
  | { readonly kind: "value"; readonly test: (value: LeafValue) => boolean }
  | { readonly kind: "absent" };
