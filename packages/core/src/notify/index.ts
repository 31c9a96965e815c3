// @cds/core's public surface: the names of @cds/core/notify that other packages import, listed by name.
export type { DeliveryQueue, ReceivedMessage, ReceiveOptions } from "./delivery-queue.ts";
export type { EmailMessage, Mailer, SentEmail } from "./mailer.ts";
export { DEFAULT_RETRY_POLICY, retryDelaySeconds } from "./retry-policy.ts";
export type { RetryPolicy } from "./retry-policy.ts";
export { searchEmail } from "./search-email.ts";
export type { SearchEmailOptions } from "./search-email.ts";
export { submissionEmail } from "./submission-email.ts";
export { decideAfterAttempt, planWebhookDeliveries } from "./webhook-delivery.ts";
export type { NotifiableEvent, WebhookAttemptResult, WebhookDeliveryMessage } from "./webhook-delivery.ts";
export { WEBHOOK_EVENT_TYPES } from "./webhook-events.ts";
export { generateWebhookSecret, secretFingerprint, signingSecretsOf, signWebhook } from "./webhook-signature.ts";
export type { WebhookHeaders } from "./webhook-signature.ts";
export { checkWebhookTarget, checkWebhookUrl, forbiddenAddressKind, hostOfUrl, refusal as webhookTargetRefusal, WebhookTargetRefusedError } from "./webhook-target.ts";
