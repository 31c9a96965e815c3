import type { WebhookDeliveryMessage } from "@cds/core/notify";
import { logger, observed } from "./observability.ts";
import { webhooksFromEnv } from "./webhooks-from-env.ts";

/** The part of Lambda's SQS event this function reads. */
interface SqsEvent {
  Records: { messageId: string; body: string }[];
}

/**
 * SQS event source on the webhook queue: one attempt per message (sign, POST, record; the retry
 * is queued with its backoff delay, or the delivery is dead-lettered). A message whose handling
 * threw is reported back alone, so SQS redelivers only it (and after `maxReceiveCount` moves it
 * to the queue's dead-letter queue); the others of the batch are deleted.
 */
export const handler = observed("webhook-delivery", async (event: SqsEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> => {
  const sender = webhooksFromEnv();
  const failed: { itemIdentifier: string }[] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        await sender.handle(JSON.parse(record.body) as WebhookDeliveryMessage);
      } catch (error) {
        logger().error("webhook delivery message failed", { messageId: record.messageId, error: error as Error });
        failed.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failed };
});
