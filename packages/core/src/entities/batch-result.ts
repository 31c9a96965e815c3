import { CustomAttributeType, Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/**
 * The `BatchResult` entity: one worker's matches for one batch of a search, stored once per
 * (searchId, batchId), compactly (`state/matches-codec.ts`: library index, matching pixels and
 * the mirrored flag per match; the ratio follows from `maskSize`). Item metadata is not stored:
 * the combiner joins it from the library for the matches it keeps.
 *
 * Access pattern: "Which batches of leaf group G of search S have results?" (`byGroup`). Each
 * leaf group of the dispatch tree is its own partition, so a partition takes at most as many
 * writes as a leaf has workers (≤ 64) and the combiner reads all groups in parallel.
 *
 * @example
 * const batches = batchResultEntity(stateTableLayout());
 * const { data } = await batches.query.byGroup({ searchId, group: 0 }).go({ pages: "all" });
 */
export function batchResultEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "batchResult", version: "2", service: STATE_SERVICE },
    attributes: {
      searchId: { type: "string", required: true, readOnly: true },
      /** The first batch of the batch's leaf group. */
      group: { type: "number", required: true, readOnly: true, padding: { length: 8, char: "0" } },
      batchId: { type: "number", required: true, readOnly: true, padding: { length: 8, char: "0" } },
      /** `encodeMatches` bytes (a DynamoDB binary attribute). */
      matches: { type: CustomAttributeType<Uint8Array>("any"), required: true },
      maskSize: { type: "number", required: true },
      scored: { type: "number", required: true },
      completedAt: { type: "string", required: true },
      ttl: { type: "number", required: true },
    },
    indexes: {
      byGroup: {
        pk: { field: layout.fields.pk, composite: ["searchId", "group"], casing: "none" },
        sk: { field: layout.fields.sk, composite: ["batchId"], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `BatchResult` entity's type. */
export type BatchResultEntity = ReturnType<typeof batchResultEntity>;

/** A stored batch result, `matches` still encoded. */
export type BatchResultItem = EntityItem<BatchResultEntity>;
