import type { Command } from "commander";
import { CdsError } from "@cds/core";
import type { SearchItem } from "@cds/core/entities";
import { recentSearches, withBatchProgress } from "@cds/core/pipeline";
import type { Io } from "../../io.ts";
import { resolveRoot } from "../../options/root.ts";
import { stageOption, stateLocationOf, withState } from "../../options/state.ts";
import { renderTable } from "../../output/table.ts";

interface StatusOptions {
  root?: string;
  stage?: string;
  json?: boolean;
}

export function registerStatusCommand(program: Command, io: Io): void {
  program
    .command("status")
    .description("show one search, or the latest searches of each status")
    .argument("[searchId]", "a search id (from `cds dev`'s log)")
    .option("--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)")
    .option(...stageOption)
    .option("--json", "print JSON")
    .action(async (searchId: string | undefined, options: StatusOptions) => {
      await statusCommand(searchId, options, io);
    });
}

export async function statusCommand(searchId: string | undefined, options: StatusOptions, io: Io): Promise<SearchItem[]> {
  const root = resolveRoot(io.cwd, options.root);
  const where = options.stage ? `stage ${options.stage}` : root;
  const searches = await withState(stateLocationOf(root, options), async (state) => {
    if (searchId) {
      const search = await state.getSearch(searchId);
      if (!search) throw new CdsError(`no search ${searchId} in ${where}; run \`cds status\` with the same --root or --stage to list searches`);
      return withBatchProgress(state, [search]);
    }
    return recentSearches(state, 20);
  });
  if (options.json) {
    io.out(JSON.stringify(searchId ? searches[0] : searches, null, 2));
  } else if (searchId) {
    const s = searches[0];
    io.out(`search ${s.searchId}: ${s.status}`);
    io.out(`  mask     ${s.maskKey} (library ${s.library}, ${s.targetCount.toLocaleString("en-US")} targets)`);
    io.out(`  batches  ${s.completedBatches}/${s.batchCount} done`);
    io.out(`  times    submitted ${s.submittedAt}${s.startedAt ? `, started ${s.startedAt}` : ""}${s.completedAt ? `, finished ${s.completedAt}` : ""}`);
    if (s.failure) io.out(`  failed   (${s.failure.stage}) ${s.failure.reason}`);
    if (s.resultsKey) io.out(`  results  ${s.matchCount} matches${s.partial ? " (partial)" : ""}: ${options.stage ? `${s.resultsKey} in the stage's results bucket` : `\`cds results ${s.searchId} --root ${root}\``}`);
  } else if (searches.length === 0) {
    io.out(
      options.stage
        ? `no searches in stage ${options.stage} yet: upload a mask to its uploads bucket under <library>/`
        : `no searches under ${root} yet: run \`cds dev --root ${root}\` and drop a mask into ${root}/uploads/<library>/`,
    );
  } else {
    renderTable(
      ["searchId", "status", "mask", "batches", "submitted"],
      searches.map((s) => [s.searchId, s.status, s.maskKey, `${s.completedBatches}/${s.batchCount}`, s.submittedAt]),
    ).forEach((line) => io.out(line));
  }
  return searches;
}
