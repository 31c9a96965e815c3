// Shape data for `library index --with-shape`: built in the index worker threads, next to each shard.
import { readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { decodeGray16Png, decodeImage, type RgbImage } from "@cds/core/image";
import type { ShardSource } from "@cds/core/library";
import type { BlobStore } from "@cds/core/ports";
import {
  defaultShapeParams,
  encodeShapeCompanion,
  shapeCompanionKey,
  shapeInfoKey,
  type ShapeLibraryInfo,
  SHAPE_COMPANION_VERSION,
  shapeTargetFromImages,
  ZGAP_RADIUS,
} from "@cds/core/shape";

/** What a worker hands back for one shard: each kept item's shape data, in item order. */
export interface BuiltShapeData {
  companions: Uint8Array[];
  gradientFiles: number;
  zgapFiles: number;
}

/**
 * Wraps shard sources so that loading an image also builds its shape data: the gradient and
 * zgap from NeuronBridge-style `grad/` and `zgap/` folders beside the image's folder when they
 * hold a file of the same name, else by the precompute's recipes. A variant file that cannot
 * be read, or has another size, makes the image fail (it is skipped with that reason).
 *
 * @example
 * const capture = captureShapeData(sources, files);
 * const built = await buildShard(capture.sources, size);
 * const shape = capture.collect(built.items);
 */
export function captureShapeData(sources: ShardSource[], filesOnDisk: { absolutePath: string }[] | undefined) {
  const built = new Map<string, { bytes: Uint8Array; gradientFile: boolean; zgapFile: boolean }>();
  const wrapped = sources.map((source, i) => ({
    sourcePath: source.sourcePath,
    load: async () => {
      const image = await source.load();
      const absolutePath = filesOnDisk?.[i]?.absolutePath;
      const gradientPath = absolutePath ? await variantFile(absolutePath, "grad", [".png"]) : undefined;
      const zgapPath = absolutePath ? await variantFile(absolutePath, "zgap", [".tif", ".tiff", ".png"]) : undefined;
      const gradient = gradientPath ? decodeGray16Png(new Uint8Array(await readFile(gradientPath)), { name: gradientPath }) : undefined;
      const zgap: RgbImage | undefined = zgapPath ? await decodeImage(new Uint8Array(await readFile(zgapPath)), { name: zgapPath }) : undefined;
      const target = shapeTargetFromImages(image, defaultShapeParams, { gradient, zgap, zgapRadius: ZGAP_RADIUS });
      built.set(source.sourcePath, {
        bytes: encodeShapeCompanion(target, { gradient: gradient ? "file" : "recipe", zgap: zgap ? "file" : "recipe" }),
        gradientFile: gradient !== undefined,
        zgapFile: zgap !== undefined,
      });
      return image;
    },
  }));
  return {
    sources: wrapped,
    collect(items: { sourcePath: string }[]): BuiltShapeData {
      const kept = items.map((item) => built.get(item.sourcePath)!);
      return {
        companions: kept.map((k) => k.bytes),
        gradientFiles: kept.filter((k) => k.gradientFile).length,
        zgapFiles: kept.filter((k) => k.zgapFile).length,
      };
    },
  };
}

/** `<dir>/../<folder>/<name><ext>` for the first extension that exists. */
async function variantFile(imagePath: string, folder: string, extensions: string[]): Promise<string | undefined> {
  const name = basename(imagePath, extname(imagePath));
  for (const ext of extensions) {
    const candidate = join(dirname(imagePath), "..", folder, name + ext);
    if (await stat(candidate).then((s) => s.isFile(), () => false)) return candidate;
  }
  return undefined;
}

/** Running totals of a `--with-shape` build, written as the library's shape summary. */
export class ShapeDataWriter {
  readonly #store: BlobStore;
  readonly #info: ShapeLibraryInfo = {
    formatVersion: SHAPE_COMPANION_VERSION,
    targets: 0,
    bytes: 0,
    threshold: defaultShapeParams.targetThreshold,
    zgapRadius: ZGAP_RADIUS,
    gradientFiles: 0,
    zgapFiles: 0,
  };

  constructor(store: BlobStore) {
    this.#store = store;
  }

  /** Writes one shard's shape data beside the shard. */
  async put(shardKey: string, shape: BuiltShapeData): Promise<void> {
    for (const [k, bytes] of shape.companions.entries()) {
      await this.#store.put(shapeCompanionKey(shardKey, k), bytes);
      this.#info.bytes += bytes.length;
    }
    this.#info.targets += shape.companions.length;
    this.#info.gradientFiles += shape.gradientFiles;
    this.#info.zgapFiles += shape.zgapFiles;
  }

  /** The summary, under the build's prefix; written before the manifest. */
  async finish(buildId: string): Promise<ShapeLibraryInfo> {
    await this.#store.put(shapeInfoKey(buildId), new TextEncoder().encode(JSON.stringify(this.#info)));
    return { ...this.#info };
  }
}
