import { join } from "node:path";
import type { LibraryStores } from "@cds/core/pipeline";
import { FolderBlobStore } from "./folder-blob-store.ts";

/**
 * The libraries of a cds data folder, each in `root/libraries/<name>` (where `cds library index`
 * puts them), as the pipeline's libraries port.
 *
 * @example
 * const descriptor = await readDescriptor(librariesUnder(root)("demo-2000"));
 */
export function librariesUnder(root: string): LibraryStores {
  return (name) => new FolderBlobStore(join(root, "libraries", name));
}
