import { availableParallelism } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { CdsError } from "@cds/core";
import type { Invoker } from "@cds/core/ports";

/** A registered function: receives a fresh copy of the payload on every attempt. */
export type InvocationHandler = (payload: unknown) => Promise<unknown>;

/** An invocation that failed on every attempt (what Lambda would send to an on-failure destination). */
export interface InvocationFailure {
  functionName: string;
  payload: unknown;
  /** The last attempt's error. */
  error: unknown;
  attempts: number;
}

export interface LocalInvokerOptions {
  /** Invocations running at once (a Lambda reserved-concurrency stand-in). Default: os.availableParallelism(). */
  concurrency?: number;
  /**
   * The wait before each retry; its length is the number of retries. Default [1000, 2000]:
   * Lambda retries a failed async invocation twice, about 1 and 2 minutes apart; here
   * seconds, since a local search should finish or fail quickly.
   */
  retryDelaysMs?: readonly number[];
  /** Told about each invocation that failed every attempt. Default: written to stderr. */
  onFailure?: (failure: InvocationFailure) => void | Promise<void>;
  /** Largest serialised payload accepted. Default 1 MiB, Lambda's limit for Event invocations. */
  maxPayloadBytes?: number;
}

/** An invocation named a function that was never registered (Lambda: ResourceNotFoundException). */
export class FunctionNotFoundError extends CdsError {
  override name = "FunctionNotFoundError";
  readonly functionName: string;
  constructor(functionName: string, registered: readonly string[]) {
    super(`no function named "${functionName}" is registered (registered: ${registered.join(", ") || "none"})`);
    this.functionName = functionName;
  }
}

/** A payload is not JSON or is larger than an async invocation may carry. */
export class InvalidPayloadError extends CdsError {
  override name = "InvalidPayloadError";
  readonly functionName: string;
  constructor(functionName: string, message: string, options?: { cause?: unknown }) {
    super(`payload for "${functionName}": ${message}`, options);
    this.functionName = functionName;
  }
}

interface Invocation {
  functionName: string;
  /** Kept serialised: every attempt parses its own copy, so a handler that mutates its payload cannot change a retry's. */
  json: string;
  attempts: number;
}

/**
 * The in-process stand-in for Lambda's async (`Event`) invocation. `invokeAsync` checks the
 * function exists and the payload is JSON within the size limit, queues it and resolves;
 * invocations then run in order with at most `concurrency` at once. A failed invocation is
 * retried (twice by default, with backoff, going back to the queue as Lambda's retries do)
 * and, after its last attempt, reported to `onFailure`. `idle()` waits until nothing is
 * queued, running or waiting to retry, including what running handlers invoke in turn.
 *
 * Handlers run on the main thread: the concurrency bound interleaves their I/O, it does not
 * add cores. A CPU-heavy handler (a search worker) should hand its work to a `WorkerPool`.
 *
 * @example
 * const invoker = new LocalInvoker({ onFailure: (f) => bus.publish(...) });
 * invoker.register("search-worker", async (payload) => runBatch(payload as WorkerPayload));
 * await invoker.invokeAsync("search-worker", { batch, batchCount, job });
 * await invoker.idle();
 */
export class LocalInvoker implements Invoker {
  readonly concurrency: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly onFailure: (failure: InvocationFailure) => void | Promise<void>;
  private readonly maxPayloadBytes: number;
  private readonly handlers = new Map<string, InvocationHandler>();
  private readonly queue: Invocation[] = [];
  private running = 0;
  private waitingToRetry = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(options: LocalInvokerOptions = {}) {
    this.concurrency = options.concurrency ?? availableParallelism();
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new RangeError(`concurrency must be a whole number ≥ 1, not ${this.concurrency}`);
    }
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 2000];
    this.onFailure = options.onFailure ?? ((failure) => console.error(`invocation of ${failure.functionName} failed after ${failure.attempts} attempts:`, failure.error));
    this.maxPayloadBytes = options.maxPayloadBytes ?? 1024 * 1024;
  }

  /** Registers the handler run for invocations of `functionName`; a name is registered once. */
  register(functionName: string, handler: InvocationHandler): this {
    if (this.handlers.has(functionName)) throw new RangeError(`a function named "${functionName}" is already registered`);
    this.handlers.set(functionName, handler);
    return this;
  }

  /**
   * Accepts an invocation: rejects at once for an unknown function or a bad payload, else
   * queues it and resolves (the handler runs later). The queueing happens synchronously, so
   * even an invocation whose promise nobody awaits is counted by `idle()` from this call on.
   */
  invokeAsync(functionName: string, payload: unknown): Promise<void> {
    try {
      if (!this.handlers.has(functionName)) throw new FunctionNotFoundError(functionName, [...this.handlers.keys()]);
      this.queue.push({ functionName, json: this.serialise(functionName, payload), attempts: 0 });
    } catch (error) {
      return Promise.reject(error);
    }
    this.pump();
    return Promise.resolve();
  }

  /** Resolves when every accepted invocation, and everything it invoked, has finished or been reported failed. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private serialise(functionName: string, payload: unknown): string {
    let json: string | undefined;
    try {
      json = JSON.stringify(payload);
    } catch (cause) {
      throw new InvalidPayloadError(functionName, "it is not serialisable as JSON", { cause });
    }
    if (json === undefined) throw new InvalidPayloadError(functionName, "it is not serialisable as JSON");
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxPayloadBytes) {
      throw new InvalidPayloadError(functionName, `${bytes} bytes is over the ${this.maxPayloadBytes}-byte limit of an async invocation`);
    }
    return json;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const invocation = this.queue.shift()!;
      this.running++;
      void this.attempt(invocation).finally(() => {
        this.running--;
        this.pump();
        this.settleIfIdle();
      });
    }
  }

  private async attempt(invocation: Invocation): Promise<void> {
    const handler = this.handlers.get(invocation.functionName)!;
    invocation.attempts++;
    try {
      await handler(JSON.parse(invocation.json));
      return;
    } catch (error) {
      const delay = this.retryDelaysMs[invocation.attempts - 1];
      if (delay !== undefined) {
        this.retryLater(invocation, delay);
        return;
      }
      await this.reportFailure({ functionName: invocation.functionName, payload: JSON.parse(invocation.json), error, attempts: invocation.attempts });
    }
  }

  /** A retry waits outside the concurrency bound, then queues again, as Lambda's do. */
  private retryLater(invocation: Invocation, delayMs: number): void {
    this.waitingToRetry++;
    void sleep(delayMs).then(() => {
      this.waitingToRetry--;
      this.queue.push(invocation);
      this.pump();
    });
  }

  private async reportFailure(failure: InvocationFailure): Promise<void> {
    try {
      await this.onFailure(failure);
    } catch (error) {
      // The failure callback is the last stop; if it fails too, stderr is all that is left.
      console.error(`reporting the failed invocation of ${failure.functionName} failed:`, error);
    }
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.running === 0 && this.waitingToRetry === 0;
  }

  private settleIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
