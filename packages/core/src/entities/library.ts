import { Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/**
 * The `Library` entity: an indexed target library that searches can name.
 *
 * Access patterns: "What is library L?" (`byName`) and "Which libraries exist, by
 * name?" (`all`, one gsi1 partition).
 *
 * @example
 * const libraries = libraryEntity(stateTableLayout());
 * const { data } = await libraries.get({ name: "flylight-gen1" }).go();
 */
export function libraryEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "library", version: "1", service: STATE_SERVICE },
    attributes: {
      name: { type: "string", required: true, readOnly: true },
      location: { type: "string", required: true },
      count: { type: "number", required: true },
      width: { type: "number", required: true },
      height: { type: "number", required: true },
      indexedAt: { type: "string", required: true },
    },
    indexes: {
      byName: {
        pk: { field: layout.fields.pk, composite: ["name"], casing: "none" },
        sk: { field: layout.fields.sk, composite: [], casing: "none" },
      },
      all: {
        index: layout.indexes.gsi1,
        pk: { field: layout.fields.gsi1pk, composite: [], casing: "none" },
        sk: { field: layout.fields.gsi1sk, composite: ["name"], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `Library` entity's type. */
export type LibraryEntity = ReturnType<typeof libraryEntity>;

/** A stored library record. */
export type LibraryItem = EntityItem<LibraryEntity>;
