import { createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { boundedGet } from "./s3-bounded-get.ts";
import { CdsError } from "@cds/core";
import { parseS3Url } from "./s3-url.ts";

// A library's images where they are published: an `s3://` folder of CDMs, or a NeuronBridge
// library (`<alignmentSpace>/<library>/searchable_neurons/<n>/<name>.tif` with its shuffled
// `keys_denormalized.json`), fetched into a local folder laid out as the bucket is, which the
// folder indexer then reads exactly as it reads a copy made by hand (the same key list, the same
// paths, so the same library). Each image is streamed to a `.part` file and renamed when whole,
// so an interrupted run resumes by skipping the files already there; GETs run a bounded number
// at a time, and S3's SlowDown / 5xx answers are retried with jittered backoff. Public buckets
// are read anonymously (`signRequests: false`, the AWS CLI's --no-sign-request).

/** Options of {@link fetchLibrarySource}. */
export interface FetchLibrarySourceOptions {
  /** The local folder the images go to (kept: a later run reuses what is there). */
  cacheDir: string;
  /** Sign requests with the usual credential chain (default), or not, for public buckets. */
  signRequests?: boolean;
  /** GETs at once (default 16). */
  concurrency?: number;
  /** Attempts per request before giving up (default 8). */
  attempts?: number;
  /** First backoff in ms, doubled per retry, full jitter (default 200). */
  backoffMs?: number;
  onProgress?: (progress: FetchProgress) => void;
  /** A client to use instead of one built from the environment (tests). */
  client?: S3Client;
}

/** Where a fetch stands. */
export interface FetchProgress {
  /** Images in the folder so far (fetched now or found from an earlier run). */
  done: number;
  total: number;
  /** Bytes fetched by this run. */
  bytes: number;
  retries: number;
}

/** What a fetch did. */
export interface FetchedLibrarySource {
  /** The local folder to index. */
  folder: string;
  layout: "folder" | "neuronbridge";
  images: number;
  /** Images fetched by this run; the rest were already in the folder. */
  fetched: number;
  /** Cached images removed because the source no longer lists them. */
  removed: number;
  bytes: number;
  retries: number;
  /** Keys skipped because they would leave the folder (`..`, absolute). */
  refused: string[];
}

const SEARCHABLE = "searchable_neurons";
const KEY_LIST = "keys_denormalized.json";
const IMAGE = /\.(tif|tiff|png|jpe?g)$/i;
/** A key list larger than this is not a key list (NeuronBridge's largest is a few tens of MB). */
const MAX_KEY_LIST_BYTES = 512 * 1024 * 1024;
const RETRYABLE_NAMES = new Set(["SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "RequestTimeTooSkewed", "ThrottlingException", "TimeoutError"]);
const RETRYABLE_CODES = new Set(["ECONNRESET", "ETIMEDOUT", "EPIPE", "ECONNREFUSED", "EAI_AGAIN", "UND_ERR_SOCKET"]);

/** An S3 client for reading libraries: the environment's endpoint and path style; unsigned when asked; our own retries only. */
export function libraryReadClient(options: { signRequests?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({
    forcePathStyle: env.CDS_S3_FORCE_PATH_STYLE === "1",
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    maxAttempts: 1,
    ...(options.signRequests === false ? { signer: { sign: async (request) => request }, credentials: { accessKeyId: "anonymous", secretAccessKey: "anonymous" } } : {}),
  });
}

/**
 * Fetches the images of the library at `url` into `options.cacheDir`.
 *
 * @example
 * const source = await fetchLibrarySource("s3://janelia-flylight-color-depth/JRC2018_Unisex_20x_HR/FlyLight_Split-GAL4_Drivers", { cacheDir, signRequests: false });
 * await indexLibrary({ source: source.folder, name: "split-gal4", store });
 */
export async function fetchLibrarySource(url: string, options: FetchLibrarySourceOptions): Promise<FetchedLibrarySource> {
  const { bucket, prefix: given } = parseS3Url(url, "source");
  // A URL naming the searchable_neurons folder itself means its library.
  const libraryPrefix = given.endsWith(`${SEARCHABLE}/`) ? given.slice(0, -`${SEARCHABLE}/`.length) : given;
  const client = options.client ?? libraryReadClient({ signRequests: options.signRequests });
  const retry = retrier(options);
  const folder = resolve(options.cacheDir);
  try {
    const keyList = await readKeyList(client, bucket, `${libraryPrefix}${SEARCHABLE}/${KEY_LIST}`, retry);
    let layout: FetchedLibrarySource["layout"];
    let keys: string[];
    if (keyList) {
      layout = "neuronbridge";
      keys = keyList;
    } else {
      const searchable = (await listKeys(client, bucket, `${libraryPrefix}${SEARCHABLE}/`, retry, 1)).length > 0;
      layout = searchable ? "neuronbridge" : "folder";
      keys = (await listKeys(client, bucket, searchable ? `${libraryPrefix}${SEARCHABLE}/` : libraryPrefix, retry)).filter((k) => IMAGE.test(k) && (!searchable || /\/\d+\/[^/]+$/.test(k)));
    }
    if (keys.length === 0) throw new CdsError(`s3://${bucket}/${libraryPrefix} holds no images (looked for a ${SEARCHABLE}/${KEY_LIST}, then for .tif, .png and .jpg objects)`);

    const refused: string[] = [];
    const wanted: { key: string; path: string }[] = [];
    for (const key of [...new Set(keys)]) {
      const local = localPathOf(folder, key, libraryPrefix);
      if (local) wanted.push({ key: key.includes(`${SEARCHABLE}/`) || layout === "folder" ? key : `${libraryPrefix}${SEARCHABLE}/${key}`, path: local });
      else refused.push(key);
    }
    await mkdir(folder, { recursive: true });
    await removeParts(folder);
    // Only where the listing looked: a NeuronBridge layout's grad/ and zgap/ folders stay.
    const removed = await removeStale(layout === "neuronbridge" ? join(folder, SEARCHABLE) : folder, new Set(wanted.map((w) => w.path)));
    if (keyList) {
      // The same key list beside the images: the folder indexer then lists exactly these keys.
      await mkdir(join(folder, SEARCHABLE), { recursive: true });
      await writeFile(join(folder, SEARCHABLE, KEY_LIST), JSON.stringify(keyList));
    }

    const progress: FetchProgress = { done: 0, total: wanted.length, bytes: 0, retries: 0 };
    const todo: typeof wanted = [];
    for (const item of wanted) {
      if (await isFile(item.path)) progress.done++;
      else todo.push(item);
    }
    options.onProgress?.({ ...progress });
    let fetched = 0;
    let next = 0;
    const concurrency = Math.max(1, options.concurrency ?? 16);
    await Promise.all(
      Array.from({ length: Math.min(concurrency, todo.length) }, async () => {
        while (next < todo.length) {
          const item = todo[next++]!;
          progress.bytes += await retry(`s3://${bucket}/${item.key}`, () => download(client, bucket, item.key, item.path), () => progress.retries++);
          fetched++;
          progress.done++;
          options.onProgress?.({ ...progress });
        }
      }),
    );
    return { folder, layout, images: wanted.length, fetched, removed, bytes: progress.bytes, retries: progress.retries, refused };
  } finally {
    if (!options.client) client.destroy();
  }
}

/** One library a NeuronBridge data release offers. */
export interface CatalogLibrary {
  store: string;
  anatomicalArea: string;
  alignmentSpace: string;
  kind: "LM" | "EM";
  name: string;
  count: number;
  /** Where its images are, for `cds library index`. */
  source: string;
}

/**
 * The libraries of a NeuronBridge data release: `current.txt` in the data bucket names the
 * release (unless `version` is given), whose `config.json` lists each store's LM and EM
 * libraries with their sizes, searched under `<alignmentSpace>/<library>/searchable_neurons/`
 * of the store's CDM bucket.
 *
 * @example
 * const { version, libraries } = await readNeuronBridgeCatalog("s3://janelia-neuronbridge-data-prod", { signRequests: false });
 */
export async function readNeuronBridgeCatalog(url: string, options: { signRequests?: boolean; version?: string; client?: S3Client } = {}): Promise<{ version: string; libraries: CatalogLibrary[] }> {
  const { bucket, prefix } = parseS3Url(url, "catalog");
  const client = options.client ?? libraryReadClient({ signRequests: options.signRequests });
  const retry = retrier({});
  try {
    const text = async (key: string, limit: number) => {
      const bytes = await retry(`s3://${bucket}/${key}`, () => boundedGet(client, bucket, key, limit), () => undefined);
      if (!bytes) throw new CdsError(`s3://${bucket}/${key} does not exist: is this a NeuronBridge data bucket?`);
      return new TextDecoder().decode(bytes);
    };
    const version = options.version ?? (await text(`${prefix}current.txt`, 1024)).trim();
    if (!/^[\w.-]{1,64}$/.test(version)) throw new CdsError(`s3://${bucket}/${prefix}current.txt does not hold a release name`);
    let config: unknown;
    try {
      config = JSON.parse(await text(`${prefix}${version}/config.json`, 16 * 1024 * 1024));
    } catch (error) {
      if (error instanceof CdsError) throw error;
      throw new CdsError(`s3://${bucket}/${prefix}${version}/config.json is not JSON`);
    }
    return { version, libraries: catalogLibraries(config) };
  } finally {
    if (!options.client) client.destroy();
  }
}

/** The libraries listed in a NeuronBridge `config.json` (unknown shapes are skipped, not guessed). */
export function catalogLibraries(config: unknown): CatalogLibrary[] {
  const root = (config ?? {}) as { anatomicalAreas?: Record<string, { alignmentSpace?: string }>; stores?: Record<string, unknown> };
  const libraries: CatalogLibrary[] = [];
  for (const [store, raw] of Object.entries(root.stores ?? {})) {
    const entry = raw as { anatomicalArea?: string; prefixes?: { CDM?: string }; customSearch?: { alignmentSpace?: string; searchFolder?: string; lmLibraries?: unknown[]; emLibraries?: unknown[] } };
    const area = entry.anatomicalArea ?? "";
    const alignmentSpace = entry.customSearch?.alignmentSpace ?? root.anatomicalAreas?.[area]?.alignmentSpace ?? "";
    const cdmBucket = /^https:\/\/s3\.amazonaws\.com\/([^/]+)\/?$/.exec(entry.prefixes?.CDM ?? "")?.[1] ?? /^https:\/\/([^.]+)\.s3\.amazonaws\.com\/?$/.exec(entry.prefixes?.CDM ?? "")?.[1];
    for (const [kind, list] of [["LM", entry.customSearch?.lmLibraries], ["EM", entry.customSearch?.emLibraries]] as const) {
      for (const item of list ?? []) {
        const { name, count } = (item ?? {}) as { name?: unknown; count?: unknown };
        if (typeof name !== "string" || typeof count !== "number") continue;
        libraries.push({ store, anatomicalArea: area, alignmentSpace, kind, name, count, source: cdmBucket ? `s3://${cdmBucket}/${alignmentSpace}/${name}` : "" });
      }
    }
  }
  return libraries;
}

type Retry = <T>(what: string, attempt: () => Promise<T>, onRetry: () => void) => Promise<T>;

function retrier(options: { attempts?: number; backoffMs?: number }): Retry {
  const attempts = options.attempts ?? 8;
  const base = options.backoffMs ?? 200;
  return async (what, attempt, onRetry) => {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (!isRetryable(error) || n >= attempts) throw describeFailure(what, error, n);
        onRetry();
        await sleep(Math.random() * Math.min(20_000, base * 2 ** (n - 1)));
      }
    }
  };
}

function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e.$metadata?.httpStatusCode ?? 0;
  return RETRYABLE_NAMES.has(e.name ?? "") || RETRYABLE_CODES.has(e.code ?? "") || status === 500 || status === 503 || status === 429 || Boolean(e.$retryable);
}

function describeFailure(what: string, error: unknown, attempts: number): Error {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === "AccessDenied" || e.$metadata?.httpStatusCode === 403) {
    return new CdsError(`${what}: access denied (a public bucket is read with --no-sign-request; a private one needs credentials that may read it)`, { cause: error });
  }
  return new CdsError(`${what}: ${e.name ?? "error"}: ${e.message ?? String(error)}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}`, { cause: error });
}

/** The key list, or undefined when there is none. */
async function readKeyList(client: S3Client, bucket: string, key: string, retry: Retry): Promise<string[] | undefined> {
  const bytes = await retry(`s3://${bucket}/${key}`, () => boundedGet(client, bucket, key, MAX_KEY_LIST_BYTES), () => undefined);
  if (!bytes) return undefined;
  let keys: unknown;
  try {
    keys = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new CdsError(`s3://${bucket}/${key} is not a JSON key list`);
  }
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) throw new CdsError(`s3://${bucket}/${key} must be a JSON array of object keys`);
  return keys as string[];
}

/** Every key under `prefix` (or the first `most`). */
async function listKeys(client: S3Client, bucket: string, prefix: string, retry: Retry, most = Infinity): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await retry(`s3://${bucket}/${prefix}`, () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: Math.min(1000, most) })), () => undefined);
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token && keys.length < most);
  return keys;
}

/** Streams one object into `path` through `path.part`; its size in bytes. */
async function download(client: S3Client, bucket: string, key: string, path: string): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const part = `${path}.part`;
  try {
    const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    await pipeline(answer.Body as Readable, createWriteStream(part));
    const { size } = await stat(part);
    if (answer.ContentLength !== undefined && size !== answer.ContentLength) throw Object.assign(new Error(`got ${size} of ${answer.ContentLength} bytes`), { code: "ECONNRESET" });
    await rename(part, path);
    return size;
  } catch (error) {
    await rm(part, { force: true });
    throw error;
  }
}

/** The local path of `key`, relative to the library's prefix; undefined when it would leave the folder. */
function localPathOf(folder: string, key: string, libraryPrefix: string): string | undefined {
  const at = key.indexOf(`${SEARCHABLE}/`);
  const relativeKey = at >= 0 ? key.slice(at) : key.startsWith(libraryPrefix) ? key.slice(libraryPrefix.length) : `${SEARCHABLE}/${key}`;
  const parts = relativeKey.split("/");
  if (parts.some((p) => p === ".." || p === "." || p === "") || relativeKey.includes("\0")) return undefined;
  const path = resolve(folder, ...parts);
  return path.startsWith(folder + sep) && !relative(folder, path).startsWith("..") ? path : undefined;
}

/** Half-written files of an interrupted run. */
async function removeParts(folder: string): Promise<void> {
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(".part")) await rm(join(entry.parentPath, entry.name), { force: true });
  }
}

/**
 * Removes cached images the source no longer lists, so that indexing the folder (and `cds
 * library update`, which removes vanished images) sees the source as it is now. Returns how many.
 */
async function removeStale(folder: string, wanted: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  if (!(await stat(folder).then((s) => s.isDirectory(), () => false))) return 0;
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && IMAGE.test(entry.name) && !wanted.has(path)) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
