import { describe, expect, it } from "vitest";
import { decodePng } from "../src/image/index.ts";
import type { RgbImage } from "../src/image/rgb-image.ts";
import { downscale2x } from "../src/results/downscale-2x.ts";
import { buildResultsDocument, type ResultsDocument } from "../src/results/results-document.ts";
import { matchesToShow, renderResultsPage } from "../src/results/results-page.ts";
import { generateCdm, generateNeuron, renderMask } from "../src/synthetic/index.ts";
import { aDocumentInput, aMatch } from "./results-builders.ts";

// Small images keep the page test fast; the page code does not care about the size.
const WIDTH = 400;
const HEIGHT = 190;
const maskImage = renderMask(generateNeuron("page-mask", { width: WIDTH, height: HEIGHT, pixels: 300 }));

function aDocument(matchCount: number, overrides: Parameters<typeof aDocumentInput>[0] = {}): ResultsDocument {
  const matches = Array.from({ length: matchCount }, (_, i) => aMatch(i, 1000 - i, { mirrored: i % 3 === 1 }));
  return buildResultsDocument(aDocumentInput({ matches, ...overrides }));
}

function imagesFor(document: ResultsDocument, count = document.results.length): Map<string, RgbImage> {
  return new Map(
    document.results.slice(0, count).map((r) => [r.name, generateCdm({ seed: r.name, width: WIDTH, height: HEIGHT })]),
  );
}

/** Every <img> tag's data URI, decoded with the project's own PNG decoder. */
function embeddedImages(html: string): RgbImage[] {
  return [...html.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) =>
    decodePng(Buffer.from(m[1], "base64")),
  );
}

describe("renderResultsPage", () => {
  it("is one self-contained HTML document with no external URL", () => {
    const document = aDocument(3);

    const html = renderResultsPage(document, { maskImage, matchImages: imagesFor(document) });

    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("<style>");
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("embeds the mask and each shown match as one <img> whose PNG decodes to the halved image", () => {
    const document = aDocument(4);
    const matchImages = imagesFor(document);

    const html = renderResultsPage(document, { maskImage, matchImages });

    const images = embeddedImages(html);
    expect(html.match(/<img /g)).toHaveLength(5);
    expect(images).toHaveLength(5);
    expect(images[0]).toEqual(downscale2x(maskImage));
    document.results.forEach((r, i) => expect(images[i + 1]).toEqual(downscale2x(matchImages.get(r.name)!)));
    for (const image of images) expect([image.width, image.height]).toEqual([200, 95]);
  });

  it("shows the best 20 matches by default, ranks in order", () => {
    const document = aDocument(25);

    const html = renderResultsPage(document, { maskImage, matchImages: imagesFor(document, 20) });

    const ranks = [...html.matchAll(/data-rank="(\d+)"/g)].map((m) => Number(m[1]));
    expect(ranks).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(html.match(/<img /g)).toHaveLength(21);
    expect(html).toContain("Showing the best 20 of 25 matches");
  });

  it("shows as many matches as asked", () => {
    const document = aDocument(10);

    const html = renderResultsPage(document, { maskImage, matchImages: imagesFor(document), shown: 3 });

    expect([...html.matchAll(/data-rank="(\d+)"/g)].map((m) => m[1])).toEqual(["1", "2", "3"]);
    expect(matchesToShow(document, 3).map((r) => r.rank)).toEqual([1, 2, 3]);
  });

  it("labels each match with rank, name, matching pixels, ratio in percent, and mirrored when so", () => {
    const document = buildResultsDocument(
      aDocumentInput({
        matches: [
          aMatch(0, 1234, { matchingRatio: 0.123456 }),
          aMatch(1, 800, { matchingRatio: 0.08, mirrored: true }),
        ],
      }),
    );

    const html = renderResultsPage(document, { maskImage, matchImages: imagesFor(document) });

    const items = html.split('<li class="match"').slice(1);
    expect(items[0]).toContain("#1");
    expect(items[0]).toContain("target-0");
    expect(items[0]).toContain("1,234 matching pixels");
    expect(items[0]).toContain("12.35 %");
    expect(items[0]).not.toContain(">mirrored<");
    expect(items[1]).toContain("#2");
    expect(items[1]).toContain("8.00 %");
    expect(items[1]).toContain(">mirrored<");
  });

  it("escapes names from metadata so they cannot inject markup", () => {
    const evil = `<script>alert(1)</script> & "quoted" 'too'`;
    const document = buildResultsDocument(
      aDocumentInput({
        mask: { name: `<b>mask</b>.png`, key: "k" },
        library: { name: "<lib>", count: 1 },
        matches: [aMatch(0, 10, { item: { name: evil, sourcePath: evil, publishedName: "<i>x</i>" } })],
      }),
    );

    const html = renderResultsPage(document, { maskImage, matchImages: new Map([[evil, maskImage]]) });

    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>");
    expect(html).not.toContain("<lib>");
    expect(html).not.toContain("<i>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &#39;too&#39;");
    expect(html).toContain("&lt;b&gt;mask&lt;/b&gt;.png");
    expect(html.match(/<img /g)).toHaveLength(2);
  });

  it("shows the search parameters", () => {
    const document = aDocument(1);

    const html = renderResultsPage(document, { maskImage, matchImages: imagesFor(document) });

    expect(html).toContain("<th scope=\"row\">pixColorFluctuation</th><td>2</td>");
    expect(html).toContain("<th scope=\"row\">mirrorMask</th><td>yes</td>");
    expect(html).toContain("<th scope=\"row\">excludeTopRight</th><td>270×90</td>");
  });

  it("shows a partial-results banner naming the missing batches only when partial", () => {
    const complete = aDocument(2);
    const partial = aDocument(2, { partial: true, missingBatches: [7, 3] });

    const completeHtml = renderResultsPage(complete, { maskImage, matchImages: imagesFor(complete) });
    const partialHtml = renderResultsPage(partial, { maskImage, matchImages: imagesFor(partial) });

    expect(completeHtml).not.toContain('class="partial-banner"');
    expect(partialHtml).toContain('class="partial-banner"');
    expect(partialHtml).toContain("2 batches (3, 7) did not report");
  });

  it("shows a placeholder for a match whose image was not supplied", () => {
    const document = aDocument(2);

    const html = renderResultsPage(document, { maskImage, matchImages: imagesFor(document, 1) });

    expect(html.match(/<img /g)).toHaveLength(2);
    expect(html).toContain("image not available");
  });

  it("says so when nothing matched, showing only the mask", () => {
    const document = aDocument(0);

    const html = renderResultsPage(document, { maskImage, matchImages: new Map() });

    expect(html).toContain("No target matched.");
    expect(html.match(/<img /g)).toHaveLength(1);
  });
});
