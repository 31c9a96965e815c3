import type { Command } from "commander";
import { CdsError, ParameterError } from "@cds/core";
import { libraryList, MANIFEST_KEY, readManifest } from "@cds/core/library";
import { prepareSubmission, submitMasks, type SubmissionProgress, type SubmissionReceipt } from "@cds/core/submission";
import { isEmailAddress } from "@cds/core/text";
import type { Io } from "../../io.ts";
import { checkLibraryName, resolveRoot } from "../../options/root.ts";
import { addSearchOptions, searchParamsFromOptions, type SearchOptionValues } from "../../options/search-options.ts";
import { withState } from "../../options/state.ts";
import { submissionSummaryLines } from "../../output/submission-summary-table.ts";
import { watchSubmission } from "../../output/watch-submission.ts";
import { positiveInteger } from "../library/index.ts";
import { readMaskInputs } from "./mask-inputs.ts";
import { openSubmissionTarget, type SubmissionTarget } from "./submission-target.ts";

interface SubmitCommandOptions extends SearchOptionValues {
  library: string;
  root?: string;
  stage?: string;
  maxResults?: string;
  email?: string;
  wait?: boolean;
  timeout?: string;
}

/** What `cds submit` did, for callers and tests. */
export interface SubmitOutcome {
  receipt: SubmissionReceipt;
  rejected: { name: string; file: string; reason: string }[];
  /** The final progress, with --wait. */
  final?: SubmissionProgress;
}

export function registerSubmitCommand(program: Command, io: Io): void {
  const command = program
    .command("submit")
    .description("submit many masks at once to the pipeline (`cds dev`, or a deployed stage with --stage): each becomes a search; they run a few at a time")
    .argument("<masks...>", "mask files, folders of masks, or manifests (.csv with a header row / .json) naming masks and their parameters")
    .requiredOption("--library <name>", "an indexed library under <root>/libraries (with --stage: under <name>/ in the stage's library bucket); several as a,b, ranked as one")
    .option("--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)")
    .option(
      "--stage <stage>",
      "submit to a deployed stage instead: masks go to its uploads bucket with their parameters as object metadata, the submission to its table " +
        "(bucket names from SST's SSM parameters, or CDS_UPLOADS_BUCKET / CDS_LIBRARY_BUCKET / CDS_RESULTS_BUCKET; AWS credentials from the environment)",
    );
  addSearchOptions(command)
    .option("--max-results <n>", "matches kept per mask (NeuronBridge's maxResultsPerMask; default 400)")
    .option("--email <address>", "email the submission's summary to this address when its last search ends")
    .option("--wait", "follow the submission until every search has ended: live progress, then a summary table")
    .option("--timeout <seconds>", "with --wait, stop waiting after this long (the submission goes on; exit code 1)")
    .action(async (masks: string[], options: SubmitCommandOptions) => {
      await submitCommand(masks, options, io);
    });
}

/**
 * Validates the masks (the checks intake makes), records the submission and uploads each mask
 * with its parameters: with a sidecar into <root>/uploads/<library>/, where `cds dev` picks them
 * up, or with --stage into the stage's uploads bucket, parameters as object metadata. The same
 * command run again resumes the submission: masks already uploaded are not uploaded again.
 * Rejected masks are listed with the reason and the rest go on. With --wait it follows the
 * submission to its end. Exits 1 when any mask was rejected or any search failed.
 */
export async function submitCommand(args: string[], options: SubmitCommandOptions, io: Io): Promise<SubmitOutcome> {
  const root = resolveRoot(io.cwd, options.root);
  // `--library a,b`: the masks go to a's upload folder, and their parameters name the others.
  const [library, ...others] = libraryList(options.library, "--library");
  checkLibraryName(library);
  const base = {
    ...searchParamsFromOptions(options),
    ...(others.length > 0 ? { libraries: others } : {}),
    ...(options.maxResults === undefined ? {} : { maxResultsPerMask: positiveInteger("--max-results", options.maxResults) }),
  };
  if (options.timeout !== undefined) {
    if (!options.wait) throw new ParameterError("--timeout", "--timeout needs --wait (without --wait, cds submit does not wait)");
    positiveSeconds(options.timeout);
  }
  if (options.email !== undefined && !isEmailAddress(options.email)) {
    throw new ParameterError("--email", `--email must be exactly one email address (like ada@example.org), got "${options.email}"`);
  }
  const target = await openSubmissionTarget({ root, library, stage: options.stage });
  try {
    return await submitTo(target, args, { ...options, library, base }, io);
  } finally {
    target.close();
  }
}

async function submitTo(target: SubmissionTarget, args: string[], options: SubmitCommandOptions & { base: Record<string, unknown> }, io: Io): Promise<SubmitOutcome> {
  const { library } = options;
  if (!(await target.library.exists(MANIFEST_KEY))) throw new CdsError(target.noLibraryMessage);
  const manifest = await readManifest(target.library);

  const { inputs, unreadable } = await readMaskInputs(args, { cwd: io.cwd, base: options.base });
  const prepared = await prepareSubmission(inputs, { name: library, width: manifest.width, height: manifest.height, count: manifest.count });
  const rejected = [...unreadable, ...prepared.rejected];
  const plan = { ...prepared, rejected };
  for (const bad of rejected) io.error(`cds: rejected ${bad.file}: ${bad.reason}`);
  for (const duplicate of plan.duplicates) io.error(`cds: ${duplicate.file} is the same mask with the same parameters as ${duplicate.sameAs}: searched once`);
  if (plan.masks.length === 0) {
    throw new CdsError(`nothing to submit: ${rejected.length === 0 ? "no mask was given" : `all ${rejected.length} masks were rejected`}`);
  }

  const { uploads, parametersAs } = target;
  const receipt = await withState(target.state, (state) => submitMasks(plan, { state, uploads, parametersAs }, { notifyEmail: options.email }));
  const { submissionId } = receipt.submission;
  const searched = [library, ...((options.base.libraries as string[] | undefined) ?? [])];
  io.out(
    `submission ${submissionId}: ${plan.masks.length} mask${plan.masks.length === 1 ? "" : "s"} against ${searched.length === 1 ? "library" : "libraries"} ${searched.join(", ")} ` +
      `(${receipt.uploaded.length} uploaded now, ${receipt.alreadySubmitted.length} submitted before)` +
      (rejected.length > 0 ? `; ${rejected.length} rejected` : ""),
  );
  io.exitCode = rejected.length > 0 ? 1 : 0;
  if (!options.wait) {
    io.out(`follow it with \`cds submissions show ${submissionId} ${target.flags}\` ${target.runsWhere}`);
    return { receipt, rejected };
  }
  const seconds = options.timeout === undefined ? undefined : positiveSeconds(options.timeout);
  let final: SubmissionProgress;
  try {
    final = await watchSubmission(target.state, submissionId, io, seconds === undefined ? {} : { signal: AbortSignal.timeout(seconds * 1000) });
  } catch (error) {
    if (seconds === undefined || !(error instanceof Error) || (error.name !== "TimeoutError" && error.name !== "AbortError")) throw error;
    io.error(`cds: stopped waiting after ${seconds} s (--timeout); submission ${submissionId} goes on: \`cds submissions show ${submissionId} ${target.flags}\` follows it`);
    io.exitCode = 1;
    return { receipt, rejected };
  }
  for (const line of submissionSummaryLines(final, target.resultsAt)) io.out(line);
  if (final.counts.failed > 0) io.exitCode = 1;
  return { receipt, rejected, final };
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ParameterError("--timeout", `--timeout must be a number of seconds > 0, got "${value}"`);
  return n;
}
