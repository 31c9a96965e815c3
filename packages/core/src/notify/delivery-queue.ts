/** A message taken from a {@link DeliveryQueue}, with the handle that deletes it. */
export type ReceivedMessage<M> = {
  body: M;
  /** Pass to {@link DeliveryQueue.delete} once the message is handled. */
  receiptHandle: string;
  /** How many times this message has been received, this time included. */
  receiveCount: number;
};

/** How long {@link DeliveryQueue.receive} may wait and how much it takes. */
export type ReceiveOptions = {
  /** At most this many messages (default 10, as SQS allows). */
  maxMessages?: number;
  /** Wait up to this long for a first message (long polling); 0 answers at once. */
  waitSeconds?: number;
};

/**
 * Where webhook attempts wait for their turn: SQS in the cloud (the adapter comes with
 * the AWS work), an in-process queue locally. The semantics are SQS's: a received
 * message is hidden, not removed, until deleted; a message not deleted in time comes
 * back (at-least-once), so handlers must tolerate duplicates.
 *
 * @example
 * await queue.send(message, 30);
 * for (const { body, receiptHandle } of await queue.receive({ waitSeconds: 20 })) {
 *   await handle(body);
 *   await queue.delete(receiptHandle);
 * }
 */
export interface DeliveryQueue<M> {
  /**
   * Enqueues a message that becomes visible after `delaySeconds` (fractions allowed; the
   * SQS adapter rounds up to whole seconds and caps at SQS's 900).
   */
  send(message: M, delaySeconds: number): Promise<void>;
  /** Takes visible messages, hiding them from other receivers until deleted or timed out. */
  receive(options?: ReceiveOptions): Promise<ReceivedMessage<M>[]>;
  /** Removes a handled message for good. */
  delete(receiptHandle: string): Promise<void>;
}
