import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodePackBitsTiff } from "@cds/core/image";
import type { LibraryManifest } from "@cds/core/library";
import type { BlobStore } from "@cds/core/ports";
import { indexLibrary, librariesUnder } from "@cds/local";
import { sprinkledImage } from "./synthetic-targets.ts";

/** Options of {@link indexSprinkledLibrary}. */
export interface SprinkledLibraryOptions {
  /** The cds data folder: the library goes to root/libraries/<name>, its TIFFs to root/sources/<name>. */
  root: string;
  name: string;
  count: number;
  width?: number;
  height?: number;
  /** Targets per shard (default 100). */
  shardSize?: number;
  seed?: number;
  /** Where the index goes instead of root/libraries/<name> (e.g. a bucket's S3BlobStore). */
  store?: BlobStore;
}

/**
 * Writes `count` small sprinkled TIFFs ({@link sprinkledImage}, 64×32 by default) and indexes
 * them as library `name` under root/libraries: a library that is quick to build and to search,
 * for tests about the pipeline's plumbing rather than scores.
 *
 * @example
 * const manifest = await indexSprinkledLibrary({ root, name: "tiny", count: 5000 });
 */
export async function indexSprinkledLibrary(options: SprinkledLibraryOptions): Promise<LibraryManifest> {
  const { root, name, count, width = 64, height = 32, seed = 1 } = options;
  const source = join(root, "sources", name);
  await mkdir(source, { recursive: true });
  const writes: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    writes.push(writeFile(join(source, `t${String(i).padStart(5, "0")}.tif`), encodePackBitsTiff(sprinkledImage(width, height, seed * 1_000_003 + i, 0.3))));
    if (writes.length >= 64) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  return indexLibrary({ source, name, store: options.store ?? librariesUnder(root)(name), shardSize: options.shardSize, workers: 2 });
}

/** Sidecar parameters that let a small mask count every pixel (no label regions cut out of it). */
export const WHOLE_IMAGE_PARAMS = { excludeTopLeft: "0x0", excludeTopRight: "0x0" } as const;
