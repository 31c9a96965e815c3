// Builds the CLI into one JavaScript file, packages/cli/dist/cds-<hash>.mjs, and each worker
// thread's script into one beside it (<name>-<hash>.mjs), and records which sources went into them (packages/cli/dist/bundle.json) so that the bin can tell when it is stale.
//
// Why: run from TypeScript, `cds` loads ~200 workspace modules and ~900 dependency files, each
// resolved, read, type-stripped (Node's stripper is WebAssembly) and compiled: 0.6–0.7 s before
// the first line of output. One bundled file with V8's compile cache starts in a fraction of that.
//
// The bundle keeps every `import.meta.url` of a workspace source pointing at that source, so
// file look-ups relative to a module behave exactly as when run from the sources, and a worker
// script is named by its source (`new URL("./search-worker.ts", import.meta.url)`), which
// `WorkerPool` swaps for its bundle. Dependencies that load native code
// or require files by computed names stay outside, imported from their installed location.
//
// Run by the bin on first use and whenever a source changed; also `node packages/cli/bin/bundle.js`.
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const cliRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(cliRoot, "../..");
export const distDir = join(cliRoot, "dist");
export const stampFile = join(distDir, "bundle.json");
/** Installed dependencies change only through npm, which rewrites this file. */
export const lockFile = join(repoRoot, "node_modules/.package-lock.json");

/**
 * The worker threads' scripts, bundled beside the CLI (each started from the sources would strip
 * and resolve ~200 modules again, ~0.35 s). `WorkerPool` starts the bundled file in place of the
 * source when the bin says there is one (see cds.js).
 */
const workerScripts = [
  "packages/local/src/search-worker.ts",
  "packages/local/src/index-worker.ts",
  "packages/local/src/synthetic-worker.ts",
  "packages/local/src/runtime/batch-scorer-thread.ts",
  "packages/local/src/runtime/mask-decode-thread.ts",
];

/** Packages left outside the bundle: native add-ons, and requires by computed file names. */
const keepExternal = new Set(["classic-level", "dynalite", "esbuild", "fsevents"]);

function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/**
 * Builds the bundle; resolves to the stamp written, or rejects (esbuild missing, a build error).
 * Safe to run concurrently: each run writes its own files and renames the stamp into place.
 */
export async function buildBundle() {
  // SST's esbuild, already a dependency (the Lambda bundles are built with it too).
  const esbuild = createRequire(createRequire(join(repoRoot, "package.json")).resolve("sst/package.json"))("esbuild");
  const sourceUrls = {
    name: "cds-source-urls",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith("node:") || args.pluginData === "cds-inner" || !keepExternal.has(packageName(args.path))) return undefined;
        const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: "cds-inner" });
        if (found.errors.length > 0) return { errors: found.errors };
        // An absolute path works for both import and require, wherever the bundle lives.
        return { path: found.external ? args.path : found.path, external: true };
      });
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const text = await readFile(args.path, "utf8");
        return { contents: text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader: "ts" };
      });
    },
  };
  await mkdir(distDir, { recursive: true });
  const entries = { cds: join(cliRoot, "src/index.ts"), ...Object.fromEntries(workerScripts.map((path) => [basename(path, ".ts"), join(repoRoot, path)])) };
  const result = await esbuild.build({
    entryPoints: entries,
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node22",
    outdir: distDir,
    outExtension: { ".js": ".mjs" },
    metafile: true,
    logLevel: "silent",
    plugins: [sourceUrls],
    // The sources' own tsconfig targets type stripping; esbuild needs none of it.
    tsconfigRaw: {},
    // Bundled CommonJS dependencies call require(); give them Node's.
    banner: { js: "import { createRequire as __cdsCreateRequire } from 'node:module'; const require = __cdsCreateRequire(import.meta.url);" },
  });
  const tmp = `.${process.pid}-${Math.random().toString(36).slice(2)}`;
  const names = new Map();
  for (const output of result.outputFiles) {
    const entry = basename(output.path, ".mjs");
    const name = `${entry}-${createHash("sha256").update(output.contents).digest("hex").slice(0, 12)}.mjs`;
    await writeFile(join(distDir, name + tmp), output.contents);
    await rename(join(distDir, name + tmp), join(distDir, name));
    names.set(entry, name);
  }
  const name = names.get("cds");
  const sources = Object.keys(result.metafile.inputs)
    .map((input) => resolve(repoRoot, input.replace(/^[a-z-]+:/, "")))
    .filter((path) => !path.includes(`${"/"}node_modules${"/"}`));
  const mtimes = await Promise.all(sources.map(async (path) => (await stat(path)).mtimeMs));
  const stamp = {
    bundle: name,
    workers: Object.fromEntries(workerScripts.map((path) => [path, names.get(basename(path, ".ts"))])),
    lock: await stat(lockFile).then((s) => s.mtimeMs, () => 0),
    sources: sources.map((path, i) => [relative(repoRoot, path), mtimes[i]]),
  };
  await writeFile(stampFile + tmp, JSON.stringify(stamp));
  await rename(stampFile + tmp, stampFile);
  // Older bundles go: a process that read the previous stamp a moment ago and finds its bundle
  // gone runs from the sources instead.
  const current = new Set(names.values());
  const ours = new RegExp(`^(${[...names.keys()].join("|")})-\\w+\\.mjs$`);
  for (const file of await readdir(distDir)) {
    if (!current.has(file) && ours.test(file)) await rm(join(distDir, file), { force: true });
  }
  return stamp;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const stamp = await buildBundle();
  console.log(`built packages/cli/dist/${stamp.bundle} from ${stamp.sources.length} workspace sources in ${Math.round(performance.now() - started)} ms`);
}
