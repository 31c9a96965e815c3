import { decideAfterAttempt, DEFAULT_RETRY_POLICY, planWebhookDeliveries, signingSecretsOf, signWebhook } from "@cds/core/notify";
import type { DeliveryStatus, SubscriptionItem } from "@cds/core/entities";
import type { DeliveryQueue, NotifiableEvent, ReceivedMessage, RetryPolicy, WebhookAttemptResult, WebhookDeliveryMessage } from "@cds/core/notify";
import type { StateStore } from "@cds/core/state";
import { postWebhook, WEBHOOK_TIMEOUT_MS } from "./webhook-post.ts";

/** Options of {@link createWebhookSender}. */
export type WebhookSenderOptions = {
  state: Pick<StateStore, "listSubscriptionsForEvent" | "getSubscription" | "recordDeliveryAttempt" | "listDeliveryAttempts" | "listSubscriptions" | "listPendingDeliveries">;
  /** Where attempts wait for their turn (first attempts with no delay, retries with backoff). */
  queue: DeliveryQueue<WebhookDeliveryMessage>;
  /** Receives deliveries that ran out of attempts, body included, so they can be redriven. */
  deadLetterQueue?: DeliveryQueue<WebhookDeliveryMessage>;
  /** Attempts and backoff; defaults per `DEFAULT_RETRY_POLICY` (8 attempts). */
  retryPolicy?: Partial<RetryPolicy>;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  /** Told about a message whose handling threw (it stays queued and comes back), or a failed receive (no message). */
  onError?: (error: unknown, message: WebhookDeliveryMessage | undefined) => void;
  now?: () => Date;
  random?: () => number;
};

/** What handling one queued attempt did. */
export type WebhookAttemptOutcome = {
  deliveryId: string;
  attempt: number;
  status: DeliveryStatus;
  /** True when this attempt was already settled (a redelivered message): nothing was sent. */
  duplicate: boolean;
  result?: WebhookAttemptResult;
};

/** A running queue consumer; `stop` waits for the attempts in hand. */
export type WebhookWorker = { stop(): Promise<void> };

/**
 * Delivers events to webhook subscriptions: `enqueueEvent` creates one delivery per
 * interested subscription and queues its first attempt; `handle` makes one attempt —
 * sign, POST, record the outcome — and queues the retry (after backoff) or dead-letters
 * the delivery after the last attempt. `processQueue`, `runUntilIdle` and `start`
 * consume the queue.
 *
 * Every attempt is recorded with `recordDeliveryAttempt`: when it is queued as
 * `pending`, then replaced by its outcome (`delivered`, `failed`, or `dead-lettered` for
 * the last one). The pending record keeps the body, so `requeuePending` can queue again
 * what an in-process queue lost in a crash or a stop.
 *
 * @example
 * const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue() });
 * await sender.enqueueEvent(searchCompletedEvent);
 * const worker = sender.start();
 * // … on shutdown
 * await worker.stop();
 */
export function createWebhookSender(options: WebhookSenderOptions) {
  const { state } = options;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
  const now = options.now ?? (() => new Date());
  const { recordPending, send, record, handled } = attemptLedger(options, now);
  const handle = attemptMaker(options, policy, now, { recordPending, send, record });
  const consumer = queueConsumer(options, handle, handled);

  /** Creates one delivery per active subscription that wants the event's type and queues its first attempt. */
  async function enqueueEvent(event: NotifiableEvent): Promise<WebhookDeliveryMessage[]> {
    const subscriptions = await state.listSubscriptionsForEvent(event["detail-type"]);
    const firstAttempts = planWebhookDeliveries(event, subscriptions);
    const queuedNow: WebhookDeliveryMessage[] = [];
    for (const message of firstAttempts) {
      // Refused when the attempt is settled: a second copy of the event (after a crash) sends nothing again.
      if (!(await recordPending(message, now()))) continue;
      await send(message, 0);
      queuedNow.push(message);
    }
    return queuedNow;
  }

  /**
   * Queues again every attempt the state shows pending (with the body it was recorded with), each
   * after what is left of its backoff. For a queue that does not survive the process (cds dev's
   * in-process one): call it at start, before anything else is queued. An attempt already sent
   * whose outcome was lost goes out again with the same `webhook-id`, so a receiver can tell.
   * Resolves to the number queued.
   */
  async function requeuePending(): Promise<number> {
    let queued = 0;
    for (const subscription of await state.listSubscriptions()) {
      for (const pending of await state.listPendingDeliveries(subscription.subscriptionId)) {
        if (pending.body === undefined) continue; // recorded before bodies were kept: nothing to send
        const { deliveryId, subscriptionId, eventId, eventType, attempt, body } = pending;
        const delaySeconds = Math.max(0, (Date.parse(pending.attemptedAt) - now().getTime()) / 1000);
        if (await send({ deliveryId, subscriptionId, eventId, eventType, attempt, body }, delaySeconds)) queued++;
      }
    }
    return queued;
  }

  return { policy, enqueueEvent, handle, requeuePending, ...consumer };
}

/** Settings the sender's parts share. */
type SenderContext = Pick<WebhookSenderOptions, "state" | "queue">;

/**
 * Records each attempt pending before it is queued and its outcome after, and queues each
 * attempt once however many paths ask.
 */
function attemptLedger({ state, queue }: SenderContext, now: () => Date) {
  /** Records the attempt pending; false when it is already settled (nothing to send). */
  async function recordPending(message: WebhookDeliveryMessage, dueAt: Date): Promise<boolean> {
    const { recorded } = await state.recordDeliveryAttempt({ ...attemptKey(message), status: "pending", attemptedAt: dueAt.toISOString(), body: message.body });
    return recorded;
  }

  // Attempts this sender has queued and not yet handled: the same attempt is queued once, however
  // many paths ask (an event handled again after a crash, and the restart's requeue of its attempt).
  const queuedAttempts = new Set<string>();

  /** The attempt was handled: a later copy of it may be queued again. */
  function handled(message: WebhookDeliveryMessage): void {
    queuedAttempts.delete(`${message.deliveryId}#${message.attempt}`);
  }

  /** Queues an attempt unless this sender already holds it; false when it did. */
  async function send(message: WebhookDeliveryMessage, delaySeconds: number): Promise<boolean> {
    const key = `${message.deliveryId}#${message.attempt}`;
    if (queuedAttempts.has(key)) return false;
    queuedAttempts.add(key);
    try {
      await queue.send(message, delaySeconds);
    } catch (error) {
      queuedAttempts.delete(key);
      throw error;
    }
    return true;
  }

  async function record(message: WebhookDeliveryMessage, status: DeliveryStatus, result: WebhookAttemptResult): Promise<void> {
    await state.recordDeliveryAttempt({ ...attemptKey(message), status, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error, attemptedAt: now().toISOString() });
  }

  return { recordPending, send, record, handled };
}
type AttemptLedger = ReturnType<typeof attemptLedger>;

/** Makes one attempt of a delivery and records it; queues the retry or dead-letters (see {@link createWebhookSender}). */
function attemptMaker(options: WebhookSenderOptions, policy: RetryPolicy, now: () => Date, { recordPending, send, record }: Omit<AttemptLedger, "handled">) {
  const { state } = options;
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;

  /** Makes one attempt of a delivery and records it; queues the retry or dead-letters. */
  async function handle(message: WebhookDeliveryMessage): Promise<WebhookAttemptOutcome> {
    const { deliveryId, attempt } = message;
    // At-least-once queues redeliver: an attempt already settled is not sent again.
    const recorded = (await state.listDeliveryAttempts(deliveryId)).find((a) => a.attempt === attempt);
    if (recorded && recorded.status !== "pending") return { deliveryId, attempt, status: recorded.status, duplicate: true };

    const subscription = await state.getSubscription(message.subscriptionId);
    if (!subscription?.active) {
      // Removed or paused since the event: nobody to send to, and retrying won't change that.
      await record(message, "dead-lettered", { latencyMs: 0, error: `subscription ${message.subscriptionId} is ${subscription ? "inactive" : "gone"}` });
      await options.deadLetterQueue?.send(message, 0);
      return { deliveryId, attempt, status: "dead-lettered", duplicate: false };
    }

    const result = await postSigned(subscription, message);
    const decision = decideAfterAttempt(message, result, policy, options.random);
    await record(message, decision.status, result);
    if (decision.status === "failed") {
      await recordPending(decision.retry, new Date(now().getTime() + decision.delaySeconds * 1000));
      await send(decision.retry, decision.delaySeconds);
    } else if (decision.status === "dead-lettered") {
      await options.deadLetterQueue?.send(message, 0);
    }
    return { deliveryId, attempt, status: decision.status, duplicate: false, result };
  }

  /** Signs the attempt and POSTs it to the subscription's receiver. */
  async function postSigned(subscription: SubscriptionItem, message: WebhookDeliveryMessage): Promise<WebhookAttemptResult> {
    // Within a rotation's grace period the old secret signs too, so either verifies.
    const sentAt = now();
    const headers = signWebhook({ ...signingSecretsOf(subscription, sentAt), messageId: message.deliveryId, timestamp: sentAt, body: message.body });
    return postWebhook({ url: subscription.url, body: message.body, headers, timeoutMs, allowPrivate: subscription.allowPrivate === true });
  }

  return handle;
}

/** Consumes the delivery queue: once, until idle, or in the background until stopped. */
function queueConsumer(options: WebhookSenderOptions, handle: (message: WebhookDeliveryMessage) => Promise<WebhookAttemptOutcome>, handled: (message: WebhookDeliveryMessage) => void) {
  const { queue } = options;

  /**
   * Receives once (waiting up to `waitSeconds`) and handles what came, in parallel. A
   * message is deleted only after it was handled; one whose handling threw stays and
   * comes back after the visibility timeout. Resolves to the number received.
   */
  async function processQueue(receive: { waitSeconds?: number; maxMessages?: number } = {}): Promise<number> {
    const received = await queue.receive(receive);
    await Promise.all(received.map(handleReceived));
    return received.length;
  }

  /** Handles messages until none arrives for `idleSeconds` (for scripts and tests). */
  async function runUntilIdle(idleSeconds = 1): Promise<void> {
    while ((await processQueue({ waitSeconds: idleSeconds })) > 0) {
      // keep going while messages arrive
    }
  }

  /**
   * Consumes the queue in the background until stopped. Each message is handled on its own, up
   * to `maxInFlight` at once: receiving goes on while attempts wait for their receivers, so a
   * subscriber that takes the whole timeout to answer delays no other delivery.
   */
  function start(pollSeconds = 1, maxInFlight = 32): WebhookWorker {
    let running = true;
    const inFlight = new Set<Promise<void>>();
    const loop = (async () => {
      while (running) {
        if (inFlight.size >= maxInFlight) {
          await Promise.race(inFlight);
          continue;
        }
        let received: ReceivedMessage<WebhookDeliveryMessage>[];
        try {
          received = await queue.receive({ waitSeconds: pollSeconds, maxMessages: Math.min(10, maxInFlight - inFlight.size) });
        } catch (error) {
          options.onError?.(error, undefined);
          await new Promise((resolve) => setTimeout(resolve, pollSeconds * 1000));
          continue;
        }
        for (const message of received) {
          const handling: Promise<void> = handleReceived(message).finally(() => inFlight.delete(handling));
          inFlight.add(handling);
        }
      }
      await Promise.all(inFlight);
    })();
    return {
      async stop() {
        running = false;
        await loop;
      },
    };
  }

  /** Handles one received message and deletes it; one whose handling threw stays and comes back. */
  async function handleReceived({ body, receiptHandle }: ReceivedMessage<WebhookDeliveryMessage>): Promise<void> {
    try {
      await handle(body);
      await queue.delete(receiptHandle);
      handled(body);
    } catch (error) {
      options.onError?.(error, body);
    }
  }

  return { processQueue, runUntilIdle, start };
}

/** What {@link createWebhookSender} returns. */
export type WebhookSender = ReturnType<typeof createWebhookSender>;

function attemptKey(message: WebhookDeliveryMessage) {
  const { deliveryId, subscriptionId, eventId, eventType, attempt } = message;
  return { deliveryId, subscriptionId, eventId, eventType, attempt };
}
