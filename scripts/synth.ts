// `npm run synth [-- --stage <stage>]`: the app's CloudFormation templates and bundled handlers in
// .sst/dist, offline (no AWS credentials), with a short summary.
import { existsSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { synthesizeApp } from "./synthesize-app.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ options: { stage: { type: "string", default: "dev" } } });
const stage = values.stage!;
const outdir = join(root, ".sst", "dist");

const started = performance.now();
rmSync(outdir, { recursive: true, force: true });
// SST resolves handler paths against the working directory.
process.chdir(root);
const { assembly } = await synthesizeApp({ root, stage, outdir });
const seconds = ((performance.now() - started) / 1000).toFixed(1);

console.log(`Synthesized stage "${stage}" into ${relative(root, outdir)} in ${seconds} s`);
for (const stack of assembly.stacks) {
  const resources = Object.values(stack.template.Resources ?? {}) as { Type: string; Properties?: Record<string, unknown> }[];
  console.log(`  ${stack.templateFile}  ${resources.length} resources`);
  for (const { Type, Properties } of resources) {
    const bundle = Type === "AWS::Lambda::Function" ? bundleOf(Properties ?? {}) : undefined;
    if (bundle) console.log(`    ${bundle.handler.padEnd(50)} ${kib(statSync(bundle.file).size)}`);
  }
}

/** The bundled handler file of an SST function (not CDK's or SST's own inline/custom-resource code). */
function bundleOf(properties: Record<string, unknown>): { handler: string; file: string } | undefined {
  const handler = properties.Handler;
  const key = (properties.Code as { S3Key?: unknown } | undefined)?.S3Key;
  if (typeof handler !== "string" || typeof key !== "string" || handler.startsWith("index.")) return undefined;
  const file = join(outdir, `asset.${key.replace(/\.zip$/, "")}`, handler.replace(/\.[^.]+$/, ".mjs"));
  return existsSync(file) ? { handler, file } : undefined;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0).padStart(6)} KiB`;
}
