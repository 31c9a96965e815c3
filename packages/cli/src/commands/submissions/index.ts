import type { Command } from "commander";
import { join } from "node:path";
import { SUBMISSION_STATUSES, type SubmissionItem } from "@cds/core/entities";
import type { SubmissionProgress } from "@cds/core/submission";
import type { Io } from "../../io.ts";
import { resolveRoot } from "../../options/root.ts";
import { stageOption, stateLocationOf, withState } from "../../options/state.ts";
import { submissionSummaryLines } from "../../output/submission-summary-table.ts";
import { renderTable } from "../../output/table.ts";
import { readSubmissionProgress, watchSubmission } from "../../output/watch-submission.ts";

const rootOption = ["--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)"] as const;

export function registerSubmissionsCommands(program: Command, io: Io): void {
  const submissions = program.command("submissions").description("follow and list submissions of many masks (`cds submit`)");
  submissions
    .command("show")
    .description("follow a submission live until its last search ends, then print its summary table")
    .argument("<submissionId>", "a submission id (printed by `cds submit`)")
    .option(...rootOption)
    .option(...stageOption)
    .option("--once", "print where it stands now instead of following it")
    .option("--json", "print the progress as JSON (implies --once)")
    .action(async (submissionId: string, options: ShowOptions) => {
      await showSubmissionCommand(submissionId, options, io);
    });
  submissions
    .command("list")
    .description("list submissions, newest first")
    .option(...rootOption)
    .option(...stageOption)
    .option("--json", "print the submissions as JSON")
    .action(async (options: { root?: string; stage?: string; json?: boolean }) => {
      await listSubmissionsCommand(options, io);
    });
}

interface ShowOptions {
  root?: string;
  stage?: string;
  once?: boolean;
  json?: boolean;
}

/**
 * Shows a submission: followed live to its end (the summary table follows), or as it stands
 * with --once / --json; from a root folder, or a deployed stage's table with --stage (results
 * shown as `s3://<results bucket>/…`). Exits 1 when any of its masks was rejected or failed.
 */
export async function showSubmissionCommand(submissionId: string, options: ShowOptions, io: Io): Promise<SubmissionProgress> {
  const root = resolveRoot(io.cwd, options.root);
  const where = stateLocationOf(root, options);
  const progress =
    options.once || options.json
      ? await withState(where, (state) => readSubmissionProgress(state, submissionId))
      : await watchSubmission(where, submissionId, io);
  if (options.json) io.out(JSON.stringify(progress, null, 2));
  else for (const line of submissionSummaryLines(progress, await resultsLocation(root, options.stage))) io.out(line);
  if (progress.counts.failed > 0 || progress.counts.rejected > 0) io.exitCode = 1;
  return progress;
}

/** Lists submissions, newest first, with their counts (of a root folder, or a deployed stage with --stage). */
export async function listSubmissionsCommand(options: { root?: string; stage?: string; json?: boolean }, io: Io): Promise<SubmissionItem[]> {
  const root = resolveRoot(io.cwd, options.root);
  const found = await withState(stateLocationOf(root, options), async (state) => (await Promise.all(SUBMISSION_STATUSES.map((status) => state.listSubmissionsByStatus(status)))).flat());
  found.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  if (options.json) {
    io.out(JSON.stringify(found, null, 2));
    return found;
  }
  if (found.length === 0) {
    const flags = options.stage ? `--stage ${options.stage}` : `--root ${root}`;
    io.out(`no submissions ${options.stage ? `in stage ${options.stage}` : `under ${root}`} yet: \`cds submit <masks…> --library <name> ${flags}\` makes one`);
    return found;
  }
  renderTable(
    ["submissionId", "status", "library", "masks", "completed", "failed", "rejected", "created"],
    found.map((s) => [s.submissionId, s.status, s.library, s.maskCount, s.completedCount ?? "", s.failedCount ?? "", s.rejected.length, s.createdAt]),
  ).forEach((line) => io.out(line));
  return found;
}

/** Where results keys are shown: under the root's results folder, or in the stage's results bucket (its name looked up only now, for the table's last lines). */
async function resultsLocation(root: string, stage: string | undefined): Promise<string | ((key: string) => string)> {
  if (!stage) return join(root, "results");
  const { results } = await (await import("@cds/aws/stage-resources")).stageBucketNames(stage);
  return (key) => `s3://${results}/${key}`;
}
