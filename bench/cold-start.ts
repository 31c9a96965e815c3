// `npm run bench:cold-start [-- --runs 10]`
//
// What each Lambda entry costs a cold start: bundles every entry of packages/aws/src/lambda the
// way SST's deploy does (SST's own esbuild: ESM, Node 22, minified, names kept, SST's banner), then
// imports each bundle in a fresh Node process `--runs` times, with the AWS and CDS_* environment
// set to dummies, and reports the bundle size and the median time to import it, next to the
// same for an empty module (Node's own start). Module load must do no I/O and build no clients:
// the entries build them on first use. Times are this machine's, not Lambda's (arm64, and the
// runtime's own bootstrap differs); compare entries with each other and with the empty module.
import { execFile } from "node:child_process";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { LAMBDA_ENTRY_DIR, lambdaEntries } from "../stacks/Pipeline.ts";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const { values: args } = parseArgs({ options: { runs: { type: "string", default: "10" } } });
const runs = Math.max(1, Number(args.runs));
const outdir = join(here, ".cache", "cold-start");

/** The part of esbuild's API used here (esbuild is SST's dependency, not the root's). */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ metafile?: { inputs: Record<string, unknown> } }>;
}
// SST bundles with the esbuild it depends on; use the same one.
const esbuild = createRequire(fileURLToPath(import.meta.resolve("sst/package.json")))("esbuild") as Esbuild;

/** SST's deploy-mode options for an ESM Node function (sst/runtime/handlers/node.js), minified as the stacks ask. */
function sstBuildOptions(entryFile: string, outfile: string): Record<string, unknown> {
  return {
    entryPoints: [entryFile],
    outfile,
    platform: "node",
    bundle: true,
    format: "esm",
    target: "node22",
    minify: true,
    keepNames: true,
    mainFields: ["module", "main"],
    external: ["sharp", "pg-native"],
    metafile: true,
    logLevel: "silent",
    banner: {
      js: [
        `import { createRequire as topLevelCreateRequire } from 'module';`,
        `const require = topLevelCreateRequire(import.meta.url);`,
        `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
        `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
      ].join("\n"),
    },
  };
}

// What a deployed function sees, as dummies: region and credentials for the SDK clients, the
// stack's settings for the entries.
const dummyEnvironment: Record<string, string> = {
  PATH: process.env.PATH ?? "",
  AWS_REGION: "us-east-1",
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIADUMMYDUMMYDUMMY0",
  AWS_SECRET_ACCESS_KEY: "dummy-secret",
  AWS_SESSION_TOKEN: "dummy-token",
  AWS_LAMBDA_FUNCTION_NAME: "cold-start-bench",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024",
  AWS_NODEJS_CONNECTION_REUSE_ENABLED: "1",
  CDS_UPLOADS_BUCKET: "dummy-uploads",
  CDS_LIBRARY_BUCKET: "dummy-library",
  CDS_RESULTS_BUCKET: "dummy-results",
  CDS_STATE_TABLE: "dummy-state",
  CDS_EVENT_BUS: "dummy-bus",
  CDS_DISPATCH_NODE_FUNCTION: "dummy-dispatch-node",
  CDS_WORKER_FUNCTION: "dummy-worker",
  CDS_WEBHOOK_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/dummy",
  CDS_WEBHOOK_DLQ_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/dummy-dlq",
  CDS_EMAIL_FROM: "dummy@example.org",
};

// Run in the fresh process: time the import of the bundle, check it exports a handler.
const probe = [
  "const started = performance.now();",
  "const module = await import(process.argv[1]);",
  "const importMs = performance.now() - started;",
  "if (process.argv[2] === 'entry' && typeof module.handler !== 'function') { console.error('no handler export'); process.exit(2); }",
  // Peak memory after the import: VmHWM of this fresh process (see bench/peak-memory.ts).
  "const hwm = /^VmHWM:\\s+(\\d+)/m.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'))?.[1];",
  "process.stdout.write(JSON.stringify({ bootMs: started, importMs, peakMiB: hwm ? Number(hwm) / 1024 : NaN }));",
].join("\n");

const run = promisify(execFile);

async function coldImports(file: string, kind: "entry" | "empty"): Promise<{ bootMs: number; importMs: number; peakMiB: number; wallMs: number }[]> {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe, file, kind], { env: dummyEnvironment, cwd: outdir });
    samples.push({ ...(JSON.parse(stdout) as { bootMs: number; importMs: number; peakMiB: number }), wallMs: performance.now() - started });
  }
  return samples;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const emptyModule = join(outdir, "empty.mjs");
await writeFile(emptyModule, "export {};\n");

const bundleStarted = performance.now();
const bundles = await Promise.all(
  lambdaEntries.map(async (entry) => {
    const outfile = join(outdir, `${entry}.mjs`);
    const result = await esbuild.build(sstBuildOptions(join(repoRoot, LAMBDA_ENTRY_DIR, `${entry}.ts`), outfile));
    return { entry, outfile, bytes: (await stat(outfile)).size, inputs: Object.keys(result.metafile?.inputs ?? {}).length };
  }),
);
process.stderr.write(`bundled ${bundles.length} entries in ${((performance.now() - bundleStarted) / 1000).toFixed(1)} s; importing each ${runs}x …\n`);

const empty = await coldImports(emptyModule, "empty");
const baselineWall = median(empty.map((s) => s.wallMs));
const rows = [];
for (const bundle of bundles) {
  const samples = await coldImports(bundle.outfile, "entry");
  rows.push({
    entry: bundle.entry,
    bundleKiB: Math.round(bundle.bytes / 1024),
    modules: bundle.inputs,
    importMs: median(samples.map((s) => s.importMs)),
    importMinMs: Math.min(...samples.map((s) => s.importMs)),
    importMaxMs: Math.max(...samples.map((s) => s.importMs)),
    processMs: median(samples.map((s) => s.wallMs)),
    peakMiB: median(samples.map((s) => s.peakMiB)),
  });
}

const line = (cells: string[]) => console.log(cells.map((cell, i) => (i === 0 ? cell.padEnd(18) : cell.padStart(12))).join(" "));
console.log(`Cold start of each Lambda entry (Node ${process.versions.node}, ${runs} fresh processes each, medians)`);
line(["entry", "bundle KiB", "modules", "import ms", "min–max ms", "process ms", "peak MiB"]);
line(["(empty module)", "0", "0", median(empty.map((s) => s.importMs)).toFixed(1), "", baselineWall.toFixed(0), median(empty.map((s) => s.peakMiB)).toFixed(0)]);
for (const row of rows) {
  line([row.entry, String(row.bundleKiB), String(row.modules), row.importMs.toFixed(1), `${row.importMinMs.toFixed(0)}–${row.importMaxMs.toFixed(0)}`, row.processMs.toFixed(0), row.peakMiB.toFixed(0)]);
}
console.log(`import ms: time to load and evaluate the bundle; process ms: spawn to exit (the empty module's is Node's own start); peak MiB: the process's VmHWM after the import.`);
