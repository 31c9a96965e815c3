import { createHash, randomBytes } from "node:crypto";
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
  /**
   * Secrets that were rotated out but are still in their grace period: the request carries a
   * signature by each as well, space-separated as Standard Webhooks allows, so a receiver that
   * still holds an old secret keeps verifying until it switches.
   */
  previousSecrets?: readonly string[];
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
 * A short, stable name of a secret that reveals nothing usable: `sha256:` and the first 12 hex
 * digits of its SHA-256. `cds webhooks list` shows it, so a person can tell which secret a
 * receiver holds without the secret being printed again.
 *
 * @example
 * secretFingerprint("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); // "sha256:…"
 */
export function secretFingerprint(secret: string): string {
  return `sha256:${createHash("sha256").update(secret).digest("hex").slice(0, 12)}`;
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
  const at = new Date(seconds * 1000);
  const signature = [input.secret, ...(input.previousSecrets ?? [])]
    .map((secret) => new Webhook(secret).sign(input.messageId, at, input.body))
    .join(" ");
  return {
    "webhook-id": input.messageId,
    "webhook-timestamp": String(seconds),
    "webhook-signature": signature,
  };
}

/**
 * The secrets a webhook to a subscription is signed with at `now`: its secret, and the one it
 * replaced while that is still in its grace period (`cds webhooks rotate --grace`).
 *
 * @example
 * const headers = signWebhook({ ...signingSecretsOf(subscription, new Date()), messageId, timestamp, body });
 */
export function signingSecretsOf(
  subscription: { secret: string; previousSecret?: string; previousSecretExpiresAt?: string },
  now: Date,
): { secret: string; previousSecrets: string[] } {
  const { secret, previousSecret, previousSecretExpiresAt } = subscription;
  const inGrace = previousSecret !== undefined && previousSecretExpiresAt !== undefined && Date.parse(previousSecretExpiresAt) > now.getTime();
  return { secret, previousSecrets: inGrace ? [previousSecret] : [] };
}
