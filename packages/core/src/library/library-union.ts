import { ParameterError } from "../errors.ts";
import type { BlobStore, RangedObject } from "../ports/blob-store.ts";
import type { LibraryLayout } from "./library-manifest.ts";

/**
 * A search over several libraries numbers their targets as one: library k's items follow those of
 * libraries 0 … k − 1. One ranking (ties by that number) and one dispatch tree then cover them
 * all, and a match's own library and index come back from its number ({@link libraryOfIndex}).
 */
export interface LibraryPart {
  name: string;
  count: number;
  /** The number of this library's first item in the search. */
  firstItem: number;
}

/** The most libraries one search covers: each adds its shard pages to every dispatcher payload. */
export const MAX_LIBRARIES_PER_SEARCH = 8;

const LIBRARY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The libraries a search names, as `a,b` (CLI) or a list (sidecar): trimmed, in order, each once.
 *
 * @example
 * libraryList("flylight, em-hemibrain,flylight", "--library") // ["flylight", "em-hemibrain"]
 */
export function libraryList(value: string | readonly unknown[], what: string): string[] {
  const names = (typeof value === "string" ? value.split(",") : [...value]).map((n) => (typeof n === "string" ? n.trim() : n));
  const unique: string[] = [];
  for (const name of names) {
    if (typeof name !== "string" || !LIBRARY_NAME.test(name)) {
      throw new ParameterError(what, `${what}: ${JSON.stringify(name)} is not a library name (letters, digits, ".", "_" or "-", starting with a letter or digit)`);
    }
    if (!unique.includes(name)) unique.push(name);
  }
  if (unique.length === 0) throw new ParameterError(what, `${what} names no library`);
  if (unique.length > MAX_LIBRARIES_PER_SEARCH) {
    throw new ParameterError(what, `${what} names ${unique.length} libraries; one search covers at most ${MAX_LIBRARIES_PER_SEARCH}`);
  }
  return unique;
}

/**
 * Each library's place in the search's numbering, from the libraries' sizes in order.
 *
 * @example
 * libraryParts([{ name: "a", count: 3 }, { name: "b", count: 5 }]) // b's firstItem is 3
 */
export function libraryParts(libraries: readonly { name: string; count: number }[]): LibraryPart[] {
  let firstItem = 0;
  return libraries.map(({ name, count }) => {
    const part = { name, count, firstItem };
    firstItem += count;
    return part;
  });
}

/**
 * Which library a search's item number falls in, and its index there.
 *
 * @example
 * libraryOfIndex(parts, 4) // { part: 1, index: 1 } when library 0 holds 3 items
 */
export function libraryOfIndex(parts: readonly LibraryPart[], index: number): { part: number; index: number } {
  for (let k = parts.length - 1; k >= 0; k--) {
    if (index >= parts[k].firstItem) {
      if (index - parts[k].firstItem >= parts[k].count) break;
      return { part: k, index: index - parts[k].firstItem };
    }
  }
  throw new RangeError(`item ${index} is in none of the search's libraries (${parts.map((p) => `${p.name}: ${p.count}`).join(", ")})`);
}

/**
 * One layout over several libraries' layouts (all of one image size): shards in library order,
 * their starts moved to the search's numbering and their keys prefixed `<k>/`, the library's
 * place, so that {@link unionStore} finds each in its own library.
 */
export function unionLayout(layouts: readonly LibraryLayout[]): LibraryLayout {
  const parts = libraryParts(layouts);
  return {
    name: layouts.map((l) => l.name).join(","),
    width: layouts[0].width,
    height: layouts[0].height,
    count: parts.reduce((n, p) => n + p.count, 0),
    shards: layouts.flatMap((layout, k) => layout.shards.map((s) => ({ ...s, key: `${k}/${s.key}`, start: s.start + parts[k].firstItem }))),
  };
}

/**
 * A read-only store over several libraries' stores, for a {@link unionLayout}: key `<k>/<key>` is
 * library k's `<key>`. Ranged reads are offered only when every library's store has them.
 */
export function unionStore(stores: readonly BlobStore[]): BlobStore {
  const route = (key: string): [BlobStore, string] => {
    const slash = key.indexOf("/");
    const store = stores[Number(key.slice(0, slash))];
    if (slash < 1 || !store) throw new RangeError(`${key} is not a key of a library union`);
    return [store, key.slice(slash + 1)];
  };
  const readOnly = () => Promise.reject(new Error("a library union is read-only"));
  const union: BlobStore = {
    location: stores.map((s) => s.location).join(" + "),
    get: (key) => {
      const [store, rest] = route(key);
      return store.get(rest);
    },
    getReusing: (key, scratch) => {
      const [store, rest] = route(key);
      return store.getReusing ? store.getReusing(rest, scratch) : store.get(rest);
    },
    exists: (key) => {
      const [store, rest] = route(key);
      return store.exists(rest);
    },
    put: readOnly,
    deletePrefix: readOnly,
    async *list(prefix) {
      for (const [k, store] of stores.entries()) for await (const key of store.list("")) if (`${k}/${key}`.startsWith(prefix)) yield `${k}/${key}`;
    },
  };
  if (stores.every((s) => s.openRanged)) {
    union.openRanged = (key): Promise<RangedObject> => {
      const [store, rest] = route(key);
      return store.openRanged!(rest);
    };
  }
  return union;
}
