import { Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/** The gate every search passes to start running (one per deployment). */
export const SEARCH_GATE = "searches";

/**
 * The `AdmissionGate` entity: the running slots of searches, as one item. `holders` is the set
 * of searches holding a slot; a search takes one with a single conditional write that adds its
 * id only while the set is smaller than the limit (see `acquireRunningSlot`), so no interleaving
 * of writers can fill more slots than the limit, and a search is never counted twice. A slot is
 * given back by removing the id (idempotent).
 *
 * Access pattern: "Which searches hold a running slot?" (`byGate`).
 *
 * @example
 * const gates = admissionGateEntity(stateTableLayout());
 * const { data } = await gates.get({ gate: SEARCH_GATE }).go({ consistent: true });
 */
export function admissionGateEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "admissionGate", version: "1", service: STATE_SERVICE },
    attributes: {
      gate: { type: "string", required: true, readOnly: true },
      /** Ids of the searches holding a slot. DynamoDB drops an emptied set: absent means none. */
      holders: { type: "set", items: "string" },
      updatedAt: { type: "string" },
    },
    indexes: {
      byGate: {
        pk: { field: layout.fields.pk, composite: ["gate"], casing: "none" },
        sk: { field: layout.fields.sk, composite: [], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `AdmissionGate` entity's type. */
export type AdmissionGateEntity = ReturnType<typeof admissionGateEntity>;

/** A stored gate. */
export type AdmissionGateItem = EntityItem<AdmissionGateEntity>;
