import { Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/**
 * The `CompletionGroup` entity: one node of a search's dispatch tree, counting which of its
 * children have completed — batches for a leaf, child groups above it. Each group is its own item
 * in its own partition, so no item and no partition key takes more writes than a node has
 * children (≤ 64, see `dispatch-tree.ts`) plus its dispatch record, however many batches the
 * search has. Not in any index.
 *
 * `done` holds the ordinals of the completed children: adding one is a conditional write that
 * holds only while the ordinal is absent, so a retried or duplicated completion changes nothing
 * and the set's size passes through every value once — exactly one writer sees it reach
 * `expected`, and that writer records the group's own completion in its parent.
 *
 * Access pattern: "What has node N of search S completed?" (`byNode`; BatchGet over many nodes).
 *
 * @example
 * const groups = completionGroupEntity(stateTableLayout());
 * await groups.get({ searchId, node: "1-0" }).go({ consistent: true });
 */
export function completionGroupEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "completionGroup", version: "1", service: STATE_SERVICE },
    attributes: {
      searchId: { type: "string", required: true, readOnly: true },
      /** `<level>-<firstBatch>` of the dispatch-tree node. */
      node: { type: "string", required: true, readOnly: true },
      /** How many children the node has. */
      expected: { type: "number" },
      done: { type: "set", items: "number" },
      /** When a leaf last started its workers: its batches count as in flight for a while after. */
      dispatchedAt: { type: "string" },
      /** Set once, by the writer that announces the root's completion. */
      announcedAt: { type: "string" },
      ttl: { type: "number" },
    },
    indexes: {
      byNode: {
        pk: { field: layout.fields.pk, composite: ["searchId", "node"], casing: "none" },
        sk: { field: layout.fields.sk, composite: [], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `CompletionGroup` entity's type. */
export type CompletionGroupEntity = ReturnType<typeof completionGroupEntity>;

/** A stored completion group. */
export type CompletionGroupItem = EntityItem<CompletionGroupEntity>;
