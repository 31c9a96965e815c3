import type { LibraryLayout, ShardEntry } from "../library/library-manifest.ts";
import { LibraryFormatError } from "../library/shard-format.ts";
import { BlobNotFoundError, type BlobStore } from "../ports/blob-store.ts";
import type { TargetMatch } from "../search/ranking.ts";
import { assertSameSize } from "../scoring/same-size.ts";
import type { PreparedShapeQuery } from "./prepared-shape-query.ts";
import { createShapeDecodeScratch, decodeShapeCompanion, shapeCompanionKey, shapeInfoKey, type ShapeLibraryInfo } from "./shape-companion.ts";
import { DEFAULT_SHAPE_TOP_LINES, rankByShape, type ShapeRankedMatch, shortlistForShape } from "./shape-ranking.ts";
import type { ShapeScore } from "./shape-score.ts";
import { scoreShape } from "./shape-scorer.ts";

/**
 * The second stage's unit of work: shape-scores one batch of shortlisted targets of an indexed
 * library, reading each target's shape data (one object per target, beside its shard) with a
 * few reads in flight. Any split of a shortlist into batches gives the same scores; the
 * ranking happens once over all of them ({@link rankByShape}).
 *
 * @example
 * const scored = await scoreShapeBatch(store, layout, prepareShapeQuery(mask, defaultShapeParams, lut), shortlist.slice(0, 50));
 */
export async function scoreShapeBatch(
  store: BlobStore,
  layout: LibraryLayout,
  prepared: PreparedShapeQuery,
  matches: readonly TargetMatch[],
  options: { concurrency?: number } = {},
): Promise<{ match: TargetMatch; shape: ShapeScore }[]> {
  assertSameSize(layout, prepared, `the mask (library "${layout.name}")`);
  const out: { match: TargetMatch; shape: ShapeScore }[] = new Array(matches.length);
  // Decoding and scoring run without an await between them, so the lanes can share one scratch.
  const scratch = createShapeDecodeScratch();
  let next = 0;
  const worker = async () => {
    while (next < matches.length) {
      const i = next++;
      const match = matches[i];
      const key = companionKeyOf(layout, match.index);
      let bytes: Uint8Array;
      try {
        bytes = await store.get(key);
      } catch (error) {
        if (error instanceof BlobNotFoundError) {
          throw new LibraryFormatError(
            `the library "${layout.name}" has no shape data for target ${match.index} (${match.item.name}); index it with \`cds library index … --with-shape\``,
            { cause: error },
          );
        }
        throw error;
      }
      out[i] = { match, shape: scoreShape(prepared, decodeShapeCompanion(bytes, key, scratch)) };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 8, matches.length)) }, worker));
  return out;
}

/**
 * The whole second stage in one call, the precompute's selection: shortlist (ratio above the
 * minimum, best `topLines` lines), shape-score the shortlist, sort by normalizedScore.
 *
 * @example
 * const { ranked } = await rankLibraryMatchesByShape(store, layout, prepared, pixelMatches, { minMatchingPixRatio: 2 });
 */
export async function rankLibraryMatchesByShape(
  store: BlobStore,
  layout: LibraryLayout,
  prepared: PreparedShapeQuery,
  matches: readonly TargetMatch[],
  options: { minMatchingPixRatio: number; topLines?: number; concurrency?: number },
): Promise<{ ranked: ShapeRankedMatch[]; shortlisted: number }> {
  const shortlist = shortlistForShape(matches, { minMatchingPixRatio: options.minMatchingPixRatio, topLines: options.topLines ?? DEFAULT_SHAPE_TOP_LINES });
  const scored = await scoreShapeBatch(store, layout, prepared, shortlist, options);
  return { ranked: rankByShape(scored), shortlisted: shortlist.length };
}

/** The library's shape-data summary, or undefined when it was indexed without `--with-shape`. */
export async function readShapeLibraryInfo(store: BlobStore, buildId: string): Promise<ShapeLibraryInfo | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await store.get(shapeInfoKey(buildId));
  } catch (error) {
    if (error instanceof BlobNotFoundError) return undefined;
    throw error;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as ShapeLibraryInfo;
  } catch (cause) {
    throw new LibraryFormatError(`the shape summary ${shapeInfoKey(buildId)} of ${store.location} is damaged`, { cause });
  }
}

/** Key of the shape data of library item `index`. */
export function companionKeyOf(layout: LibraryLayout, index: number): string {
  const entry = shardOf(layout.shards, index);
  if (!entry) throw new LibraryFormatError(`target ${index} is not in the library "${layout.name}" (${layout.count} targets)`);
  return shapeCompanionKey(entry.key, index - entry.start);
}

function shardOf(shards: readonly ShardEntry[], index: number): ShardEntry | undefined {
  let lo = 0;
  let hi = shards.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = shards[mid];
    if (index < s.start) hi = mid - 1;
    else if (index >= s.start + s.count) lo = mid + 1;
    else return s;
  }
  return undefined;
}
