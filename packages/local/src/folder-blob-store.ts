import { constants, readSync } from "node:fs";
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { CdsError } from "@cds/core";
import { tooLarge } from "@cds/core/pipeline";
import { BlobNotFoundError, type BlobStore, type RangedObject, type InputLimits, InputRefusedError, type PutOptions } from "@cds/core/ports";

/**
 * How user input is opened: never through a symbolic link at the last step (a sidecar linked to
 * /dev/zero or /etc/passwd is refused, not read), and without blocking, so a FIFO dropped in the
 * upload folder cannot hang the open; the type is checked on the opened descriptor.
 */
const INPUT_OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * A {@link BlobStore} on a local folder: keys are relative paths. Writes go to a temporary
 * file renamed into place, so a reader never sees half an object.
 *
 * @example
 * const store = new FolderBlobStore("/data/libraries/flylight");
 * await store.put("manifest.json", bytes);
 */
export class FolderBlobStore implements BlobStore {
  readonly root: string;
  readonly location: string;

  constructor(root: string) {
    this.root = root;
    this.location = root;
  }

  private pathOf(key: string): string {
    if (key.startsWith("/") || key.split("/").includes("..")) throw new Error(`invalid key ${key}`);
    return join(this.root, ...key.split("/"));
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const buffer = await readFile(this.pathOf(key));
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new BlobNotFoundError(this.location, key);
      throw error;
    }
  }

  async getInput(key: string, limits: InputLimits): Promise<Uint8Array> {
    let handle;
    try {
      handle = await open(this.pathOf(key), INPUT_OPEN_FLAGS);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new BlobNotFoundError(this.location, key);
      if (code === "ELOOP") throw new InputRefusedError(`${limits.what} is a symbolic link; only regular files are read (copy the file itself into the folder)`);
      throw error;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new InputRefusedError(`${limits.what} is not a regular file; only regular files are read`);
      if (info.size > limits.maxBytes) throw tooLarge(limits, info.size);
      const headLength = Math.min(info.size, limits.headBytes ?? 16);
      const head = new Uint8Array(headLength);
      await readFully(handle, head, 0, headLength, key, this.location);
      // The first bytes decide before the rest is read (or even allocated): a non-image costs 16 bytes.
      limits.checkHead?.(head);
      const bytes = new Uint8Array(info.size);
      bytes.set(head);
      await readFully(handle, bytes, headLength, info.size, key, this.location);
      return bytes;
    } finally {
      await handle.close();
    }
  }

  /** The object's file opened for reading; BlobNotFoundError when there is none. */
  private async openExisting(key: string) {
    try {
      return await open(this.pathOf(key), "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new BlobNotFoundError(this.location, key);
      throw error;
    }
  }

  async getReusing(key: string, scratch: Uint8Array): Promise<Uint8Array> {
    const handle = await this.openExisting(key);
    try {
      const { size } = await handle.stat();
      // Grow with headroom so that slightly larger shards do not reallocate each time.
      // allocUnsafeSlow: a fresh buffer that is neither pooled nor zero-filled (it is overwritten).
      const buffer = size <= scratch.byteLength ? scratch : new Uint8Array(Buffer.allocUnsafeSlow(Math.ceil(size * 1.25)).buffer);
      for (let offset = 0; offset < size; ) {
        const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
        if (bytesRead === 0) throw new Error(`${key} in ${this.location} shrank while being read`);
        offset += bytesRead;
      }
      return buffer.subarray(0, size);
    } finally {
      await handle.close();
    }
  }

  async openRanged(key: string): Promise<RangedObject> {
    const handle = await this.openExisting(key);
    let size: number;
    try {
      ({ size } = await handle.stat());
    } catch (error) {
      await handle.close();
      throw error;
    }
    const { fd } = handle;
    const location = this.location;
    return {
      size,
      readInto(into, position, length) {
        if (position < 0 || position + length > size) throw new RangeError(`bytes ${position}…${position + length} are outside ${key} (${size} bytes)`);
        for (let done = 0; done < length; ) {
          const read = readSync(fd, into, position + done, length - done, position + done);
          if (read === 0) throw new Error(`${key} in ${location} shrank while being read`);
          done += read;
        }
      },
      close: () => handle.close(),
    };
  }

  async put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<void> {
    // A file has nowhere to keep metadata; refusing beats dropping a mask's parameters silently.
    if (options?.metadata && Object.keys(options.metadata).length > 0) {
      throw new CdsError(`${this.location} is a folder and keeps no object metadata: write the parameters as a sidecar ${key}.json instead`);
    }
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const keys: string[] = [];
    try {
      for (const entry of await readdir(this.root, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || entry.name.endsWith(".tmp")) continue;
        const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join("/");
        if (key.startsWith(prefix)) keys.push(key);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    yield* keys.sort();
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === "" || prefix.endsWith("/")) {
      await rm(prefix === "" ? this.root : this.pathOf(prefix.slice(0, -1)), { recursive: true, force: true });
      return;
    }
    for await (const key of this.list(prefix)) await rm(this.pathOf(key), { force: true });
  }
}

async function readFully(handle: import("node:fs/promises").FileHandle, into: Uint8Array, from: number, to: number, key: string, location: string): Promise<void> {
  for (let offset = from; offset < to; ) {
    const { bytesRead } = await handle.read(into, offset, to - offset, offset);
    if (bytesRead === 0) throw new InputRefusedError(`${key} in ${location} shrank while being read; write it again`);
    offset += bytesRead;
  }
}
