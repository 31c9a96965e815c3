import type { Io } from "../io.ts";

/**
 * A one-line progress bar on stderr, redrawn in place at most every 100 ms. Silent when
 * stderr is not a terminal, so logs and pipes stay clean.
 */
export function progressBar(io: Io, label: string): { update(done: number, total: number, note?: string): void; finish(): void } {
  if (!io.isTty) return { update() {}, finish() {} };
  const started = performance.now();
  let last = 0;
  let drawn = false;
  const draw = (done: number, total: number, note?: string) => {
    const elapsed = (performance.now() - started) / 1000;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const width = 28;
    const filled = Math.round(fraction * width);
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 && done < total ? ` ETA ${Math.ceil((total - done) / rate)}s` : "";
    process.stderr.write(
      `\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} ` +
        `${Math.round(rate).toLocaleString("en-US")}/s${eta}${note ? ` ${note}` : ""}\x1b[K`,
    );
    drawn = true;
  };
  return {
    update(done, total, note) {
      const now = performance.now();
      if (now - last < 100 && done < total) return;
      last = now;
      draw(done, total, note);
    },
    finish() {
      if (drawn) process.stderr.write("\r\x1b[K");
    },
  };
}
