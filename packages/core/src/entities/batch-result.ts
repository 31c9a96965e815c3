import { Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/**
 * How `matches` is stored: plain JSON text, or gzip-compressed JSON in base64 for large
 * batches (DynamoDB items stop at 400 KB).
 */
export const MATCHES_ENCODINGS = ["json", "gzip-base64"] as const;

/** One of {@link MATCHES_ENCODINGS}. */
export type MatchesEncoding = (typeof MATCHES_ENCODINGS)[number];

/**
 * The `BatchResult` entity: one worker's top matches for one batch of a search, stored
 * once per (searchId, batchId). `matches` is the encoded text; the service encodes and
 * decodes it.
 *
 * Access pattern: "Which batches of search S have results, in batch order?" (`bySearch`,
 * the search's own partition; batchId zero-padded so key order is numeric order).
 *
 * @example
 * const batches = batchResultEntity(stateTableLayout());
 * const { data } = await batches.query.bySearch({ searchId }).go({ pages: "all" });
 */
export function batchResultEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "batchResult", version: "1", service: STATE_SERVICE },
    attributes: {
      searchId: { type: "string", required: true, readOnly: true },
      batchId: { type: "number", required: true, readOnly: true, padding: { length: 8, char: "0" } },
      matches: { type: "string", required: true },
      matchesEncoding: { type: MATCHES_ENCODINGS, required: true },
      scored: { type: "number", required: true },
      completedAt: { type: "string", required: true },
      ttl: { type: "number", required: true },
    },
    indexes: {
      bySearch: {
        pk: { field: layout.fields.pk, composite: ["searchId"], casing: "none" },
        sk: { field: layout.fields.sk, composite: ["batchId"], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `BatchResult` entity's type. */
export type BatchResultEntity = ReturnType<typeof batchResultEntity>;

/** A stored batch result, `matches` still encoded. */
export type BatchResultItem = EntityItem<BatchResultEntity>;
