import type { LibraryLayout, ShardEntry } from "../library/library-manifest.ts";
import { openPartialShard } from "../library/partial-shard.ts";
import { loadTarget, matchUpperBound, thresholdPalette, touchedBlocks } from "../library/shard-scorer.ts";
import { readShard, type Shard, type ShardItemHeader } from "../library/shard-format.ts";
import type { ItemMetadata } from "../library/item-metadata.ts";
import type { BlobStore } from "../ports/blob-store.ts";
import { createTargetPixels, scoreTargetPixels, type PreparedMask } from "../scoring/fast-scorer.ts";
import { isMatch } from "../scoring/pixel-match-score.ts";
import { assertSameSize } from "../scoring/same-size.ts";
import { compareMatches, type TargetMatch } from "./ranking.ts";

export interface BatchSearchOptions {
  /** Keep targets whose ratio is above this percent. */
  minMatchingPixRatio: number;
  /** Keep every scored target (tests and benchmarks compare all scores). */
  keepAll?: boolean;
  /**
   * Skip targets whose upper bound (see `matchUpperBound`) cannot pass the match filter, before
   * any of their runs is parsed (default true; never with keepAll). Results are the same.
   */
  prune?: boolean;
  /** Called after each shard with the number of targets scored so far in this batch. */
  onProgress?: (scored: number) => void;
  /**
   * Buffers kept from one call to the next by a caller that searches batch after batch (a
   * worker): without it every call allocates a fresh shard-sized read buffer. Not for calls
   * that run concurrently.
   */
  scratch?: SearchScratch;
}

/**
 * Reusable buffers for {@link searchLibraryRange}; see `createSearchScratch`. Two, because the
 * next shard is read into one while the current one, in the other, is scored.
 */
export interface SearchScratch {
  read: Uint8Array;
  spare: Uint8Array;
}

/** An empty {@link SearchScratch}; its buffers grow to the largest shard read. */
export function createSearchScratch(): SearchScratch {
  return { read: new Uint8Array(0), spare: new Uint8Array(0) };
}

/** How long scoring runs before it lets the event loop move the next shard's read along. */
const YIELD_EVERY_MS = 4;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface BatchSearchResult {
  /** Matches, best first. */
  matches: TargetMatch[];
  /** Targets decided: scored, or skipped because they could not match. */
  scored: number;
  /** Of those, targets skipped by the upper bound without being scored. */
  pruned: number;
  /** Objects read from the store. */
  objectsRead: number;
}

/**
 * Scores a prepared mask against items [start, end) of an indexed library, reading only the
 * shards that hold them.
 *
 * @example
 * const { matches } = await searchLibraryRange(store, layout, prepareMask(mask, params), 0, layout.count, params);
 */
export async function searchLibraryRange(
  store: BlobStore,
  layout: LibraryLayout,
  prepared: PreparedMask,
  start: number,
  end: number,
  options: BatchSearchOptions,
): Promise<BatchSearchResult> {
  assertSameSize(layout, prepared, `the mask (library "${layout.name}")`);
  const pixels = createTargetPixels(prepared);
  const counts = new Int32Array(2 * prepared.offsets.length);
  const matches: TargetMatch[] = [];
  let scored = 0;
  let pruned = 0;
  let objectsRead = 0;
  const prune = (options.prune ?? true) && !options.keepAll;
  // A target can match only with more than this many pixels (isMatch: ratio > min / 100, and
  // matchingPixels / maskSize grows with matchingPixels).
  const cannotMatch = (bound: number) => bound === 0 || bound / prepared.maskSize <= options.minMatchingPixRatio / 100;
  const entries = layout.shards.filter((entry) => entry.start + entry.count > start && entry.start < end);
  const openShard = shardOpener(store, entries, prepared, options.scratch ?? createSearchScratch());
  let lastYield = performance.now();
  for (let e = 0; e < entries.length; e++) {
    const entry = entries[e];
    const { shard, readIndex, readBlocks, close, prefetching } = await openShard(e);
    objectsRead++;
    try {
      const codeOfId = thresholdPalette(shard, prepared.dataThreshold, prepared.matchable);
      const items = shard.header.items;
      for (let k = 0; k < items.length; k++) {
        const index = entry.start + k;
        if (index < start || index >= end) continue;
        if (prefetching && performance.now() - lastYield > YIELD_EVERY_MS) {
          await nextTurn();
          lastYield = performance.now();
        }
        readIndex(k);
        if (prune && cannotMatch(matchUpperBound(prepared, shard, k))) {
          scored++;
          pruned++;
          continue;
        }
        readBlocks(k);
        loadTarget(prepared, shard, k, codeOfId, pixels);
        const score = scoreTargetPixels(prepared, pixels, counts);
        scored++;
        if (options.keepAll || isMatch(score, options.minMatchingPixRatio)) {
          matches.push({ ...score, index, item: metadataOf(items[k]) });
        }
      }
    } finally {
      await close();
    }
    options.onProgress?.(scored);
  }
  matches.sort(compareMatches);
  return { matches, scored, pruned, objectsRead };
}

/** One shard of a batch, opened. */
interface OpenedShard {
  shard: Shard;
  /** Reads item k's entry of a shard read in parts (a no-op for a whole shard). */
  readIndex: (k: number) => void;
  /** Reads the blocks of item k that the mask touches, of a shard read in parts (a no-op for a whole shard). */
  readBlocks: (k: number) => void;
  close: () => Promise<void>;
  /** The next shard's read runs now (scoring yields now and then so that it moves along). */
  prefetching: boolean;
}

/**
 * Opens `entries` one after the other (call with 0, 1, 2, …). Where the store reads ranges
 * cheaply, each shard is read in parts (see partial-shard.ts): no whole-shard read to overlap
 * with scoring, so no prefetch. Otherwise the next shard is read while this one is scored.
 */
function shardOpener(store: BlobStore, entries: readonly ShardEntry[], prepared: PreparedMask, scratch: SearchScratch): (e: number) => Promise<OpenedShard> {
  // Reads into the spare buffer, which then becomes the current one: the previous shard's
  // views (in the other buffer) stay valid until the read after this one.
  const read = async (key: string): Promise<Uint8Array> => {
    if (!store.getReusing) return store.get(key);
    const into = scratch.spare;
    scratch.spare = scratch.read;
    const bytes = await store.getReusing(key, into);
    scratch.read = bytes.buffer === into.buffer ? into : new Uint8Array(bytes.buffer);
    return bytes;
  };
  const blocks = touchedBlocks(prepared);
  const openRanged = store.openRanged?.bind(store);
  if (openRanged) {
    return async (e) => {
      const { key } = entries[e];
      const object = await openRanged(key);
      if (scratch.read.length < object.size) scratch.read = new Uint8Array(Math.ceil(object.size * 1.25));
      try {
        const part = openPartialShard(object, key, scratch.read);
        const readBlocks = blocks ? (k: number) => part.readBlocks(k, blocks.first, blocks.last) : noop;
        return { shard: part.shard, readIndex: (k) => part.readIndex(k), readBlocks, close: () => object.close(), prefetching: false };
      } catch (error) {
        await object.close();
        throw error;
      }
    };
  }
  const prefetch = (i: number) => {
    if (i >= entries.length) return undefined;
    const pending = read(entries[i].key);
    // Awaited later; until then a failure must not count as unhandled.
    pending.catch(() => {});
    return pending;
  };
  let next = prefetch(0);
  return async (e) => {
    const shard = readShard(await next!, entries[e].key);
    // The next shard's read runs while this one is scored; this shard's views stay valid
    // until the read after that (all of its items are scored and metadata copied by then).
    next = prefetch(e + 1);
    return { shard, readIndex: noop, readBlocks: noop, close: async () => {}, prefetching: next !== undefined };
  };
}

const noop = () => {};

function metadataOf(header: ShardItemHeader): ItemMetadata {
  const { blocksOffset: _k, tilesOffset: _t, runsOffset: _r, runBytes: _b, runCount: _c, pixelsOffset: _o, pixelCount: _p, ...metadata } = header;
  return metadata;
}
