import type { WebhookDeliveryMessage } from "@cds/core";
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
export const handler = async (event: SqsEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> => {
  const sender = webhooksFromEnv();
  const failed: { itemIdentifier: string }[] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        await sender.handle(JSON.parse(record.body) as WebhookDeliveryMessage);
      } catch (error) {
        console.error(`webhook delivery message ${record.messageId} failed:`, error);
        failed.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failed };
};
