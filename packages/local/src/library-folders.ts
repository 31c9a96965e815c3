import { readdir } from "node:fs/promises";
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

/**
 * The names of the libraries in a cds data folder (the folders under `root/libraries`), sorted;
 * none when it has no libraries folder yet.
 *
 * @example
 * for (const name of await libraryNames(root)) console.log(name);
 */
export async function libraryNames(root: string): Promise<string[]> {
  const entries = await readdir(join(root, "libraries"), { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}
