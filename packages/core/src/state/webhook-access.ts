import { randomUUID } from "node:crypto";
import type { DeliveryEntity, DeliveryItem } from "../entities/delivery.ts";
import type { DeliveryStatus } from "../entities/delivery.ts";
import type { EntityClause } from "../entities/entity-clause.ts";
import type { SubscriptionEntity, SubscriptionItem } from "../entities/subscription.ts";
import { isConditionFailure } from "./condition-failure.ts";
import type { Page, PageRequest } from "./search-access.ts";
import { StateError } from "./state-errors.ts";

/** A new webhook subscription. `subscriptionId` and `createdAt` default to new values. */
export type NewSubscription = {
  url: string;
  events: string[];
  secret: string;
  active?: boolean;
  /** Deliver to loopback / private / link-local hosts too (default: public hosts only). */
  allowPrivate?: boolean;
  subscriptionId?: string;
  createdAt?: string;
};

/** One delivery attempt's outcome. `deliveryId` defaults to `<subscriptionId>/<eventId>`. */
export type DeliveryAttempt = {
  subscriptionId: string;
  eventId: string;
  eventType: string;
  attempt: number;
  status: DeliveryStatus;
  statusCode?: number;
  latencyMs?: number;
  error?: string;
  attemptedAt?: string;
  deliveryId?: string;
  /** The event as sent; stored with a `pending` attempt so a restart can send it again. */
  body?: string;
};

/**
 * An attempt is written once with its outcome; a `pending` record may be replaced by the
 * outcome, but a settled one is never overwritten by a duplicated or late message.
 */
const attemptNotYetSettled: EntityClause<DeliveryEntity> = ({ deliveryId, status }, { notExists, eq }) =>
  `(${notExists(deliveryId)} OR ${eq(status, "pending")})`;

/**
 * The webhook access patterns of the state store (see `service.ts`): subscriptions, and every
 * delivery attempt with its outcome.
 *
 * @example
 * const access = webhookAccess({ subscription, delivery }, () => new Date());
 * await access.createSubscription({ url, events: ["Search Completed"], secret });
 */
export function webhookAccess(entities: { subscription: SubscriptionEntity; delivery: DeliveryEntity }, now: () => Date) {
  return { ...subscriptionAccess(entities.subscription, now), ...deliveryAccess(entities.delivery, now) };
}

/** Webhook subscriptions: added, read, listed (all, or those wanting one event type), removed. */
function subscriptionAccess(subscriptions: SubscriptionEntity, now: () => Date) {
  /** Add subscription W (refused if its id exists: ElectroDB `create` puts only if absent). */
  async function createSubscription(input: NewSubscription): Promise<SubscriptionItem> {
    const { data } = await subscriptions
      .create({
        subscriptionId: input.subscriptionId ?? randomUUID(),
        url: input.url,
        events: [...input.events],
        secret: input.secret,
        active: input.active ?? true,
        ...(input.allowPrivate ? { allowPrivate: true } : {}),
        createdAt: input.createdAt ?? now().toISOString(),
      })
      .go();
    return data;
  }

  /** What is subscription W? */
  async function getSubscription(subscriptionId: string): Promise<SubscriptionItem | undefined> {
    const { data } = await subscriptions.get({ subscriptionId }).go({ consistent: true });
    return data ?? undefined;
  }

  /** Which subscriptions exist, oldest first? */
  async function listSubscriptions(): Promise<SubscriptionItem[]> {
    const { data } = await subscriptions.query.byCreation({}).go({ pages: "all" });
    return data;
  }

  /** Remove subscription W; true if it existed. */
  async function removeSubscription(subscriptionId: string): Promise<boolean> {
    const { data } = await subscriptions.delete({ subscriptionId }).go({ response: "all_old" });
    return data !== null && data !== undefined;
  }

  /** Which active subscriptions want event type E (e.g. "Search Completed")? */
  async function listSubscriptionsForEvent(eventType: string): Promise<SubscriptionItem[]> {
    const { data } = await subscriptions.query
      .byCreation({})
      .where(({ active, events }, { eq, contains }) => `${eq(active, true)} AND ${contains(events, eventType)}`)
      .go({ pages: "all" });
    return data;
  }

  return { createSubscription, getSubscription, listSubscriptions, removeSubscription, listSubscriptionsForEvent };
}

/** Webhook deliveries: each attempt recorded once it settles, listed per delivery and per subscription. */
function deliveryAccess(deliveries: DeliveryEntity, now: () => Date) {
  /**
   * Delivery D made attempt n with this outcome. Written only while the attempt is
   * unrecorded or pending (`attemptNotYetSettled`); a duplicated message for a settled
   * attempt changes nothing and gets `recorded: false` with the stored attempt.
   */
  async function recordDeliveryAttempt(input: DeliveryAttempt): Promise<{ recorded: boolean; delivery: DeliveryItem }> {
    const deliveryId = input.deliveryId ?? `${input.subscriptionId}/${input.eventId}`;
    try {
      const { data } = await deliveries
        .put({
          deliveryId,
          subscriptionId: input.subscriptionId,
          eventId: input.eventId,
          eventType: input.eventType,
          attempt: input.attempt,
          status: input.status,
          statusCode: input.statusCode,
          latencyMs: input.latencyMs,
          error: input.error,
          attemptedAt: input.attemptedAt ?? now().toISOString(),
          ...(input.status === "pending" && input.body !== undefined ? { body: input.body } : {}),
        })
        .where(attemptNotYetSettled)
        .go();
      return { recorded: true, delivery: data };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { data } = await deliveries.get({ deliveryId, attempt: input.attempt }).go({ consistent: true });
      if (!data) throw new StateError(`delivery ${deliveryId} attempt ${input.attempt} was refused but cannot be read`, { cause: error });
      return { recorded: false, delivery: data };
    }
  }

  /** Which attempts did delivery D make, in order? */
  async function listDeliveryAttempts(deliveryId: string): Promise<DeliveryItem[]> {
    const { data } = await deliveries.query.byAttempt({ deliveryId }).go({ pages: "all", consistent: true });
    return data;
  }

  /** Which deliveries did subscription W get, newest attempt first? One page per call. */
  async function listDeliveriesOfSubscription(subscriptionId: string, page: PageRequest = {}): Promise<Page<DeliveryItem>> {
    const { data, cursor } = await deliveries.query.bySubscription({ subscriptionId }).go({ order: "desc", limit: page.limit, cursor: page.cursor ?? null });
    return { items: data, cursor };
  }

  /**
   * Which attempts of subscription W's deliveries wait to be sent (`pending`: queued, or a retry
   * waiting for its backoff; `attemptedAt` is when it is due)? All pages. A restart queues them
   * again: the in-process queue that held them is gone.
   */
  async function listPendingDeliveries(subscriptionId: string): Promise<DeliveryItem[]> {
    const { data } = await deliveries.query
      .bySubscription({ subscriptionId })
      .where(({ status }, { eq }) => eq(status, "pending"))
      .go({ pages: "all" });
    return data;
  }

  return { recordDeliveryAttempt, listDeliveryAttempts, listDeliveriesOfSubscription, listPendingDeliveries };
}
