import { CustomAttributeType, Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/** The gate every search passes to start running (one per deployment). */
export const SEARCH_GATE = "searches";

/**
 * The `AdmissionGate` entity: the running slots of searches, as one item. `grants` maps each
 * search holding a slot to the workers it may keep in flight; a search takes a slot with one
 * write that holds only if the gate is still the version it read (see `acquireRunningSlot`), so
 * no interleaving of writers can grant more slots than the limit or more workers than the budget,
 * and a search never holds two. It takes two writes per search (taken, given back).
 *
 * Access pattern: "Which searches hold a running slot?" (`byGate`).
 *
 * @example
 * const gates = admissionGateEntity(stateTableLayout());
 * const { data } = await gates.get({ gate: SEARCH_GATE }).go({ consistent: true });
 */
export function admissionGateEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "admissionGate", version: "2", service: STATE_SERVICE },
    attributes: {
      gate: { type: "string", required: true, readOnly: true },
      /** Search id → workers granted. */
      grants: { type: CustomAttributeType<Record<string, number>>("any") },
      /** Bumped by every change: the condition of the next one. */
      version: { type: "number" },
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
