import type { SubscriptionEntity, SubscriptionItem } from "../entities/subscription.ts";
import { isConditionFailure } from "./condition-failure.ts";

/** What {@link subscriptionSecretAccess}'s rotation gives: the subscription as it now is. */
export type RotatedSubscription = SubscriptionItem;

/**
 * The secret-rotation access pattern of the state store (see `service.ts`): "give subscription W
 * a new secret and keep the old one valid until T". One conditional update of W's item, so a
 * rotation of a removed subscription fails instead of re-creating it.
 *
 * @example
 * const rotated = await state.rotateSubscriptionSecret(id, generateWebhookSecret(), new Date(Date.now() + 86_400_000));
 */
export function subscriptionSecretAccess(entities: { subscription: SubscriptionEntity }) {
  const { subscription: subscriptions } = entities;

  /**
   * Give W `secret`; its current secret becomes the previous one, signed with as well until
   * `previousValidUntil` (a rotation within the grace period of the last one drops the oldest).
   * Undefined when W does not exist.
   */
  async function rotateSubscriptionSecret(subscriptionId: string, secret: string, previousValidUntil: Date): Promise<RotatedSubscription | undefined> {
    const { data: current } = await subscriptions.get({ subscriptionId }).go({ consistent: true });
    if (!current) return undefined;
    try {
      const { data } = await subscriptions
        .patch({ subscriptionId })
        .set({ secret, previousSecret: current.secret, previousSecretExpiresAt: previousValidUntil.toISOString() })
        // Two rotations at once: the second sees a secret other than the one it read, and retries.
        .where(({ secret: stored }, { eq }) => eq(stored, current.secret))
        .go({ response: "all_new" });
      return data as RotatedSubscription;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return rotateSubscriptionSecret(subscriptionId, secret, previousValidUntil);
    }
  }

  return { rotateSubscriptionSecret };
}
