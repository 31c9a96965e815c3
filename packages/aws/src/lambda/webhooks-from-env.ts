import { SQSClient } from "@aws-sdk/client-sqs";
import type { WebhookDeliveryMessage } from "@cds/core/notify";
import { createWebhookSender, type WebhookSender } from "@cds/functions";
import { SqsDeliveryQueue } from "../sqs-delivery-queue.ts";
import { once, optionalSetting, setting } from "./settings.ts";
import { stateFromEnv } from "./state-from-env.ts";

/**
 * Webhook delivery over the stage's queue (`CDS_WEBHOOK_QUEUE_URL`): attempts wait there with
 * SQS delays for their backoff; deliveries out of attempts go to `CDS_WEBHOOK_DLQ_URL`, body
 * included, so they can be redriven.
 */
export const webhooksFromEnv: () => WebhookSender = once(() => {
  const client = new SQSClient({});
  const deadLetters = optionalSetting("CDS_WEBHOOK_DLQ_URL");
  return createWebhookSender({
    state: stateFromEnv(),
    queue: new SqsDeliveryQueue<WebhookDeliveryMessage>({ client, queueUrl: setting("CDS_WEBHOOK_QUEUE_URL") }),
    deadLetterQueue: deadLetters ? new SqsDeliveryQueue<WebhookDeliveryMessage>({ client, queueUrl: deadLetters }) : undefined,
  });
});
