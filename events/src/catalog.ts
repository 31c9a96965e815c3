import { batchFailed } from "./batch-failed.ts";
import type { DetailOf, EventOf } from "./catalog-entry.ts";
import { objectCreated } from "./object-created.ts";
import { searchAccepted } from "./search-accepted.ts";
import { searchBatchesCompleted } from "./search-batches-completed.ts";
import { searchCompleted } from "./search-completed.ts";
import { searchFailed } from "./search-failed.ts";
import { searchStarted } from "./search-started.ts";
import { submissionCompleted } from "./submission-completed.ts";

/**
 * Every event the pipeline emits or consumes, one entry each. The local bus refuses anything
 * not listed here, and each entry has a fixture at `events/fixtures/<name>.json`.
 *
 * @example
 * for (const entry of catalog) console.log(entry.source, entry.detailType, `v${entry.version}`);
 */
export const catalog = [
  objectCreated,
  searchAccepted,
  searchStarted,
  searchBatchesCompleted,
  searchCompleted,
  searchFailed,
  batchFailed,
  submissionCompleted,
] as const;

/** Any one entry of {@link catalog}. */
export type CatalogEntryOfCatalog = (typeof catalog)[number];

/** A detail-type the catalog knows. */
export type CatalogDetailType = CatalogEntryOfCatalog["detailType"];

/** Any event of the catalog, discriminated by `"detail-type"`. */
export type CatalogEvent = EventOf<CatalogEntryOfCatalog>;

/**
 * One event to put on a bus, typed by its detail-type: EventBridge's PutEvents entry, camel-cased.
 * Both publishers (the local bus, and the functions' port that EventBridge backs) take this shape.
 */
export type CatalogEventEntry = EntryFor<CatalogEntryOfCatalog>;

type EntryFor<Entry extends CatalogEntryOfCatalog> = Entry extends CatalogEntryOfCatalog
  ? { source: Entry["source"]; detailType: Entry["detailType"]; detail: DetailOf<Entry>; resources?: string[] }
  : never;

/** The event of one detail-type. */
export type CatalogEventOfType<DetailType extends CatalogDetailType> = Extract<CatalogEvent, { "detail-type": DetailType }>;

const byDetailType: ReadonlyMap<string, CatalogEntryOfCatalog> = new Map(catalog.map((entry) => [entry.detailType, entry]));

/**
 * The catalog entry for a detail-type, or undefined when the catalog has none.
 *
 * @example
 * catalogEntryFor("Search Completed")?.version // 1
 */
export function catalogEntryFor(detailType: string): CatalogEntryOfCatalog | undefined {
  return byDetailType.get(detailType);
}
