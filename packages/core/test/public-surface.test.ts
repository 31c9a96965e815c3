import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tsFilesUnder } from "../../../scripts/ts-files.ts";

// Core's subpath barrels list only what other packages import: a name nobody outside core uses
// belongs to its file, not to the domain's public surface.
const root = fileURLToPath(new URL("../../..", import.meta.url));
const coreSrc = join(root, "packages", "core", "src");
const exportsField = JSON.parse(readFileSync(join(root, "packages", "core", "package.json"), "utf8")).exports as Record<string, string>;

/** The names in `{ … }` lists, `as` renames taken by their public name, `type` markers dropped. */
function namesIn(list: string): string[] {
  return list.split(",").map((n) => n.trim().replace(/^type\s+/, "").split(/\s+as\s+/).pop()!).filter(Boolean);
}

/** Subpath ("@cds/core", "@cds/core/search", …) → the names its barrel exports. */
function barrelExports(): Map<string, string[]> {
  const barrels = new Map<string, string[]>();
  for (const [sub, file] of Object.entries(exportsField)) {
    const text = readFileSync(join(root, "packages", "core", file), "utf8");
    const names = [...text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s+from/g)].flatMap((m) => namesIn(m[1]));
    barrels.set(sub === "." ? "@cds/core" : `@cds/core/${sub.slice(2)}`, names);
  }
  return barrels;
}

/** Subpath → the names imported from it anywhere outside packages/core/src. */
function importedOutsideCore(): Map<string, Set<string>> {
  const dirs = ["packages", "test", "bench", "scripts", "stacks", "web", "events"].map((d) => join(root, d));
  const files = [...tsFilesUnder(dirs), join(root, "sst.config.ts")];
  const imported = new Map<string, Set<string>>();
  for (const file of files) {
    if (file.startsWith(coreSrc)) continue;
    let text: string;
    try { text = readFileSync(file, "utf8"); } catch { continue; }
    const statics = text.matchAll(/(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"(@cds\/core(?:\/[a-z-]+)?)"/g);
    const dynamics = text.matchAll(/const\s*\{([^}]*)\}\s*=\s*await\s+import\("(@cds\/core(?:\/[a-z-]+)?)"\)/g);
    for (const m of [...statics, ...dynamics]) {
      const names = imported.get(m[2]) ?? new Set<string>();
      for (const n of m[1].split(",").map((x) => x.trim().replace(/^type\s+/, "").split(/\s+as\s+|\s*:\s*/)[0]).filter(Boolean)) names.add(n);
      imported.set(m[2], names);
    }
  }
  return imported;
}

describe("@cds/core's public surface", () => {
  const barrels = barrelExports();
  const imported = importedOutsideCore();

  it("has one subpath per concept folder that other packages use, plus the root", () => {
    expect(barrels.get("@cds/core")).toBeDefined();
    for (const sub of imported.keys()) expect(barrels.has(sub), `${sub} is imported but is not in core's exports`).toBe(true);
  });

  it("exports from each subpath only names that some file outside core imports from it", () => {
    const unused = [...barrels].flatMap(([sub, names]) => names.filter((n) => !imported.get(sub)?.has(n)).map((n) => `${sub}: ${n}`));
    expect(unused, `remove these from their barrel (core's own tests import from the declaring file)`).toEqual([]);
  });

  it("is imported nowhere by a path into core's sources", () => {
    const reaching = tsFilesUnder([join(root, "packages")])
      .filter((f) => !f.startsWith(join(root, "packages", "core")))
      .filter((f) => /from\s+"[^"]*core\/src\//.test(readFileSync(f, "utf8")))
      .map((f) => relative(root, f));
    expect(reaching).toEqual([]);
  });
});
