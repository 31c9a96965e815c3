import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

/** The prefix of a Standard Webhooks secret: `whsec_` + base64 of the key bytes. */
export const WEBHOOK_SECRET_PREFIX = "whsec_";

/** The three headers a Standard Webhooks request carries, by their wire names. */
export type WebhookHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

/** What one signature covers. */
export type WebhookToSign = {
  /** `whsec_<base64>` secret of the subscription. */
  secret: string;
  /** Same for every retry of one message, so receivers can drop duplicates. */
  messageId: string;
  /** When this attempt is sent; receivers reject timestamps far from their clock. */
  timestamp: Date;
  /** The exact bytes sent as the request body. */
  body: string;
};

/**
 * A new subscription secret: 32 random bytes as `whsec_<base64>`, the format Standard
 * Webhooks libraries in every language accept.
 *
 * @example
 * await state.createSubscription({ url, events: ["Search Completed"], secret: generateWebhookSecret() });
 */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString("base64");
}

/**
 * Signs one webhook request per the Standard Webhooks spec: `webhook-signature` is
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` keyed by the secret's bytes.
 * The `standardwebhooks` package does the signing (pure JavaScript, so this stays in core)
 * so that receivers using any Standard Webhooks library verify it unchanged.
 *
 * @example
 * const headers = signWebhook({ secret: subscription.secret, messageId: deliveryId, timestamp: new Date(), body });
 * await fetch(subscription.url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
 */
export function signWebhook(input: WebhookToSign): WebhookHeaders {
  const seconds = Math.floor(input.timestamp.getTime() / 1000);
  // The signed timestamp is whole seconds; sign the same instant the header states.
  const signature = new Webhook(input.secret).sign(input.messageId, new Date(seconds * 1000), input.body);
  return {
    "webhook-id": input.messageId,
    "webhook-timestamp": String(seconds),
    "webhook-signature": signature,
  };
}
