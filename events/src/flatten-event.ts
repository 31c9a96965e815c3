import type { LeafValue } from "./leaf-value.ts";

/**
 * One leaf of an event: its dotted name (`detail.object.key`), its value, and the element it
 * sits in for every array on its way from the root (array id → index). The latter lets the
 * matcher refuse to combine fields of different elements of one array, as EventBridge does.
 */
export interface EventField {
  readonly name: string;
  readonly value: LeafValue;
  readonly arrays: ReadonlyMap<number, number>;
}

/**
 * Flattens an event into its leaves, grouped by dotted name. Arrays are "crushed out": each
 * element's leaves carry the array's name. Empty objects and arrays yield no leaf, so for the
 * matcher they do not exist. Values JSON cannot hold (undefined, functions, NaN) are skipped.
 *
 * @example
 * flattenEvent({ detail: { tags: ["a", "b"] } }).get("detail.tags")?.map((f) => f.value) // ["a", "b"]
 */
export function flattenEvent(event: unknown): ReadonlyMap<string, readonly EventField[]> {
  const fields = new Map<string, EventField[]>();
  let nextArrayId = 0;

  const add = (name: string, value: LeafValue, arrays: ReadonlyMap<number, number>) => {
    const list = fields.get(name);
    if (list === undefined) fields.set(name, [{ name, value, arrays }]);
    else list.push({ name, value, arrays });
  };

  const walk = (node: unknown, name: string, arrays: ReadonlyMap<number, number>): void => {
    if (node === null || typeof node === "string" || typeof node === "boolean") {
      add(name, node, arrays);
    } else if (typeof node === "number") {
      if (Number.isFinite(node)) add(name, node, arrays);
    } else if (Array.isArray(node)) {
      const arrayId = nextArrayId++;
      node.forEach((element, index) => walk(element, name, new Map(arrays).set(arrayId, index)));
    } else if (typeof node === "object" && node !== null) {
      for (const [key, value] of Object.entries(node)) walk(value, name === "" ? key : `${name}.${key}`, arrays);
    }
  };

  walk(event, "", new Map());
  return fields;
}
