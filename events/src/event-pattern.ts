// The shape of an EventBridge event pattern, as far as the type system can say it. The
// matcher validates the rest at run time (EventPatternError), as EventBridge does on PutRule.

/** A value an event field is compared with exactly. */
export type PatternLiteral = string | number | boolean | null;

/** `{ "numeric": [...] }`: one bound, an equality, or a lower bound followed by an upper one. */
export type NumericCondition =
  | readonly ["=", number]
  | readonly [">" | ">=" | "<" | "<=", number]
  | readonly [">" | ">=", number, "<" | "<=", number];

/** What `anything-but` may exclude. */
export type AnythingButCondition =
  | string
  | number
  | readonly string[]
  | readonly number[]
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly "equals-ignore-case": string | readonly string[] }
  | { readonly wildcard: string | readonly string[] };

/** A content filter: an object with exactly one operator. */
export type ContentFilter =
  | { readonly prefix: string | { readonly "equals-ignore-case": string } }
  | { readonly suffix: string | { readonly "equals-ignore-case": string } }
  | { readonly "equals-ignore-case": string }
  | { readonly wildcard: string }
  | { readonly "anything-but": AnythingButCondition }
  | { readonly numeric: NumericCondition }
  | { readonly exists: boolean };

/** The list of alternatives a leaf field of a pattern holds (any one may match). */
export type FieldMatchers = readonly (PatternLiteral | ContentFilter)[];

/**
 * An EventBridge event pattern: nested objects mirror the event, leaves are lists of
 * alternatives, and `$or` lists sub-patterns of which one must match.
 *
 * @example
 * const pattern: EventPattern = { source: ["cds.search"], detail: { partial: [false] } };
 */
export interface EventPattern {
  readonly [field: string]: FieldMatchers | EventPattern | readonly EventPattern[];
}
