import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "@cds/testing/shared-data";

/** A `cds` child process started with {@link startCds}, and how it ended. */
export interface CdsChild {
  child: ChildProcess;
  /** Resolves when the process has exited, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts the real `cds` bin (as `npx cds` would) without waiting for it, so a test can interrupt it. */
export function startCds(args: string[], cwd = repoRoot, env: NodeJS.ProcessEnv = process.env): CdsChild {
  const child = spawn(process.execPath, [join(repoRoot, "packages/cli/bin/cds.js"), ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exited };
}

/**
 * Polls `condition` every `intervalMs` while the child runs and SIGKILLs the child as soon as it
 * holds. Rejects when the child exits first (the condition never held while it ran).
 */
export async function killWhen(running: CdsChild, condition: () => Promise<boolean>, intervalMs = 10): Promise<void> {
  let exited = false;
  void running.exited.then(() => (exited = true), () => (exited = true));
  for (;;) {
    if (await condition()) {
      running.child.kill("SIGKILL");
      return;
    }
    if (exited) {
      const { code, stdout, stderr } = await running.exited;
      throw new Error(`cds exited (code ${code}) before it could be interrupted:\n${stdout}\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
