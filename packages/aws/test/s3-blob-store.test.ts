import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { layoutOf, readManifest } from "@cds/core/library";
import { BlobNotFoundError } from "@cds/core/ports";
import { prepareMask } from "@cds/core/scoring";
import { parseSearchParams, searchLibraryRange } from "@cds/core/search";
import { FolderBlobStore, indexLibrary } from "@cds/local";
import { MULTIPART_THRESHOLD, S3BlobStore } from "@cds/aws";
import { writeSyntheticTargets } from "@cds/testing/synthetic-targets";
import { startS3rver, type RunningS3rver } from "@cds/testing/aws/s3rver";
import { tempDir } from "@cds/testing/temp-dir";

const BUCKET = "cds-test";
let server: RunningS3rver | undefined;
let client: S3Client;

beforeAll(async () => {
  server = await startS3rver(await tempDir("cds-s3rver-"), BUCKET);
  client = new S3Client({
    endpoint: server.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
});

afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

const storeAt = (prefix: string) => new S3BlobStore({ client, bucket: BUCKET, prefix });
const text = (s: string) => new TextEncoder().encode(s);
async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const key of keys) all.push(key);
  return all;
}

describe("S3BlobStore: writing and reading objects", () => {
  it("describes itself as s3://bucket/prefix", () => {
    expect(storeAt("libraries/a/").location).toBe(`s3://${BUCKET}/libraries/a/`);
  });

  it("round-trips binary bytes, under its prefix", async () => {
    const store = storeAt("round-trip/");
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 131 + 7) & 0xff);
    await store.put("data/shard-0.bin", bytes);
    expect(await store.get("data/shard-0.bin")).toEqual(bytes);
    expect(await storeAt("").get("round-trip/data/shard-0.bin")).toEqual(bytes);
    await store.put("empty.bin", new Uint8Array(0));
    expect(await store.get("empty.bin")).toEqual(new Uint8Array(0));
  });

  it("uploads objects over the multipart threshold in parts, with their metadata, and reads them back whole", async () => {
    const store = storeAt("multipart/");
    const bytes = new Uint8Array(MULTIPART_THRESHOLD + 3 * 1024 * 1024 + 5);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) & 0xff;
    bytes[bytes.length - 1] = 42;
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(context.commandName ?? "");
        return next(args);
      },
      { step: "initialize", name: "recordCommands" },
    );
    try {
      await store.put("huge.bin", bytes, { metadata: { "cds-settings": "eyJ4eVNoaWZ0IjowfQ" } });
    } finally {
      client.middlewareStack.remove("recordCommands");
    }
    expect(commands).toContain("CreateMultipartUploadCommand");
    expect(commands.filter((c) => c === "UploadPartCommand").length).toBeGreaterThan(1);
    expect(commands).toContain("CompleteMultipartUploadCommand");
    expect(commands).not.toContain("PutObjectCommand");
    expect(Buffer.from(await store.get("huge.bin")).equals(Buffer.from(bytes))).toBe(true);
    expect(await store.metadata("huge.bin")).toEqual({ "cds-settings": "eyJ4eVNoaWZ0IjowfQ" });
  });

  it("keeps user metadata with a PutObject and reads it back with HeadObject, keys lowercased as S3 does", async () => {
    const store = storeAt("metadata/");
    await store.put("lm/mask.tif", text("mask bytes"), { metadata: { "cds-settings": "e30", "Other-Key": "x" } });
    await store.put("lm/plain.tif", text("no metadata"));

    expect(await store.metadata("lm/mask.tif")).toEqual({ "cds-settings": "e30", "other-key": "x" });
    expect(await store.metadata("lm/plain.tif")).toEqual({});
    await expect(store.metadata("lm/missing.tif")).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await store.get("lm/mask.tif")).toEqual(text("mask bytes"));
  });

  it("throws BlobNotFoundError for a missing key, and reports existence", async () => {
    const store = storeAt("missing/");
    await expect(store.get("nope.bin")).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.getReusing("nope.bin", new Uint8Array(8))).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await store.exists("nope.bin")).toBe(false);
    await store.put("yes.bin", text("y"));
    expect(await store.exists("yes.bin")).toBe(true);
    expect(await store.exists("yes")).toBe(false);
  });
});

describe("S3BlobStore: listing and deleting under a prefix", () => {
  it("lists more than 1000 keys under a prefix in order, across pages, and nothing outside it", async () => {
    const store = storeAt("listing/");
    const keys = Array.from({ length: 1050 }, (_, i) => `in/${String(i).padStart(5, "0")}.bin`);
    // Keys just outside the prefix on either side. (Not `in.bin`: s3rver walks its folders, so
    // it lists `in/…` before `in.bin` and then drops `in.bin` from the page after a
    // continuation token; real S3 lists in byte order.)
    const outside = ["a.bin", "in0.bin", "inner/x.bin", "out/1.bin"];
    const all = [...keys, ...outside];
    for (let i = 0; i < all.length; i += 64) await Promise.all(all.slice(i, i + 64).map((key) => store.put(key, text(key))));
    await storeAt("").put("listing-sibling/in/00001.bin", text("not this store's"));
    // Act
    const listed = await collect(store.list("in/"));
    // Assess
    expect(listed).toEqual(keys);
    expect(await collect(store.list(""))).toEqual([...all].sort());
    expect(await collect(store.list("nothing/"))).toEqual([]);
  });

  it("deletes only the objects under a prefix, in batches of at most 1000", async () => {
    const store = storeAt("deleting/");
    const doomed = Array.from({ length: 1010 }, (_, i) => `build-1/${String(i).padStart(5, "0")}`);
    const kept = ["build-10/a", "build-2/a", "manifest.json"];
    const all = [...doomed, ...kept];
    for (let i = 0; i < all.length; i += 64) await Promise.all(all.slice(i, i + 64).map((key) => store.put(key, text(key))));
    // Act
    await store.deletePrefix("build-1/");
    await store.deletePrefix("nothing/");
    // Assess
    expect(await collect(store.list(""))).toEqual(kept);
    expect(await store.get("build-10/a")).toEqual(text("build-10/a"));
  });
});

describe("S3BlobStore: reading into scratch buffers and by byte ranges", () => {
  it("reads into a large-enough scratch buffer, and grows one that is too small", async () => {
    const store = storeAt("reusing/");
    const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);
    const small = Uint8Array.from({ length: 1000 }, (_, i) => 255 - (i & 0xff));
    await store.put("big.bin", big);
    await store.put("small.bin", small);
    const scratch = new Uint8Array(4096);
    // Act: fits
    const read = await store.getReusing("small.bin", scratch);
    // Assess
    expect(read.buffer).toBe(scratch.buffer);
    expect(read).toEqual(small);
    // Act: does not fit
    const grown = await store.getReusing("big.bin", scratch);
    expect(grown.buffer).not.toBe(scratch.buffer);
    expect(grown.buffer.byteLength).toBeGreaterThanOrEqual(big.byteLength);
    expect(grown).toEqual(big);
    // ...and the grown buffer is reused in turn.
    const again = await store.getReusing("small.bin", new Uint8Array(grown.buffer));
    expect(again.buffer).toBe(grown.buffer);
    expect(again).toEqual(small);
  });

  it("reads an object in parallel byte ranges into one buffer, whatever the part size", async () => {
    const bytes = Uint8Array.from({ length: 10_007 }, (_, i) => (i * 13 + 5) & 0xff);
    await storeAt("ranged/").put("shard.bin", bytes);
    // Part sizes that divide the object, leave a short last range, exceed it, and equal it.
    for (const rangePartBytes of [999, 1000, 1001, 10_007, 65_536]) {
      const store = new S3BlobStore({ client, bucket: BUCKET, prefix: "ranged/", rangePartBytes });
      const read = await store.getReusing("shard.bin", new Uint8Array(20_000));
      expect(read, `part ${rangePartBytes}`).toEqual(bytes);
    }
  });

  it("reads an object replaced between its ranges again, from the new version, never a mix", async () => {
    const before = new Uint8Array(3000).fill(1);
    const after = new Uint8Array(3000).fill(2);
    await storeAt("replaced/").put("shard.bin", before);
    // A client that replaces the object right after the first range was answered.
    let replaced = false;
    const replacing = Object.create(client) as S3Client;
    replacing.send = (async (command: { input?: { Range?: string } }) => {
      const response = await (client.send as (c: unknown) => Promise<unknown>)(command);
      if (!replaced && command.input?.Range?.startsWith("bytes=0-")) {
        replaced = true;
        await storeAt("replaced/").put("shard.bin", after);
      }
      return response;
    }) as S3Client["send"];
    const store = new S3BlobStore({ client: replacing, bucket: BUCKET, prefix: "replaced/", rangePartBytes: 1000 });
    const read = await store.getReusing("shard.bin", new Uint8Array(4000));
    expect(replaced).toBe(true);
    expect(read).toEqual(after);
  });
});

describe("S3BlobStore: serving a library", () => {
  it("serves a library copied from a folder so that searches score exactly as over the folder", async () => {
    // Arrange: a tiny library indexed into a folder, then copied key by key into S3.
    const dir = await tempDir("cds-aws-library-");
    const { masks } = await writeSyntheticTargets(join(dir, "source"), { seed: "aws", count: 12, masks: 1, plantedPerMask: 3 });
    const folder = new FolderBlobStore(join(dir, "library"));
    await indexLibrary({ source: join(dir, "source"), name: "tiny", store: folder, workers: 1, shardSize: 5 });
    const s3 = storeAt("libraries/tiny/");
    const keys = await collect(folder.list(""));
    for (const key of keys) await s3.put(key, await folder.get(key));
    expect(await collect(s3.list(""))).toEqual(keys);
    const params = parseSearchParams({});
    const prepared = prepareMask(masks[0], params);
    const search = async (store: FolderBlobStore | S3BlobStore) => {
      const layout = layoutOf(await readManifest(store));
      return searchLibraryRange(store, layout, prepared, 0, layout.count, { minMatchingPixRatio: 0, keepAll: true });
    };
    // Act
    const [overFolder, overS3] = await Promise.all([search(folder), search(s3)]);
    // Assess
    const scores = (r: Awaited<ReturnType<typeof search>>) =>
      r.matches.map((m) => ({ sourcePath: m.item.sourcePath, matchingPixels: m.matchingPixels, matchingRatio: m.matchingRatio, mirrored: m.mirrored }));
    expect(overS3.scored).toBe(12);
    expect(scores(overS3)).toEqual(scores(overFolder));
    expect(overS3.matches.some((m) => m.matchingPixels > 0)).toBe(true);
  });
});
