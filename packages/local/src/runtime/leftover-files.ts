import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Removes the temporary files a killed `cds dev` left in the folders only it writes (results,
 * the email outbox): every write there goes to a `….tmp` file renamed into place, so a `.tmp`
 * file found while this process holds the root's lock belongs to no one. Run once at start,
 * after the lock is taken; later `.tmp` files may be this process's own writes in flight.
 * Resolves to how many were removed.
 *
 * @example
 * await removeLeftoverTemporaryFiles([join(root, "results"), join(root, "outbox")]);
 */
export async function removeLeftoverTemporaryFiles(folders: readonly string[]): Promise<number> {
  let removed = 0;
  for (const folder of folders) {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith(".tmp")) continue;
      await rm(join(entry.parentPath, entry.name), { force: true });
      removed++;
    }
  }
  return removed;
}
