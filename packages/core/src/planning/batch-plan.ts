import { ParameterError } from "../errors.ts";
import type { LibraryLayout } from "../library/library-manifest.ts";
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

/** How a library splits into batches; plain data, so it can travel in a payload. */
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
  const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
  assertPositiveInteger("maxParallelism", maxParallelism);
  if (options.batchSize !== undefined) assertPositiveInteger("batchSize", options.batchSize);
  assertShardsCover(layout);
  if (layout.count === 0) return { batchSize: 0, batches: [] };
  return options.batchSize === undefined
    ? shardAlignedBatches(layout, maxParallelism)
    : fixedSizeBatches(layout.count, options.batchSize, maxParallelism);
}

function shardAlignedBatches(layout: LibraryLayout, maxParallelism: number): BatchPlan {
  const shards = layout.shards.filter((shard) => shard.count > 0);
  // ceil(shards / perBatch) ≤ maxParallelism because perBatch ≥ shards / maxParallelism.
  const shardsPerBatch = Math.ceil(shards.length / maxParallelism);
  const batches: BatchRange[] = [];
  let batchSize = 0;
  for (let first = 0; first < shards.length; first += shardsPerBatch) {
    const last = shards[Math.min(first + shardsPerBatch, shards.length) - 1];
    const start = shards[first].start;
    const end = last.start + last.count;
    batches.push({ batchId: batches.length, start, end });
    batchSize = Math.max(batchSize, end - start);
  }
  return { batchSize, batches };
}

function fixedSizeBatches(count: number, requested: number, maxParallelism: number): BatchPlan {
  // Same argument: size ≥ count / maxParallelism ⇒ ceil(count / size) ≤ maxParallelism.
  const batchSize = Math.ceil(count / requested) > maxParallelism ? Math.ceil(count / maxParallelism) : requested;
  const batches: BatchRange[] = [];
  for (let start = 0; start < count; start += batchSize) {
    batches.push({ batchId: batches.length, start, end: Math.min(start + batchSize, count) });
  }
  return { batchSize, batches };
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
