import { printable } from "@cds/core/text";

/**
 * Where a command writes. Commands never touch `process` directly so that tests can run
 * them in-process and read what they printed.
 */
export interface Io {
  out(line: string): void;
  error(line: string): void;
  /** Set by a command that finished but must still exit non-zero. */
  exitCode?: number;
  /** Whether stdout/stderr are a terminal (progress bars only then). */
  isTty: boolean;
  cwd: string;
}

/**
 * The process's own streams. A reader that goes away (`cds results … | head`) ends the command
 * quietly: EPIPE on stdout exits 0 at once instead of crashing with a stack trace.
 * Writes to the terminal. Every line passes through `printable`: file names, sidecar values and
 * error messages come from users, and a control character in one (ESC, CR, a bidi override)
 * would otherwise act on the terminal instead of being shown.
 */
export function processIo(): Io {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  return {
    out: (line) => process.stdout.write(`${printable(line)}\n`),
    error: (line) => process.stderr.write(`${printable(line)}\n`),
    isTty: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
  };
}

/** An Io that records lines, for tests (escaped as the terminal's would be). */
export function memoryIo(cwd = process.cwd()): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(printable(line)),
    error: (line) => stderr.push(printable(line)),
    isTty: false,
    cwd,
  };
}
