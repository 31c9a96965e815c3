import type { RgbImage } from "../image/rgb-image.ts";
import { encodeTarget } from "./encoded-target.ts";
import { itemMetadataFromPath, type ItemMetadata } from "./item-metadata.ts";
import { writeShard } from "./shard-format.ts";

/** A source image for a shard: its path for metadata and messages, and how to get its pixels. */
export interface ShardSource {
  sourcePath: string;
  /** Metadata given for this target (e.g. from `--metadata`), laid over what its name says. */
  metadata?: Partial<Omit<ItemMetadata, "name" | "sourcePath">>;
  /** Decodes (or generates) the image; a rejection skips the image with its message. */
  load(): Promise<RgbImage> | RgbImage;
}

export interface SkippedImage {
  sourcePath: string;
  reason: string;
}

export interface BuiltShard {
  /** The shard object, or null when every image was skipped. */
  bytes: Uint8Array | null;
  items: ItemMetadata[];
  skipped: SkippedImage[];
}

/**
 * Decodes, checks and encodes the images of one shard. An image that cannot be read, or has
 * another size than the library, is skipped with the reason; the others go on.
 *
 * @example
 * const built = await buildShard(sources, { width: 1210, height: 566 });
 */
export async function buildShard(
  sources: ShardSource[],
  size: { width: number; height: number },
  onImageDone?: () => void,
): Promise<BuiltShard> {
  const encodedItems: Parameters<typeof writeShard>[0] = [];
  const skipped: SkippedImage[] = [];
  for (const source of sources) {
    try {
      const image = await source.load();
      if (image.width !== size.width || image.height !== size.height) {
        skipped.push({
          sourcePath: source.sourcePath,
          reason: `is ${image.width}×${image.height} but the library's images are ${size.width}×${size.height}`,
        });
      } else {
        encodedItems.push({ metadata: { ...itemMetadataFromPath(source.sourcePath), ...source.metadata }, encoded: encodeTarget(image) });
      }
    } catch (error) {
      skipped.push({ sourcePath: source.sourcePath, reason: error instanceof Error ? error.message : String(error) });
    }
    onImageDone?.();
  }
  return {
    bytes: encodedItems.length > 0 ? writeShard(encodedItems) : null,
    items: encodedItems.map((i) => i.metadata),
    skipped,
  };
}
