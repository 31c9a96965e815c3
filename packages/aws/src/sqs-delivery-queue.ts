import { DeleteMessageCommand, type Message, type QueueAttributeName, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { DeliveryQueue, ReceivedMessage, ReceiveOptions } from "@cds/core/notify";
import { MalformedQueueMessageError } from "./errors.ts";

/** SQS delays a message by at most 15 minutes. */
export const SQS_MAX_DELAY_SECONDS = 900;
/** SQS returns at most 10 messages per receive. */
const SQS_MAX_MESSAGES = 10;
/** SQS long-polls for at most 20 seconds. */
const SQS_MAX_WAIT_SECONDS = 20;

export interface SqsDeliveryQueueOptions {
  client: SQSClient;
  /** The queue's URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
  queueUrl: string;
}

/**
 * The part of a Lambda SQS event record that {@link receivedMessageFromSqsRecord} reads
 * (a subset of `SQSRecord` from `@types/aws-lambda`).
 */
export type SqsEventRecord = {
  messageId?: string;
  body: string;
  receiptHandle: string;
  attributes: { ApproximateReceiveCount: string };
};

/**
 * A {@link DeliveryQueue} on an SQS standard queue; messages travel as JSON. What the port
 * promises is what SQS does: a delayed message stays invisible until its delay has passed,
 * a received message is hidden for the queue's visibility timeout and comes back (its
 * `receiveCount` one higher) unless deleted, and any message may arrive twice.
 *
 * A message whose body is not JSON makes `receive` throw {@link MalformedQueueMessageError};
 * it stays in the queue, so the queue's redrive policy moves it to the dead-letter queue.
 *
 * @example
 * const queue = new SqsDeliveryQueue<WebhookDeliveryMessage>({ client: new SQSClient({}), queueUrl: process.env.CDS_WEBHOOK_QUEUE_URL! });
 * await queue.send(message, retryDelaySeconds(policy, message.attempt));
 */
export class SqsDeliveryQueue<M> implements DeliveryQueue<M> {
  readonly client: SQSClient;
  readonly queueUrl: string;

  constructor(options: SqsDeliveryQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
  }

  async send(message: M, delaySeconds: number): Promise<void> {
    if (Number.isNaN(delaySeconds)) throw new RangeError("delaySeconds is NaN");
    // SQS counts whole seconds: round up, so a message is never visible before its time.
    const delay = Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds)));
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: delay }));
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage<M>[]> {
    const response = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: clamp(options.maxMessages ?? SQS_MAX_MESSAGES, 1, SQS_MAX_MESSAGES),
        WaitTimeSeconds: clamp(Math.ceil(options.waitSeconds ?? 0), 0, SQS_MAX_WAIT_SECONDS),
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        // The deprecated spelling too, which SQS still honours and emulators such as
        // local-aws-sqs read exclusively. (The SDK types it as queue attributes only.)
        AttributeNames: ["ApproximateReceiveCount" as QueueAttributeName],
      }),
    );
    return (response.Messages ?? []).map((m) => receivedMessageOf<M>(m));
  }

  async delete(receiptHandle: string): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle }));
  }
}

/**
 * A message of a Lambda SQS event, as the {@link ReceivedMessage} that `receive` would have
 * returned: the Lambda entry of the webhook queue gets its messages this way, not by polling.
 *
 * @example
 * export const handler = async (event: { Records: SqsEventRecord[] }) => {
 *   for (const record of event.Records) await deliverOne(receivedMessageFromSqsRecord<WebhookDeliveryMessage>(record));
 * };
 */
export function receivedMessageFromSqsRecord<M>(record: SqsEventRecord): ReceivedMessage<M> {
  return receivedMessageOf<M>({
    MessageId: record.messageId,
    Body: record.body,
    ReceiptHandle: record.receiptHandle,
    Attributes: { ApproximateReceiveCount: record.attributes?.ApproximateReceiveCount },
  });
}

function receivedMessageOf<M>(message: Message): ReceivedMessage<M> {
  const id = message.MessageId;
  if (message.Body === undefined || message.ReceiptHandle === undefined) throw new MalformedQueueMessageError(id, "it has no body or no receipt handle");
  // Without the count a receiver cannot tell a first delivery from a redelivery, so its
  // absence is an error rather than a guessed 1.
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount);
  if (!Number.isInteger(receiveCount) || receiveCount < 1) throw new MalformedQueueMessageError(id, "it has no ApproximateReceiveCount attribute");
  let body: M;
  try {
    body = JSON.parse(message.Body) as M;
  } catch (cause) {
    throw new MalformedQueueMessageError(id, "its body is not JSON", { cause });
  }
  return { body, receiptHandle: message.ReceiptHandle, receiveCount };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
