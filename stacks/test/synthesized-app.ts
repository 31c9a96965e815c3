import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "aws-cdk-lib/assertions";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import type { App } from "sst/constructs";
import { synthesizeApp } from "../../scripts/synthesize-app.ts";

/** The repository root, where sst.config.ts is. */
export const root = fileURLToPath(new URL("../..", import.meta.url));

/** A stack's id in sst.config.ts. */
export type StackId = "Storage" | "State" | "Pipeline" | "Events" | "Monitoring" | "Console";

/** One offline synthesis of the whole app for a stage, with its scratch folders. */
export interface SynthesizedApp {
  readonly app: App;
  readonly assembly: CloudAssembly;
  /** The cloud assembly folder: templates and staged assets. */
  readonly outdir: string;
  template(stack: StackId): Template;
  /** The value an `Fn::ImportValue` of another stack's export stands for (other values as they are). */
  resolveImport(value: unknown): unknown;
  dispose(): void;
}

/**
 * Synthesizes the app offline into a temporary folder of its own (test files run in parallel).
 * Functions of stacks outside `activeStacks` keep SST's placeholder code: bundling is slow, and
 * only the tests about bundles need it. `env` is set for the synthesis only (stage settings).
 *
 * @example
 * const synthesized = await synthesizedApp("test", { activeStacks: ["Storage"] });
 * synthesized.template("Storage").resourceCountIs("AWS::S3::Bucket", 3);
 */
export async function synthesizedApp(
  stage: string,
  options: { activeStacks?: readonly StackId[]; env?: Record<string, string> } = {},
): Promise<SynthesizedApp> {
  const scratch = mkdtempSync(join(tmpdir(), "cdm-search-synth-"));
  const outdir = join(scratch, "cdk.out");
  const saved = Object.fromEntries(Object.keys(options.env ?? {}).map((name) => [name, process.env[name]]));
  Object.assign(process.env, options.env);
  const dispose = () => rmSync(scratch, { recursive: true, force: true });
  try {
    const { app, assembly } = await synthesizeApp({ root, stage, outdir, scratchDir: join(scratch, "sst"), activeStacks: options.activeStacks }).catch((error: unknown) => {
      dispose();
      throw error;
    });
    const templates = new Map<string, Template>();
    const stackNameOf = (id: StackId) => app.logicalPrefixedName(id);
    const exports = new Map<string, unknown>();
    for (const stack of assembly.stacks) {
      for (const output of Object.values(stack.template.Outputs ?? {}) as { Value: unknown; Export?: { Name: string } }[]) {
        if (output.Export) exports.set(output.Export.Name, output.Value);
      }
    }
    return {
      app,
      assembly,
      outdir,
      template(id) {
        let template = templates.get(id);
        if (!template) templates.set(id, (template = Template.fromJSON(assembly.getStackByName(stackNameOf(id)).template)));
        return template;
      },
      resolveImport(value) {
        const name = (value as { "Fn::ImportValue"?: unknown } | null)?.["Fn::ImportValue"];
        if (typeof name !== "string") return value;
        if (!exports.has(name)) throw new Error(`no stack exports ${name}`);
        return exports.get(name);
      },
      dispose,
    };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
