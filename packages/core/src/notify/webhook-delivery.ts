import type { SubscriptionItem } from "../entities/subscription.ts";
import { retryDelaySeconds } from "./retry-policy.ts";
import type { RetryPolicy } from "./retry-policy.ts";

/** What webhook planning needs of an event: its id and detail-type (an EventBridge envelope has both). */
export type NotifiableEvent = { id: string; "detail-type": string };

/**
 * One attempt of one delivery, as it waits in the {@link DeliveryQueue}. It carries the
 * body to send, so every attempt sends the same bytes; the URL and secret are read from
 * the subscription at each attempt, so a rotated secret or a removed subscription holds.
 */
export type WebhookDeliveryMessage = {
  /** `<subscriptionId>/<eventId>`: shared by every attempt, and sent as `webhook-id`. */
  deliveryId: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  /** This attempt's number, from 1. */
  attempt: number;
  /** The JSON event, serialised once. */
  body: string;
};

/** What one HTTP attempt gave: a status code, or an error when no response came. */
export type WebhookAttemptResult = {
  statusCode?: number;
  latencyMs: number;
  error?: string;
};

/** What follows an attempt: done, a retry after a delay, or give up. */
export type WebhookAttemptDecision =
  | { status: "delivered" }
  | { status: "failed"; retry: WebhookDeliveryMessage; delaySeconds: number }
  | { status: "dead-lettered" };

/**
 * The delivery id of an event for a subscription; the state store derives the same
 * default, so attempts recorded either way group under one delivery.
 *
 * @example
 * deliveryIdOf("sub-1", "evt-9"); // "sub-1/evt-9"
 */
export function deliveryIdOf(subscriptionId: string, eventId: string): string {
  return `${subscriptionId}/${eventId}`;
}

/**
 * Plans the first attempt of one delivery per subscription that wants the event's type
 * (active ones only, even if the caller passed others), all sharing one serialised body.
 *
 * @example
 * const first = planWebhookDeliveries(event, await state.listSubscriptionsForEvent(event["detail-type"]));
 * for (const message of first) await queue.send(message, 0);
 */
export function planWebhookDeliveries(
  event: NotifiableEvent,
  subscriptions: readonly Pick<SubscriptionItem, "subscriptionId" | "events" | "active">[],
): WebhookDeliveryMessage[] {
  const eventType = event["detail-type"];
  const body = JSON.stringify(event);
  return subscriptions
    .filter((s) => s.active && s.events.includes(eventType))
    .map((s) => ({ deliveryId: deliveryIdOf(s.subscriptionId, event.id), subscriptionId: s.subscriptionId, eventId: event.id, eventType, attempt: 1, body }));
}

/**
 * Whether the receiver accepted the webhook: any 2xx, as the Standard Webhooks spec says.
 *
 * @example
 * isAccepted({ statusCode: 204, latencyMs: 12 }); // true
 */
export function isAccepted(result: WebhookAttemptResult): boolean {
  return result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
}

/**
 * Decides what follows an attempt: a 2xx is delivered; anything else (another status, a
 * timeout, a refused connection) is retried with backoff until `policy.maxAttempts`
 * attempts have been made, and then the delivery is dead-lettered.
 *
 * @example
 * const next = decideAfterAttempt(message, { statusCode: 500, latencyMs: 40 }, DEFAULT_RETRY_POLICY);
 * if (next.status === "failed") await queue.send(next.retry, next.delaySeconds);
 */
export function decideAfterAttempt(
  message: WebhookDeliveryMessage,
  result: WebhookAttemptResult,
  policy: RetryPolicy,
  random: () => number = Math.random,
): WebhookAttemptDecision {
  if (isAccepted(result)) return { status: "delivered" };
  if (message.attempt >= policy.maxAttempts) return { status: "dead-lettered" };
  return { status: "failed", retry: { ...message, attempt: message.attempt + 1 }, delaySeconds: retryDelaySeconds(message.attempt, policy, random) };
}
