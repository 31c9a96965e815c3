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
 */
export function processIo(): Io {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    error: (line) => process.stderr.write(`${line}\n`),
    isTty: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
  };
}

/** An Io that records lines, for tests. */
export function memoryIo(cwd = process.cwd()): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    error: (line) => stderr.push(line),
    isTty: false,
    cwd,
  };
}
