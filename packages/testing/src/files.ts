import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** Every file under `dir`, as sorted `/`-separated relative paths; [] when `dir` does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** The build folders under a library's data/ (the `<buildId>` of `data/<buildId>/…`), sorted. */
export async function buildFolders(library: string): Promise<string[]> {
  try {
    return (await readdir(join(library, "data"), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
