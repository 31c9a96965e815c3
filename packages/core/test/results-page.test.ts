import { describe, expect, it } from "vitest";
import { decodePng } from "../src/image/png-decoder.ts";
import type { RgbImage } from "../src/image/rgb-image.ts";
import { downscale2x } from "../src/results/downscale-2x.ts";
import { matchedTargetPixels, overlayImage } from "../src/results/match-overlay.ts";
import { buildResultsDocument, type ResultsDocument } from "../src/results/results-document.ts";
import { resultsFileSet } from "../src/results/results-files.ts";
import { matchesToShow, renderResultsPage } from "../src/results/results-page.ts";
import { scorePixelMatchPlain } from "../src/scoring/pixel-match-plain.ts";
import { defaultSearchParams } from "../src/search-params.ts";
import { generateCdm, generateNeuron, renderMask } from "@cds/synthetic";
import { perturbed, randomImage, seededRandom } from "@cds/testing/random-images";
import { aDocumentInput, aMatch } from "@cds/testing/results-builders";

// Small images keep the page test fast; the page code does not care about the size.
const WIDTH = 400;
const HEIGHT = 190;
const maskImage = renderMask(generateNeuron("page-mask", { width: WIDTH, height: HEIGHT, pixels: 300 }));

function aDocument(matchCount: number, overrides: Parameters<typeof aDocumentInput>[0] = {}): ResultsDocument {
  const matches = Array.from({ length: matchCount }, (_, i) => aMatch(i, 1000 - i, { mirrored: i % 3 === 1 }));
  return buildResultsDocument(aDocumentInput({ matches, ...overrides }));
}

function imagesFor(document: ResultsDocument, count = document.results.length): Map<string, RgbImage> {
  return new Map(document.results.slice(0, count).map((r) => [r.name, generateCdm({ seed: r.name, width: WIDTH, height: HEIGHT })]));
}

/** The JSON data island the page's script renders from. */
function pageData(html: string): { results: { rank: number; name: string; image?: string; overlay?: string; source?: string }[]; mask: { image: string } } {
  const json = /<script type="application\/json" id="results-data">(.*?)<\/script>/s.exec(html)?.[1];
  if (!json) throw new Error("no data island");
  return JSON.parse(json);
}

describe("renderResultsPage", () => {
  it("writes images as separate PNG files, not inlined, and links no external URL", () => {
    const document = aDocument(3);

    const page = renderResultsPage(document, { maskImage, matchImages: imagesFor(document) });

    expect(page.html.startsWith("<!doctype html>")).toBe(true);
    expect(page.html).not.toContain("data:image");
    expect(page.html).not.toMatch(/(src|href)="https?:/);
    expect(page.files.map((f) => f.path)).toEqual([
      "search-1-files/mask.png",
      ...[1, 2, 3].flatMap((rank) => [`search-1-files/match-${rank}.png`, `search-1-files/overlay-${rank}.png`]),
    ]);
    expect(page.html).toContain('src="search-1-files/mask.png"');
  });

  it("draws the mask and each match halved, at the same size", () => {
    const document = aDocument(2);
    const matchImages = imagesFor(document);

    const page = renderResultsPage(document, { maskImage, matchImages });

    const file = (path: string) => decodePng(page.files.find((f) => f.path === path)!.bytes);
    expect(file("search-1-files/mask.png")).toEqual(downscale2x(maskImage));
    for (const r of document.results) expect(file(`search-1-files/match-${r.rank}.png`)).toEqual(downscale2x(matchImages.get(r.name)!));
    for (const f of page.files) expect([decodePng(f.bytes).width, decodePng(f.bytes).height]).toEqual([200, 95]);
  });

  it("titles the page with the mask's name and the library", () => {
    const document = aDocument(1, { mask: { name: "my neuron.png", key: "lm/sub-1-0001-my neuron.png" }, library: { name: "FlyLight_MCFO", count: 9 } });

    const { html } = renderResultsPage(document, { maskImage, matchImages: new Map() });

    expect(html).toContain("<title>Matches for my neuron.png in FlyLight_MCFO</title>");
    expect(html).not.toContain("<title>Matches for lm/");
  });

  it("lists every match in the data, and pictures only the best `shown`", () => {
    const document = aDocument(30);

    const page = renderResultsPage(document, { maskImage, matchImages: imagesFor(document, 30), shown: 5 });

    const data = pageData(page.html);
    expect(data.results.map((r) => r.rank)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(data.results.filter((r) => r.image).map((r) => r.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(matchesToShow(document, 3).map((r) => r.rank)).toEqual([1, 2, 3]);
  });

  it("keeps names from uploads and libraries out of the markup", () => {
    const evil = `</script><script>alert(1)</script> & "quoted"`;
    const document = buildResultsDocument(
      aDocumentInput({
        mask: { name: `<b>mask</b>.png`, key: "k" },
        library: { name: "<lib>", count: 1 },
        matches: [aMatch(0, 10, { item: { name: evil, sourcePath: evil, publishedName: "<i>x</i>" } })],
      }),
    );

    const { html } = renderResultsPage(document, { maskImage, matchImages: new Map([[evil, maskImage]]) });

    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<b>");
    expect(html).not.toContain("<lib>");
    expect(html).toContain("&lt;b&gt;mask&lt;/b&gt;.png");
    expect(pageData(html).results[0].name).toBe(evil);
  });

  it("refuses javascript: source links and keeps file and http ones", () => {
    const document = aDocument(3);
    const links = ["javascript:alert(1)", "file:///data/lm/a.tif", "https://example.org/a.tif"];

    const { html } = renderResultsPage(document, { maskImage, matchImages: new Map(), sourceLink: (r) => links[r.rank - 1] });

    expect(pageData(html).results.map((r) => r.source)).toEqual([undefined, links[1], links[2]]);
  });

  it("shows the search parameters and a partial banner naming the missing batches only when partial", () => {
    const complete = renderResultsPage(aDocument(2), { maskImage, matchImages: new Map() }).html;
    const partial = renderResultsPage(aDocument(2, { partial: true, missingBatches: [7, 3] }), { maskImage, matchImages: new Map() }).html;

    expect(complete).toContain('<th scope="row">excludeTopRight</th><td>270×90</td>');
    expect(complete).not.toContain('class="partial-banner"');
    expect(partial).toContain("2 batches (3, 7) did not report");
  });

  it('says "0 matches" plainly when nothing matched', () => {
    const { html } = renderResultsPage(aDocument(0), { maskImage, matchImages: new Map() });

    expect(html).toContain("0 matches: no target of synthetic matched this mask.");
  });
});

describe("resultsFileSet", () => {
  it("names the JSON, CSV, images and page from one base, the page linking the JSON and CSV", () => {
    const document = aDocument(1);

    const set = resultsFileSet(document, "out/run", { maskImage, matchImages: imagesFor(document) });

    expect(set.files.map((f) => f.path)).toEqual(["out/run.json", "out/run.csv", "out/run-files/mask.png", "out/run-files/match-1.png", "out/run-files/overlay-1.png", "out/run.html"]);
    const html = new TextDecoder().decode(set.files.at(-1)!.bytes);
    expect(html).toContain('href="run.json"');
    expect(html).toContain('href="run.csv"');
    expect(html).toContain('src="run-files/mask.png"');
  });
});

describe("matchedTargetPixels", () => {
  it("counts exactly the plain scorer's matching pixels, mirrored or not, on random images", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rand = seededRandom(seed);
      const mask = randomImage(60, 30, 0.3, rand);
      const target = seed % 2 ? perturbed(mask, rand, [2, 0]) : randomImage(60, 30, 0.5, rand);
      const params = { ...defaultSearchParams, maskThreshold: 20, dataThreshold: 20, excludeTopLeft: { width: 5, height: 3 }, excludeTopRight: { width: 0, height: 0 } };

      const score = scorePixelMatchPlain(mask, target, params);
      const overlay = matchedTargetPixels(mask, target, params, score.mirrored);

      expect(overlay.count, `seed ${seed}`).toBe(score.matchingPixels);
      expect(overlay.matched.reduce((n, v) => n + v, 0)).toBe(score.matchingPixels);
    }
  });

  it("marks target pixels where the (mirrored) mask lands, and the half-size overlay is white there", () => {
    const W = 20;
    const H = 10;
    const mask: RgbImage = { width: W, height: H, rgb: new Uint8Array(3 * W * H) };
    mask.rgb.set([200, 0, 255], 3 * (4 * W + 3)); // one mask pixel at (3, 4)
    const target: RgbImage = { width: W, height: H, rgb: new Uint8Array(3 * W * H) };
    target.rgb.set([200, 0, 255], 3 * (4 * W + (W - 1 - 3))); // the same colour at its mirror (16, 4)
    const params = { ...defaultSearchParams, xyShift: 0 as const, excludeTopLeft: { width: 0, height: 0 }, excludeTopRight: { width: 0, height: 0 } };

    const pixels = matchedTargetPixels(mask, target, params, true);

    expect(pixels.count).toBe(1);
    expect(pixels.matched[4 * W + 16]).toBe(1);
    const half = overlayImage(pixels);
    expect([half.width, half.height]).toEqual([10, 5]);
    expect([...half.rgb.slice(3 * (2 * 10 + 8), 3 * (2 * 10 + 8) + 3)]).toEqual([255, 255, 255]);
    expect(half.rgb.reduce((n, v) => n + v, 0)).toBe(3 * 255);
  });
});
