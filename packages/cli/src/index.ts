import { CommanderError } from "commander";
import { CdsError } from "@cds/core";
import { buildProgram } from "./program.ts";
import { describeSystemError, isSystemError } from "./files/system-error.ts";
import type { Io } from "./io.ts";
import { processIo } from "./io.ts";

/**
 * Runs the CLI and returns the exit code: 0 success, 1 a command failed on its input,
 * 2 a usage or parameter error. Only the bin script turns this into the process's exit code.
 */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return io.exitCode ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its own message (or the help) already.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CdsError) {
      io.error(`cds: ${error.message}`);
      return error.name === "ParameterError" ? 2 : 1;
    }
    // A file a command did not expect to fail on (a folder where a file was meant, a full disk):
    // one line that says which path and why, not a stack trace.
    if (isSystemError(error)) {
      io.error(`cds: ${describeSystemError(error)}`);
      return 1;
    }
    io.error(`cds: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
