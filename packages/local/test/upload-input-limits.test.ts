import { execFileSync } from "node:child_process";
import { mkdir, symlink, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CdsError, UserInputError } from "@cds/core";
import { encodePackBitsTiff } from "@cds/core/image";
import { acceptUpload, type LibraryStores } from "@cds/core/pipeline";
import { InputRefusedError } from "@cds/core/ports";
import type { StateStore } from "@cds/core/state";
import { renderMask, syntheticLibrary } from "@cds/synthetic";
import { FolderBlobStore, indexSyntheticLibrary, librariesUnder, startLocalState, watchUploads, type LocalState, type WatchedUpload } from "@cds/local";
import { tempDir } from "@cds/testing/temp-dir";

const spec = { seed: "input-limits", count: 6, masks: 1, plantedPerMask: 1 };

let root: string;
let local: LocalState;
let state: StateStore;
let uploads: FolderBlobStore;
let goodMask: Uint8Array;
let libraries: LibraryStores;

beforeAll(async () => {
  root = await tempDir("cds-input-limits-");
  libraries = librariesUnder(root);
  await indexSyntheticLibrary({ name: "lib", store: libraries("lib"), spec, shardSize: 3 });
  await mkdir(join(root, "uploads", "lib"), { recursive: true });
  uploads = new FolderBlobStore(join(root, "uploads"));
  local = await startLocalState();
  state = local.state;
  goodMask = encodePackBitsTiff(renderMask(syntheticLibrary(spec).neurons[0]));
});
afterAll(async () => {
  await local?.stop();
});

let n = 0;
/** Drops a mask (and optionally its sidecar) under a fresh name and runs intake on it. */
async function intakeOf(mask: Uint8Array | { link: string }, sidecar?: string | { link: string }, deps: { maskMaxBytes?: number } = {}) {
  const key = `lib/m${n++}.tif`;
  const path = join(root, "uploads", key);
  if ("link" in mask) await symlink(mask.link, path);
  else await writeFile(path, mask);
  if (typeof sidecar === "string") await writeFile(`${path}.json`, sidecar);
  else if (sidecar) await symlink(sidecar.link, `${path}.json`);
  return acceptUpload({ bucket: "uploads", key }, { state, uploads, libraries, ...deps });
}

function reasonOf(outcome: Awaited<ReturnType<typeof acceptUpload>>): string {
  expect(outcome.kind).toBe("rejected");
  return outcome.kind === "rejected" ? outcome.reason : "";
}

/** A PNG whose header says width × height, followed by garbage where the pixels would be. */
function pngClaiming(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([16, 6, 0, 0, 0], 8); // 16-bit RGBA
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", Buffer.alloc(4096, 0x5a)), chunk("IEND", Buffer.alloc(0))]));
}

describe("intake reads masks and sidecars within limits", () => {
  it("accepts a good mask with a good sidecar (the baseline)", async () => {
    expect((await intakeOf(goodMask, '{"xyShift": 0}')).kind).toBe("accepted");
  });

  it("refuses a sidecar that is a symlink to a readable file, without echoing the file", async () => {
    const reason = reasonOf(await intakeOf(goodMask, { link: "/etc/passwd" }));
    expect(reason).toMatch(/sidecar .* is a symbolic link/);
    expect(reason).not.toMatch(/root|:x:0/);
  });

  it("refuses a sidecar that is a symlink to /dev/zero at once (nothing is read)", async () => {
    expect(reasonOf(await intakeOf(goodMask, { link: "/dev/zero" }))).toMatch(/symbolic link/);
  });

  it("refuses a sidecar over 64 KiB unread", async () => {
    const reason = reasonOf(await intakeOf(goodMask, `{"xyShift": 0, "pad": "${"x".repeat(70_000)}"}`));
    expect(reason).toMatch(/over its limit of 64 KiB/);
  });

  it("refuses a sidecar that is not JSON without quoting it", async () => {
    const reason = reasonOf(await intakeOf(goodMask, "root:x:0:0:root:/root:/bin/bash\n"));
    expect(reason).toMatch(/not valid JSON/);
    expect(reason).not.toMatch(/root:x/);
  });

  it("refuses a mask that is a symlink, and one that is a FIFO, without hanging", async () => {
    const target = join(root, "elsewhere.tif");
    await writeFile(target, goodMask);
    expect(reasonOf(await intakeOf({ link: target }))).toMatch(/mask m\d+\.tif is a symbolic link/);
    const fifo = join(root, "uploads", "lib", "fifo.tif");
    execFileSync("mkfifo", [fifo]);
    expect(reasonOf(await acceptUpload({ bucket: "uploads", key: "lib/fifo.tif" }, { state, uploads, libraries }))).toMatch(/not a regular file/);
  });

  it("refuses a mask over the configured size before reading it (1.2 GB sparse file, default 64 MiB)", async () => {
    const key = `lib/huge${n++}.tif`;
    await writeFile(join(root, "uploads", key), goodMask.subarray(0, 16));
    await truncate(join(root, "uploads", key), 1.2e9);
    const reason = reasonOf(await acceptUpload({ bucket: "uploads", key }, { state, uploads, libraries }));
    expect(reason).toMatch(/over its limit of 64 MiB/);
    expect(reasonOf(await intakeOf(goodMask, undefined, { maskMaxBytes: 1024 }))).toMatch(/over its limit of 1 KiB/);
  });

  it("judges a file by its first bytes before reading the rest, and never quotes them", async () => {
    const reason = reasonOf(await intakeOf(new TextEncoder().encode("root:x:0:0:root:/root:/bin/bash\n".repeat(1000))));
    expect(reason).toMatch(/it is not an image \(it looks like text\)/);
    expect(reason).not.toMatch(/root:x/);
    // The head check runs before the rest is even allocated: a throwing check sees 16 bytes only.
    const key = `lib/big${n++}.tif`;
    await writeFile(join(root, "uploads", key), "");
    await truncate(join(root, "uploads", key), 60 * 1024 * 1024);
    const seen: number[] = [];
    await expect(uploads.getInput(key, { maxBytes: 64 * 1024 * 1024, what: key, checkHead: (head) => { seen.push(head.length); throw new InputRefusedError("no"); } })).rejects.toThrow("no");
    expect(seen).toEqual([16]);
  });

  it("compares a 49-megapixel PNG's header size with the library's before decoding any of it", async () => {
    // Its pixel data is garbage: decoding would fail as corrupt; the header check answers first.
    const reason = reasonOf(await intakeOf(pngClaiming(7000, 7000)));
    expect(reason).toMatch(/is 7000×7000 but 1210×566 was expected/);
  });
});

describe("intake: the user's fault apart from ours", () => {
  it("turns only UserInputErrors into Search Failed; a failing bucket (an S3 error, AWS mocked) is thrown for a retry", async () => {
    const key = `lib/m${n++}.tif`;
    await writeFile(join(root, "uploads", key), goodMask);
    const failingBucket = Object.assign(Object.create(uploads) as FolderBlobStore, {
      metadata: async () => {
        throw new CdsError("S3 HeadObject failed: SlowDown (AWS mocked)");
      },
    });
    await expect(acceptUpload({ bucket: "uploads", key }, { state, uploads: failingBucket, libraries })).rejects.toThrow(/SlowDown/);
    // Nothing was recorded as failed: the retry finds the upload unclaimed and accepts it.
    expect((await acceptUpload({ bucket: "uploads", key }, { state, uploads, libraries })).kind).toBe("accepted");
  });

  it("classes bad masks, sidecars and parameters as UserInputError", async () => {
    for (const outcome of [await intakeOf(goodMask, '{"xyShift": 99}'), await intakeOf(new Uint8Array(0))]) expect(outcome.kind).toBe("rejected");
    expect(new InputRefusedError("x")).toBeInstanceOf(UserInputError);
  });
});

describe("the upload watcher takes a file once it has settled", () => {
  it("takes a mask written slowly in pieces once, whole, and one renamed into place at first sight", async () => {
    const folder = await tempDir("cds-watch-");
    await mkdir(join(folder, "lib"));
    const seen: WatchedUpload[] = [];
    const watcher = watchUploads({ folder, intervalMs: 50, settleMs: 1500, onUpload: async (u) => void seen.push(u) });
    try {
      const path = join(folder, "lib", "slow.tif");
      for (let i = 0; i < 4; i++) {
        await writeFile(path, goodMask.subarray(0, Math.ceil(((i + 1) * goodMask.length) / 4)));
        await new Promise((r) => setTimeout(r, 600)); // pauses longer than the poll interval
      }
      expect(seen).toEqual([]);
      await new Promise((r) => setTimeout(r, 1700));
      expect(seen.map((u) => [u.key, u.size])).toEqual([["lib/slow.tif", goodMask.length]]);

      await writeFile(join(folder, "lib", ".part"), goodMask);
      await new Promise((r) => setTimeout(r, 5));
      execFileSync("mv", [join(folder, "lib", ".part"), join(folder, "lib", "moved.tif")]);
      await watcher.scan();
      expect(seen.map((u) => u.key)).toEqual(["lib/slow.tif", "lib/moved.tif"]);
    } finally {
      await watcher.stop();
    }
  });
});

describe("cds dev decodes masks off the main thread", () => {
  it("gives the same image and the same decode errors as decodeImage, while the main thread's event loop keeps turning", async () => {
    const { ImageDecodeError } = await import("@cds/core");
    const { decodeImage } = await import("@cds/core/image");
    const { threadMaskDecoder } = await import("../src/runtime/thread-mask-decoder.ts");
    const decoder = threadMaskDecoder();
    try {
      const options = { name: "m.tif", maxPixels: 1210 * 566 };
      expect(await decoder.decode(goodMask, options)).toEqual(await decodeImage(goodMask, options));
      const broken = goodMask.slice(0, 200);
      const expected = await decodeImage(broken, options).catch((e: unknown) => e as Error);
      const got = await decoder.decode(broken, options).catch((e: unknown) => e as Error);
      expect(got).toBeInstanceOf(ImageDecodeError);
      expect(got).toBeInstanceOf(UserInputError);
      expect((got as Error).message).toBe((expected as Error).message);

      // A large TIFF of noise takes a while to decode; the main thread is free meanwhile.
      const big = { width: 3342, height: 1564, rgb: new Uint8Array(3342 * 1564 * 3).map((_, i) => (i * 2654435761) >>> 24) };
      const bytes = encodePackBitsTiff(big);
      let turns = 0;
      let decoding = true;
      const spin = () => {
        turns++;
        if (decoding) setImmediate(spin);
      };
      setImmediate(spin);
      const image = await decoder.decode(bytes, { name: "big.tif", maxPixels: 3342 * 1564 });
      decoding = false;
      expect(image.width).toBe(3342);
      expect(turns).toBeGreaterThan(10);
    } finally {
      await decoder.close();
    }
  });
});
