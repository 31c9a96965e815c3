import { Option, type Command } from "commander";
import { join } from "node:path";
import { CdsError } from "@cds/core";
import { MAX_RESULTS_DOCUMENT_BYTES, parseResultsDocument, resultsCsv, toNeuronBridgeCustomMatches, type ResultsDocument } from "@cds/core/results";
import { readInputFile } from "../../files/input-files.ts";
import type { Io } from "../../io.ts";
import { resolveRoot } from "../../options/root.ts";
import { stageOption, stateLocationOf, withState } from "../../options/state.ts";
import { renderTable } from "../../output/table.ts";
import { positiveInteger } from "../library/index.ts";

export const RESULTS_FORMATS = ["table", "json", "csv", "neuronbridge"] as const;
type ResultsFormat = (typeof RESULTS_FORMATS)[number];

interface ResultsOptions {
  root?: string;
  stage?: string;
  json?: boolean;
  format?: ResultsFormat;
  top?: string;
  alignmentSpace?: string;
  anatomicalArea?: string;
}

export function registerResultsCommand(program: Command, io: Io): void {
  program
    .command("results")
    .description("show a search's ranked matches: of a completed search (its id), or of a results file (`cds search --out`, the pipeline's <searchId>.json)")
    .argument("<searchId|file>", "a search id, or a results .json file")
    .option("--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)")
    .option(...stageOption)
    .addOption(
      new Option("--format <format>", "table; json (the results document); csv; neuronbridge (NeuronBridge's CustomMatches JSON, for its tools)").choices(RESULTS_FORMATS).default("table"),
    )
    .option("--json", "the same as --format json")
    .option("--top <n>", "rows shown in the table", "20")
    .option("--alignment-space <name>", "with --format neuronbridge: the mask's alignment space (default: the one all matches share)")
    .option("--anatomical-area <name>", "with --format neuronbridge: the mask's anatomical area (default: the one all matches share)")
    .action(async (what: string, options: ResultsOptions) => {
      await resultsCommand(what, options, io);
    });
}

/**
 * Prints a search's results in the format asked. The argument is a results file when it names
 * one (it ends in .json or contains a path separator), else a search id looked up in the root's
 * state (or a deployed stage's with --stage).
 */
export async function resultsCommand(what: string, options: ResultsOptions, io: Io): Promise<ResultsDocument> {
  const format: ResultsFormat = options.json ? "json" : (options.format ?? "table");
  const top = positiveInteger("--top", options.top ?? "20");
  const { document, page } = /\.json$/i.test(what) || what.includes("/") ? await fromFile(what, io) : await fromSearch(what, options, io);
  switch (format) {
    case "json":
      io.out(JSON.stringify(document, null, 2));
      break;
    case "csv":
      // One line at a time: the terminal writer escapes control characters (a CR included), so
      // stdout gets the rows with plain newlines; the .csv file beside the results keeps CRLF.
      for (const row of resultsCsv(document).replace(/\r\n$/, "").split("\r\n")) io.out(row);
      break;
    case "neuronbridge":
      io.out(JSON.stringify(toNeuronBridgeCustomMatches(document, { alignmentSpace: options.alignmentSpace, anatomicalArea: options.anatomicalArea }), null, 2));
      break;
    case "table": {
      const count = document.matchCount;
      io.out(
        `${count === 0 ? "0 matches" : `${count} match${count === 1 ? "" : "es"}`} for ${document.mask.name} in ${document.library.name} ` +
          `(${document.scored.toLocaleString("en-US")} targets scored)${document.partial ? " — PARTIAL" : ""}`,
      );
      if (count > 0) {
        renderTable(
          ["rank", "target", "matchingPixels", "matchingRatio", "mirrored"],
          document.results.slice(0, top).map((r) => [r.rank, r.name, r.matchingPixels, r.matchingRatio.toFixed(4), r.mirrored ? "yes" : "no"]),
        ).forEach((line) => io.out(line));
      }
      if (page) io.out(`page: ${page}`);
    }
  }
  return document;
}

async function fromFile(path: string, io: Io): Promise<{ document: ResultsDocument; page: string }> {
  const text = new TextDecoder().decode(await readInputFile(io.cwd, path, "results file", MAX_RESULTS_DOCUMENT_BYTES));
  return { document: parseResultsDocument(text, path), page: path.replace(/\.json$/i, ".html") };
}

async function fromSearch(searchId: string, options: ResultsOptions, io: Io): Promise<{ document: ResultsDocument; page: string }> {
  const root = resolveRoot(io.cwd, options.root);
  const where = options.stage ? `stage ${options.stage}` : root;
  const search = await withState(stateLocationOf(root, options), (state) => state.getSearch(searchId));
  if (!search) throw new CdsError(`no search ${searchId} in ${where} and no file of that name; run \`cds status\` with the same --root or --stage to list searches`);
  if (search.status === "failed") throw new CdsError(`search ${searchId} failed (${search.failure?.stage}): ${search.failure?.reason}`);
  if (search.status !== "completed" || !search.resultsKey) {
    throw new CdsError(`search ${searchId} is ${search.status} (${search.completedBatches}/${search.batchCount} batches); try again when \`cds status ${searchId}\` says completed`);
  }
  if (!options.stage) return fromFile(join(root, "results", search.resultsKey), io);
  // The AWS SDK loads only for a stage.
  const [{ stageBucketNames }, { s3StoreAt }] = await Promise.all([import("@cds/aws/stage-resources"), import("@cds/aws/s3-url")]);
  const { results } = await stageBucketNames(options.stage);
  const store = s3StoreAt(`s3://${results}`, { option: "--stage" });
  const bytes = await store.get(search.resultsKey);
  return { document: parseResultsDocument(new TextDecoder().decode(bytes), `s3://${results}/${search.resultsKey}`), page: `s3://${results}/${search.resultsKey.replace(/\.json$/, ".html")}` };
}
