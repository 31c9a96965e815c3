// `npm run test:unit [-- <vitest options>]`: the fast lane. Runs every test file that starts no
// server, child process, worker pool or CDK synthesis — decided from what the file uses, so a
// new test joins the lane (or stays out of it) without a list to keep — in under half a minute
// on 2 cores. `npm test` stays the whole suite, the one CI runs.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { tsFilesUnder } from "./ts-files.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** What a slow test reaches for: servers and emulators, child processes, worker pools, CDK. */
const SLOW = new RegExp(
  [
    "runCli", "startCds", "spawn", "execFile", "createServer", "listen\\(", "chromium",
    "startLocalRuntime", "startLocalState", "startConsoleServer", "startSmtpReceiver", "startWebhookReceiver", "aws-over-http", "dynalite", "s3rver", "local-aws-sqs",
    "indexLibrary", "indexSyntheticLibrary", "indexSprinkledLibrary", "runLocalSearch", "WorkerPool",
    "aws-cdk-lib", "synthesize", "Template\\.from",
  ].join("|"),
);

const roots = [...readdirSync(join(root, "packages")).map((p) => join(root, "packages", p, "test")), join(root, "events", "test"), join(root, "test"), join(root, "stacks", "test")];
const all = tsFilesUnder(roots, ".test.ts");
const fast = all.filter((file) => !SLOW.test(readFileSync(file, "utf8"))).map((file) => relative(root, file));
console.log(`test:unit: ${fast.length} of ${all.length} test files (the rest start servers, processes or worker pools: npm test runs them all)`);
const vitest = join(root, "node_modules", ".bin", "vitest");
// These files are CPU-bound and short: one per core (vitest's default leaves one core idle).
const workers = process.argv.some((a) => a.startsWith("--maxWorkers")) ? [] : ["--maxWorkers", String(availableParallelism())];
// Nothing in the repository mocks modules, so these files can import the code natively (Node
// strips the types), as it runs in production, rather than through Vite's module runner, whose
// rewritten imports make the plain reference loops several times slower; and share a worker's
// modules (isolate off), so @cds/core's graph is imported once per worker rather than once per
// file. A file that changes process-wide state must undo it for the files after it.
const speed = ["--experimental.viteModuleRunner=false", "--isolate=false"];
const run = spawnSync(vitest, ["run", ...workers, ...speed, ...fast, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
process.exit(run.status ?? 1);
