import type { SubmissionProgress } from "@cds/core/submission";
import { printable } from "@cds/core/text";
import type { Io } from "../io.ts";

/** A live view of a submission's progress: redrawn in place on a terminal, plain lines otherwise. */
export interface SubmissionView {
  update(progress: SubmissionProgress): void;
  /** A line outside the live block (e.g. "waiting for cds dev"). */
  note(line: string): void;
  /** Draws the last state once more and leaves it on screen. */
  finish(progress: SubmissionProgress): void;
}

/** Options of {@link submissionView}. */
export interface SubmissionViewOptions {
  /** Milliseconds clock (default performance.now), for tests. */
  now?: () => number;
  /** Where a terminal view draws (default process.stderr); plain lines go to io.error. */
  terminal?: { write(text: string): unknown };
  /** Without a terminal: a line at most this often while something changes (default 2 s)… */
  plainEveryMs?: number;
  /** …and at least this often while nothing does (default 15 s). */
  plainAtLeastEveryMs?: number;
}

/**
 * The live view `cds submit --wait` and `cds submissions show` draw: counts of queued, running,
 * completed and failed masks, a progress bar over the targets scored by all the submission's
 * searches, and an ETA from the rate seen so far. On a terminal (io.isTty) it redraws three
 * lines in place on stderr, at most 5 times a second; otherwise it writes one plain line to
 * stderr when something changed (at most every 2 s) and at least every 15 s.
 *
 * @example
 * const view = submissionView(io);
 * view.update(progress); … view.finish(progress);
 */
export function submissionView(io: Io, options: SubmissionViewOptions = {}): SubmissionView {
  const now = options.now ?? (() => performance.now());
  const terminal = options.terminal ?? process.stderr;
  const eta = etaEstimator();
  let drawnLines = 0;
  let lastDraw = -Infinity;
  let lastKey = "";

  function drawTerminal(progress: SubmissionProgress, at: number): void {
    const lines = liveLines(progress, eta.seconds(progress, at));
    const up = drawnLines > 0 ? `\x1b[${drawnLines}F` : "";
    terminal.write(`${up}${lines.map((line) => `${printable(line)}\x1b[K`).join("\n")}\n`);
    drawnLines = lines.length;
  }

  return {
    update(progress) {
      const at = now();
      eta.observe(progress, at);
      const key = stateKey(progress);
      if (io.isTty) {
        if (at - lastDraw < 200) return;
        lastDraw = at;
        drawTerminal(progress, at);
        return;
      }
      const changed = key !== lastKey;
      const due = changed ? at - lastDraw >= (options.plainEveryMs ?? 2000) : at - lastDraw >= (options.plainAtLeastEveryMs ?? 15_000);
      if (!due) return;
      lastDraw = at;
      lastKey = key;
      io.error(plainLine(progress, eta.seconds(progress, at)));
    },
    note(line) {
      if (io.isTty && drawnLines > 0) {
        terminal.write(`\x1b[${drawnLines}F\x1b[J`);
        drawnLines = 0;
      }
      io.error(line);
    },
    finish(progress) {
      const at = now();
      eta.observe(progress, at);
      if (io.isTty) drawTerminal(progress, at);
      else if (stateKey(progress) !== lastKey) io.error(plainLine(progress, eta.seconds(progress, at)));
    },
  };
}

/** The three lines of the terminal view. */
export function liveLines(progress: SubmissionProgress, etaSeconds: number | undefined): string[] {
  const { counts, targets } = progress;
  const fraction = targets.total > 0 ? Math.min(1, targets.scored / targets.total) : 1;
  const width = 30;
  const filled = Math.round(fraction * width);
  const rejected = counts.rejected > 0 ? ` (+${counts.rejected} rejected)` : "";
  return [
    `submission ${progress.submissionId} · library ${progress.library} · ${counts.masks} masks${rejected}`,
    `  queued ${counts.queued}  running ${counts.running}  completed ${counts.completed}  failed ${counts.failed}`,
    `  [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${targets.scored.toLocaleString("en-US")}/${targets.total.toLocaleString("en-US")} targets ` +
      `${Math.floor(fraction * 100)}%${etaText(progress, etaSeconds)}`,
  ];
}

/** The one-line form, for logs and pipes. */
export function plainLine(progress: SubmissionProgress, etaSeconds: number | undefined): string {
  const { counts, targets } = progress;
  const percent = targets.total > 0 ? Math.floor((Math.min(targets.scored, targets.total) / targets.total) * 100) : 100;
  return (
    `${new Date().toTimeString().slice(0, 8)} ${progress.submissionId}: queued ${counts.queued}, running ${counts.running}, ` +
    `completed ${counts.completed}, failed ${counts.failed}; ${targets.scored.toLocaleString("en-US")}/${targets.total.toLocaleString("en-US")} targets (${percent}%)` +
    etaText(progress, etaSeconds)
  );
}

function etaText(progress: SubmissionProgress, etaSeconds: number | undefined): string {
  if (progress.status === "completed") return "  done";
  return etaSeconds === undefined ? "" : `  ETA ${formatDuration(etaSeconds)}`;
}

function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

function stateKey(progress: SubmissionProgress): string {
  const { counts, targets } = progress;
  return `${progress.status} ${counts.queued} ${counts.running} ${counts.completed} ${counts.failed} ${targets.scored}`;
}

/**
 * Estimates the time left from the targets scored since the view first saw progress move; no
 * estimate until it has.
 */
function etaEstimator() {
  let first: { at: number; scored: number } | undefined;
  let latest: { at: number; scored: number } | undefined;
  return {
    observe(progress: SubmissionProgress, at: number) {
      first ??= { at, scored: progress.targets.scored };
      if (progress.targets.scored !== latest?.scored) latest = { at, scored: progress.targets.scored };
    },
    seconds(progress: SubmissionProgress, at: number): number | undefined {
      if (!first || !latest || latest.scored <= first.scored || latest.at <= first.at) return undefined;
      const rate = (latest.scored - first.scored) / ((at - first.at) / 1000);
      return rate > 0 ? Math.max(0, progress.targets.total - progress.targets.scored) / rate : undefined;
    },
  };
}
