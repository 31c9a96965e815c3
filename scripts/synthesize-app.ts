import { join } from "node:path";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { App } from "sst/constructs";
import { initProject, useProject } from "sst/project.js";
import sstConfig from "../sst.config.ts";

/** A placeholder account: synthesis offline has no credentials to ask AWS for the real one. */
export const OFFLINE_ACCOUNT = "123456789012";

/** Options of {@link synthesizeApp}. */
export interface SynthesizeAppOptions {
  /** The project root (where sst.config.ts is). */
  readonly root: string;
  readonly stage: string;
  /** Where the templates and the staged assets (bundled handlers) go. */
  readonly outdir: string;
  /**
   * Stacks (by id, such as "Storage") to build in full; the functions of the others get SST's
   * placeholder code and are not bundled, as with `sst deploy Storage`. Default: all.
   */
  readonly activeStacks?: readonly string[];
  /**
   * Where SST writes its build artifacts (bundles before staging, generated types). Default:
   * `.sst/` at the root. Give each concurrent synthesis its own: SST clears the folder of a
   * function before bundling it, and ids repeat between runs of the same stage.
   */
  readonly scratchDir?: string;
}

/**
 * Synthesizes the SST app the way `sst deploy` does, minus every AWS call: stacks from
 * sst.config.ts, functions bundled by SST (esbuild) in deploy mode, templates and assets
 * written to `outdir`. `sst build` cannot do this offline: without credentials it exits 0
 * having done nothing.
 *
 * Sets for the process: NODE_ENV=test (App.finish() then skips its bootstrap-stack lookup,
 * which needs AWS), SST_TELEMETRY_DISABLED=1 and a placeholder account and region.
 *
 * @example
 * const { app, assembly } = await synthesizeApp({ root, stage: "dev", outdir: ".sst/dist" });
 */
export async function synthesizeApp(options: SynthesizeAppOptions): Promise<{ app: App; assembly: CloudAssembly }> {
  process.env.SST_TELEMETRY_DISABLED = "1";
  process.env.NODE_ENV = "test";
  process.env.CDK_DEFAULT_ACCOUNT = OFFLINE_ACCOUNT;
  process.env.CDK_DEFAULT_REGION ??= "us-east-1";

  await initProject({ root: options.root, stage: options.stage });
  const project = useProject();
  if (options.scratchDir) {
    project.paths.out = options.scratchDir;
    project.paths.artifacts = join(options.scratchDir, "artifacts");
  }
  const { config } = project;
  // Stack names are `<stage>-<app>-<id>` (App.logicalPrefixedName).
  const activeNames = options.activeStacks?.map((id) => `${config.stage}-${config.name}-${id}`);
  // App reads neither the stage nor the name from the project; pass them, or every synth is "dev".
  const app = new App(
    {
      mode: "deploy",
      stage: config.stage,
      name: config.name,
      region: config.region,
      account: OFFLINE_ACCOUNT,
      ...(activeNames ? { isActiveStack: (stackName: string) => activeNames.includes(stackName) } : {}),
    },
    { outdir: options.outdir },
  );
  await sstConfig.stacks(app);
  // Runs SST's deferred tasks: in deploy mode, this bundles every active function with esbuild
  // and stages the bundle as the function's code asset (a folder `asset.<hash>` in outdir).
  await app.finish();
  return { app, assembly: app.synth() };
}
