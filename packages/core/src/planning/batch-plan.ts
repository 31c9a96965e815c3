import { ParameterError } from "../errors.ts";
import type { LibraryLayout, ShardEntry } from "../library/library-manifest.ts";
import { LibraryFormatError } from "../library/shard-format.ts";

/**
 * burst-compute's default cap on concurrent workers (`MAX_PARALLELISM=5000`): above it a
 * search runs fewer, larger batches rather than more workers than the account can start.
 */
export const DEFAULT_MAX_PARALLELISM = 5000;

/** One worker's share of a search: library items [start, end). */
export interface BatchRange {
  /** 0-based, dense: batch ids run 0 … batches.length − 1 in item order. */
  batchId: number;
  start: number;
  end: number;
}

/**
 * How a library splits into batches, as a rule of constant size (it travels in every dispatcher
 * and worker payload, whatever the library's size): runs of `shardsPerBatch` shards, or ranges
 * of `batchSize` items. A leaf dispatcher turns the rule into its batches' ranges with the shard
 * entries it reads ({@link batchOfRule}).
 */
export type BatchRule =
  | { unit: "shards"; batchCount: number; batchSize: number; shardsPerBatch: number }
  | { unit: "items"; batchCount: number; batchSize: number };

/** What planning needs to know of a library: its items and shards (the descriptor has them). */
export interface LibraryExtent {
  name: string;
  count: number;
  shardCount: number;
  /** The most items a shard holds. */
  shardSize: number;
}

/**
 * The batch rule for a library: one batch per shard by default (each worker reads exactly one
 * object: GETs dominate a search's cost), consecutive shards merged when there are more than
 * `maxParallelism`; with `batchSize`, fixed ranges of items, grown to stay under
 * `maxParallelism`.
 *
 * @example
 * planBatchRule({ name: "lm", count: 50_000, shardCount: 500, shardSize: 100 }) // 500 batches of one shard
 */
export function planBatchRule(library: LibraryExtent, options: BatchPlanOptions = {}): BatchRule {
  const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
  assertPositiveInteger("maxParallelism", maxParallelism);
  if (options.batchSize !== undefined) assertPositiveInteger("batchSize", options.batchSize);
  if (library.count === 0) return { unit: "items", batchCount: 0, batchSize: 0 };
  if (options.batchSize === undefined) {
    const shardsPerBatch = Math.ceil(library.shardCount / maxParallelism);
    return { unit: "shards", batchCount: Math.ceil(library.shardCount / shardsPerBatch), batchSize: shardsPerBatch * library.shardSize, shardsPerBatch };
  }
  const batchSize = Math.ceil(library.count / options.batchSize) > maxParallelism ? Math.ceil(library.count / maxParallelism) : options.batchSize;
  return { unit: "items", batchCount: Math.ceil(library.count / batchSize), batchSize };
}

/**
 * The batch rules of the libraries one search covers: each library planned on its own, with a
 * share of `maxParallelism` in proportion to its size, so that together they stay under it.
 *
 * @example
 * planLibraryBatchRules([lm, em]) // [rule of lm, rule of em]; batch counts add up to ≤ 5000
 */
export function planLibraryBatchRules(libraries: readonly LibraryExtent[], options: BatchPlanOptions = {}): BatchRule[] {
  if (libraries.length === 1) return [planBatchRule(libraries[0], options)];
  const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
  const sizeOf = (l: LibraryExtent) => (options.batchSize === undefined ? l.shardCount : l.count);
  const total = Math.max(1, libraries.reduce((n, l) => n + sizeOf(l), 0));
  return libraries.map((l) => planBatchRule(l, { ...options, maxParallelism: Math.max(1, Math.floor((maxParallelism * sizeOf(l)) / total)) }));
}

/**
 * Which shards a run of batches reads: shard indices [first, end) for a shard rule, or the item
 * range [firstItem, endItem) for an item rule (the shards overlapping it).
 */
export function shardsNeeded(rule: BatchRule, firstBatch: number, batchCount: number, libraryCount: number): { shards: [number, number] } | { items: [number, number] } {
  if (rule.unit === "shards") return { shards: [firstBatch * rule.shardsPerBatch, (firstBatch + batchCount) * rule.shardsPerBatch] };
  return { items: [firstBatch * rule.batchSize, Math.min(libraryCount, (firstBatch + batchCount) * rule.batchSize)] };
}

/**
 * Batch `batchId`'s item range and the shard entries it reads, from shard entries that cover it
 * (`shards`, with `firstShard` the index of `shards[0]` in the library).
 *
 * @example
 * batchOfRule(rule, 7, entries, 0, library.count) // { batch: { batchId: 7, start: 700, end: 800 }, shards: [entry 7] }
 */
export function batchOfRule(rule: BatchRule, batchId: number, shards: readonly ShardEntry[], firstShard: number, libraryCount: number): { batch: BatchRange; shards: ShardEntry[] } {
  let picked: ShardEntry[];
  let start: number;
  let end: number;
  if (rule.unit === "shards") {
    const from = batchId * rule.shardsPerBatch - firstShard;
    picked = shards.slice(Math.max(0, from), from + rule.shardsPerBatch);
    if (from < 0 || picked.length === 0) throw new RangeError(`batch ${batchId}'s shards are not among the entries read`);
    start = picked[0].start;
    end = picked.at(-1)!.start + picked.at(-1)!.count;
  } else {
    start = batchId * rule.batchSize;
    end = Math.min(libraryCount, start + rule.batchSize);
    picked = shards.filter((s) => s.start < end && s.start + s.count > start);
    const covered = picked.reduce((n, s) => n + Math.min(end, s.start + s.count) - Math.max(start, s.start), 0);
    if (covered !== end - start) throw new RangeError(`batch ${batchId}'s items ${start}…${end - 1} are not all among the shard entries read`);
  }
  return { batch: { batchId, start, end }, shards: picked };
}

/** A whole plan: every batch's range (for tools that hold the whole shard table). */
export interface BatchPlan {
  /** The most items any batch holds (every batch holds this many except, possibly, the last). */
  batchSize: number;
  /** Cover [0, count) exactly once, in order. */
  batches: BatchRange[];
}

export interface BatchPlanOptions {
  /**
   * Items per batch. Left out, a batch is one shard, so each worker reads exactly one object
   * (GETs dominate a search's cost). Given, ranges need not follow shard boundaries.
   */
  batchSize?: number;
  /** The most batches a plan may have; the batch size grows to stay under it. Default 5000. */
  maxParallelism?: number;
}

/**
 * Splits a library into worker batches. By default one batch per shard; with more shards
 * than `maxParallelism`, consecutive shards merge (still shard-aligned). With `batchSize`,
 * fixed-size ranges; when they would exceed `maxParallelism` the size grows to
 * ceil(count / maxParallelism), as burst-compute v1 did.
 *
 * @example
 * planBatches(layout)                    // one batch per shard
 * planBatches(layout, { batchSize: 40 }) // 45,018 targets → 1,126 batches of ≤ 40
 */
export function planBatches(layout: LibraryLayout, options: BatchPlanOptions = {}): BatchPlan {
  assertShardsCover(layout);
  const shards = layout.shards.filter((shard) => shard.count > 0);
  const rule = planBatchRule({ name: layout.name, count: layout.count, shardCount: shards.length, shardSize: shards.reduce((n, s) => Math.max(n, s.count), 0) }, options);
  const batches = Array.from({ length: rule.batchCount }, (_, batchId) => batchOfRule(rule, batchId, shards, 0, layout.count).batch);
  return { batchSize: rule.unit === "items" ? rule.batchSize : batches.reduce((n, b) => Math.max(n, b.end - b.start), 0), batches };
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ParameterError(name, `${name} must be a whole number ≥ 1, not ${value}`);
  }
}

/** Shard-aligned batches are only right if the shard table tiles [0, count) in order. */
function assertShardsCover(layout: LibraryLayout): void {
  let next = 0;
  for (const shard of layout.shards) {
    if (shard.start !== next || !Number.isSafeInteger(shard.count) || shard.count < 0) {
      throw new LibraryFormatError(
        `the shard table of library "${layout.name}" does not tile its items: ${shard.key} starts at ${shard.start}, expected ${next}; re-index it`,
      );
    }
    next += shard.count;
  }
  if (next !== layout.count) {
    throw new LibraryFormatError(
      `the shards of library "${layout.name}" hold ${next} items but its manifest says ${layout.count}; re-index it`,
    );
  }
}
