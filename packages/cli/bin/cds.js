#!/usr/bin/env node
// `cds` starts from one bundled JavaScript file (packages/cli/dist, built by ./bundle.js on
// first use and again whenever a source is newer than the bundle) with V8's compile cache, so
// that nothing is type-stripped or resolved module by module at start-up. Without esbuild (an
// install without dev dependencies), with CDS_FROM_SOURCES=1, or if anything about the bundle
// fails, it runs the TypeScript sources through Node's type stripping as before.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The sources are TypeScript run by Node's built-in type stripping (Node >= 22.18), and they are
// the fallback whenever the bundle cannot be used. The check comes first and in plain
// JavaScript: an older Node fails on the TypeScript import with ERR_UNKNOWN_FILE_EXTENSION,
// which does not say what to do. (The node: imports above load on any Node.)
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`cds: needs Node.js 22.18 or newer (it runs TypeScript with Node's type stripping); this is Node ${process.versions.node}\n`);
  process.exit(1);
}

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
  return stamp;
}

/**
 * Tells `WorkerPool` (packages/local/src/worker-pool.ts) which bundled file to start for each
 * worker script's source: a global, because the bundle is loaded after this and the pool looks
 * there before it spawns.
 */
function announceWorkerBundles(stamp) {
  const bundles = new Map(Object.entries(stamp.workers ?? {}).map(([source, file]) => [new URL(source, repoRoot).href, new URL(file, distDir).href]));
  globalThis[Symbol.for("cds.workerBundles")] = bundles;
}

/**
 * Builds the bundle unless another process is building it already (say, the first of many
 * `cds` processes a test suite starts after a change): that one holds dist/.building, and the
 * others run from the sources this time rather than all building at once. A lock older than
 * two minutes is a crashed build's and is taken over.
 */
async function buildOnce() {
  const lock = new URL(".building", distDir);
  mkdirSync(distDir, { recursive: true });
  const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  if (age > 120_000) rmSync(lock, { force: true });
  let fd;
  try {
    fd = openSync(lock, "wx");
  } catch {
    return undefined;
  }
  try {
    const { buildBundle } = await import("./bundle.js");
    return await buildBundle();
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

async function loadMain() {
  if (process.env.CDS_FROM_SOURCES !== "1") {
    try {
      const stamp = freshBundle() ?? (await buildOnce());
      if (stamp) {
        const cache = join(fileURLToPath(distDir), ".compile-cache");
        module.enableCompileCache?.(cache);
        // Worker threads start their bundles through the same cache (~50 ms each).
        process.env.NODE_COMPILE_CACHE ??= cache;
        const { main } = await import(new URL(stamp.bundle, distDir).href);
        announceWorkerBundles(stamp);
        return main;
      }
    } catch {
      // Fall through: the sources always work.
    }
  }
  return (await import(new URL("../src/index.ts", import.meta.url).href)).main;
}

const main = await loadMain();
process.exitCode = await main(process.argv);
