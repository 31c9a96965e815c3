import { Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/**
 * The `Subscription` entity: a webhook endpoint and the event types it wants.
 *
 * Access patterns: "What is subscription W?" (`byId`) and "Which subscriptions exist,
 * oldest first?" (`byCreation`, one gsi1 partition for all subscriptions — a small set;
 * "which want event type E" filters that query on `events`).
 *
 * @example
 * const subscriptions = subscriptionEntity(stateTableLayout());
 * const { data } = await subscriptions.query.byCreation({}).go({ pages: "all" });
 */
export function subscriptionEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "subscription", version: "1", service: STATE_SERVICE },
    attributes: {
      subscriptionId: { type: "string", required: true, readOnly: true },
      url: { type: "string", required: true },
      events: { type: "list", items: { type: "string" }, required: true },
      secret: { type: "string", required: true },
      /** The secret before the last rotation, still signed with until `previousSecretExpiresAt`. */
      previousSecret: { type: "string" },
      /** ISO time the previous secret's grace period ends. */
      previousSecretExpiresAt: { type: "string" },
      /** Sends to loopback, private and link-local hosts too (`--allow-private`); absent: public hosts only. */
      allowPrivate: { type: "boolean" },
      createdAt: { type: "string", required: true, readOnly: true },
      active: { type: "boolean", required: true, default: true },
    },
    indexes: {
      byId: {
        pk: { field: layout.fields.pk, composite: ["subscriptionId"], casing: "none" },
        sk: { field: layout.fields.sk, composite: [], casing: "none" },
      },
      byCreation: {
        index: layout.indexes.gsi1,
        pk: { field: layout.fields.gsi1pk, composite: [], casing: "none" },
        sk: { field: layout.fields.gsi1sk, composite: ["createdAt", "subscriptionId"], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `Subscription` entity's type. */
export type SubscriptionEntity = ReturnType<typeof subscriptionEntity>;

/** A stored webhook subscription. */
export type SubscriptionItem = EntityItem<SubscriptionEntity>;
