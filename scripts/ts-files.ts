import { readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The files under `dirs` whose names end with `suffix` (default `.ts`; declaration files never),
 * skipping node_modules and dot-folders; a folder that does not exist gives none. The lanes and
 * checks that pick files by name (test:unit, the @example check, core's surface test) share it.
 *
 * @example
 * const tests = tsFilesUnder([join(root, "test")], ".test.ts");
 */
export function tsFilesUnder(dirs: readonly string[], suffix = ".ts"): string[] {
  return dirs.flatMap((dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries.flatMap((entry): string[] => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : tsFilesUnder([path], suffix);
      return entry.name.endsWith(suffix) && !entry.name.endsWith(".d.ts") ? [path] : [];
    });
  });
}
