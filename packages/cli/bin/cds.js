#!/usr/bin/env node
// The CLI is TypeScript run by Node's built-in type stripping (Node >= 22.18); no build step.
// The check comes first and in plain JavaScript: an older Node fails on the import below with
// ERR_UNKNOWN_FILE_EXTENSION, which does not say what to do.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`cds: needs Node.js 22.18 or newer (it runs TypeScript with Node's type stripping); this is Node ${process.versions.node}\n`);
  process.exit(1);
}
const { main } = await import("../src/index.ts");
process.exitCode = await main(process.argv);
