import type { Command } from "commander";
import { join } from "node:path";
import { SUBMISSION_STATUSES, type SubmissionItem, type SubmissionProgress } from "@cds/core";
import type { Io } from "../../io.ts";
import { resolveRoot } from "../../options/root.ts";
import { withState } from "../../options/state.ts";
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
    .option("--once", "print where it stands now instead of following it")
    .option("--json", "print the progress as JSON (implies --once)")
    .action(async (submissionId: string, options: { root?: string; once?: boolean; json?: boolean }) => {
      await showSubmissionCommand(submissionId, options, io);
    });
  submissions
    .command("list")
    .description("list submissions, newest first")
    .option(...rootOption)
    .action(async (options: { root?: string }) => {
      await listSubmissionsCommand(options, io);
    });
}

/**
 * Shows a submission: followed live to its end (the summary table follows), or as it stands
 * with --once / --json. Exits 1 when any of its masks was rejected or failed.
 */
export async function showSubmissionCommand(submissionId: string, options: { root?: string; once?: boolean; json?: boolean }, io: Io): Promise<SubmissionProgress> {
  const root = resolveRoot(io.cwd, options.root);
  const progress =
    options.once || options.json
      ? await withState(root, (state) => readSubmissionProgress(state, submissionId))
      : await watchSubmission(root, submissionId, io);
  if (options.json) io.out(JSON.stringify(progress, null, 2));
  else for (const line of submissionSummaryLines(progress, join(root, "results"))) io.out(line);
  if (progress.counts.failed > 0 || progress.counts.rejected > 0) io.exitCode = 1;
  return progress;
}

/** Lists submissions, newest first, with their counts. */
export async function listSubmissionsCommand(options: { root?: string }, io: Io): Promise<SubmissionItem[]> {
  const root = resolveRoot(io.cwd, options.root);
  const found = await withState(root, async (state) => (await Promise.all(SUBMISSION_STATUSES.map((status) => state.listSubmissionsByStatus(status)))).flat());
  found.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  if (found.length === 0) {
    io.out(`no submissions under ${root} yet: \`cds submit <masks…> --library <name> --root ${root}\` makes one`);
    return found;
  }
  renderTable(
    ["submissionId", "status", "library", "masks", "completed", "failed", "rejected", "created"],
    found.map((s) => [s.submissionId, s.status, s.library, s.maskCount, s.completedCount ?? "", s.failedCount ?? "", s.rejected.length, s.createdAt]),
  ).forEach((line) => io.out(line));
  return found;
}
