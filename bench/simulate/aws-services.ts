import type { Prng } from "@cds/core";
import { ThroughputLimiter } from "./limiters.ts";
import type { LambdaService } from "./lambda-service.ts";
import type { SimClock } from "./sim-clock.ts";
import { extend, type Phase, type Trace } from "./trace.ts";

export type Range = readonly [number, number];

export interface DynamoLimits {
  /** Write units per second per partition and per item (1,000). */
  partitionWcu: number;
  itemWcu: number;
  /** Read units per second per partition (3,000). */
  partitionRcu: number;
  /** One request's latency, ms. */
  latencyMs: Range;
}

/** One write: its partition key, item key, write units, and the GSI partitions it also writes. */
export interface WriteRequest {
  partition: string;
  item: string;
  units: number;
  gsiPartitions?: readonly string[];
}

/** How a client retries a throttled request: attempts in all, and the wait before retry `n` (0-based). */
export interface RetryPolicy {
  readonly name: string;
  readonly maxAttempts: number;
  delayMs(retry: number, rng: Prng): number;
}

/**
 * The AWS SDK for JavaScript v3 `standard` mode: 3 attempts; a throttling error waits
 * random × min(20 s, 500 ms × 2^retry) (full jitter, THROTTLING_RETRY_DELAY_BASE 500 ms).
 */
export const sdkStandardRetries: RetryPolicy = {
  name: "SDK standard: 3 attempts, full jitter from 500 ms",
  maxAttempts: 3,
  delayMs: (retry, rng) => rng.float() * Math.min(20_000, 500 * 2 ** retry),
};

/** In-process retries with full jitter, as the new worker does before it gives up on a write. */
export function jitteredRetries(maxAttempts: number, baseMs: number, capMs: number): RetryPolicy {
  return {
    name: `in-process: ${maxAttempts} attempts, full jitter from ${baseMs} ms, cap ${capMs} ms`,
    maxAttempts,
    delayMs: (retry, rng) => rng.float() * Math.min(capMs, baseMs * 2 ** retry),
  };
}

/** A request that exhausted its retries. */
export class ThrottledError extends Error {
  readonly trace: Trace;
  constructor(request: WriteRequest, trace: Trace) {
    super(`write to ${request.item} throttled past its retries`);
    this.trace = trace;
  }
}

/**
 * A DynamoDB table: each partition key and each item takes at most its write units per second;
 * a GSI partition likewise (an item whose indexed copy changes writes there too, and a throttled
 * GSI throttles the base write). It also counts, per key, the writes of each search: the keys
 * carry the search id, so the counts are per search.
 */
export class DynamoModel {
  readonly #clock: SimClock;
  readonly #rng: Prng;
  readonly limits: DynamoLimits;
  readonly #partitions: ThroughputLimiter;
  readonly #items: ThroughputLimiter;
  readonly #reads: ThroughputLimiter;
  readonly writesPerPartition = new Map<string, number>();
  readonly writesPerItem = new Map<string, number>();
  readonly unitsPerPartition = new Map<string, number>();
  throttledWrites = 0;
  totalWriteUnits = 0;

  constructor(clock: SimClock, rng: Prng, limits: DynamoLimits) {
    this.#clock = clock;
    this.#rng = rng;
    this.limits = limits;
    this.#partitions = new ThroughputLimiter(limits.partitionWcu);
    this.#items = new ThroughputLimiter(limits.itemWcu);
    this.#reads = new ThroughputLimiter(limits.partitionRcu);
  }

  #latency(): number {
    return this.#rng.range(this.limits.latencyMs[0], this.limits.latencyMs[1]);
  }

  /** Starts the report's counters afresh (the warm row counts only its own search). */
  resetCounters(): void {
    this.writesPerPartition.clear();
    this.writesPerItem.clear();
    this.unitsPerPartition.clear();
    this.throttledWrites = 0;
    this.totalWriteUnits = 0;
  }

  /** One attempt: true when written, false when throttled. */
  async tryWrite(request: WriteRequest): Promise<boolean> {
    await this.#clock.sleep(this.#latency());
    const now = this.#clock.now;
    const partitions = [request.partition, ...(request.gsiPartitions ?? []).map((p) => `gsi:${p}`)];
    const fits =
      partitions.every((p) => this.#partitions.available(p, now) + 1e-9 >= request.units) && this.#items.available(request.item, now) + 1e-9 >= request.units;
    if (!fits) {
      this.throttledWrites++;
      return false;
    }
    for (const p of partitions) {
      this.#partitions.consume(p, request.units, now);
      this.writesPerPartition.set(p, (this.writesPerPartition.get(p) ?? 0) + 1);
      this.unitsPerPartition.set(p, (this.unitsPerPartition.get(p) ?? 0) + request.units);
      this.totalWriteUnits += request.units;
    }
    this.#items.consume(request.item, request.units, now);
    this.writesPerItem.set(request.item, (this.writesPerItem.get(request.item) ?? 0) + 1);
    return true;
  }

  /**
   * A write with the client's retries. Time spent on throttled attempts and backoff goes to
   * "DDB throttles/retries", the successful attempt to `phase`. Throws {@link ThrottledError}
   * when the attempts run out.
   */
  async write(request: WriteRequest, policy: RetryPolicy, trace: Trace, phase: Phase): Promise<Trace> {
    for (let attempt = 0; attempt < policy.maxAttempts; attempt++) {
      const started = this.#clock.now;
      if (await this.tryWrite(request)) return extend(extend(trace, "DDB throttles/retries", started), phase, this.#clock.now);
      if (attempt + 1 < policy.maxAttempts) await this.#clock.sleep(policy.delayMs(attempt, this.#rng));
    }
    throw new ThrottledError(request, extend(trace, "DDB throttles/retries", this.#clock.now));
  }

  /**
   * Reads `bytes` from one partition (a Query, 1 MB pages, one after another), eventually
   * consistent: 1 read unit per 8 KB; a page waits for the partition's read units.
   */
  async query(partition: string, bytes: number): Promise<void> {
    let left = bytes;
    do {
      const page = Math.min(left, 1 << 20);
      const units = Math.max(1, Math.ceil(page / 8192));
      await this.#clock.sleep(this.#latency());
      while (!this.#reads.tryConsume(partition, units, this.#clock.now)) {
        await this.#clock.sleep((units / this.limits.partitionRcu) * 1000);
      }
      left -= page;
    } while (left > 0);
  }

  /** A strongly consistent GetItem: 1 read unit per 4 KB. */
  async get(partition: string, bytes: number): Promise<void> {
    const units = Math.max(1, Math.ceil(bytes / 4096));
    await this.#clock.sleep(this.#latency());
    while (!this.#reads.tryConsume(partition, units, this.#clock.now)) await this.#clock.sleep(5);
  }

  /** The most writes any key received, and which. */
  maxWrites(map: Map<string, number>, filter: (key: string) => boolean = () => true): { key: string; writes: number } {
    let best = { key: "", writes: 0 };
    for (const [key, writes] of map) if (filter(key) && writes > best.writes) best = { key, writes };
    return best;
  }
}

export interface S3Limits {
  /** First byte of a GET or the response of a PUT, ms. */
  firstByteMs: Range;
  /** What one Lambda reads from S3, MB/s. */
  megabytesPerSecond: number;
}

/** S3 from inside a Lambda: a first-byte latency, then the bytes at the function's throughput. */
export class S3Model {
  readonly #clock: SimClock;
  readonly #rng: Prng;
  readonly limits: S3Limits;
  constructor(clock: SimClock, rng: Prng, limits: S3Limits) {
    this.#clock = clock;
    this.#rng = rng;
    this.limits = limits;
  }

  /** Time to move `bytes` in `objects` parallel requests sharing the function's bandwidth, ms. */
  transferMs(bytes: number, objects = 1): number {
    const firstByte = objects > 0 ? this.#rng.range(this.limits.firstByteMs[0], this.limits.firstByteMs[1]) : 0;
    return firstByte + (bytes / (this.limits.megabytesPerSecond * 1e6)) * 1000;
  }

  async transfer(bytes: number, objects = 1): Promise<void> {
    await this.#clock.sleep(this.transferMs(bytes, objects));
  }
}

export interface EventBridgeLimits {
  /** S3 `Object Created` → EventBridge, ms. */
  s3ToEventBridgeMs: Range;
  /** A rule's delivery to its Lambda target, ms. */
  ruleToTargetMs: Range;
  /** The publisher's PutEvents round trip, ms. */
  putEventsMs: Range;
}

/** EventBridge: PutEvents, then each matching rule hands the event to its target's async queue. */
export class EventBridgeModel {
  readonly #clock: SimClock;
  readonly #rng: Prng;
  readonly #lambda: LambdaService;
  readonly limits: EventBridgeLimits;
  readonly #rules = new Map<string, string[]>();
  constructor(clock: SimClock, rng: Prng, lambda: LambdaService, limits: EventBridgeLimits) {
    this.#clock = clock;
    this.#rng = rng;
    this.#lambda = lambda;
    this.limits = limits;
  }

  rule(detailType: string, target: string): void {
    this.#rules.set(detailType, [...(this.#rules.get(detailType) ?? []), target]);
  }

  /** PutEvents from a function: resolves when the call returns; delivery follows on its own. */
  async publish(detailType: string, detail: unknown, trace: Trace): Promise<Trace> {
    await this.#clock.sleep(this.#rng.range(this.limits.putEventsMs[0], this.limits.putEventsMs[1]));
    const sent = extend(trace, "events", this.#clock.now);
    this.#deliver(detailType, detail, sent, this.limits.ruleToTargetMs, "events");
    return sent;
  }

  /** An object landed in the uploads bucket at `trace.end`. */
  objectCreated(detail: unknown, trace: Trace): void {
    const [lo, hi] = this.limits.s3ToEventBridgeMs;
    const at = trace.end + this.#rng.range(lo, hi);
    this.#clock.at(at, () => this.#deliver("Object Created", detail, extend(trace, "S3→EB", at), this.limits.ruleToTargetMs, "events"));
  }

  #deliver(detailType: string, detail: unknown, trace: Trace, latency: Range, phase: Phase): void {
    for (const target of this.#rules.get(detailType) ?? []) {
      const at = this.#clock.now + this.#rng.range(latency[0], latency[1]);
      this.#clock.at(at, () => this.#lambda.enqueue(target, detail, extend(trace, phase, at)));
    }
  }
}
