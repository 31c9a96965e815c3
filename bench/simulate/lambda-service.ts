import type { Prng } from "@cds/core";
import { SlidingWindowLimiter } from "./limiters.ts";
import type { SimClock } from "./sim-clock.ts";
import { extend, type Trace } from "./trace.ts";

/** One execution environment; `memo` is what its module scope keeps between invocations (a prepared mask). */
export interface ExecutionEnvironment {
  readonly id: number;
  readonly memo: Set<string>;
}

/** What a handler sees: the trace so far (its start accounted) and the environment it runs in. */
export interface InvocationContext {
  trace: Trace;
  env: ExecutionEnvironment;
  /** 1 for the first attempt, 2 and 3 for Lambda's async retries after a function error. */
  attempt: number;
}

/** A handler returns its trace at the end; throwing is a function error (Lambda retries it). */
export type Handler<E> = (event: E, ctx: InvocationContext) => Promise<Trace>;

export interface FunctionSpec<E> {
  name: string;
  /** Init of a new environment, ms (`bench:cold-start` for the module import). */
  initMs: number;
  timeoutMs: number;
  /** Reserved concurrency; left out, the function draws on the account's unreserved pool. */
  reserved?: number;
  handler: Handler<E>;
  /** Called when every attempt failed (the on-failure destination). */
  onFailure?: (event: E, trace: Trace) => void;
}

export interface LambdaLimits {
  /** Account concurrency (default quota 1,000). */
  accountConcurrency: number;
  /** New execution environments per function per window (1,000 per 10 s). */
  newEnvironmentsPerWindow: number;
  windowMs: number;
  /** The caller's `Invoke` (InvocationType Event) round trip, [lo, hi] ms. */
  invokeMs: readonly [number, number];
  /** Waits before the async retries of a function error (60 s, then 120 s). */
  functionErrorRetryMs: readonly number[];
  /** Throttled async events: retried after 1 s, doubling, at most 5 min apart. */
  throttleRetryFirstMs: number;
  throttleRetryMaxMs: number;
}

interface FunctionState {
  spec: FunctionSpec<never>;
  running: number;
  idle: ExecutionEnvironment[];
  burst: SlidingWindowLimiter;
  peak: number;
  invocations: number;
  coldStarts: number;
  throttles: number;
  errors: number;
  maxDurationMs: number;
}

/**
 * Lambda as the model needs it: asynchronous invokes into a per-function queue; an event runs on
 * an idle environment of its function if there is one, else on a new one, which needs both a
 * concurrency slot (account pool or the function's reservation) and room in the function's
 * scaling rate; otherwise it is throttled and Lambda retries it after 1 s, 2 s, 4 s … (at most
 * 5 min). Idle environments are kept for the whole run (Lambda keeps them for minutes).
 */
export class LambdaService {
  readonly #clock: SimClock;
  readonly #rng: Prng;
  readonly limits: LambdaLimits;
  readonly #functions = new Map<string, FunctionState>();
  #unreservedRunning = 0;
  #reservedTotal = 0;
  #nextEnv = 0;
  #running = 0;
  /** Most invocations running at once, all functions. */
  peakConcurrency = 0;

  constructor(clock: SimClock, rng: Prng, limits: LambdaLimits) {
    this.#clock = clock;
    this.#rng = rng;
    this.limits = limits;
  }

  define<E>(spec: FunctionSpec<E>): void {
    this.#reservedTotal += spec.reserved ?? 0;
    if (this.#reservedTotal > this.limits.accountConcurrency) {
      throw new RangeError(`reserved concurrency ${this.#reservedTotal} exceeds the account's ${this.limits.accountConcurrency}`);
    }
    this.#functions.set(spec.name, {
      spec: spec as unknown as FunctionSpec<never>,
      running: 0,
      idle: [],
      burst: new SlidingWindowLimiter(this.limits.newEnvironmentsPerWindow, this.limits.windowMs),
      peak: 0,
      invocations: 0,
      coldStarts: 0,
      throttles: 0,
      errors: 0,
      maxDurationMs: 0,
    });
  }

  /** Starts the report's counters afresh (the warm row counts only its own search); environments stay. */
  resetCounters(): void {
    this.peakConcurrency = 0;
    for (const f of this.#functions.values()) {
      f.peak = f.invocations = f.coldStarts = f.throttles = f.errors = f.maxDurationMs = 0;
    }
  }

  /** Per-function counters for the report. */
  stats(name: string) {
    const f = this.#fn(name);
    return { peak: f.peak, invocations: f.invocations, coldStarts: f.coldStarts, throttles: f.throttles, errors: f.errors, maxDurationMs: f.maxDurationMs, idle: f.idle.length };
  }

  /**
   * The caller's `Invoke` with InvocationType Event: resolves when the API call returns (the
   * event is queued); the function runs later, on its own.
   */
  async invoke<E>(name: string, event: E, trace: Trace): Promise<void> {
    const [lo, hi] = this.limits.invokeMs;
    await this.#clock.sleep(this.#rng.range(lo, hi));
    this.enqueue(name, event, trace);
  }

  /** An event handed to the function's async queue by a service (EventBridge, S3 …). */
  enqueue<E>(name: string, event: E, trace: Trace, attempt = 1): void {
    this.#tryStart(this.#fn(name), event as never, trace, attempt, 0);
  }

  #fn(name: string): FunctionState {
    const f = this.#functions.get(name);
    if (!f) throw new Error(`no function ${name} in the model`);
    return f;
  }

  #hasSlot(f: FunctionState): boolean {
    const reserved = f.spec.reserved;
    if (reserved !== undefined) return f.running < reserved;
    return this.#unreservedRunning < this.limits.accountConcurrency - this.#reservedTotal;
  }

  #tryStart(f: FunctionState, event: never, queuedTrace: Trace, attempt: number, throttledTimes: number): void {
    const now = this.#clock.now;
    let env: ExecutionEnvironment | undefined;
    let cold = false;
    if (this.#hasSlot(f)) {
      env = f.idle.pop();
      if (!env && f.burst.tryTake(now)) {
        env = { id: this.#nextEnv++, memo: new Set() };
        cold = true;
      }
    }
    if (!env) {
      f.throttles++;
      const wait = Math.min(this.limits.throttleRetryMaxMs, this.limits.throttleRetryFirstMs * 2 ** throttledTimes);
      this.#clock.at(now + wait, () => this.#tryStart(f, event, queuedTrace, attempt, throttledTimes + 1));
      return;
    }
    void this.#run(f, env, cold, event, extend(queuedTrace, "Lambda throttles", now), attempt);
  }

  async #run(f: FunctionState, env: ExecutionEnvironment, cold: boolean, event: never, trace: Trace, attempt: number): Promise<void> {
    f.running++;
    f.invocations++;
    this.#running++;
    if (f.spec.reserved === undefined) this.#unreservedRunning++;
    f.peak = Math.max(f.peak, f.running);
    this.peakConcurrency = Math.max(this.peakConcurrency, this.#running);
    const started = this.#clock.now;
    let failed = false;
    let end = trace;
    try {
      if (cold) {
        f.coldStarts++;
        await this.#clock.sleep(f.spec.initMs);
        trace = extend(trace, "cold starts", this.#clock.now);
      }
      end = await f.spec.handler(event, { trace, env, attempt });
    } catch (error) {
      failed = true;
      end = (error as { trace?: Trace }).trace ?? extend(trace, "DDB throttles/retries", this.#clock.now);
    }
    f.maxDurationMs = Math.max(f.maxDurationMs, this.#clock.now - started);
    f.running--;
    this.#running--;
    if (f.spec.reserved === undefined) this.#unreservedRunning--;
    f.idle.push(env);
    if (!failed) return;
    f.errors++;
    const delay = this.limits.functionErrorRetryMs[attempt - 1];
    if (delay === undefined) {
      f.spec.onFailure?.(event, end);
      return;
    }
    const at = this.#clock.now + delay;
    this.#clock.at(at, () => this.#tryStart(f, event, extend(end, "DDB throttles/retries", at), attempt + 1, 0));
  }
}

/** A function error that keeps the trace of what was spent before it. */
export class TracedFailure extends Error {
  readonly trace: Trace;
  constructor(message: string, trace: Trace) {
    super(message);
    this.trace = trace;
  }
}
