import { randomUUID } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { CdsError, ParameterError } from "@cds/core";
import { SUBMISSION_STATUSES, type SearchItem } from "@cds/core/entities";
import { readDescriptor, type LibraryDescriptor } from "@cds/core/library";
import {
  checkWebhookTarget,
  generateWebhookSecret,
  secretFingerprint,
  WEBHOOK_EVENT_TYPES,
  WebhookTargetRefusedError,
} from "@cds/core/notify";
import {
  DEFAULT_MASK_MAX_BYTES,
  recentSearches,
  UPLOAD_FORM_FIELDS,
  uploadFormDefaults,
  uploadFormSidecar,
  withBatchProgress,
} from "@cds/core/pipeline";
import type { StateStore } from "@cds/core/state";
import { prepareSubmission, submitMasks, type SubmissionInput } from "@cds/core/submission";
import { printable } from "@cds/core/text";
import { FolderBlobStore } from "../folder-blob-store.ts";
import { librariesUnder, libraryNames } from "../library-folders.ts";

// The console's HTTP API over a local runtime: the same routes the stage's API serves (see
// README, "The console"), so one browser app drives both. Uploads take two steps, as a presigned
// S3 upload does: `POST /api/uploads` checks the parameters with intake's own sidecar rules and
// answers where to PUT the file; the PUT writes the sidecar, then the mask, into
// uploads/<library>/, where the upload watcher takes them like any dropped file. Several masks
// at once become a submission, planned and written by the same code as `cds submit`.

/** A mask upload or a submission's file waits here between its announcement and its bytes. */
interface Staged {
  library: string;
  fileName: string;
  bytes: number;
  sidecar: Record<string, unknown>;
  /** Set for a submission's file: its submission's staging id. */
  submission?: string;
  received?: boolean;
  expiresAt: number;
}

/** A submission whose files are being uploaded. */
interface StagedSubmission {
  library: string;
  sidecar: Record<string, unknown>;
  notifyEmail?: string;
  files: string[];
  expiresAt: number;
}

/** An answer: status and JSON body. */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** Largest mask the console takes: intake's own default limit. */
export const CONSOLE_MAX_MASK_BYTES = DEFAULT_MASK_MAX_BYTES;
/** Most files in one submission from the console. */
const MAX_SUBMISSION_FILES = 200;
/** An announced upload whose bytes never come is forgotten after this. */
const STAGED_FOR_MS = 15 * 60_000;
/** Image files intake reads; anything else is refused before upload. */
const MASK_EXTENSIONS = new Set([".png", ".tif", ".tiff", ".jpg", ".jpeg"]);

/** The API's routes over one runtime's root folder and state. */
export interface ConsoleApi {
  handle(method: string, path: string, query: URLSearchParams, body: () => Promise<Buffer>): Promise<ApiAnswer | undefined>;
  /** Takes the body of `PUT /api/staged/<id>`; the declared size, read within it. */
  stagedUpload(id: string): { bytes: number } | undefined;
  receive(id: string, bytes: Buffer): Promise<ApiAnswer>;
}

/**
 * The API of the console of the runtime at `root`.
 *
 * @example
 * const api = createConsoleApi({ root, state: () => runtime.state });
 */
export function createConsoleApi(options: { root: string; state: () => StateStore }): ConsoleApi {
  const { root } = options;
  const ctx: ConsoleContext = {
    root,
    state: options.state,
    uploads: new FolderBlobStore(join(root, "uploads")),
    stagingRoot: join(root, "console-staging"),
    staged: new Map(),
    submissions: new Map(),
  };
  return {
    handle: (method, path, query, body) => handle(ctx, method, path, query, body),
    stagedUpload: (id) => {
      const upload = ctx.staged.get(id);
      return upload && !upload.received ? { bytes: upload.bytes } : undefined;
    },
    receive: (id, bytes) => receive(ctx, id, bytes),
  };
}

/** What every route reads: the runtime's folders and state, and the uploads announced but not yet complete. */
interface ConsoleContext {
  root: string;
  state: () => StateStore;
  uploads: FolderBlobStore;
  stagingRoot: string;
  staged: Map<string, Staged>;
  submissions: Map<string, StagedSubmission>;
}

async function handle(ctx: ConsoleContext, method: string, path: string, query: URLSearchParams, body: () => Promise<Buffer>): Promise<ApiAnswer | undefined> {
  expireStaged(ctx);
  try {
    const rest = path.split("/").filter(Boolean).slice(1); // after "api"
    const exact = `${method} /${rest.join("/")}`;
    // A second segment that is not part of a fixed route is an id: /searches/<id>, /webhooks/<id>/deliveries.
    const route = FIXED_ROUTES.has(exact) ? exact : `${method} /${rest.map((p, i) => (i === 1 ? ":id" : p)).join("/")}`;
    return await answer(ctx, route, rest[1] ?? "", query, () => jsonObject(body));
  } catch (error) {
    if (error instanceof FieldError) return { status: 400, body: { error: error.message, field: error.field } };
    if (error instanceof CdsError) return { status: 400, body: { error: error.message } };
    throw error;
  }
}

/** The answer to one route, or undefined where the API has no such route. */
async function answer(ctx: ConsoleContext, route: string, id: string, query: URLSearchParams, json: () => Promise<Record<string, unknown>>): Promise<ApiAnswer | undefined> {
  const state = ctx.state;
  switch (route) {
    case "GET /config":
      return { status: 200, body: { runtime: "local", live: { kind: "sse", url: "/api/live" }, auth: { kind: "token" }, maxMaskBytes: CONSOLE_MAX_MASK_BYTES } };
    case "GET /libraries":
      return { status: 200, body: { libraries: await listLibraries(ctx.root) } };
    case "GET /params":
      return { status: 200, body: { defaults: uploadFormDefaults(), fields: UPLOAD_FORM_FIELDS } };
    case "POST /params/check":
      sidecarOf(await json());
      return { status: 200, body: { ok: true } };
    case "POST /uploads":
      return await announceUpload(ctx, await json());
    case "POST /submissions":
      return await announceSubmission(ctx, await json());
    case "POST /submissions/:id/submit":
      return await submit(ctx, id);
    case "GET /searches": {
      const limit = Math.min(200, Math.max(1, Number(query.get("limit") ?? 50) || 50));
      return { status: 200, body: { searches: (await recentSearches(state(), limit)).slice(0, limit).map(searchView) } };
    }
    case "GET /searches/:id":
      return await oneSearch(state(), id);
    case "GET /submissions":
      return { status: 200, body: { submissions: await latestSubmissions(state()) } };
    case "GET /webhooks":
      return await listWebhooks(state());
    case "POST /webhooks":
      return await addWebhook(state(), await json());
    case "DELETE /webhooks/:id":
      return (await state().removeSubscription(id)) ? { status: 200, body: { removed: id } } : notFound("no such subscription");
    case "GET /webhooks/:id/deliveries": {
      const page = await state().listDeliveriesOfSubscription(id, { limit: 50 });
      return { status: 200, body: { deliveries: page.items } };
    }
    default:
      return undefined;
  }
}

async function jsonObject(body: () => Promise<Buffer>): Promise<Record<string, unknown>> {
  const raw = await body();
  try {
    const value = JSON.parse(raw.toString("utf8")) as unknown;
    if (!isObject(value)) throw new Error("not an object");
    return value;
  } catch {
    throw new FieldError("request", "the request body must be a JSON object");
  }
}

/** Forgets announced uploads whose bytes never came, and the staged files of abandoned submissions. */
function expireStaged(ctx: ConsoleContext): void {
  const now = Date.now();
  for (const [id, s] of ctx.staged) if (s.expiresAt < now) ctx.staged.delete(id);
  for (const [id, s] of ctx.submissions) {
    if (s.expiresAt >= now) continue;
    ctx.submissions.delete(id);
    void rm(join(ctx.stagingRoot, id), { recursive: true, force: true });
  }
}

async function listLibraries(root: string): Promise<{ name: string; count?: number; width?: number; height?: number; problem?: string }[]> {
  return Promise.all(
    (await libraryNames(root)).map(async (name) => {
      try {
        const d = await readDescriptor(librariesUnder(root)(name));
        return { name, count: d.count, width: d.width, height: d.height };
      } catch (error) {
        return { name, problem: error instanceof CdsError ? error.message : "its index cannot be read" };
      }
    }),
  );
}

async function descriptorOf(root: string, library: unknown): Promise<LibraryDescriptor> {
  if (typeof library !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(library)) throw new FieldError("library", "choose a library");
  try {
    return await readDescriptor(librariesUnder(root)(library));
  } catch {
    throw new FieldError("library", `there is no usable library "${library}" here: index one with \`cds library index\``);
  }
}

/** The sidecar an upload gets, checked by intake's own rules; a bad value names its field. */
function sidecarOf(input: Record<string, unknown>): Record<string, unknown> {
  try {
    return uploadFormSidecar(input);
  } catch (error) {
    if (error instanceof ParameterError) throw new FieldError(error.parameter, error.message);
    throw error;
  }
}

/** A file name that is safe as one path segment, not taken in the library's upload folder. */
async function freeName(ctx: ConsoleContext, library: string, fileName: unknown): Promise<string> {
  if (typeof fileName !== "string" || fileName.length === 0) throw new FieldError("file", "choose a mask file");
  const name = basename(fileName.replaceAll("\\", "/"));
  const extension = extname(name).toLowerCase();
  if (!MASK_EXTENSIONS.has(extension)) throw new FieldError("file", `${shortName(name)} is not a PNG, TIFF or JPEG mask (by its name)`);
  const stem = name.slice(0, -extension.length).replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 120) || "mask";
  for (let n = 0; ; n++) {
    const candidate = `${stem}${n === 0 ? "" : `-${n}`}${extension}`;
    const key = `${library}/${candidate}`;
    if ([...ctx.staged.values()].some((s) => s.library === library && s.fileName === candidate)) continue;
    if (!(await ctx.uploads.exists(key)) && !(await ctx.uploads.exists(`${key}.json`))) return candidate;
  }
}

function sizeOf(bytes: unknown): number {
  if (typeof bytes !== "number" || !Number.isInteger(bytes) || bytes < 1) throw new FieldError("file", "the file is empty");
  if (bytes > CONSOLE_MAX_MASK_BYTES) throw new FieldError("file", `the file is ${mib(bytes)}; masks may be at most ${mib(CONSOLE_MAX_MASK_BYTES)}`);
  return bytes;
}

async function announceUpload(ctx: ConsoleContext, input: Record<string, unknown>): Promise<ApiAnswer> {
  const descriptor = await descriptorOf(ctx.root, input.library);
  const sidecar = sidecarOf(input);
  const bytes = sizeOf(input.bytes);
  const fileName = await freeName(ctx, descriptor.name, input.fileName);
  const id = randomUUID();
  ctx.staged.set(id, { library: descriptor.name, fileName, bytes, sidecar, expiresAt: Date.now() + STAGED_FOR_MS });
  return { status: 200, body: { key: `${descriptor.name}/${fileName}`, put: { url: `/api/staged/${id}`, method: "PUT", headers: { "content-type": "application/octet-stream" } } } };
}

async function announceSubmission(ctx: ConsoleContext, input: Record<string, unknown>): Promise<ApiAnswer> {
  const descriptor = await descriptorOf(ctx.root, input.library);
  const sidecar = sidecarOf({ params: input.params });
  if (input.notifyEmail !== undefined && input.notifyEmail !== "") sidecarOf({ notifyEmail: input.notifyEmail });
  const files = Array.isArray(input.files) ? input.files : [];
  if (files.length < 2 || files.length > MAX_SUBMISSION_FILES) throw new FieldError("file", `a submission holds 2 to ${MAX_SUBMISSION_FILES} masks`);
  const id = randomUUID();
  const puts: { fileName: string; url: string }[] = [];
  for (const file of files) {
    if (!isObject(file)) throw new FieldError("file", "each file needs a name and a size");
    const fileName = await freeName(ctx, descriptor.name, file.fileName);
    const fileId = randomUUID();
    ctx.staged.set(fileId, { library: descriptor.name, fileName, bytes: sizeOf(file.bytes), sidecar, submission: id, expiresAt: Date.now() + STAGED_FOR_MS });
    puts.push({ fileName, url: `/api/staged/${fileId}` });
  }
  ctx.submissions.set(id, { library: descriptor.name, sidecar, notifyEmail: typeof input.notifyEmail === "string" && input.notifyEmail ? input.notifyEmail : undefined, files: puts.map((p) => p.url.split("/").pop()!), expiresAt: Date.now() + STAGED_FOR_MS });
  return { status: 200, body: { submission: id, puts, submit: { url: `/api/submissions/${id}/submit`, method: "POST" } } };
}

async function submit(ctx: ConsoleContext, id: string): Promise<ApiAnswer> {
  const pending = ctx.submissions.get(id);
  if (!pending) return notFound("no such submission waiting for its files (they are kept 15 minutes)");
  const files = pending.files.map((fileId) => ({ fileId, file: ctx.staged.get(fileId) }));
  const missing = files.filter((f) => !f.file?.received);
  if (missing.length > 0) return { status: 409, body: { error: `${missing.length} of the submission's files have not been uploaded yet` } };
  const descriptor = await descriptorOf(ctx.root, pending.library);
  const inputs: SubmissionInput[] = await Promise.all(
    files.map(async ({ fileId, file }) => ({
      file: file!.fileName,
      name: file!.fileName.slice(0, -extname(file!.fileName).length),
      bytes: new Uint8Array(await readFile(join(ctx.stagingRoot, id, fileId))),
      sidecar: pending.sidecar,
    })),
  );
  const plan = await prepareSubmission(inputs, { name: descriptor.name, width: descriptor.width, height: descriptor.height, count: descriptor.count });
  if (plan.masks.length === 0) return { status: 400, body: { error: "every mask was rejected", rejected: plan.rejected } };
  const receipt = await submitMasks(plan, { state: ctx.state(), uploads: ctx.uploads, parametersAs: "sidecar" }, { notifyEmail: pending.notifyEmail });
  ctx.submissions.delete(id);
  for (const { fileId } of files) ctx.staged.delete(fileId);
  await rm(join(ctx.stagingRoot, id), { recursive: true, force: true });
  return {
    status: 200,
    body: { submissionId: receipt.submission.submissionId, keys: plan.masks.map((m) => m.uploadKey), rejected: plan.rejected, duplicates: plan.duplicates },
  };
}

async function receive(ctx: ConsoleContext, id: string, bytes: Buffer): Promise<ApiAnswer> {
  const upload = ctx.staged.get(id);
  if (!upload || upload.received) return notFound("no upload is waiting under this address (announce it with POST /api/uploads first)");
  if (bytes.byteLength !== upload.bytes) return { status: 400, body: { error: `announced ${upload.bytes} bytes, received ${bytes.byteLength}` } };
  if (upload.submission) {
    await mkdir(join(ctx.stagingRoot, upload.submission), { recursive: true });
    await writeFile(join(ctx.stagingRoot, upload.submission, id), bytes);
    upload.received = true;
    return { status: 200, body: { received: upload.fileName } };
  }
  const key = `${upload.library}/${upload.fileName}`;
  // The sidecar first: the watcher reads it when it takes the mask.
  await ctx.uploads.put(`${key}.json`, new TextEncoder().encode(JSON.stringify(upload.sidecar)));
  await ctx.uploads.put(key, bytes);
  ctx.staged.delete(id);
  return { status: 200, body: { key } };
}

async function oneSearch(state: StateStore, id: string): Promise<ApiAnswer> {
  const search = await state.getSearch(id);
  if (!search) return notFound("no such search");
  const [withProgress] = await withBatchProgress(state, [search]);
  return { status: 200, body: searchView(withProgress) };
}

/** The 50 newest submissions, whatever their status. */
async function latestSubmissions(state: StateStore) {
  const all = (await Promise.all(SUBMISSION_STATUSES.map((status) => state.listSubmissionsByStatus(status)))).flat();
  return all.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)).slice(0, 50);
}

async function listWebhooks(state: StateStore): Promise<ApiAnswer> {
  const subscriptions = await state.listSubscriptions();
  // Neither secret leaves the state (a rotated-out one still signs): a fingerprint tells them apart.
  return {
    status: 200,
    body: {
      events: WEBHOOK_EVENT_TYPES,
      subscriptions: subscriptions.map(({ secret, previousSecret: _previous, ...rest }) => ({ ...rest, secretFingerprint: secretFingerprint(secret) })),
    },
  };
}

async function addWebhook(state: StateStore, input: Record<string, unknown>): Promise<ApiAnswer> {
  const url = await webhookUrl(input);
  const events = Array.isArray(input.events) && input.events.length > 0 ? input.events.map(String) : [...WEBHOOK_EVENT_TYPES];
  const unknown = events.filter((e) => !WEBHOOK_EVENT_TYPES.includes(e));
  if (unknown.length > 0) throw new FieldError("events", `webhooks can receive ${WEBHOOK_EVENT_TYPES.join(", ")}`);
  const subscription = await state.createSubscription({ url, events, secret: generateWebhookSecret(), allowPrivate: input.allowPrivate === true });
  // The secret is shown this once; the list never carries it.
  return { status: 201, body: subscription };
}

/** The receiver's address, refused unless it is an http(s) URL the webhook policy accepts. */
async function webhookUrl(input: Record<string, unknown>): Promise<string> {
  const url = typeof input.url === "string" ? input.url.trim() : "";
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) throw new FieldError("url", "the receiver's address must be an http(s) URL");
  if (parsed.username || parsed.password) throw new FieldError("url", "put no user name or password in the URL: the receiver checks the signature instead");
  // The policy of `cds webhooks add`: public hosts only unless this subscription allows private ones.
  try {
    await checkWebhookTarget(parsed.href, { allowPrivate: input.allowPrivate === true });
  } catch (error) {
    if (error instanceof WebhookTargetRefusedError) throw new FieldError("url", error.message);
    throw error;
  }
  return parsed.href;
}

const FIXED_ROUTES = new Set(["GET /config", "GET /libraries", "GET /params", "POST /params/check", "POST /uploads", "POST /submissions", "GET /searches", "GET /submissions", "GET /webhooks", "POST /webhooks"]);

/** A bad value in the request, and which form field it belongs to. */
class FieldError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** One search as the console shows it. */
function searchView(search: SearchItem) {
  const { searchId, maskKey, library, status, batchCount, completedBatches, targetCount, submittedAt, startedAt, completedAt, matchCount, partial, failure, submissionId } = search;
  const done = status === "completed";
  return {
    searchId,
    maskKey,
    maskName: maskKey.split("/").pop(),
    library,
    status,
    batchCount,
    completedBatches,
    targetCount,
    submittedAt,
    ...(startedAt ? { startedAt } : {}),
    ...(completedAt ? { completedAt } : {}),
    ...(matchCount === undefined ? {} : { matchCount }),
    ...(partial ? { partial } : {}),
    ...(failure ? { failure } : {}),
    ...(submissionId ? { submissionId } : {}),
    ...(done ? { results: { page: `/results/${searchId}.html`, json: `/results/${searchId}.json` } } : {}),
  };
}

function notFound(error: string): ApiAnswer {
  return { status: 404, body: { error } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A file name as it may be quoted back: control characters escaped (core's printable), an overlong one cut. */
function shortName(name: string): string {
  const clean = printable(name);
  return clean.length > 80 ? `${clean.slice(0, 77)}…` : clean;
}
