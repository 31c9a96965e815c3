import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createSqsServer } from "local-aws-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedMessage } from "@cds/core/notify";
import { MalformedQueueMessageError, receivedMessageFromSqsRecord, SqsDeliveryQueue } from "@cds/aws";
import { localClientConfig } from "@cds/testing/aws/local-endpoint";

type Message = { deliveryId: string; attempt: number };

let server: Server;
let client: SQSClient;
let queues = 0;

beforeAll(async () => {
  server = await createSqsServer({ port: 0, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false });
  client = new SQSClient(localClientConfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
});

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => {
    server?.close(resolve);
    server?.closeAllConnections();
  });
});

/** A fresh queue per test, so that no test sees another's messages. */
async function newQueue(visibilityTimeoutSeconds = 30) {
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({ QueueName: `webhooks-${++queues}`, Attributes: { VisibilityTimeout: String(visibilityTimeoutSeconds) } }),
  );
  return { queue: new SqsDeliveryQueue<Message>({ client, queueUrl: QueueUrl! }), queueUrl: QueueUrl! };
}

async function delayedCount(queueUrl: string): Promise<number> {
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessagesDelayed"] }));
  return Number(Attributes?.ApproximateNumberOfMessagesDelayed);
}

/** Receives until `count` messages have come, or nothing more comes. */
async function receiveAll(queue: SqsDeliveryQueue<Message>, count: number): Promise<ReceivedMessage<Message>[][]> {
  const rounds: ReceivedMessage<Message>[][] = [];
  while (rounds.flat().length < count) {
    const round = await queue.receive({ maxMessages: 10 });
    if (round.length === 0) break;
    rounds.push(round);
  }
  return rounds;
}

// Receives here do not long-poll: local-aws-sqs 2.0.2 holds a long poll open until it has
// MaxNumberOfMessages messages (SQS answers once it has any), and meanwhile re-takes messages
// whose visibility ran out. Messages sent are visible within its 40 ms short poll.
describe("SqsDeliveryQueue on local-aws-sqs (an SQS emulator speaking the SDK's JSON protocol)", () => {
  it("sends a message that is received once, with its receive count, and gone once deleted", async () => {
    const { queue } = await newQueue();
    await queue.send({ deliveryId: "sub-1/evt-1", attempt: 1 }, 0);
    // Act
    const [received, ...more] = await queue.receive();
    // Assess
    expect(more).toEqual([]);
    expect(received.body).toEqual({ deliveryId: "sub-1/evt-1", attempt: 1 });
    expect(received.receiveCount).toBe(1);
    expect(await queue.receive()).toEqual([]); // hidden while in flight
    await queue.delete(received.receiptHandle);
    expect(await queue.receive()).toEqual([]);
  });

  it("keeps a delayed message invisible until its delay, rounded up to whole seconds, has passed", async () => {
    const { queue, queueUrl } = await newQueue();
    // Act: 0.2 s becomes 1 s, as SQS counts whole seconds.
    await queue.send({ deliveryId: "d", attempt: 2 }, 0.2);
    // Assess
    expect(await delayedCount(queueUrl)).toBe(1);
    await sleep(400);
    expect(await queue.receive()).toEqual([]);
    await sleep(700);
    expect((await queue.receive()).map((m) => m.body)).toEqual([{ deliveryId: "d", attempt: 2 }]);
  });

  it("caps a delay at SQS's 900 seconds (SQS refuses more) and treats a negative one as none", async () => {
    const { queue, queueUrl } = await newQueue();
    // The emulator, as SQS, refuses a longer delay outright:
    await expect(client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "{}", DelaySeconds: 901 }))).rejects.toThrow(/DelaySeconds/);
    // Act
    await queue.send({ deliveryId: "far", attempt: 9 }, 5000);
    await queue.send({ deliveryId: "now", attempt: 1 }, -3);
    // Assess: received first, because the emulator counts even an undelayed message as delayed
    // until a 0 ms timer of its own has fired (under load, after the count was asked for).
    expect((await queue.receive()).map((m) => m.body.deliveryId)).toEqual(["now"]);
    expect(await delayedCount(queueUrl)).toBe(1);
    await expect(queue.send({ deliveryId: "x", attempt: 1 }, Number.NaN)).rejects.toThrow(RangeError);
  });

  it("gives a received message that was not deleted back after the visibility timeout, with receive count 2 and the same body", async () => {
    const { queue } = await newQueue(1);
    await queue.send({ deliveryId: "sub-1/evt-2", attempt: 1 }, 0);
    const [first] = await queue.receive();
    // Act: not deleted (a handler that died mid-attempt).
    await sleep(1100);
    const [second] = await queue.receive();
    // Assess: at-least-once, so the caller sees a duplicate it can recognise by its delivery id.
    expect(first.receiveCount).toBe(1);
    expect(second.receiveCount).toBe(2);
    expect(second.body).toEqual(first.body);
    expect(second.receiptHandle).not.toBe(first.receiptHandle);
    await queue.delete(second.receiptHandle);
    await sleep(1100);
    expect(await queue.receive()).toEqual([]);
  });

  it("hands over 25 messages in receives of at most 10, each exactly once while none times out", async () => {
    const { queue } = await newQueue();
    const sent = Array.from({ length: 25 }, (_, i) => ({ deliveryId: `sub-1/evt-${i}`, attempt: 1 }));
    await Promise.all(sent.map((m) => queue.send(m, 0)));
    // Act
    const rounds = await receiveAll(queue, 25);
    // Assess
    expect(rounds.length).toBeGreaterThanOrEqual(3);
    for (const round of rounds) expect(round.length).toBeLessThanOrEqual(10);
    const received = rounds.flat();
    expect(received.map((m) => m.body.deliveryId).sort()).toEqual(sent.map((m) => m.deliveryId).sort());
    expect(received.every((m) => m.receiveCount === 1)).toBe(true);
    await Promise.all(received.map((m) => queue.delete(m.receiptHandle)));
  });

  it("long-polls for waitSeconds, so a message sent during the wait is received by it", async () => {
    const { queue } = await newQueue();
    // Act
    const receiving = queue.receive({ waitSeconds: 2, maxMessages: 1 });
    await sleep(300);
    await queue.send({ deliveryId: "late", attempt: 1 }, 0);
    // Assess
    expect((await receiving).map((m) => m.body.deliveryId)).toEqual(["late"]);
  });

  it("takes no more than maxMessages in one receive", async () => {
    const { queue } = await newQueue();
    await Promise.all([1, 2, 3].map((n) => queue.send({ deliveryId: `d-${n}`, attempt: 1 }, 0)));
    expect(await queue.receive({ maxMessages: 2 })).toHaveLength(2);
  });

  it("refuses a message whose body is not JSON, naming the message", async () => {
    const { queue, queueUrl } = await newQueue();
    const { MessageId } = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "not json" }));
    const attempt = queue.receive();
    await expect(attempt).rejects.toBeInstanceOf(MalformedQueueMessageError);
    await expect(attempt).rejects.toThrow(`SQS message ${MessageId}: its body is not JSON`);
  });
});

describe("receivedMessageFromSqsRecord", () => {
  it("reads a Lambda SQS event record as the message receive would have returned", () => {
    const record = {
      messageId: "059f36b4-87a3-44ab-83d2-661975830a7d",
      receiptHandle: "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
      body: JSON.stringify({ deliveryId: "sub-1/evt-1", attempt: 3 }),
      attributes: { ApproximateReceiveCount: "2", SentTimestamp: "1545082649183" },
      eventSource: "aws:sqs",
    };
    expect(receivedMessageFromSqsRecord<Message>(record)).toEqual({
      body: { deliveryId: "sub-1/evt-1", attempt: 3 },
      receiptHandle: "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
      receiveCount: 2,
    });
  });

  it("refuses a record without a receive count rather than guess one", () => {
    const record = { messageId: "m-1", receiptHandle: "h", body: "{}", attributes: {} as { ApproximateReceiveCount: string } };
    expect(() => receivedMessageFromSqsRecord(record)).toThrow("SQS message m-1: it has no ApproximateReceiveCount attribute");
  });
});
