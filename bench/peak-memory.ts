// Peak resident memory of a process, read the way Linux keeps it per address space.
//
// `process.resourceUsage().maxRSS` is getrusage's ru_maxrss, which Linux carries over from the
// parent across fork + exec: a `cds search` started by a 4 GiB bench reports 4 GiB however
// little it used. `VmHWM` in /proc/self/status is the high-water mark of this process's own
// address space (worker threads included), reset by exec.
//
// Used two ways: imported, `peakMemoryMiB()` reads this process's figure; preloaded into a
// child (`node --import ./bench/peak-memory.ts …` with CDS_PEAK_MEMORY_FILE set), it writes
// the child's figure to that file when the child exits.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";

/** VmHWM of this process in MiB, or NaN where /proc is not there (not Linux). */
export function peakMemoryMiB(): number {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kib = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kib ? Number(kib) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * For a Node child process: the arguments that preload this module before the child's own,
 * the environment that tells it where to write, and `read()` for the figure once it exited.
 *
 * @example
 * const peak = childPeakMemory();
 * await execFile(process.execPath, [...peak.nodeArgs, "cds.js", "search", …], { env: peak.env });
 * console.log(peak.read()); // MiB
 */
export function childPeakMemory(): { nodeArgs: string[]; env: NodeJS.ProcessEnv; read(): number } {
  const dir = mkdtempSync(join(tmpdir(), "cds-peak-"));
  const file = join(dir, "vmhwm");
  return {
    nodeArgs: ["--import", import.meta.url],
    env: { ...process.env, CDS_PEAK_MEMORY_FILE: file },
    read() {
      try {
        return Number(readFileSync(file, "utf8"));
      } catch {
        return Number.NaN;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

const reportTo = process.env.CDS_PEAK_MEMORY_FILE;
// The main thread exits last, and the figure is process-wide: workers need not report.
if (reportTo && isMainThread) {
  process.on("exit", () => writeFileSync(reportTo, String(peakMemoryMiB())));
}
