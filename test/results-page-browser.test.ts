import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { hasChromium, launchChromium, warnIfNoChromium } from "./support/headless-chromium.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeImage, decodeImageFile, encodePackBitsTiff, type RgbImage } from "@cds/core/image";
import { matchedTargetPixels, type ResultsDocument } from "@cds/core/results";
import { runCli } from "./support/run-cli.ts";
import { writeSyntheticTargets } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

// The comparison page as a person sees it: the page `cds search --out` writes, opened from its
// folder in Debian's chromium (headless, no browser download), at a laptop's 1280×800.
warnIfNoChromium("the results page browser tests");
// Screenshots for a person to look at go here when set (never into the repository).
const SCREENSHOT_DIR = process.env.CDS_SCREENSHOT_DIR;

// One page, opened once, for every test below; vitest runs no file-level hook when every test is
// skipped (no chromium).
let browser: Browser;
let page: Page;
let dir: string;
let document: ResultsDocument;
let mask: RgbImage;

beforeAll(async () => {
  dir = await tempDir("cds-page-");
  const { masks } = await writeSyntheticTargets(join(dir, "targets"), { seed: "page", count: 40, masks: 1, plantedPerMask: 3 });
  mask = masks[0];
  await writeFile(join(dir, "my-neuron.tif"), encodePackBitsTiff(mask));
  const out = join(dir, "out", "results.json");
  await mkdir(join(dir, "out"));
  const { code, stderr } = await runCli(
    ["search", join(dir, "my-neuron.tif"), "--library", join(dir, "targets"), "--out", out, "--mask-threshold", "20", "--data-threshold", "20", "--min-matching-pix-ratio", "0", "--workers", "1"],
    dir,
  );
  expect(code, stderr).toBe(0);
  document = JSON.parse(await readFile(out, "utf8"));
  expect(document.matchCount).toBeGreaterThan(24); // more than one page
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(join(dir, "out", "results.html")).href);
  await waitForImages(page);
  if (SCREENSHOT_DIR) await page.screenshot({ path: join(SCREENSHOT_DIR, "results-page-1280x800.png") });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!hasChromium)("the results page in a real browser: its layout at 1280×800", () => {
  it("titles the page with the mask's name and the library, and shows several matches at 1280×800", async () => {
    expect(await page.title()).toBe("Matches for my-neuron.tif in targets");
    // Cards wholly inside the 1280×800 viewport.
    const boxes = await page.locator("li.card").evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect()).map((r) => [r.left, r.top, r.right, r.bottom]));
    const visible = boxes.filter(([left, top, right, bottom]) => left >= 0 && top >= 0 && right <= 1280 && bottom <= 800).length;
    expect(visible).toBeGreaterThanOrEqual(6);
    const mask = await page.locator("#mask-image").boundingBox();
    expect(mask!.y + mask!.height).toBeLessThanOrEqual(800);
  });

  it("draws the mask and each match at the same size", async () => {
    const mask = (await page.locator("#mask-image").boundingBox())!;
    const matches = await page.locator("li.card img.match-image").evaluateAll((imgs) => imgs.map((i) => i.getBoundingClientRect()).map((r) => [r.width, r.height]));
    expect(matches.length).toBeGreaterThanOrEqual(6);
    expect(mask.width).toBeGreaterThan(200);
    for (const [width, height] of matches) {
      expect(width).toBeCloseTo(mask.width, 0);
      expect(height).toBeCloseTo(mask.height, 0);
    }
  });
});

describe.skipIf(!hasChromium)("the results page in a real browser: the Flip toggle and the overlay", () => {
  it("the Flip toggle mirrors the match left to right", async () => {
    const card = page.locator("li.card").nth(1);
    const frame = card.locator(".frame");
    const before = await screenshotOf(frame);
    await card.locator("button.flip").click();
    await page.mouse.move(0, 0);
    const after = await screenshotOf(frame);
    await card.locator("button.flip").click();

    expect(meanDifference(after, mirror(before))).toBeLessThan(2);
    expect(meanDifference(after, before)).toBeGreaterThan(5 * meanDifference(after, mirror(before)) + 1);
  });

  it("draws the overlay's pixels where the mask matched on the target, a mirrored match's flipped with it", async () => {
    const mirrored = document.results.find((r) => r.mirrored && r.rank <= 24);
    expect(mirrored).toBeDefined();
    for (const first of [document.results[0], mirrored!]) await expectOverlayOnMatchedPixels(first);
  });
});

describe.skipIf(!hasChromium)("the results page in a real browser: filtering, paging and the crosshair", () => {
  it("a filter shortens the list, and paging reaches the rest", async () => {
    const count = () => page.locator("li.card").count();
    expect(await count()).toBe(24);
    expect(await page.locator("#count").textContent()).toBe(`${document.matchCount} of ${document.matchCount} matches, showing 1–24`);
    const name = document.results[2].name;
    await page.locator("#filter-name").fill(name);
    expect(await count()).toBe(1);
    expect(await page.locator("li.card .name").first().textContent()).toBe(name);
    if (SCREENSHOT_DIR) await page.screenshot({ path: join(SCREENSHOT_DIR, "results-page-filtered.png") });
    await page.locator("#filter-name").fill("");
    await page.locator("#next").click();
    const ranks = await page.locator("li.card").evaluateAll((cards) => cards.map((c) => Number(c.getAttribute("data-rank"))));
    expect(ranks[0]).toBe(25);
    expect(ranks).toHaveLength(document.matchCount - 24);
    await page.locator("#prev").click();
  });

  it("a crosshair follows the pointer on the match and on the mask at the same place", async () => {
    const frame = page.locator("li.card").first().locator(".frame");
    const box = (await frame.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.5);
    const mask = page.locator('[data-frame="mask"]');
    expect(await mask.evaluate((f) => f.classList.contains("cross"))).toBe(true);
    const left = await mask.locator(".cross-v").evaluate((e) => parseFloat(e.getAttribute("style")?.match(/left:\s*([\d.]+)px/)?.[1] ?? "NaN"));
    const maskWidth = (await mask.boundingBox())!.width;
    expect(left / maskWidth).toBeCloseTo(0.25, 1);
    if (SCREENSHOT_DIR) await page.screenshot({ path: join(SCREENSHOT_DIR, "results-page-crosshair.png") });
    await page.mouse.move(0, 0);
  });
});

/** Checks that the overlay lights target pixels only near those the mask matched, on the card of `first`. */
async function expectOverlayOnMatchedPixels(first: ResultsDocument["results"][number]): Promise<void> {
  const card = page.locator(`li.card[data-rank="${first.rank}"]`);
  const frame = card.locator(".frame");
  const box = (await frame.boundingBox())!;
  const flipped = await frame.evaluate((f) => f.classList.contains("flipped"));
  const withOverlay = await screenshotOf(frame);
  await page.locator("#overlay").uncheck();
  const without = await screenshotOf(frame);
  await page.locator("#overlay").check();

  // Which target pixels matched, recomputed with the plain rules; the page draws the target
  // flipped when the mirrored mask matched, so the overlay moves with it.
  const target = await decodeImageFile(join(dir, "targets", first.sourcePath));
  const matched = matchedTargetPixels(mask, target, document.parameters, first.mirrored);
  expect(matched.count).toBe(first.matchingPixels);
  const scale = target.width / box.width;
  const nearMatched = (sx: number, sy: number) => {
    const cx = (sx + 0.5) * scale;
    const cy = (sy + 0.5) * scale;
    const x0 = flipped ? target.width - 1 - cx : cx;
    for (let y = Math.floor(cy - 2 * scale); y <= cy + 2 * scale; y++) {
      for (let x = Math.floor(x0 - 2 * scale); x <= x0 + 2 * scale; x++) {
        if (x >= 0 && y >= 0 && x < target.width && y < target.height && matched.matched[y * target.width + x]) return true;
      }
    }
    return false;
  };
  let changed = 0;
  let away = 0;
  for (let sy = 0; sy < withOverlay.height; sy++) {
    for (let sx = 0; sx < withOverlay.width; sx++) {
      const o = 3 * (sy * withOverlay.width + sx);
      const lift = withOverlay.rgb[o] + withOverlay.rgb[o + 1] + withOverlay.rgb[o + 2] - (without.rgb[o] + without.rgb[o + 1] + without.rgb[o + 2]);
      if (lift <= 30) continue;
      changed++;
      if (!nearMatched(sx, sy)) away++;
    }
  }
  expect(changed, `rank ${first.rank}`).toBeGreaterThan(20);
  expect(away, `rank ${first.rank}${flipped ? " (flipped)" : ""}`).toBe(0);
}

/** What the element looks like on screen, decoded with the project's own PNG decoder. */
async function screenshotOf(element: { screenshot(): Promise<Buffer> }): Promise<RgbImage> {
  return decodeImage(new Uint8Array(await element.screenshot()), { name: "screenshot.png" });
}

async function waitForImages(page: Page): Promise<void> {
  // A string, run in the page: this file is type-checked without the DOM library.
  await page.waitForFunction("[...document.images].filter((i) => i.getBoundingClientRect().top < innerHeight).every((i) => i.complete && i.naturalWidth > 0)", undefined, { timeout: 20_000 });
}

function mirror(image: RgbImage): RgbImage {
  const rgb = new Uint8Array(image.rgb.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const from = 3 * (y * image.width + x);
      const to = 3 * (y * image.width + (image.width - 1 - x));
      rgb[to] = image.rgb[from];
      rgb[to + 1] = image.rgb[from + 1];
      rgb[to + 2] = image.rgb[from + 2];
    }
  }
  return { width: image.width, height: image.height, rgb };
}

function meanDifference(a: RgbImage, b: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < a.rgb.length; i++) sum += Math.abs(a.rgb[i] - b.rgb[i]);
  return sum / a.rgb.length;
}
