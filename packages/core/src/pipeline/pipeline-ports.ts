import type { BlobStore } from "../ports/blob-store.ts";

/**
 * The blob store of the library called `name` (locally `root/libraries/<name>/`, in the cloud
 * a prefix of the library bucket).
 *
 * @example
 * const manifest = await readManifest(libraries("lm"));
 */
export type LibraryStores = (name: string) => BlobStore;

/**
 * Reads a library's original target image, when it is still where the index was built from.
 * Resolves undefined when it is not (a synthetic library, a moved folder): the results page then
 * shows a placeholder.
 *
 * @example
 * const bytes = await sourceImages.read(manifest.source.location, item.sourcePath);
 */
export interface SourceImageReader {
  read(location: string, sourcePath: string): Promise<Uint8Array | undefined>;
}
