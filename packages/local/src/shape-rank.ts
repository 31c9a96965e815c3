import { CdsError } from "@cds/core";
import type { Lut, RgbImage } from "@cds/core/image";
import { layoutOf, type LibraryManifest, unionLayout, unionStore } from "@cds/core/library";
import type { TargetMatch } from "@cds/core/search";
import {
  DEFAULT_SHAPE_TOP_LINES,
  defaultShapeParams,
  prepareShapeQuery,
  rankLibraryMatchesByShape,
  readShapeLibraryInfo,
  type ShapeRankedMatch,
} from "@cds/core/shape";
import { FolderBlobStore } from "./folder-blob-store.ts";

export interface LocalShapeRankOptions {
  mask: RgbImage;
  lut: Lut;
  /** The indexed libraries (built `--with-shape`) the pixel matches came from, in the search's order. */
  libraries: { root: string; manifest: LibraryManifest }[];
  /** Every pixel match of the search (not only the top ones): the selection groups by line. */
  matches: readonly TargetMatch[];
  minMatchingPixRatio: number;
  /** Best lines kept for shape scoring (default 300, the precompute's). */
  topLines?: number;
}

export interface LocalShapeRankResult {
  ranked: ShapeRankedMatch[];
  shortlisted: number;
  elapsedMs: number;
}

/**
 * `cds search --rank shape`'s second stage on this machine: the precompute's selection over the
 * pixel matches, each shortlisted target shape-scored from the shape data stored beside its
 * shard, sorted by normalizedScore.
 *
 * @example
 * const { ranked } = await rankLocalSearchByShape({ mask, lut, libraries: [{ root, manifest }], matches: result.matches, minMatchingPixRatio: 2 });
 */
export async function rankLocalSearchByShape(options: LocalShapeRankOptions): Promise<LocalShapeRankResult> {
  const started = performance.now();
  const stores = options.libraries.map(({ root }) => new FolderBlobStore(root));
  for (const [k, { manifest }] of options.libraries.entries()) {
    if (!(await readShapeLibraryInfo(stores[k], manifest.buildId))) {
      throw new CdsError(`the library "${manifest.name}" has no shape data, so it cannot rank by shape; re-index it with \`cds library index … --with-shape\``);
    }
  }
  const layouts = options.libraries.map(({ manifest }) => layoutOf(manifest));
  const [store, layout] = stores.length === 1 ? [stores[0], layouts[0]] : [unionStore(stores), unionLayout(layouts)];
  const prepared = prepareShapeQuery(options.mask, defaultShapeParams, options.lut);
  const { ranked, shortlisted } = await rankLibraryMatchesByShape(store, layout, prepared, options.matches, {
    minMatchingPixRatio: options.minMatchingPixRatio,
    topLines: options.topLines ?? DEFAULT_SHAPE_TOP_LINES,
  });
  return { ranked, shortlisted, elapsedMs: performance.now() - started };
}
