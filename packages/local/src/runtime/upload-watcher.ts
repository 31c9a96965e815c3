import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

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
  /** Poll interval (default 500 ms). A file is reported once its size and mtime held for one interval. */
  intervalMs?: number;
  onUpload(upload: WatchedUpload): Promise<void>;
  /** Told about a failed scan or callback; default stderr. */
  onError?: (error: unknown) => void;
}

/** A running watcher. */
export interface UploadWatcher {
  /** Scans once now (tests; also what each tick does). */
  scan(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Watches an upload folder by polling (robust across file systems, unlike fs.watch): reports
 * each new or changed file under `<library>/` once its size and mtime have been stable for one
 * interval, so half-written files are not picked up. Sidecars (`.json`), hidden and temporary
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
  const lastSeen = new Map<string, string>();
  const reported = new Map<string, string>();
  let scanning: Promise<void> = Promise.resolve();
  let stopped = false;

  async function scanOnce(): Promise<void> {
    for (const key of await listCandidates(options.folder)) {
      let info;
      try {
        info = await stat(join(options.folder, key));
      } catch {
        continue; // gone between listing and stat
      }
      const etag = `${info.size}-${Math.floor(info.mtimeMs)}`;
      const previous = lastSeen.get(key);
      lastSeen.set(key, etag);
      if (previous !== etag || reported.get(key) === etag) continue;
      reported.set(key, etag);
      try {
        await options.onUpload({ key, size: info.size, etag });
      } catch (error) {
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
    if (entry.isFile()) keys.push(entry.name);
    if (!entry.isDirectory()) continue;
    for (const file of await readdir(join(folder, entry.name), { withFileTypes: true }).catch(() => [])) {
      if (file.isFile() && !isIgnored(file.name)) keys.push(`${entry.name}/${file.name}`);
    }
  }
  return keys.sort();
}

function isIgnored(name: string): boolean {
  return name.startsWith(".") || /\.(json|tmp|part|crdownload)$/i.test(name) || name.endsWith("~");
}
