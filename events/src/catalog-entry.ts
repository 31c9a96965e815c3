import type { z } from "zod";
import type { EventEnvelope } from "./event-envelope.ts";

/**
 * One event in the catalog: where it comes from, its detail-type, the version of its detail
 * schema, and the schema itself. `name` is the kebab-case name its fixture file carries
 * (`events/fixtures/<name>.json`).
 */
export interface CatalogEntry<
  Name extends string = string,
  Source extends string = string,
  DetailType extends string = string,
  Detail extends z.ZodTypeAny = z.ZodTypeAny,
> {
  readonly name: Name;
  readonly source: Source;
  readonly detailType: DetailType;
  /** Bumped whenever the detail schema changes in a way an older consumer would reject. */
  readonly version: number;
  readonly detail: Detail;
}

/** The detail type a catalog entry's schema accepts. */
export type DetailOf<Entry extends CatalogEntry> = z.infer<Entry["detail"]>;

/** The whole event (envelope and detail) a catalog entry describes. */
export type EventOf<Entry extends CatalogEntry> = Entry extends CatalogEntry<string, infer Source, infer DetailType, infer Detail>
  ? EventEnvelope<DetailType, Source, z.infer<Detail>>
  : never;

/**
 * Declares a catalog entry, keeping its name, source and detail-type as literal types so the
 * catalog can be a discriminated union.
 *
 * @example
 * export const searchStarted = defineEvent({
 *   name: "search-started", source: searchEventSource, detailType: "Search Started", version: 1,
 *   detail: z.object({ searchId: searchIdSchema }).strict(),
 * });
 */
export function defineEvent<
  const Name extends string,
  const Source extends string,
  const DetailType extends string,
  Detail extends z.ZodTypeAny,
>(entry: CatalogEntry<Name, Source, DetailType, Detail>): CatalogEntry<Name, Source, DetailType, Detail> {
  return Object.freeze({ ...entry });
}
