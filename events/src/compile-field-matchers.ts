import { EventPatternError } from "./errors.ts";
import type { FieldCondition } from "./field-condition.ts";
import type { LeafValue } from "./leaf-value.ts";
import { wildcardRegExp } from "./wildcard-pattern.ts";

/** The operators EventBridge knows; `$or` branches may not use them as field names. */
export const patternOperators: ReadonlySet<string> = new Set([
  "prefix",
  "suffix",
  "equals-ignore-case",
  "wildcard",
  "anything-but",
  "numeric",
  "exists",
  "cidr",
]);

/**
 * Compiles the list of alternatives at a leaf of a pattern (`"state": ["a", { "prefix": "b" }]`)
 * into conditions, any one of which may match. Throws {@link EventPatternError} where EventBridge
 * would refuse the pattern.
 *
 * @example
 * compileFieldMatchers("detail.state", ["running", { "anything-but": "stopped" }])
 */
export function compileFieldMatchers(field: string, matchers: readonly unknown[]): FieldCondition[] {
  if (matchers.length === 0) throw new EventPatternError(field, "empty lists are not allowed");
  return matchers.map((matcher) => {
    if (matcher === null || typeof matcher === "string" || typeof matcher === "boolean") return exactly(matcher);
    if (typeof matcher === "number" && Number.isFinite(matcher)) return exactly(matcher);
    if (isPlainObject(matcher)) return compileFilter(field, matcher);
    throw new EventPatternError(field, `match values must be strings, numbers, true, false, null or filter objects, got ${describeValue(matcher)}`);
  });
}

function exactly(expected: LeafValue): FieldCondition {
  // Strict equality keeps types apart, as EventBridge does: "5" does not match 5, nor "true" true.
  return value((actual) => actual === expected);
}

function compileFilter(field: string, filter: Record<string, unknown>): FieldCondition {
  const keys = Object.keys(filter);
  if (keys.length !== 1) {
    throw new EventPatternError(field, `a filter object takes exactly one operator, got ${keys.length === 0 ? "none" : keys.map((k) => `"${k}"`).join(", ")}`);
  }
  const operator = keys[0]!;
  const operand = filter[operator];
  switch (operator) {
    case "prefix":
      return affix(field, operator, operand, (actual, text) => actual.startsWith(text));
    case "suffix":
      return affix(field, operator, operand, (actual, text) => actual.endsWith(text));
    case "equals-ignore-case": {
      const text = expectString(field, operator, operand);
      return value((actual) => typeof actual === "string" && sameIgnoringCase(actual, text));
    }
    case "wildcard": {
      const regExp = wildcardRegExp(field, expectString(field, operator, operand));
      return value((actual) => typeof actual === "string" && regExp.test(actual));
    }
    case "anything-but": {
      const excluded = compileExclusion(field, operand);
      // Any leaf that is not excluded matches, whatever its type: anything-but "a" matches 5 and null.
      return value((actual) => !excluded(actual));
    }
    case "numeric": {
      const inRange = compileNumeric(field, operand);
      return value((actual) => typeof actual === "number" && inRange(actual));
    }
    case "exists":
      if (typeof operand !== "boolean") throw new EventPatternError(field, `"exists" takes true or false, got ${describeValue(operand)}`);
      return operand ? value(() => true) : { kind: "absent" };
    case "cidr":
      throw new EventPatternError(field, `"cidr" is an EventBridge operator this matcher does not implement`);
    default:
      throw new EventPatternError(field, `unknown operator "${operator}"`);
  }
}

function value(test: (actual: LeafValue) => boolean): FieldCondition {
  return { kind: "value", test };
}

/** prefix / suffix, plain or as `{ "equals-ignore-case": text }`; strings only. */
function affix(field: string, operator: string, operand: unknown, test: (actual: string, text: string) => boolean): FieldCondition {
  if (typeof operand === "string") return value((actual) => typeof actual === "string" && test(actual, operand));
  if (isPlainObject(operand) && Object.keys(operand).length === 1 && typeof operand["equals-ignore-case"] === "string") {
    const text = foldCase(operand["equals-ignore-case"]);
    return value((actual) => typeof actual === "string" && test(foldCase(actual), text));
  }
  throw new EventPatternError(field, `"${operator}" takes a string or { "equals-ignore-case": string }, got ${describeValue(operand)}`);
}

/** What an `anything-but` excludes: a test that is true for the excluded leaf values. */
function compileExclusion(field: string, operand: unknown): (actual: LeafValue) => boolean {
  if (typeof operand === "string" || (typeof operand === "number" && Number.isFinite(operand))) {
    return (actual) => actual === operand;
  }
  if (Array.isArray(operand)) {
    const allStrings = operand.length > 0 && operand.every((v) => typeof v === "string");
    const allNumbers = operand.length > 0 && operand.every((v) => typeof v === "number" && Number.isFinite(v));
    if (!allStrings && !allNumbers) {
      throw new EventPatternError(field, `an "anything-but" list must hold only strings or only numbers, and at least one`);
    }
    const set = new Set<LeafValue>(operand as LeafValue[]);
    return (actual) => set.has(actual);
  }
  if (isPlainObject(operand) && Object.keys(operand).length === 1) {
    const [operator, inner] = Object.entries(operand)[0]!;
    switch (operator) {
      case "prefix":
      case "suffix": {
        const text = expectString(field, `anything-but ${operator}`, inner);
        if (text === "") throw new EventPatternError(field, `"anything-but" ${operator} may not be empty`);
        return operator === "prefix"
          ? (actual) => typeof actual === "string" && actual.startsWith(text)
          : (actual) => typeof actual === "string" && actual.endsWith(text);
      }
      case "equals-ignore-case": {
        const texts = stringOrStrings(field, "anything-but equals-ignore-case", inner).map(foldCase);
        return (actual) => typeof actual === "string" && texts.includes(foldCase(actual));
      }
      case "wildcard": {
        const regExps = stringOrStrings(field, "anything-but wildcard", inner).map((w) => wildcardRegExp(field, w));
        return (actual) => typeof actual === "string" && regExps.some((r) => r.test(actual));
      }
    }
  }
  throw new EventPatternError(
    field,
    `"anything-but" takes a string, a number, a list of either, or { prefix | suffix | equals-ignore-case | wildcard }, got ${describeValue(operand)}`,
  );
}

/** `[op, n]` or `[">"|">=", low, "<"|"<=", high]`, as EventBridge parses them. */
function compileNumeric(field: string, operand: unknown): (actual: number) => boolean {
  const bad = (why: string) => new EventPatternError(field, `"numeric" ${why}, got ${describeValue(operand)}`);
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw bad(`takes [operator, number] or [">" or ">=", number, "<" or "<=", number]`);
  }
  const [first, low, second, high] = operand as unknown[];
  if (typeof low !== "number" || !Number.isFinite(low)) throw bad("needs a number after its operator");
  if (operand.length === 2) {
    switch (first) {
      case "=":
        return (n) => n === low;
      case ">":
        return (n) => n > low;
      case ">=":
        return (n) => n >= low;
      case "<":
        return (n) => n < low;
      case "<=":
        return (n) => n <= low;
      default:
        throw bad(`has an unknown operator ${describeValue(first)}`);
    }
  }
  if (first !== ">" && first !== ">=") throw bad(`ranges start with ">" or ">="`);
  if (second !== "<" && second !== "<=") throw bad(`ranges end with "<" or "<="`);
  if (typeof high !== "number" || !Number.isFinite(high)) throw bad("needs a number after its upper operator");
  if (low > high || (low === high && (first === ">" || second === "<"))) throw bad("range is empty");
  const aboveLow = first === ">" ? (n: number) => n > low : (n: number) => n >= low;
  const belowHigh = second === "<" ? (n: number) => n < high : (n: number) => n <= high;
  return (n) => aboveLow(n) && belowHigh(n);
}

function expectString(field: string, operator: string, operand: unknown): string {
  if (typeof operand !== "string") throw new EventPatternError(field, `"${operator}" takes a string, got ${describeValue(operand)}`);
  return operand;
}

function stringOrStrings(field: string, operator: string, operand: unknown): string[] {
  if (typeof operand === "string") return [operand];
  if (Array.isArray(operand) && operand.length > 0 && operand.every((v) => typeof v === "string")) return operand as string[];
  throw new EventPatternError(field, `"${operator}" takes a string or a list of strings, got ${describeValue(operand)}`);
}

function foldCase(text: string): string {
  return text.toLowerCase();
}

function sameIgnoringCase(a: string, b: string): boolean {
  return foldCase(a) === foldCase(b);
}

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short description of a pattern value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
