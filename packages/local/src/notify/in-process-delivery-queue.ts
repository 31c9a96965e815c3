import { randomUUID } from "node:crypto";
import type { DeliveryQueue, ReceivedMessage, ReceiveOptions } from "@cds/core/notify";

/** Options of {@link InProcessDeliveryQueue}. */
export type InProcessDeliveryQueueOptions = {
  /** How long a received, undeleted message stays hidden before it comes back (default 30 s, as SQS). */
  visibilityTimeoutSeconds?: number;
};

/** setTimeout's longest delay; an empty queue with no deadline re-checks this often. */
const MAX_SLEEP_MS = 2 ** 31 - 1;

type Entry<M> = { body: M; visibleAt: number; receiveCount: number; receiptHandle?: string };

/**
 * A {@link DeliveryQueue} in this process's memory, with SQS's semantics (delayed sends,
 * visibility timeout, at-least-once) on timers. It survives nothing: a crash or restart
 * loses every waiting message — for webhooks, the retries not yet due; their pending
 * attempts stay visible in the state store. The SQS adapter, which keeps them, comes
 * with the AWS work.
 *
 * @example
 * const queue = new InProcessDeliveryQueue<WebhookDeliveryMessage>();
 * await queue.send(message, 0.5);
 * const [received] = await queue.receive({ waitSeconds: 1 });
 */
export class InProcessDeliveryQueue<M> implements DeliveryQueue<M> {
  readonly #entries = new Set<Entry<M>>();
  readonly #visibilityTimeoutMs: number;
  /** Receivers waiting for a message; a send wakes them all to look. */
  readonly #sleepers = new Set<() => void>();

  constructor(options: InProcessDeliveryQueueOptions = {}) {
    this.#visibilityTimeoutMs = (options.visibilityTimeoutSeconds ?? 30) * 1000;
  }

  /** Messages waiting or in flight (not yet deleted). */
  get size(): number {
    return this.#entries.size;
  }

  /** Copies of the messages not yet deleted, in the order sent: what a crash now would lose. */
  peek(): M[] {
    return [...this.#entries].map((e) => structuredClone(e.body));
  }

  async send(message: M, delaySeconds: number): Promise<void> {
    // A copy, as a real queue serialises: later changes to the caller's object don't leak in.
    this.#entries.add({ body: structuredClone(message), visibleAt: Date.now() + Math.max(0, delaySeconds) * 1000, receiveCount: 0 });
    for (const wake of [...this.#sleepers]) wake();
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage<M>[]> {
    const maxMessages = options.maxMessages ?? 10;
    const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
    for (;;) {
      const now = Date.now();
      const taken: ReceivedMessage<M>[] = [];
      for (const entry of this.#entries) {
        if (taken.length >= maxMessages) break;
        if (entry.visibleAt > now) continue;
        entry.receiveCount += 1;
        entry.receiptHandle = randomUUID();
        entry.visibleAt = now + this.#visibilityTimeoutMs;
        taken.push({ body: structuredClone(entry.body), receiptHandle: entry.receiptHandle, receiveCount: entry.receiveCount });
      }
      if (taken.length > 0 || now >= deadline) return taken;
      await this.#sleepUntil(Math.min(deadline, this.#nextVisibleAt()));
    }
  }

  async delete(receiptHandle: string): Promise<void> {
    for (const entry of this.#entries) {
      if (entry.receiptHandle === receiptHandle) {
        this.#entries.delete(entry);
        return;
      }
    }
  }

  #nextVisibleAt(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.#entries) next = Math.min(next, entry.visibleAt);
    return next;
  }

  /** Sleeps until `time` or until a send, whichever is first. */
  #sleepUntil(time: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, Math.min(time - Date.now(), MAX_SLEEP_MS)));
      this.#sleepers.add(wake);
    });
  }
}
