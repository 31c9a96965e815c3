import type { Command } from "commander";
import { CdsError, ParameterError } from "@cds/core";
import { MANIFEST_KEY, parseMetadataFile, readManifest, type LibraryManifest, type MetadataTable } from "@cds/core/library";
import type { BlobStore } from "@cds/core/ports";
import { FolderBlobStore, indexLibrary, libraryNames, libraryVersions } from "@cds/local";
import { join, resolve } from "node:path";
import { readInputFile } from "../../files/input-files.ts";
import { checkOutputFolder } from "../../files/output-paths.ts";
import type { Io } from "../../io.ts";
import { progressBar } from "../../output/progress.ts";
import { renderTable } from "../../output/table.ts";
import { checkLibraryName, libraryFolder, resolveRoot } from "../../options/root.ts";
import { reportShapeData } from "./shape-data.ts";
import { registerUpdateCommand } from "./update.ts";

interface IndexCommandOptions {
  name: string;
  to?: string;
  /** Where an s3:// source's images are fetched to (default <root>/sources/<name>). */
  cache?: string;
  /** False with --no-sign-request: read a public bucket anonymously. */
  signRequest?: boolean;
  fetchConcurrency?: string;
  root?: string;
  shardSize?: string;
  workers?: string;
  seed?: string;
  withShape?: boolean;
  force?: boolean;
  metadata?: string;
  json?: boolean;
}

/** The largest `--metadata` file read. */
const MAX_METADATA_BYTES = 512 * 1024 * 1024;

export function registerLibraryCommands(program: Command, io: Io): void {
  const library = program.command("library").description("index, update and list target libraries");
  library
    .command("index")
    .description("index a folder of CDM images (or a NeuronBridge searchable_neurons layout) into a search-ready library")
    .argument("<source>", "folder of .tif/.png/.jpg CDMs (recursive), or a folder holding searchable_neurons/; or the same in S3: s3://bucket/prefix (e.g. s3://janelia-flylight-color-depth/JRC2018_Unisex_20x_HR/FlyLight_Split-GAL4_Drivers)")
    .requiredOption("--name <name>", "the library's name")
    .option("--to <dir|s3://bucket>", "where to write the library (default: <root>/libraries/<name>); s3://<library bucket> writes under <name>/, where a deployed stage looks")
    .option("--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)")
    .option("--shard-size <n>", "targets per shard object", "100")
    .option("--workers <n>", "worker threads (default: one per core)")
    .option("--seed <text>", "shuffle seed (default: the name)")
    .option("--cache <dir>", "for an s3:// source: where its images are fetched to, and found again by an interrupted run (default: <root>/sources/<name>)")
    .option("--no-sign-request", "for an s3:// source: read a public bucket anonymously (as the AWS CLI's flag)")
    .option("--fetch-concurrency <n>", "for an s3:// source: GETs at once", "16")
    .option("--with-shape", "also store each target's gradient and zgap (from grad/ and zgap/ folders beside the images, else the recipes) for `search --rank shape`")
    .option("--metadata <csv|json>", "metadata for the targets: a CSV (header row) or JSON array with name or sourcePath, and publishedName, slideCode, gender, objective, anatomicalArea, alignmentSpace, channel")
    .option("--force", "replace a library that already exists there")
    .option("--json", "print what was indexed as JSON")
    .action(async (source: string, options: IndexCommandOptions) => {
      await indexCommand(source, options, io);
    });
  registerUpdateCommand(library, io);
  library
    .command("catalog")
    .description("list the libraries a NeuronBridge data release offers (from its current.txt and config.json)")
    .argument("<bucket>", "the data bucket, e.g. s3://janelia-neuronbridge-data-prod")
    .option("--release <version>", "a release other than the one current.txt names")
    .option("--no-sign-request", "read a public bucket anonymously")
    .option("--json", "the libraries as JSON")
    .action(async (bucket: string, options: { release?: string; signRequest?: boolean; json?: boolean }) => {
      await catalogCommand(bucket, options, io);
    });
  library
    .command("list")
    .description("list the libraries under the root")
    .option("--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)")
    .option("--json", "print the libraries as JSON")
    .action(async (options: { root?: string; json?: boolean }) => {
      await listCommand(options, io);
    });
}

export async function indexCommand(source: string, options: IndexCommandOptions, io: Io) {
  const name = checkLibraryName(options.name);
  const shardSize = positiveInteger("--shard-size", options.shardSize ?? "100");
  const workers = options.workers === undefined ? undefined : positiveInteger("--workers", options.workers);
  const metadata = options.metadata === undefined ? undefined : await readMetadata(io.cwd, options.metadata);
  // Every check before any work (an s3:// source's fetch included): the destination is writable
  // and does not hold a library already, unless --force.
  const { store, destination } = await libraryDestination(name, options, io);
  if (!options.force && (await store.exists(MANIFEST_KEY))) {
    throw new CdsError(`a library already exists at ${destination}; pass --force to replace it, or choose another --name`);
  }
  const folder = source.startsWith("s3://") ? await fetchSource(source, name, options, io) : resolve(io.cwd, source);
  const bar = progressBar(io, "indexing");
  const started = performance.now();
  const manifest = await indexLibrary({
    source: folder,
    name,
    store,
    shardSize,
    workers,
    seed: options.seed,
    ...(metadata ? { metadata } : {}),
    withShape: options.withShape,
    onProgress: (p) => bar.update(p.done, p.total),
  });
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  const bytes = manifest.shards.reduce((n, s) => n + s.bytes, 0);
  if (options.json) {
    io.out(JSON.stringify(indexSummary(manifest, destination, bytes, seconds), null, 2));
    return manifest;
  }
  io.out(
    `indexed ${manifest.count.toLocaleString("en-US")} images of ${manifest.width}×${manifest.height} into ${destination} ` +
      `(${manifest.shards.length} shards, ${Math.round(bytes / manifest.count / 1024)} KiB per target, ${seconds.toFixed(1)} s)`,
  );
  if (options.withShape) await reportShapeData(store, manifest, io);
  reportSkipped(manifest, io);
  return manifest;
}

/** The images a build skipped, and why: the first 20 on stderr. */
export function reportSkipped(manifest: LibraryManifest, io: Io): void {
  if (manifest.skipped.length === 0) return;
  io.error(`skipped ${manifest.skipped.length} image(s):`);
  for (const s of manifest.skipped.slice(0, 20)) io.error(`  ${s.sourcePath}: ${s.reason}`);
  if (manifest.skipped.length > 20) io.error(`  … and ${manifest.skipped.length - 20} more (all listed in data/${manifest.buildId}/report.json)`);
}

/** What `library index --json` prints: the library without its item list. */
function indexSummary(manifest: LibraryManifest, destination: string, bytes: number, seconds: number) {
  return {
    name: manifest.name,
    destination,
    count: manifest.count,
    width: manifest.width,
    height: manifest.height,
    shards: manifest.shards.length,
    bytes,
    seconds: Math.round(seconds * 10) / 10,
    withMetadata: manifest.items.filter((i) => i.publishedName !== undefined).length,
    skipped: manifest.skipped,
  };
}

export async function readMetadata(cwd: string, path: string): Promise<MetadataTable> {
  const text = new TextDecoder().decode(await readInputFile(cwd, path, "metadata file", MAX_METADATA_BYTES));
  return parseMetadataFile(text, path);
}

/** How an s3:// source is fetched: the options `library index` and `library update` share. */
export type FetchOptions = Pick<IndexCommandOptions, "cache" | "root" | "signRequest" | "fetchConcurrency">;

/** Fetches an s3:// source into its local folder (resuming an earlier run), printing what it did; the folder. */
export async function fetchSource(source: string, name: string, options: FetchOptions, io: Io): Promise<string> {
  const cacheDir = options.cache ? resolve(io.cwd, options.cache) : join(resolveRoot(io.cwd, options.root), "sources", name);
  const concurrency = positiveInteger("--fetch-concurrency", options.fetchConcurrency ?? "16");
  // The AWS SDK loads only for an S3 source or destination.
  const { fetchLibrarySource } = await import("@cds/aws/s3-library-source");
  const bar = progressBar(io, "fetching");
  const started = performance.now();
  const fetched = await fetchLibrarySource(source, {
    cacheDir,
    signRequests: options.signRequest !== false,
    concurrency,
    onProgress: (p) => bar.update(p.done, p.total, `${megabytes(p.bytes)}${p.retries ? `, ${p.retries} retries` : ""}`),
  });
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  io.out(
    `fetched ${fetched.fetched.toLocaleString("en-US")} of ${fetched.images.toLocaleString("en-US")} images (${megabytes(fetched.bytes)}, ${seconds.toFixed(1)} s` +
      `${fetched.retries ? `, ${fetched.retries} retries` : ""}) from ${source} into ${fetched.folder}` +
      (fetched.images > fetched.fetched ? `; ${(fetched.images - fetched.fetched).toLocaleString("en-US")} were there from an earlier run` : "") +
      (fetched.removed > 0 ? `; ${fetched.removed.toLocaleString("en-US")} no longer in the source removed from the cache` : ""),
  );
  if (fetched.refused.length > 0) io.error(`skipped ${fetched.refused.length} key(s) that would leave ${fetched.folder}, e.g. ${fetched.refused[0]}`);
  return fetched.folder;
}

async function catalogCommand(bucket: string, options: { release?: string; signRequest?: boolean; json?: boolean }, io: Io) {
  const { readNeuronBridgeCatalog } = await import("@cds/aws/s3-library-source");
  const { version, libraries } = await readNeuronBridgeCatalog(bucket, { signRequests: options.signRequest !== false, version: options.release });
  if (options.json) {
    io.out(JSON.stringify({ release: version, libraries }, null, 2));
    return;
  }
  io.out(`NeuronBridge release ${version}: ${libraries.length} libraries`);
  renderTable(
    ["library", "kind", "images", "area", "alignment space", "index it from"],
    libraries.map((l) => [l.name, l.kind, l.count, l.anatomicalArea, l.alignmentSpace, l.source]),
  ).forEach((line) => io.out(line));
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

async function listCommand(options: { root?: string; json?: boolean }, io: Io) {
  const root = resolveRoot(io.cwd, options.root);
  const rows: (string | number)[][] = [];
  const listed: ListedLibrary[] = [];
  for (const name of await libraryNames(root)) {
    try {
      const store = new FolderBlobStore(libraryFolder(root, name));
      const m = await readManifest(store);
      const bytes = m.shards.reduce((n, s) => n + s.bytes, 0);
      const versions = await libraryVersions(store);
      const version = m.version ?? 1;
      const older = versions.length > 1 ? ` (+${versions.length - 1} kept)` : "";
      rows.push([name, `${version}${older}`, m.count, `${m.width}x${m.height}`, bytes < 1e6 ? `${Math.ceil(bytes / 1024)} KiB` : megabytes(bytes), m.skipped.length, m.createdAt]);
      listed.push({
        name,
        version,
        count: m.count,
        width: m.width,
        height: m.height,
        bytes,
        skipped: m.skipped.length,
        createdAt: m.createdAt,
        versions: versions.map((v) => ({ version: v.version, buildId: v.buildId, createdAt: v.createdAt, count: v.count })),
      });
    } catch (error) {
      rows.push([name, "-", "-", "-", "-", "-", error instanceof Error ? error.message : String(error)]);
      listed.push({ name, error: error instanceof Error ? error.message : String(error) });
    }
  }
  if (options.json) {
    io.out(JSON.stringify(listed, null, 2));
    return;
  }
  if (rows.length === 0) {
    io.out(`no libraries under ${libraryFolder(root, "")}; create one with \`cds library index <source> --name <name>\``);
    return;
  }
  renderTable(["library", "version", "targets", "image", "size", "skipped", "created"], rows).forEach((l) => io.out(l));
}

/** One library in `library list --json`; `versions` are the readable ones, newest first (older ones stay a day for searches in flight). */
interface ListedLibrary {
  name: string;
  version?: number;
  count?: number;
  width?: number;
  height?: number;
  /** The shards' bytes. */
  bytes?: number;
  skipped?: number;
  createdAt?: string;
  versions?: { version: number; buildId: string; createdAt: string; count: number }[];
  error?: string;
}

/**
 * Where `library index` writes (and `library update` looks): a folder, or an S3 bucket. `s3://bucket` alone means the prefix
 * `<name>/`, the layout a deployed stage reads libraries from; a path after the bucket is used as given.
 */
export async function libraryDestination(name: string, options: Pick<IndexCommandOptions, "to" | "root">, io: Io): Promise<{ store: BlobStore; destination: string }> {
  if (options.to?.startsWith("s3://")) {
    // The AWS SDK loads only for an S3 destination: every other command starts without it.
    const { libraryPrefix, s3StoreAt } = await import("@cds/aws/s3-url");
    const store = s3StoreAt(options.to, { option: "--to", defaultPrefix: libraryPrefix(name) });
    return { store, destination: store.location };
  }
  const destination = options.to ? resolve(io.cwd, options.to) : libraryFolder(resolveRoot(io.cwd, options.root), name);
  // Before any image is read: an unwritable --to fails now, in one line.
  await checkOutputFolder(io.cwd, destination, options.to ? "--to" : "the library folder");
  return { store: new FolderBlobStore(destination), destination };
}

export function positiveInteger(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ParameterError(option, `${option} must be a whole number ≥ 1, got "${value}"`);
  return n;
}
