import { compileFieldMatchers, describeValue, isPlainObject, patternOperators } from "./compile-field-matchers.ts";
import { EventPatternError } from "./errors.ts";
import type { FieldCondition } from "./field-condition.ts";

/** The conditions on one dotted field name (`detail.object.key`). */
export interface FieldRule {
  readonly field: string;
  readonly conditions: readonly FieldCondition[];
}

/**
 * One way for a pattern to match: every field rule must hold. Sorted by field name, the order in
 * which EventBridge's matcher walks them (it matters for `exists: false` inside arrays).
 */
export type PatternBranch = readonly FieldRule[];

/**
 * Validates an EventBridge pattern and compiles it into branches, one per combination of `$or`
 * alternatives (a pattern without `$or` has one). Throws {@link EventPatternError} where
 * EventBridge would refuse the pattern.
 *
 * @example
 * compilePattern({ source: ["a"], $or: [{ x: [1] }, { y: [2] }] }).length // 2
 */
export function compilePattern(pattern: unknown): PatternBranch[] {
  if (!isPlainObject(pattern)) throw new EventPatternError("", `a pattern must be an object, got ${describeValue(pattern)}`);
  const branches: Map<string, readonly FieldCondition[]>[] = [];
  addObject(branches, "", pattern, false);
  return branches.map((branch) =>
    [...branch.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([field, conditions]) => ({ field, conditions })),
  );
}

type Branches = Map<string, readonly FieldCondition[]>[];

function addObject(branches: Branches, path: string, node: Record<string, unknown>, insideOr: boolean): void {
  const keys = Object.keys(node);
  if (keys.length === 0) throw new EventPatternError(path, "empty objects are not allowed");
  for (const key of keys) {
    const child = node[key];
    if (key === "$or") {
      addOr(branches, path, child);
      continue;
    }
    const field = path === "" ? key : `${path}.${key}`;
    if (insideOr && patternOperators.has(key)) {
      throw new EventPatternError(field, `"${key}" is an operator, so it cannot name a field inside "$or"`);
    }
    if (Array.isArray(child)) {
      const conditions = compileFieldMatchers(field, child);
      if (branches.length === 0) branches.push(new Map());
      for (const branch of branches) branch.set(field, conditions);
    } else if (isPlainObject(child)) {
      addObject(branches, field, child, insideOr);
    } else {
      throw new EventPatternError(field, `"${key}" must be an object or an array, got ${describeValue(child)}`);
    }
  }
}

/** `$or`: each alternative forks every branch built so far; fields after it apply to all forks. */
function addOr(branches: Branches, path: string, alternatives: unknown): void {
  const where = path === "" ? "$or" : `${path}.$or`;
  if (!Array.isArray(alternatives)) throw new EventPatternError(where, `"$or" takes a list of patterns, got ${describeValue(alternatives)}`);
  if (alternatives.length < 2) throw new EventPatternError(where, `"$or" needs at least two patterns`);
  const before = branches.splice(0, branches.length);
  for (const alternative of alternatives) {
    if (!isPlainObject(alternative)) throw new EventPatternError(where, `"$or" takes only objects, got ${describeValue(alternative)}`);
    const forks = before.length === 0 ? [new Map()] : before.map((branch) => new Map(branch));
    addObject(forks, path, alternative, true);
    branches.push(...forks);
  }
}
