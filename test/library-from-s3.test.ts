import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrng } from "@cds/core";
import type { SearchResultsDocument } from "../packages/cli/src/commands/search/index.ts";
import { killWhen, startCds } from "./support/cds-child.ts";
import { runCliProcess } from "./support/run-cli.ts";
import { startS3rver, type RunningS3rver } from "@cds/testing/aws/s3rver";
import { BJD, cdsearch, EM_12191, GMR, hasSharedCdm, SKIP_SHARED_NOTE, VT016795, VT033614 } from "@cds/testing/shared-data";
import { writeSyntheticTargets } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 17, part 1: `cds library index s3://…` on a NeuronBridge-style tree in s3rver, built from
// `../shared`'s real LM images and synthetic ones (partitions of 100, a shuffled key list, a
// config.json catalogue in a data bucket), read anonymously through a proxy that counts GETs and
// can answer SlowDown, as S3 does when a prefix is read too fast.

if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

const IMAGES_BUCKET = "flylight-cdm";
const DATA_BUCKET = "neuronbridge-data";
const LIBRARY_PREFIX = "JRC2018_Unisex_20x_HR/Test_Split_Lines";
const SYNTHETIC = 116;
const LMS = [BJD, GMR, VT016795, VT033614];
const TOTAL = SYNTHETIC + LMS.length;

// One s3rver with the tree, and one proxy, for every test below, started once; vitest runs no
// file-level hook when every test is skipped (no ../shared).
let dir: string;
let s3rver: RunningS3rver;
let proxy: S3Proxy;
let local: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir("cds-s3-source-");
  s3rver = await startS3rver(join(dir, "s3rver"), IMAGES_BUCKET);
  const client = new S3Client({ endpoint: s3rver.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
  await client.send(new CreateBucketCommand({ Bucket: DATA_BUCKET }));

  // The tree, also kept as a local folder of the same layout (what a person would have copied by hand)
  const written = await writeSyntheticTargets(join(dir, "flat"), { seed: "s3-source", count: SYNTHETIC, masks: 1, plantedPerMask: 0 });
  const files = [...written.targets.map((t) => t.file), ...LMS.map((lm) => cdsearch(lm))];
  local = join(dir, "by-hand");
  const keys: string[] = [];
  for (const [i, file] of files.entries()) {
    const partition = String(Math.floor(i / 100) + 1);
    const key = `${LIBRARY_PREFIX}/searchable_neurons/${partition}/${basename(file)}`;
    keys.push(key);
    await client.send(new PutObjectCommand({ Bucket: IMAGES_BUCKET, Key: key, Body: await readFile(file) }));
    await mkdir(join(local, "searchable_neurons", partition), { recursive: true });
    await copyFile(file, join(local, "searchable_neurons", partition, basename(file)));
  }
  const random = createPrng("shuffle");
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(random.float() * (i + 1));
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const keyList = JSON.stringify(keys);
  await client.send(new PutObjectCommand({ Bucket: IMAGES_BUCKET, Key: `${LIBRARY_PREFIX}/searchable_neurons/keys_denormalized.json`, Body: keyList }));
  await writeFile(join(local, "searchable_neurons", "keys_denormalized.json"), keyList);

  // The catalogue: current.txt naming a release whose config.json lists the library
  const config = {
    anatomicalAreas: { Brain: { label: "Brain", alignmentSpace: "JRC2018_Unisex_20x_HR" } },
    stores: {
      "fl:open_data:brain": {
        anatomicalArea: "Brain",
        prefixes: { CDM: `https://s3.amazonaws.com/${IMAGES_BUCKET}/` },
        customSearch: { alignmentSpace: "JRC2018_Unisex_20x_HR", searchFolder: "searchable_neurons", lmLibraries: [{ name: "Test_Split_Lines", count: TOTAL }], emLibraries: [{ name: "FlyEM_Test_v1", count: 7, publishedNamePrefix: "hemibrain" }] },
      },
    },
  };
  await client.send(new PutObjectCommand({ Bucket: DATA_BUCKET, Key: "current.txt", Body: "v3.9.0\n" }));
  await client.send(new PutObjectCommand({ Bucket: DATA_BUCKET, Key: "v3.9.0/config.json", Body: JSON.stringify(config) }));
  client.destroy();

  proxy = await startS3Proxy(s3rver.endpoint);
  // No credentials at all: --no-sign-request must not need any.
  const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _s, AWS_SESSION_TOKEN: _t, AWS_PROFILE: _p, ...rest } = process.env;
  env = { ...rest, AWS_ENDPOINT_URL_S3: proxy.endpoint, CDS_S3_FORCE_PATH_STYLE: "1", AWS_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true" };
}, 240_000);

afterAll(async () => {
  await proxy?.close();
  await s3rver?.stop();
});

const search = async (library: string) => {
  const out = join(dir, `${library}.json`);
  const run = await runCliProcess(["search", cdsearch(EM_12191), "--library", library, "--root", join(dir, "root"), "--mask-threshold", "20", "--data-threshold", "20", "--pix-color-fluctuation", "1", "--min-matching-pix-ratio", "1", "--all", "--out", out], dir, env);
  expect(run.code, run.stderr).toBe(0);
  const document = JSON.parse(await readFile(out, "utf8")) as SearchResultsDocument;
  return document.results.map((m) => [m.name, m.matchingPixels, m.mirrored]);
};

describe.skipIf(!hasSharedCdm)("cds library index s3://… (a NeuronBridge library in s3rver): the same library as from a folder", () => {
  it("gives the same library, score for score, as indexing the same files from a folder — and retries SlowDown", async () => {
    // Arrange: S3 answers SlowDown to the first 6 image GETs
    proxy.slowDown(6);

    // Act
    const fromS3 = await runCliProcess(["library", "index", `s3://${IMAGES_BUCKET}/${LIBRARY_PREFIX}`, "--name", "from-s3", "--root", join(dir, "root"), "--no-sign-request", "--workers", "2"], dir, env);
    const fromFolder = await runCliProcess(["library", "index", local, "--name", "by-hand", "--root", join(dir, "root"), "--workers", "2"], dir, env);

    // Assert
    expect(fromS3.code, fromS3.stderr).toBe(0);
    expect(fromFolder.code, fromFolder.stderr).toBe(0);
    expect(fromS3.stdout).toMatch(new RegExp(`fetched ${TOTAL} of ${TOTAL} images \\(.*6 retries\\)`));
    expect(fromS3.stdout).toContain(`indexed ${TOTAL} images of 1210×566`);
    const [s3Matches, folderMatches] = [await search("from-s3"), await search("by-hand")];
    expect(s3Matches.length).toBeGreaterThan(0);
    expect(s3Matches).toEqual(folderMatches);
    expect(s3Matches[0]).toEqual([expect.stringContaining("VT033614"), 439, false]); // upstream's value
  }, 300_000);
});

describe.skipIf(!hasSharedCdm)("cds library index s3://… (a NeuronBridge library in s3rver): updated and resumed runs", () => {
  it("library update from an s3:// folder notices objects removed from the bucket and added to it", async () => {
    // Arrange: a plain folder of CDMs in S3, indexed once
    const client = new S3Client({ endpoint: s3rver.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
    const key = (lm: string) => `flat-lib/${basename(lm)}`;
    try {
      for (const lm of [BJD, GMR, VT016795]) await client.send(new PutObjectCommand({ Bucket: IMAGES_BUCKET, Key: key(lm), Body: await readFile(cdsearch(lm)) }));
      const source = `s3://${IMAGES_BUCKET}/flat-lib`;
      const common = ["--root", join(dir, "root"), "--no-sign-request", "--cache", join(dir, "flat-cache")];
      const first = await runCliProcess(["library", "index", source, "--name", "flat", ...common], dir, env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain("indexed 3 images");

      // Act: one object goes, another comes
      await client.send(new DeleteObjectCommand({ Bucket: IMAGES_BUCKET, Key: key(GMR) }));
      await client.send(new PutObjectCommand({ Bucket: IMAGES_BUCKET, Key: key(VT033614), Body: await readFile(cdsearch(VT033614)) }));
      const update = await runCliProcess(["library", "update", "flat", source, ...common], dir, env);

      // Assert
      expect(update.code, update.stderr).toBe(0);
      expect(update.stdout).toContain("fetched 1 of 3 images");
      expect(update.stdout).toContain("1 no longer in the source removed from the cache");
      expect(update.stdout).toMatch(/updated flat to version 2: \+1 images?, −1 images?/);
    } finally {
      client.destroy();
    }
  }, 120_000);

  it("resumes a killed run without fetching again the images it already has", async () => {
    // Arrange: slow GETs, so that the kill lands mid-fetch
    const cache = join(dir, "resume-cache");
    proxy.delayMs(40);
    proxy.resetCounts();
    const args = ["library", "index", `s3://${IMAGES_BUCKET}/${LIBRARY_PREFIX}`, "--name", "resumed", "--root", join(dir, "root"), "--no-sign-request", "--cache", cache, "--fetch-concurrency", "2"];
    const savedEnv = { ...process.env };
    Object.assign(process.env, env);
    let first;
    try {
      first = startCds(args, dir);
    } finally {
      process.env = savedEnv;
    }
    const imagesIn = async () => (await readdir(cache, { recursive: true }).catch(() => [] as string[])).filter((f) => String(f).endsWith(".tif")).length;
    await killWhen(first, async () => (await imagesIn()) >= 30);
    await first.exited;
    const kept = await imagesIn();
    expect(kept).toBeGreaterThanOrEqual(30);
    expect(kept).toBeLessThan(TOTAL);

    // Act
    proxy.delayMs(0);
    proxy.resetCounts();
    const second = await runCliProcess(args, dir, env);

    // Assert: only the missing images were fetched, once each
    expect(second.code, second.stderr).toBe(0);
    expect(proxy.imageGets()).toBe(TOTAL - kept);
    expect(second.stdout).toContain(`fetched ${TOTAL - kept} of ${TOTAL} images`);
    expect(second.stdout).toContain(`${kept} were there from an earlier run`);
  }, 300_000);
});

describe.skipIf(!hasSharedCdm)("cds library index s3://… (a NeuronBridge library in s3rver): the release's catalogue", () => {
  it("lists the libraries of a NeuronBridge release from its catalogue, with where to index each from", async () => {
    const listed = await runCliProcess(["library", "catalog", `s3://${DATA_BUCKET}`, "--no-sign-request", "--json"], dir, env);
    expect(listed.code, listed.stderr).toBe(0);
    const { release, libraries } = JSON.parse(listed.stdout) as { release: string; libraries: { name: string; kind: string; count: number; source: string }[] };
    expect(release).toBe("v3.9.0");
    expect(libraries.map((l) => [l.name, l.kind, l.count])).toEqual([
      ["Test_Split_Lines", "LM", TOTAL],
      ["FlyEM_Test_v1", "EM", 7],
    ]);
    expect(libraries[0]!.source).toBe(`s3://${IMAGES_BUCKET}/${LIBRARY_PREFIX}`);
    const missing = await runCliProcess(["library", "catalog", `s3://${IMAGES_BUCKET}`, "--no-sign-request"], dir, env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("is this a NeuronBridge data bucket?");
  }, 120_000);
});

/** A proxy in front of s3rver that counts image GETs, can delay them, and can answer SlowDown. */
interface S3Proxy {
  endpoint: string;
  slowDown(times: number): void;
  delayMs(ms: number): void;
  resetCounts(): void;
  imageGets(): number;
  close(): Promise<void>;
}

async function startS3Proxy(target: string): Promise<S3Proxy> {
  const upstream = new URL(target);
  let slowDowns = 0;
  let delay = 0;
  let gets = 0;
  const server: Server = createServer((req, res) => {
    const image = req.method === "GET" && /\.tif$/.test((req.url ?? "").split("?")[0]!);
    if (image && slowDowns > 0) {
      slowDowns--;
      res.writeHead(503, { "content-type": "application/xml" });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    if (image) gets++;
    setTimeout(() => {
      const out = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on("error", () => res.destroy());
      req.pipe(out);
    }, image ? delay : 0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    slowDown: (times) => (slowDowns = times),
    delayMs: (ms) => (delay = ms),
    resetCounts: () => (gets = 0),
    imageGets: () => gets,
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}
