import type { LibraryEntity, LibraryItem } from "../entities/library.ts";

/** A library's record as the indexer writes it. */
export type NewLibrary = Omit<LibraryItem, "indexedAt"> & { indexedAt?: string };

/**
 * The library access patterns of the state store (see `service.ts`): which libraries were
 * indexed, and what each is.
 *
 * @example
 * const access = libraryAccess({ library }, () => new Date());
 * await access.putLibrary({ name: "lm", location: "s3://libraries/lm", count: 2000, width: 1210, height: 566 });
 */
export function libraryAccess(entities: { library: LibraryEntity }, now: () => Date) {
  const { library: libraries } = entities;

  /** Library L was indexed: store (or replace) its record. */
  async function putLibrary(input: NewLibrary): Promise<LibraryItem> {
    const { data } = await libraries.put({ ...input, indexedAt: input.indexedAt ?? now().toISOString() }).go();
    return data;
  }

  /** What is library L? */
  async function getLibrary(name: string): Promise<LibraryItem | undefined> {
    const { data } = await libraries.get({ name }).go({ consistent: true });
    return data ?? undefined;
  }

  /** Which libraries exist, by name? */
  async function listLibraries(): Promise<LibraryItem[]> {
    const { data } = await libraries.query.all({}).go({ pages: "all" });
    return data;
  }

  return { putLibrary, getLibrary, listLibraries };
}
