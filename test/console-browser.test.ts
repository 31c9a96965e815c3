import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { hasChromium, launchChromium, warnIfNoChromium } from "./support/headless-chromium.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultsDocument } from "@cds/core/results";
import { FolderBlobStore, indexLibrary } from "@cds/local";
import { startCds, type CdsChild } from "./support/cds-child.ts";
import { waitFor } from "@cds/testing/runtime-events";
import { BJD, cdsearch, EM_12191, GMR, hasSharedCdm, SKIP_SHARED_NOTE, VT016795, VT033614 } from "@cds/testing/shared-data";
import { writeSyntheticTargets } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 15, "Done when": the console `cds dev` serves, driven in Debian's headless chromium
// (playwright-core with its executable path; no browser is downloaded). The real bin in a child
// process, the real 12191 mask chosen in the page's file input, the search followed live to
// "completed" without a reload, the results page opened from the row; a bad file's reason shown;
// a request without the token refused.

warnIfNoChromium("the console's browser tests");
if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

const LMS = [BJD, GMR, VT016795, VT033614];

// One cds dev and one browser page for every test below, started once (the tests run in order:
// a later one counts the rows of an earlier one); vitest runs no file-level hook when every test is
// skipped (no chromium or no ../shared).
let root: string;
let dev: CdsChild;
let output = "";
let consoleUrl: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  root = await tempDir("cds-console-");
  const source = join(root, "sources", "lm");
  await writeSyntheticTargets(source, { seed: "console-decoys", count: 60, masks: 1, plantedPerMask: 0 });
  for (const lm of LMS) await copyFile(cdsearch(lm), join(source, basename(lm)));
  // Shards of 4: 16 batches, so the search is seen running before it completes.
  await indexLibrary({ source, name: "lm", store: new FolderBlobStore(join(root, "libraries", "lm")), shardSize: 4, workers: 2 });
  // A second library, of the real LM CDMs under other names, for a search over both.
  const second = join(root, "sources", "lm2");
  await mkdir(second, { recursive: true });
  for (const lm of LMS) await copyFile(cdsearch(lm), join(second, `copy-${basename(lm)}`));
  await indexLibrary({ source: second, name: "lm2", store: new FolderBlobStore(join(root, "libraries", "lm2")), shardSize: 4, workers: 1 });
  dev = startCds(["dev", "--root", root, "--poll-ms", "100", "--port", "0"], root);
  dev.child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  dev.child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  consoleUrl = await waitFor(() => /console (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output)?.[1], 60_000);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (dev && dev.child.exitCode === null) {
    dev.child.kill("SIGINT");
    await dev.exited;
  }
});

describe.skipIf(!hasChromium || !hasSharedCdm)("the browser console of cds dev, in headless chromium: the token, and a search followed live", () => {
  it("refuses requests without the token, and with a wrong one", async () => {
    const origin = new URL(consoleUrl).origin;
    expect((await fetch(`${origin}/`)).status).toBe(401);
    expect((await fetch(`${origin}/api/searches`)).status).toBe(401);
    expect((await fetch(`${origin}/?token=not-the-token`)).status).toBe(401);
    const page = await fetch(`${origin}/api/libraries`, { headers: { cookie: "cds_console=guess" } });
    expect(page.status).toBe(401);
    expect(await page.text()).not.toContain("lm"); // nothing of the data leaks
  });

  it("runs the real 12191 mask chosen in the page, live to completed, and opens its results with the upstream top match", async () => {
    // Arrange: the printed URL, then the page without the token (it moved into a cookie)
    await page.goto(consoleUrl);
    expect(new URL(page.url()).searchParams.has("token")).toBe(false);
    await page.waitForSelector('#library option[value="lm"]', { state: "attached" });
    expect(await page.textContent("#library")).toContain(`${LMS.length + 60} targets, 1210×566`);
    await page.evaluate(() => ((globalThis as unknown as { marker: string }).marker = "same page"));

    // Act: NeuronBridge's precompute parameters, the mask file, Search
    await page.fill("#param-maskThreshold", "20");
    await page.fill("#param-dataThreshold", "20");
    await page.fill("#param-pixColorFluctuation", "1");
    await page.fill("#param-minMatchingPixRatio", "1");
    await page.setInputFiles("#file", cdsearch(EM_12191));
    await page.click("#submit");

    // Assert: the row moves to completed with no reload, progress shown on the way
    const row = 'tr[data-mask-key="lm/12191_JRC2018U.tif"]';
    await page.waitForSelector(`${row}[data-status="completed"]`, { timeout: 180_000 });
    const steps = (await page.getAttribute(row, "data-steps"))!.split(" ");
    expect(steps).toEqual(expect.arrayContaining(["accepted", "running", "completed"]));
    expect(steps.indexOf("running")).toBeLessThan(steps.indexOf("completed"));
    expect(Number(await page.getAttribute(row, "data-progress-shown")) + (steps.includes("combining") ? 1 : 0)).toBeGreaterThan(0);
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe("same page");
    expect(await page.evaluate(() => performance.getEntriesByType("navigation" as never).length)).toBe(1);

    // the results, from the row's link: VT033614 first with 439 matching pixels (upstream's value)
    const link = page.locator(`${row} a`, { hasText: "open results" });
    await link.waitFor();
    const [results] = await Promise.all([page.context().waitForEvent("page"), link.click()]);
    await results.waitForLoadState();
    await results.waitForSelector(".scores", { timeout: 30_000 }); // the comparison page draws its cards with its own script
    const text = (await results.textContent("body")) ?? "";
    const first = text.indexOf("VT033614");
    expect(first).toBeGreaterThan(-1);
    for (const other of [BJD, GMR, VT016795]) {
      const at = text.indexOf(basename(other, ".tif").slice(0, 20));
      if (at !== -1) expect(first).toBeLessThan(at);
    }
    expect(text).toMatch(/#1\s*VT033614[^#]*?439 px/); // the comparison page's first card: rank, name, "439 px"
    await results.close();
  }, 240_000);
});

describe.skipIf(!hasChromium || !hasSharedCdm)("the browser console of cds dev, in headless chromium: two libraries at once, a bad parameter and a bad file", () => {
  it("searches two libraries chosen together as one, with per-library counts in the results", async () => {
    // The searches list is held back until the libraries are chosen: a choice made while the
    // page is still loading its lists must count (it once went unheard until they had loaded).
    let releaseSearches!: () => void;
    const searchesHeld = new Promise<void>((resolve) => (releaseSearches = resolve));
    await page.route("**/api/searches?*", async (route) => {
      await searchesHeld;
      await route.continue();
    });
    await page.goto(new URL(consoleUrl).origin);
    await page.waitForSelector('#library option[value="lm2"]', { state: "attached" });
    await page.selectOption("#library", ["lm", "lm2"]);
    await expect.poll(() => page.textContent("#library-note")).toContain(`2 libraries, ${LMS.length * 2 + 60} targets, ranked as one`);
    const searchesLoaded = page.waitForResponse((response) => response.url().includes("/api/searches?"));
    releaseSearches();
    await searchesLoaded;
    await page.unroute("**/api/searches?*");
    const mask = join(root, "two-libraries.tif");
    await copyFile(cdsearch(EM_12191), mask);
    await page.setInputFiles("#file", mask);
    await page.click("#submit");
    const row = 'tr[data-mask-key="lm/two-libraries.tif"]';
    await page.waitForSelector(`${row}[data-status="completed"]`, { timeout: 120_000 });
    const documents = await Promise.all(
      (await readdir(join(root, "results"))).filter((f) => f.endsWith(".json")).map(async (f) => JSON.parse(await readFile(join(root, "results", f), "utf8")) as ResultsDocument),
    );
    const document = documents.find((d) => d.mask.name === "two-libraries.tif")!;
    expect(document.libraries.map((l) => [l.name, l.count, l.scored])).toEqual([
      ["lm", LMS.length + 60, LMS.length + 60],
      ["lm2", LMS.length, LMS.length],
    ]);
    expect(document.results.some((r) => r.library === "lm2" && r.name.startsWith("copy-"))).toBe(true);
  }, 180_000);

  it("explains a bad parameter before uploading, and shows why a file that is not an image failed", async () => {
    await page.goto(new URL(consoleUrl).origin);
    await page.waitForSelector('#library option[value="lm"]', { state: "attached" });
    // The searches list loads after the libraries: count it once the first test's row is in.
    await page.waitForSelector('tr[data-mask-key="lm/12191_JRC2018U.tif"]', { state: "attached" });
    const rowsBefore = await page.locator("#searches tbody tr").count();

    // a threshold out of range: said at the field, nothing uploaded
    await page.fill("#param-maskThreshold", "300");
    await page.setInputFiles("#file", cdsearch(EM_12191));
    await page.click("#submit");
    await expect.poll(() => page.textContent("#param-maskThreshold-error")).toContain("from 0 to 255");
    expect(await page.getAttribute("#param-maskThreshold", "aria-invalid")).toBe("true");
    expect(await page.locator("#searches tbody tr").count()).toBe(rowsBefore);

    // a text file named like an image: intake's reason on the row
    const bad = join(root, "not-a-mask.png");
    await writeFile(bad, "this is not an image\n".repeat(50));
    await page.fill("#param-maskThreshold", "100");
    await page.setInputFiles("#file", bad);
    await page.click("#submit");
    const row = 'tr[data-mask-key="lm/not-a-mask.png"]';
    await page.waitForSelector(`${row}[data-status="failed"]`, { timeout: 60_000 });
    const reason = (await page.textContent(`${row} .reason`)) ?? "";
    expect(reason.length).toBeGreaterThan(10);
    expect(reason).not.toContain("this is not an image"); // the reason never echoes the file
  }, 120_000);
});
