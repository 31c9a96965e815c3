import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { main } from "../../packages/cli/src/index.ts";
import { memoryIo } from "../../packages/cli/src/io.ts";
import { repoRoot } from "@cds/testing/shared-data";

/** Runs `cds …` in this process, returning what it printed and its exit code. */
export async function runCli(args: string[], cwd = repoRoot): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo(cwd);
  const code = await main(["node", "cds", ...args], io);
  return { code, stdout: io.stdout.join("\n"), stderr: io.stderr.join("\n") };
}

/**
 * Runs the real `cds` bin in a child process (as `npx cds` would), for exit codes and wiring;
 * `env` replaces the environment it gets (default: this process's).
 */
export async function runCliProcess(args: string[], cwd = repoRoot, env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(repoRoot, "packages/cli/bin/cds.js"), ...args], {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      ...(env ? { env } : {}),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
