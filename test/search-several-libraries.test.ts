import { copyFile, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDescriptor } from "@cds/core/library";
import { acceptUpload } from "@cds/core/pipeline";
import type { ResultsDocument } from "@cds/core/results";
import type { CatalogEvent } from "@cds/events";
import { FolderBlobStore, indexLibrary, librariesUnder, LOCAL_UPLOAD_BUCKET, startLocalRuntime, startLocalState, updateLibrary, type LocalRuntime } from "@cds/local";
import { runCli } from "./support/run-cli.ts";
import { waitFor } from "@cds/testing/runtime-events";
import { BJD, cdsearch, EM_12191, GMR, hasSharedCdm, SKIP_SHARED_NOTE, VT016795, VT033614 } from "@cds/testing/shared-data";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 17, part 3: one search over several libraries ranks exactly as one library holding all
// their images, names each match's library, and counts per library — from `cds search --library
// a,b` and from an upload whose sidecar names more libraries (one dispatch tree for all).
// Libraries: copies of the four real LM CDMs in ../shared, under names that say their library.

if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

const LM = [BJD, GMR, VT016795, VT033614];

/** What must not depend on how the images were split into libraries: scores in ranking order, and who has them. */
function ranking(document: ResultsDocument) {
  return {
    scores: document.results.map((r) => [r.matchingPixels, r.matchingRatio, r.mirrored]),
    targets: document.results.map((r) => `${r.name} ${r.matchingPixels} ${r.mirrored}`).sort(),
  };
}

// The four libraries and the search over the one holding all their images, for every test below;
// vitest runs no file-level hook when every test is skipped (no ../shared).
let root: string;
let whole: ResultsDocument;

beforeAll(async () => {
  root = await tempDir("cds-several-");
  const sources = { alpha: join(root, "src", "alpha"), beta: join(root, "src", "beta"), both: join(root, "src", "both") };
  for (const dir of Object.values(sources)) await mkdir(dir, { recursive: true });
  for (const lm of LM) {
    for (const copy of ["a1", "a2", "a3"]) {
      await copyFile(cdsearch(lm), join(sources.alpha, `${copy}-${basename(lm)}`));
      await copyFile(cdsearch(lm), join(sources.both, `${copy}-${basename(lm)}`));
    }
    for (const copy of ["b1", "b2"]) {
      await copyFile(cdsearch(lm), join(sources.beta, `${copy}-${basename(lm)}`));
      await copyFile(cdsearch(lm), join(sources.both, `${copy}-${basename(lm)}`));
    }
  }
  for (const [name, source] of Object.entries(sources)) {
    await indexLibrary({ source, name, store: librariesUnder(root)(name), shardSize: 5, workers: 1 });
  }
  const run = await runCli(["search", cdsearch(EM_12191), "--library", "both", "--root", root, "--all", "--json", "--workers", "1"]);
  expect(run.code, run.stderr).toBe(0);
  whole = JSON.parse(run.stdout) as ResultsDocument;
  expect(whole.matchCount).toBeGreaterThan(10);
}, 120_000);

describe.skipIf(!hasSharedCdm)("a search over two libraries with cds search", () => {
  it("cds search --library alpha,beta ranks as the one library holding both, with each match's library and per-library counts", async () => {
    const run = await runCli(["search", cdsearch(EM_12191), "--library", "alpha,beta", "--root", root, "--all", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout) as ResultsDocument;

    expect(ranking(document)).toEqual(ranking(whole));
    expect(document.library).toMatchObject({ name: "alpha,beta", count: 20 });
    for (const r of document.results) expect(r.library).toBe(r.name.startsWith("a") ? "alpha" : "beta");
    const matched = (prefix: string) => document.results.filter((r) => r.name.startsWith(prefix)).length;
    expect(document.libraries).toEqual([
      { name: "alpha", count: 12, scored: 12, matched: matched("a"), location: join(root, "src", "alpha") },
      { name: "beta", count: 8, scored: 8, matched: matched("b"), location: join(root, "src", "beta") },
    ]);
    // An index is a position in the match's own library.
    for (const r of document.results) expect(r.index).toBeLessThan(r.library === "alpha" ? 12 : 8);
  });

  it("refuses a folder of raw images among several libraries", async () => {
    const raw = await runCli(["search", cdsearch(EM_12191), "--library", `alpha,${join(root, "src", "beta")}`, "--root", root]);
    expect(raw.code).not.toBe(0);
    expect(raw.stderr).toMatch(/only when each is indexed/);
  });
});

describe.skipIf(!hasSharedCdm)("a search over two libraries in the pipeline (cds dev), from a sidecar naming more libraries", () => {
  let runtime: LocalRuntime;
  const events: CatalogEvent[] = [];

  beforeAll(async () => {
    runtime = await startLocalRuntime({ root, pollMs: 50, uploadSettleMs: 0, onEvent: (e) => void events.push(e), onError: () => undefined });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  async function searchOf(key: string, sidecar: object): Promise<{ searchId: string; end: CatalogEvent }> {
    const [folder, file] = key.split("/");
    await mkdir(join(root, "uploads", folder), { recursive: true });
    await writeFile(join(root, "uploads", folder, `${file}.json`), JSON.stringify(sidecar));
    await copyFile(cdsearch(EM_12191), join(root, "uploads", folder, file));
    const end = await waitFor(
      () => events.find((e) => (e["detail-type"] === "Search Completed" || e["detail-type"] === "Search Failed") && (e.detail as { maskName?: string }).maskName === file),
      60_000,
    );
    return { searchId: (end.detail as { searchId: string }).searchId, end };
  }

  it("ranks exactly as one library holding both, through one dispatch tree, with per-library counts", async () => {
    const { searchId, end } = await searchOf("alpha/m.tif", { libraries: ["beta"], maxResultsPerMask: 400 });
    expect(end["detail-type"]).toBe("Search Completed");
    const document = JSON.parse(await readFile(join(root, "results", `${searchId}.json`), "utf8")) as ResultsDocument;

    expect(ranking(document)).toEqual(ranking(whole));
    expect(document.libraries.map(({ name, count, scored }) => ({ name, count, scored }))).toEqual([
      { name: "alpha", count: 12, scored: 12 },
      { name: "beta", count: 8, scored: 8 },
    ]);
    expect(document.libraries[0].matched + document.libraries[1].matched).toBe(document.matchCount);
    for (const r of document.results) expect(r.library).toBe(r.name.startsWith("a") ? "alpha" : "beta");
    // One tree over both libraries' batches (3 shards of alpha, 2 of beta), at the builds intake read.
    const search = (await runtime.state.getSearch(searchId))!;
    expect(search.batchCount).toBe(5);
    expect(search.library).toBe("alpha,beta");
    const builds = await Promise.all(["alpha", "beta"].map(async (name) => (await readDescriptor(librariesUnder(root)(name))).buildId));
    expect(search.libraries).toEqual([
      { name: "alpha", build: builds[0], count: 12 },
      { name: "beta", build: builds[1], count: 8 },
    ]);
    const html = await readFile(join(root, "results", `${searchId}.html`), "utf8");
    expect(html).toMatch(/id="per-library"><li><span class="library-name">alpha<\/span>: 12 of 12 targets scored/);
  }, 90_000);

  it("cds submit --library alpha,beta uploads to alpha's folder with a sidecar naming beta, and the search covers both", async () => {
    const run = await runCli(["submit", cdsearch(EM_12191), "--library", "alpha,beta", "--root", root, "--wait", "--timeout", "60"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("against libraries alpha, beta");
    const sidecars = (await readdir(join(root, "uploads", "alpha"))).filter((f) => f.startsWith("sub-") && f.endsWith(".json"));
    expect(sidecars).toHaveLength(1);
    expect(JSON.parse(await readFile(join(root, "uploads", "alpha", sidecars[0]), "utf8"))).toMatchObject({ libraries: ["beta"] });
    const end = await waitFor(() => events.find((e) => e["detail-type"] === "Search Completed" && (e.detail as { maskName?: string }).maskName === basename(cdsearch(EM_12191))), 60_000);
    const document = JSON.parse(await readFile(join(root, "results", `${(end.detail as { searchId: string }).searchId}.json`), "utf8")) as ResultsDocument;
    expect(document.libraries.map((l) => [l.name, l.scored])).toEqual([["alpha", 12], ["beta", 8]]);
    expect(ranking(document)).toEqual(ranking(whole));
  }, 90_000);

  it("fails the search, naming the library, when the sidecar names one that does not exist", async () => {
    const { searchId, end } = await searchOf("alpha/m2.tif", { libraries: ["gamma"] });
    expect(end["detail-type"]).toBe("Search Failed");
    const search = (await runtime.state.getSearch(searchId))!;
    expect(search.failure?.reason).toMatch(/no usable library named "gamma" \(named in the sidecar's libraries\)/);
  }, 60_000);
});

describe.skipIf(!hasSharedCdm)("a search over two libraries, accepted before one of them changed", () => {
  it("a search accepted before its library changed completes on the version it was accepted on", async () => {
    const library = librariesUnder(root)("beta");
    const before = await readDescriptor(library);
    await mkdir(join(root, "uploads", "beta"), { recursive: true });
    const maskPath = join(root, "uploads", "beta", "early.tif");
    await copyFile(cdsearch(EM_12191), maskPath);
    const info = await stat(maskPath);
    // Intake alone (as if cds dev stopped right after it): the search is accepted on beta as it is now.
    const intake = await startLocalState({ folder: join(root, "state") });
    const outcome = await acceptUpload(
      { bucket: LOCAL_UPLOAD_BUCKET, key: "beta/early.tif", etag: `${info.size}-${Math.floor(info.mtimeMs)}` },
      { state: intake.state, uploads: new FolderBlobStore(join(root, "uploads")), libraries: librariesUnder(root) },
    );
    await intake.stop();
    expect(outcome.kind).toBe("accepted");

    // beta changes: `cds library update` from the folder that holds alpha's images too.
    const update = await updateLibrary({ source: join(root, "src", "both"), store: library, workers: 1 });
    expect(update).toMatchObject({ outcome: "updated", added: 12, removed: 0 });
    expect((await readDescriptor(library)).count).toBe(20);

    const events: CatalogEvent[] = [];
    const runtime = await startLocalRuntime({ root, pollMs: 50, uploadSettleMs: 0, onEvent: (e) => void events.push(e), onError: () => undefined });
    try {
      const searchId = outcome.search.searchId;
      const end = await waitFor(() => events.find((e) => ["Search Completed", "Search Failed"].includes(e["detail-type"]) && (e.detail as { searchId: string }).searchId === searchId), 60_000);
      expect(end["detail-type"], JSON.stringify(end.detail)).toBe("Search Completed");
      const document = JSON.parse(await readFile(join(root, "results", `${searchId}.json`), "utf8")) as ResultsDocument;
      expect(document.libraries).toMatchObject([{ name: "beta", count: before.count, scored: before.count }]);
      expect(document.results.every((r) => r.name.startsWith("b"))).toBe(true);
      // A search accepted after the update covers version 2.
      await copyFile(cdsearch(EM_12191), join(root, "uploads", "beta", "late.tif"));
      const late = await waitFor(() => events.find((e) => e["detail-type"] === "Search Completed" && (e.detail as { maskName?: string }).maskName === "late.tif"), 60_000);
      const after = JSON.parse(await readFile(join(root, "results", `${(late.detail as { searchId: string }).searchId}.json`), "utf8")) as ResultsDocument;
      expect(after.libraries).toMatchObject([{ name: "beta", count: 20, scored: 20 }]);
    } finally {
      await runtime.stop();
    }
  }, 120_000);
});
