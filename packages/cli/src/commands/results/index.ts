import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CdsError, type ResultsDocument } from "@cds/core";
import type { Io } from "../../io.ts";
import { resolveRoot } from "../../options/root.ts";
import { withState } from "../../options/state.ts";
import { renderTable } from "../../output/table.ts";
import { positiveInteger } from "../library/index.ts";

interface ResultsOptions {
  root?: string;
  json?: boolean;
  top?: string;
}

export function registerResultsCommand(program: Command, io: Io): void {
  program
    .command("results")
    .description("show a completed search's ranked matches")
    .argument("<searchId>", "a search id")
    .option("--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)")
    .option("--json", "print the whole results document as JSON")
    .option("--top <n>", "rows shown in the table", "20")
    .action(async (searchId: string, options: ResultsOptions) => {
      await resultsCommand(searchId, options, io);
    });
}

export async function resultsCommand(searchId: string, options: ResultsOptions, io: Io): Promise<ResultsDocument> {
  const root = resolveRoot(io.cwd, options.root);
  const top = positiveInteger("--top", options.top ?? "20");
  const search = await withState(root, (state) => state.getSearch(searchId));
  if (!search) throw new CdsError(`no search ${searchId} under ${root}; run \`cds status --root ${root}\` to list searches`);
  if (search.status === "failed") throw new CdsError(`search ${searchId} failed (${search.failure?.stage}): ${search.failure?.reason}`);
  if (search.status !== "completed" || !search.resultsKey) {
    throw new CdsError(`search ${searchId} is ${search.status} (${search.completedBatches}/${search.batchCount} batches); try again when \`cds status ${searchId}\` says completed`);
  }
  const path = join(root, "results", search.resultsKey);
  const document = JSON.parse(await readFile(path, "utf8")) as ResultsDocument;
  if (options.json) {
    io.out(JSON.stringify(document, null, 2));
    return document;
  }
  io.out(`${document.matchCount} matches for ${document.mask.name} in ${document.library.name} (${document.scored.toLocaleString("en-US")} targets scored)${document.partial ? " — PARTIAL" : ""}`);
  renderTable(
    ["rank", "target", "matchingPixels", "matchingRatio", "mirrored"],
    document.results.slice(0, top).map((r) => [r.rank, r.name, r.matchingPixels, r.matchingRatio.toFixed(4), r.mirrored ? "yes" : "no"]),
  ).forEach((line) => io.out(line));
  io.out(`page: ${path.replace(/\.json$/, ".html")}`);
  return document;
}
