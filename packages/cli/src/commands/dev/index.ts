import type { CatalogEvent } from "@cds/events";
import type { Command } from "commander";
import { join } from "node:path";
import { createLiveFeed, startConsoleServer, startLocalRuntime, type ConsoleServer, type LocalRuntime } from "@cds/local";
import type { Io } from "../../io.ts";
import { resolveRoot } from "../../options/root.ts";
import { resolveShapeLut } from "../../options/shape-lut.ts";
import { smtpSettingsFromUrl } from "../../options/smtp-url.ts";
import { describeSearchEvent } from "../../output/search-event-line.ts";
import { positiveInteger } from "../library/index.ts";

interface DevCommandOptions {
  root?: string;
  pollMs?: string;
  batchSize?: string;
  deadline?: string;
  sweepEvery?: string;
  maxRunning?: string;
  settleMs?: string;
  maxMaskMib?: string;
  port?: string;
  web?: boolean;
}

/** Where the console listens unless --port says otherwise (any free port when it is taken). */
const CONSOLE_PORT = 8420;

export function registerDevCommand(program: Command, io: Io): void {
  program
    .command("dev")
    .description("run the search pipeline on this machine: watch <root>/uploads/<library>/ for masks until Ctrl-C")
    .option("--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)")
    .option("--poll-ms <ms>", "how often to look for new uploads", "500")
    .option("--batch-size <n>", "targets per worker batch (default: one library shard)")
    .option("--deadline <s>", "seconds after which an unfinished search ends with partial results, or fails", "400")
    .option("--sweep-every <s>", "seconds between sweeps for missing batches", "30")
    .option("--max-running <n>", "searches running at once; the rest wait in arrival order (default: half the scoring threads, at least 2)")
    .option("--settle-ms <ms>", "how long an upload must stop changing before it is taken (one moved in by rename is taken at once)", "2000")
    .option("--max-mask-mib <n>", "largest mask file read, in MiB; a larger one fails its search unread", "64")
    .option("--port <n>", `the browser console's port on 127.0.0.1 (0: any free one; a taken one falls back to any)`, String(CONSOLE_PORT))
    .option("--no-web", "serve no browser console")
    .action(async (options: DevCommandOptions) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await devCommand(options, io, stop.signal);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}

/**
 * Runs the runtime until `signal` aborts, printing one line per search event. SMTP comes from
 * $CDS_SMTP_URL when set (else .eml files in <root>/outbox); $CDS_NOTIFY_EMAIL receives results
 * of uploads that name no notifyEmail; $CDS_LUT is the LUT of searches ranked by shape.
 */
export async function devCommand(options: DevCommandOptions, io: Io, signal: AbortSignal, onStarted?: (runtime: LocalRuntime) => void): Promise<void> {
  const root = resolveRoot(io.cwd, options.root);
  const pollMs = positiveInteger("--poll-ms", options.pollMs ?? "500");
  const deadlineSeconds = positiveInteger("--deadline", options.deadline ?? "400");
  const sweepSeconds = positiveInteger("--sweep-every", options.sweepEvery ?? "30");
  const batchSize = options.batchSize === undefined ? undefined : positiveInteger("--batch-size", options.batchSize);
  const maxRunning = options.maxRunning === undefined ? undefined : positiveInteger("--max-running", options.maxRunning);
  const settleMs = options.settleMs === "0" ? 0 : positiveInteger("--settle-ms", options.settleMs ?? "2000");
  const maskMaxBytes = positiveInteger("--max-mask-mib", options.maxMaskMib ?? "64") * 1024 * 1024;
  const port = options.port === undefined || options.port === "0" ? 0 : positiveInteger("--port", options.port);
  const startedAt = Date.now();
  let runtime: LocalRuntime | undefined;
  const feed = options.web === false ? undefined : createLiveFeed(() => runtime?.state);
  runtime = await startLocalRuntime({
    root,
    pollMs,
    uploadSettleMs: settleMs,
    maskMaxBytes,
    batchPlan: batchSize ? { batchSize } : undefined,
    searchDeadlineMs: deadlineSeconds * 1000,
    sweepIntervalMs: sweepSeconds * 1000,
    retryMissingAfterMs: Math.min(60, deadlineSeconds / 4) * 1000,
    maxRunning,
    smtp: process.env.CDS_SMTP_URL ? smtpSettingsFromUrl(process.env.CDS_SMTP_URL) : undefined,
    defaultRecipient: process.env.CDS_NOTIFY_EMAIL || undefined,
    // Searches ranked by shape use the real LUT when $CDS_LUT names it (as `cds search --lut`).
    ...(process.env.CDS_LUT ? { shapeLut: await resolveShapeLut(io.cwd, undefined, io) } : {}),
    onEvent: (event) => {
      if (!isOldUpload(event, startedAt)) io.out(describeSearchEvent(event, join(root, "results")));
      feed?.publish(event);
    },
    onError: (error) => io.error(`cds dev: ${error instanceof Error ? error.message : String(error)}`),
  });
  io.out(`cds dev: watching ${join(root, "uploads")}/<library>/ for masks (sidecar <mask>.json for parameters); results in ${join(root, "results")}`);
  io.out(`cds dev: at most ${runtime.maxRunning} searches run at once, the rest wait their turn (--max-running)`);
  let web: ConsoleServer | undefined;
  if (feed) {
    const started = runtime;
    web = await startConsoleServer({ root, state: () => started.state, feed, port: port ?? CONSOLE_PORT });
    io.out(`cds dev: console ${web.url} (open it in a browser on this machine; the token is the key)`);
  }
  io.out(`cds dev: state ${runtime.endpoint} (other cds commands with --root ${root} use it); Ctrl-C stops`);
  onStarted?.(runtime);
  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  io.out("cds dev: stopping (running batches finish; unstarted work resumes next start)…");
  await web?.close();
  await runtime.stop();
  io.out("cds dev: stopped");
}

/**
 * An upload that was there before this `cds dev` started: the watcher announces every file again
 * at start (intake drops the ones already searched), which need not fill the log. Its etag is
 * `<size>-<mtime ms>` (the local watcher's); one that was never searched still logs `accepted`.
 */
export function isOldUpload(event: CatalogEvent, startedAt: number): boolean {
  if (event["detail-type"] !== "Object Created") return false;
  const mtime = Number(/-(\d+)$/.exec(event.detail.object.etag ?? "")?.[1]);
  return Number.isFinite(mtime) && mtime < startedAt - 1000;
}
