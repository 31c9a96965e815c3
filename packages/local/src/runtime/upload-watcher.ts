import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { sidecarSuffix } from "@cds/events";

/** A file that settled in the watched folder: its key (`<library>/<file>`), size and a change tag. */
export interface WatchedUpload {
  key: string;
  size: number;
  /** `<size>-<mtime ms>`: the same file seen again has the same tag, a re-upload a new one. */
  etag: string;
}

/** Options of {@link watchUploads}. */
export interface UploadWatcherOptions {
  /** The upload folder; masks go in `<folder>/<library>/`. */
  folder: string;
  /** Poll interval (default 500 ms). */
  intervalMs?: number;
  /**
   * How long a file must go unchanged before it is taken (default {@link DEFAULT_SETTLE_MS}):
   * a mask copied slowly, in pieces, is taken once, whole. 0: unchanged from one scan to the next. A file that arrived by rename (its
   * inode changed after its content: ctime later than mtime) is taken at once.
   */
  settleMs?: number;
  onUpload(upload: WatchedUpload): Promise<void>;
  /** Told about a failed scan or callback; default stderr. */
  onError?: (error: unknown) => void;
}

/** How long an upload must stop changing before it is taken, unless configured. */
export const DEFAULT_SETTLE_MS = 2000;

/** A running watcher. */
export interface UploadWatcher {
  /** Scans once now (tests; also what each tick does). */
  scan(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Watches an upload folder by polling (robust across file systems, unlike fs.watch): reports
 * each new or changed file under `<library>/` once it has settled — unchanged (size and mtime)
 * for `settleMs`, or moved into place by a rename — so half-written files are not picked up.
 * Symbolic links are reported too, so that intake refuses them with a reason rather than
 * leaving the user to wonder. Sidecars (`.json`), hidden and temporary
 * files (`.tmp`, `.part`, `~`) are not uploads. Files present at start are reported too: intake
 * recognises uploads it has already seen, and ones that arrived while nothing watched get searched.
 *
 * @example
 * const watcher = watchUploads({ folder: "cds-data/uploads", onUpload: (u) => publishObjectCreated(u) });
 * await watcher.stop();
 */
export function watchUploads(options: UploadWatcherOptions): UploadWatcher {
  const intervalMs = options.intervalMs ?? 500;
  const onError = options.onError ?? ((error: unknown) => console.error("upload watcher:", error));
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  /** The change tag each file had when last seen, and since when it has had it. */
  const lastSeen = new Map<string, { etag: string; since: number }>();
  const reported = new Map<string, string>();
  let scanning: Promise<void> = Promise.resolve();
  let stopped = false;

  async function scanOnce(): Promise<void> {
    for (const key of await listCandidates(options.folder)) {
      let info;
      try {
        info = await lstat(join(options.folder, key));
      } catch {
        continue; // gone between listing and stat
      }
      const now = Date.now();
      const etag = `${info.size}-${Math.floor(info.mtimeMs)}`;
      let seen = lastSeen.get(key);
      const seenBefore = seen?.etag === etag;
      if (!seenBefore || !seen) lastSeen.set(key, (seen = { etag, since: now }));
      if (reported.get(key) === etag) continue;
      // A write sets mtime and ctime to one instant; only a later inode change (the rename that
      // put a finished file in place) leaves ctime ahead.
      const renamedIn = info.ctimeMs > info.mtimeMs;
      // Unchanged since an earlier scan for settleMs (0: since the last scan), or not modified for settleMs.
      const settled = renamedIn || (seenBefore && now - seen.since >= settleMs) || (settleMs > 0 && now - info.mtimeMs >= settleMs);
      if (!settled) continue;
      try {
        await options.onUpload({ key, size: info.size, etag });
        reported.set(key, etag);
      } catch (error) {
        // Not reported (the event log could not be written: a full disk): the next scan tries again.
        onError(error);
      }
    }
  }

  const scan = () => (scanning = scanning.then(scanOnce).catch(onError));
  const timer = setInterval(() => {
    if (!stopped) void scan();
  }, intervalMs);
  void scan();
  return {
    scan,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await scanning;
    },
  };
}

async function listCandidates(folder: string): Promise<string[]> {
  const keys: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
    if (isIgnored(entry.name)) continue;
    if (entry.isFile() || entry.isSymbolicLink()) keys.push(entry.name);
    if (!entry.isDirectory()) continue;
    for (const file of await readdir(join(folder, entry.name), { withFileTypes: true }).catch(() => [])) {
      if ((file.isFile() || file.isSymbolicLink()) && !isIgnored(file.name)) keys.push(`${entry.name}/${file.name}`);
    }
  }
  return keys.sort();
}

function isIgnored(name: string): boolean {
  return name.startsWith(".") || name.toLowerCase().endsWith(sidecarSuffix) || /\.(tmp|part|crdownload)$/i.test(name) || name.endsWith("~");
}
