/**
 * The two kinds of AWS rate limit the model needs, as plain data structures over simulated
 * time (milliseconds).
 */

/**
 * Units per second per key (a DynamoDB partition or item: 1,000 write units/s), as a token
 * bucket that holds at most one second of units: DynamoDB accounts throughput per second and
 * an on-demand table keeps no burst credit for one hot key. A request that does not fit is
 * refused whole (DynamoDB throttles the request; it never half-applies it).
 */
export class ThroughputLimiter {
  readonly unitsPerSecond: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  /** Refused requests, per key. */
  readonly throttled = new Map<string, number>();

  constructor(unitsPerSecond: number) {
    if (!(unitsPerSecond > 0)) throw new RangeError(`a throughput limit must be > 0, not ${unitsPerSecond}`);
    this.unitsPerSecond = unitsPerSecond;
  }

  /** Takes `units` from `key`'s bucket at time `nowMs` if they are there; false means throttled. */
  tryConsume(key: string, units: number, nowMs: number): boolean {
    if (this.available(key, nowMs) + 1e-9 < units) {
      this.throttled.set(key, (this.throttled.get(key) ?? 0) + 1);
      return false;
    }
    this.consume(key, units, nowMs);
    return true;
  }

  /** Units `key` could take at `nowMs`. */
  available(key: string, nowMs: number): number {
    const bucket = this.#bucket(key, nowMs);
    return bucket.tokens;
  }

  /** Takes `units` unconditionally (after {@link available} said they are there). */
  consume(key: string, units: number, nowMs: number): void {
    this.#bucket(key, nowMs).tokens -= units;
  }

  #bucket(key: string, nowMs: number) {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.unitsPerSecond, at: nowMs };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.unitsPerSecond, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.unitsPerSecond);
    bucket.at = Math.max(bucket.at, nowMs);
    return bucket;
  }
}

/**
 * At most `count` events per sliding `windowMs` (Lambda: 1,000 new execution environments per
 * 10 s per function). AWS says it refills continuously rather than 1,000 at once every 10 s;
 * a sliding window is exactly that: each environment created frees its place 10 s later.
 */
export class SlidingWindowLimiter {
  readonly count: number;
  readonly windowMs: number;
  readonly #times: number[] = [];
  #head = 0;

  constructor(count: number, windowMs: number) {
    this.count = count;
    this.windowMs = windowMs;
  }

  /** Records one event at `nowMs` if the window has room; false means refused. */
  tryTake(nowMs: number): boolean {
    while (this.#head < this.#times.length && this.#times[this.#head] <= nowMs - this.windowMs) this.#head++;
    if (this.#times.length - this.#head >= this.count) return false;
    this.#times.push(nowMs);
    return true;
  }
}
