import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { SourceImageReader } from "@cds/core/pipeline";

/**
 * Reads original target images from the folder a library was indexed from, when it is still
 * there (a synthetic library's location is not a folder: nothing is read).
 *
 * @example
 * const bytes = await folderSourceImages.read(manifest.source.location, item.sourcePath);
 */
export const folderSourceImages: SourceImageReader = {
  async read(location, sourcePath) {
    if (!isAbsolute(location)) return undefined;
    try {
      return new Uint8Array(await readFile(join(location, sourcePath)));
    } catch {
      return undefined;
    }
  },
};
