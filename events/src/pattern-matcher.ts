import { compilePattern, type PatternBranch } from "./compile-pattern.ts";
import type { EventPattern } from "./event-pattern.ts";
import { flattenEvent, type EventField } from "./flatten-event.ts";

/**
 * Whether an event matches an EventBridge event pattern, with EventBridge's semantics:
 *
 * - every field named in the pattern must match (AND); the values listed for a field are
 *   alternatives (OR), and `$or` lists alternative sub-patterns;
 * - exact values match by type and value (`"5"` is not `5`; `null` matches only null);
 * - a field that is an array in the event matches when any element matches, and fields of
 *   objects in an array must come from the same element;
 * - filters: `prefix`, `suffix` (each also with `equals-ignore-case`), `equals-ignore-case`,
 *   `wildcard`, `anything-but` (a value, a list, or `prefix`/`suffix`/`equals-ignore-case`/
 *   `wildcard`), `numeric` (`=`, `<`, `<=`, `>`, `>=`, or a range), `exists` (leaves only:
 *   a field holding an object or an empty array does not exist).
 *
 * Pure: no I/O, no AWS SDK. Throws {@link EventPatternError} for a pattern EventBridge would
 * refuse (bare values instead of lists, unknown operators, `cidr`, which is not implemented).
 *
 * @example
 * matchesPattern({ "detail-type": ["Search Completed"], detail: { matchCount: [{ numeric: [">", 0] }] } }, event)
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  const branches = compilePattern(pattern);
  const fields = flattenEvent(event);
  return branches.some((branch) => matchesFrom(branch, 0, fields, new Map()));
}

/**
 * Throws {@link EventPatternError} unless EventBridge would accept the pattern (as far as the
 * matcher knows it), so a rule list can be checked once, before any event arrives.
 *
 * @example
 * for (const rule of rules) assertValidPattern(rule.pattern);
 */
export function assertValidPattern(pattern: unknown): asserts pattern is EventPattern {
  compilePattern(pattern);
}

/**
 * Tries the branch's field rules in order, backtracking over which leaf satisfied each one, and
 * keeping the array elements chosen so far so later fields stay in the same elements.
 */
function matchesFrom(
  branch: PatternBranch,
  index: number,
  fields: ReadonlyMap<string, readonly EventField[]>,
  chosen: ReadonlyMap<number, number>,
): boolean {
  const rule = branch[index];
  if (rule === undefined) return true;
  const candidates = (fields.get(rule.field) ?? []).filter((field) => sameElements(chosen, field.arrays));
  for (const candidate of candidates) {
    const passes = rule.conditions.some((condition) => condition.kind === "value" && condition.test(candidate.value));
    if (passes && matchesFrom(branch, index + 1, fields, merged(chosen, candidate.arrays))) return true;
  }
  const allowsAbsence = rule.conditions.some((condition) => condition.kind === "absent");
  return allowsAbsence && candidates.length === 0 && matchesFrom(branch, index + 1, fields, chosen);
}

/** True when the two leaves sit in the same element of every array they share. */
function sameElements(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): boolean {
  for (const [arrayId, element] of a) {
    const other = b.get(arrayId);
    if (other !== undefined && other !== element) return false;
  }
  return true;
}

function merged(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): ReadonlyMap<number, number> {
  if (b.size === 0) return a;
  const all = new Map(a);
  for (const [arrayId, element] of b) all.set(arrayId, element);
  return all;
}
