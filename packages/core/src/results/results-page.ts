import { Buffer } from "node:buffer";
import type { RgbImage } from "../image/rgb-image.ts";
import { downscale2x } from "./downscale-2x.ts";
import { escapeHtml } from "./escape-html.ts";
import { encodePng } from "./png-encoder.ts";
import type { ResultEntry, ResultsDocument } from "./results-document.ts";

/** How many of the best matches a results page shows by default. */
export const DEFAULT_SHOWN_MATCHES = 20;

/** The images a results page embeds, full size; the page halves them itself. */
export interface ResultsPageImages {
  maskImage: RgbImage;
  /** Target images by result `name`; a shown match without one gets a placeholder. */
  matchImages: ReadonlyMap<string, RgbImage>;
  /** How many of the best matches to show; default {@link DEFAULT_SHOWN_MATCHES}. */
  shown?: number;
}

/**
 * The matches a results page shows: the first `shown` of the ranking. The combiner reads the
 * target images for exactly these.
 *
 * @example
 * const images = new Map(await Promise.all(matchesToShow(document).map(async (r) => [r.name, await load(r)] as const)));
 */
export function matchesToShow(document: ResultsDocument, shown: number = DEFAULT_SHOWN_MATCHES): ResultEntry[] {
  return document.results.slice(0, Math.max(0, shown));
}

/**
 * Renders a results document as one self-contained HTML page: the mask beside the best
 * matches, each with its rank, name, matching pixels, ratio and whether the mirrored mask
 * matched; the search parameters; and a banner when the results are partial. No external
 * URL: styles are inline and images are PNG data URIs.
 *
 * To keep the page small, every image is halved in each direction (2×2 box filter), so a
 * 1210×566 CDM embeds as 605×283. Mirrored matches are shown as stored, not flipped back.
 * Every string from the document is HTML-escaped: names come from uploads and libraries.
 *
 * @example
 * const html = renderResultsPage(document, { maskImage: mask, matchImages });
 * await store.put(`results/${document.searchId}.html`, new TextEncoder().encode(html));
 */
export function renderResultsPage(document: ResultsDocument, images: ResultsPageImages): string {
  const shown = matchesToShow(document, images.shown ?? DEFAULT_SHOWN_MATCHES);
  const maskName = escapeHtml(document.mask.name);
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Matches for ${maskName}</title>`,
    `<style>${PAGE_CSS}</style>`,
    "</head>",
    "<body>",
    "<header>",
    `<h1>Matches for ${maskName}</h1>`,
    `<p class="summary">${summary(document)}</p>`,
    "</header>",
    document.partial ? partialBanner(document) : "",
    '<div class="layout">',
    "<aside>",
    '<figure class="mask">',
    imageTag(images.maskImage, `mask ${document.mask.name}`),
    `<figcaption>Mask: ${maskName}</figcaption>`,
    "</figure>",
    parametersTable(document),
    "</aside>",
    "<main>",
    shown.length === 0 ? '<p class="none">No target matched.</p>' : "",
    '<ol class="matches">',
    ...shown.map((result) => matchItem(result, images.matchImages.get(result.name))),
    "</ol>",
    shownNote(document, shown.length),
    "</main>",
    "</div>",
    "</body>",
    "</html>",
    "",
  ]
    .filter((line) => line !== "")
    .join("\n");
}

// Dark background because CDMs are bright colours on black; the mask column sticks so it
// stays beside whichever match is on screen.
const PAGE_CSS = [
  "body{margin:0;font:14px/1.4 system-ui,sans-serif;background:#111;color:#ddd}",
  "header{padding:12px 16px;border-bottom:1px solid #333}",
  "h1{margin:0 0 4px;font-size:18px;word-break:break-all}",
  ".summary{margin:0;color:#aaa}",
  ".partial-banner{margin:12px 16px;padding:10px 12px;background:#5a3b00;color:#ffd98a;border:1px solid #a66f00;border-radius:4px}",
  ".layout{display:grid;grid-template-columns:minmax(260px,1fr) 2fr;gap:16px;padding:16px}",
  "aside{position:sticky;top:0;align-self:start}",
  "figure{margin:0}",
  "img{display:block;max-width:100%;height:auto;background:#000}",
  "figcaption{margin-top:4px;word-break:break-all}",
  ".parameters{margin-top:12px;border-collapse:collapse}",
  ".parameters th,.parameters td{padding:2px 8px 2px 0;text-align:left;font-weight:normal}",
  ".parameters th{color:#aaa}",
  ".matches{list-style:none;margin:0;padding:0;display:grid;gap:16px}",
  ".match .caption{margin-top:4px}",
  ".rank{font-weight:bold;margin-right:6px}",
  ".name{word-break:break-all}",
  ".scores{color:#aaa}",
  ".mirrored{margin-left:6px;padding:0 4px;border:1px solid #888;border-radius:3px;font-size:12px}",
  ".missing{padding:40px 0;text-align:center;color:#888;border:1px dashed #444}",
].join("");

function summary(document: ResultsDocument): string {
  const parts = [
    `${count(document.matchCount)} match${document.matchCount === 1 ? "" : "es"} in ${escapeHtml(document.library.name)}`,
    `${count(document.scored)} of ${count(document.library.count)} targets scored in ${(document.elapsedMs / 1000).toFixed(1)} s`,
    `search ${escapeHtml(document.searchId)}`,
    escapeHtml(document.createdAt),
  ];
  return parts.join(" · ");
}

function partialBanner(document: ResultsDocument): string {
  const missing = document.missingBatches ?? [];
  const which =
    missing.length === 0 ? "some batches" : `${missing.length} batch${missing.length === 1 ? "" : "es"} (${missing.join(", ")})`;
  return (
    `<div class="partial-banner" role="alert"><strong>Partial results.</strong> ${which} did not report, ` +
    "so targets in them were not ranked; better matches may exist.</div>"
  );
}

function parametersTable(document: ResultsDocument): string {
  const rows = Object.entries(document.parameters).map(
    ([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(parameterText(value))}</td></tr>`,
  );
  return `<table class="parameters"><caption>Search parameters</caption>${rows.join("")}</table>`;
}

function parameterText(value: unknown): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object" && value !== null && "width" in value && "height" in value) {
    return `${value.width}×${value.height}`;
  }
  return String(value);
}

function matchItem(result: ResultEntry, image: RgbImage | undefined): string {
  const picture = image
    ? imageTag(image, `rank ${result.rank}: ${result.name}`)
    : '<div class="missing">image not available</div>';
  const published =
    result.publishedName && result.publishedName !== result.name ? ` <span class="published">(${escapeHtml(result.publishedName)})</span>` : "";
  const mirrored = result.mirrored
    ? '<span class="mirrored" title="the mirrored mask matched best; the image is shown as stored">mirrored</span>'
    : "";
  return (
    `<li class="match" data-rank="${result.rank}"><figure>${picture}<figcaption class="caption">` +
    `<span class="rank">#${result.rank}</span><span class="name">${escapeHtml(result.name)}</span>${published}<br>` +
    `<span class="scores">${count(result.matchingPixels)} matching pixels · ${(100 * result.matchingRatio).toFixed(2)} %</span>` +
    `${mirrored}</figcaption></figure></li>`
  );
}

function shownNote(document: ResultsDocument, shown: number): string {
  if (shown >= document.matchCount) return "";
  return `<p class="more">Showing the best ${shown} of ${count(document.matchCount)} matches; the JSON results document lists them all.</p>`;
}

/** An <img> of the image halved (see {@link renderResultsPage}), as a PNG data URI. */
function imageTag(image: RgbImage, alt: string): string {
  const small = downscale2x(image);
  const base64 = Buffer.from(encodePng(small)).toString("base64");
  return `<img src="data:image/png;base64,${base64}" width="${small.width}" height="${small.height}" alt="${escapeHtml(alt)}">`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}
