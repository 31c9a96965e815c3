import { Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/** Outcome of one delivery attempt of one event to one subscription. */
export const DELIVERY_STATUSES = ["pending", "delivered", "failed", "dead-lettered"] as const;

/** One of {@link DELIVERY_STATUSES}. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The `Delivery` entity: one attempt (`attempt`, from 1) to deliver one event to one
 * webhook subscription. `deliveryId` names the (subscription, event) pair, so every
 * attempt of the same delivery shares it.
 *
 * Access patterns: "Which attempts did delivery D make?" (`byAttempt`) and "Which
 * deliveries did subscription W get, newest first?" (`bySubscription`, gsi1:
 * subscriptionId → attemptedAt, deliveryId, attempt).
 *
 * @example
 * const deliveries = deliveryEntity(stateTableLayout());
 * const { data } = await deliveries.query.bySubscription({ subscriptionId }).go({ order: "desc" });
 */
export function deliveryEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "delivery", version: "1", service: STATE_SERVICE },
    attributes: {
      deliveryId: { type: "string", required: true, readOnly: true },
      subscriptionId: { type: "string", required: true, readOnly: true },
      eventId: { type: "string", required: true, readOnly: true },
      eventType: { type: "string", required: true, readOnly: true },
      attempt: { type: "number", required: true, readOnly: true, padding: { length: 4, char: "0" } },
      status: { type: DELIVERY_STATUSES, required: true },
      statusCode: { type: "number" },
      latencyMs: { type: "number" },
      error: { type: "string" },
      attemptedAt: { type: "string", required: true },
      /** The event as sent, kept on a `pending` attempt only: what a restart sends it again with. */
      body: { type: "string" },
    },
    indexes: {
      byAttempt: {
        pk: { field: layout.fields.pk, composite: ["deliveryId"], casing: "none" },
        sk: { field: layout.fields.sk, composite: ["attempt"], casing: "none" },
      },
      bySubscription: {
        index: layout.indexes.gsi1,
        pk: { field: layout.fields.gsi1pk, composite: ["subscriptionId"], casing: "none" },
        sk: { field: layout.fields.gsi1sk, composite: ["attemptedAt", "deliveryId", "attempt"], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `Delivery` entity's type. */
export type DeliveryEntity = ReturnType<typeof deliveryEntity>;

/** A stored delivery attempt. */
export type DeliveryItem = EntityItem<DeliveryEntity>;
