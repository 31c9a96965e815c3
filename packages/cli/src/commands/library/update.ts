import type { Command } from "commander";
import { CdsError } from "@cds/core";
import { MANIFEST_KEY } from "@cds/core/library";
import { type LibraryUpdateResult, updateLibrary } from "@cds/local";
import { resolve } from "node:path";
import type { Io } from "../../io.ts";
import { progressBar } from "../../output/progress.ts";
import { checkLibraryName } from "../../options/root.ts";
import { fetchSource, type FetchOptions, libraryDestination, positiveInteger, readMetadata, reportSkipped } from "./index.ts";
import { reportShapeData } from "./shape-data.ts";

interface UpdateCommandOptions extends FetchOptions {
  to?: string;
  workers?: string;
  metadata?: string;
  json?: boolean;
}

/** Adds `library update` to the `library` command. */
export function registerUpdateCommand(library: Command, io: Io): void {
  library
    .command("update")
    .description("make a library's next version from its source as it is now: new images added, vanished ones removed, unchanged shards kept as they are")
    .argument("<name>", "the library's name")
    .argument("<source>", "the library's source now: a folder (or one holding searchable_neurons/), or s3://bucket/prefix")
    .option("--to <dir|s3://bucket>", "where the library is, if not <root>/libraries/<name> (as given to `library index --to`)")
    .option("--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)")
    .option("--workers <n>", "worker threads (default: one per core)")
    .option("--metadata <csv|json>", "metadata for the new images (as `library index --metadata`); the others keep theirs")
    .option("--cache <dir>", "for an s3:// source: where its images are fetched to (default: <root>/sources/<name>)")
    .option("--no-sign-request", "for an s3:// source: read a public bucket anonymously")
    .option("--fetch-concurrency <n>", "for an s3:// source: GETs at once", "16")
    .option("--json", "print what the update did as JSON")
    .action(async (name: string, source: string, options: UpdateCommandOptions) => {
      await updateCommand(name, source, options, io);
    });
}

export async function updateCommand(nameArgument: string, source: string, options: UpdateCommandOptions, io: Io): Promise<LibraryUpdateResult> {
  const name = checkLibraryName(nameArgument);
  const workers = options.workers === undefined ? undefined : positiveInteger("--workers", options.workers);
  const metadata = options.metadata === undefined ? undefined : await readMetadata(io.cwd, options.metadata);
  // Before an s3:// source is fetched: there is a library to update.
  const { store, destination } = await libraryDestination(name, options, io);
  if (!(await store.exists(MANIFEST_KEY))) {
    throw new CdsError(`there is no library "${name}" at ${destination} to update; index it first with \`cds library index <source> --name ${name}\``);
  }
  const folder = source.startsWith("s3://") ? await fetchSource(source, name, options, io) : resolve(io.cwd, source);
  const bar = progressBar(io, "updating");
  const started = performance.now();
  const update = await updateLibrary({
    source: folder,
    store,
    workers,
    ...(metadata ? { metadata } : {}),
    onProgress: (p) => bar.update(p.done, p.total),
  });
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  const { manifest } = update;
  if (options.json) {
    io.out(JSON.stringify(updateSummary(update, destination, seconds), null, 2));
    return update;
  }
  const version = manifest.version ?? 1;
  if (update.outcome === "unchanged") {
    io.out(`${name} is unchanged at version ${version}: ${folder} holds the same ${manifest.count.toLocaleString("en-US")} images`);
    return update;
  }
  const { kept, rewritten, added, dropped } = update.shards;
  io.out(
    `updated ${name} to version ${version}: +${update.added.toLocaleString("en-US")} images, −${update.removed.toLocaleString("en-US")} images; ` +
      `${kept} shards kept, ${rewritten} rewritten, ${added} new${dropped > 0 ? `, ${dropped} dropped` : ""} ` +
      `(${Math.round(update.bytesWritten / 1024).toLocaleString("en-US")} KiB written, ${seconds.toFixed(1)} s); ` +
      `${manifest.count.toLocaleString("en-US")} images in all`,
  );
  await reportShapeData(store, manifest, io);
  reportSkipped(manifest, io);
  return update;
}

/** What `library update --json` prints. */
function updateSummary(update: LibraryUpdateResult, destination: string, seconds: number) {
  const { manifest } = update;
  return {
    name: manifest.name,
    destination,
    outcome: update.outcome,
    version: manifest.version ?? 1,
    buildId: manifest.buildId,
    previous: update.previous,
    count: manifest.count,
    added: update.added,
    removed: update.removed,
    shards: update.shards,
    bytesWritten: update.bytesWritten,
    seconds: Math.round(seconds * 10) / 10,
    skipped: manifest.skipped,
  };
}
