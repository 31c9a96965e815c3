import { join } from "node:path";
import { CdsError } from "@cds/core";
import type { StateStore } from "@cds/core/state";
import { openStateFolder } from "@cds/local";

/** Whose state a command reads: a local root folder, or a deployed stage's table (`--stage`). */
export type StateLocation = string | { stage: string };

/**
 * The state for one command: under `<root>/state` (shared with a running `cds dev`, else opened
 * directly), or a deployed stage's DynamoDB table. Always closed after `use`.
 *
 * @example
 * const subs = await withState(root, (state) => state.listSubscriptions());
 * const same = await withState({ stage: "lab" }, (state) => state.listSubscriptions());
 */
export async function withState<T>(where: StateLocation, use: (state: StateStore) => Promise<T>): Promise<T> {
  // The AWS SDK loads only when a stage is named: local commands stay quick to start.
  const opened = typeof where === "string" ? await openStateFolder(join(where, "state")) : (await import("@cds/aws/stage-state")).openStageState(where.stage);
  try {
    return await use(opened.state);
  } catch (error) {
    if (typeof where !== "string" && isMissingTable(error)) {
      const table = (opened as { tableName?: string }).tableName;
      throw new CdsError(`stage ${where.stage} has no state table ${table} here: is it deployed, and are the AWS credentials and region (${process.env.AWS_REGION ?? "from your profile"}) those of its account?`);
    }
    throw error;
  } finally {
    await opened.close();
  }
}

/** The `--stage` option of commands that can address a deployed stage. */
export const stageOption = ["--stage <stage>", "use a deployed stage's state (its DynamoDB table, AWS credentials from the environment) instead of --root"] as const;

/** The state location the options name: `--stage` when given, else the root folder. */
export function stateLocationOf(root: string, options: { stage?: string }): StateLocation {
  return options.stage ? { stage: options.stage } : root;
}

/** DynamoDB's "no such table", however deeply ElectroDB wrapped it. */
function isMissingTable(error: unknown): boolean {
  for (let e = error as { name?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.name === "ResourceNotFoundException") return true;
  }
  return false;
}
