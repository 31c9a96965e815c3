#!/usr/bin/env node
// `cds` starts from one bundled JavaScript file (packages/cli/dist, built by ./bundle.js on
// first use and again whenever a source is newer than the bundle) with V8's compile cache, so
// that nothing is type-stripped or resolved module by module at start-up. Without esbuild (an
// install without dev dependencies), with CDS_FROM_SOURCES=1, or if anything about the bundle
// fails, it runs the TypeScript sources through Node's type stripping as before.
import { readFileSync, statSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const repoRoot = new URL("../../../", import.meta.url);
const distDir = new URL("../dist/", import.meta.url);

/** The current bundle's file, or undefined when there is none or a source changed since. */
function freshBundle() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(new URL("bundle.json", distDir), "utf8"));
  } catch {
    return undefined;
  }
  const mtime = (path) => statSync(new URL(path, repoRoot), { throwIfNoEntry: false })?.mtimeMs ?? -1;
  if (mtime("node_modules/.package-lock.json") !== stamp.lock && stamp.lock !== 0) return undefined;
  for (const [path, mtimeMs] of stamp.sources) if (mtime(path) !== mtimeMs) return undefined;
  return new URL(stamp.bundle, distDir);
}

async function loadMain() {
  if (process.env.CDS_FROM_SOURCES !== "1") {
    try {
      let bundle = freshBundle();
      if (!bundle) {
        const { buildBundle } = await import("./bundle.js");
        bundle = new URL((await buildBundle()).bundle, distDir);
      }
      module.enableCompileCache?.(join(new URL(".", distDir).pathname, ".compile-cache"));
      return (await import(bundle.href)).main;
    } catch {
      // Fall through: the sources always work.
    }
  }
  return (await import(pathToFileURL(new URL("../src/index.ts", import.meta.url).pathname).href)).main;
}

const main = await loadMain();
process.exitCode = await main(process.argv);
