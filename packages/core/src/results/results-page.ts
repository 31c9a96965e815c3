import type { RgbImage } from "../image/rgb-image.ts";
import { downscale2x } from "./downscale-2x.ts";
import { escapeHtml } from "./escape-html.ts";
import { matchedTargetPixels, overlayImage } from "./match-overlay.ts";
import { encodePng } from "./png-encoder.ts";
import type { ResultEntry, ResultsDocument } from "./results-document.ts";
import { PAGE_CSS, PAGE_SCRIPT } from "./results-page-assets.ts";

/** How many of the best matches get pictures on a results page; the page lists all of them. */
export const DEFAULT_SHOWN_MATCHES = 48;

/** What a results page shows besides the document. */
export interface ResultsPageInput {
  /** The mask at full size. */
  maskImage: RgbImage;
  /** Target images at full size, by result `name`; matches without one are listed without a picture. */
  matchImages: ReadonlyMap<string, RgbImage>;
  /** How many of the best matches get pictures; default {@link DEFAULT_SHOWN_MATCHES}. */
  shown?: number;
  /** Folder for the page's images, relative to the page; default `<searchId>-files`. */
  assetFolder?: string;
  /** Links, relative to the page or absolute: the JSON document and the CSV. */
  links?: { json?: string; csv?: string };
  /** A link to a target's original image (absolute URL or path relative to the page), if it can be opened. */
  sourceLink?: (result: ResultEntry) => string | undefined;
}

/** A rendered results page: its HTML and the image files it loads, paths relative to the page. */
export interface ResultsPage {
  html: string;
  files: { path: string; bytes: Uint8Array }[];
}

/**
 * The matches a results page draws: the first `shown` of the ranking. The combiner reads the
 * target images for exactly these.
 *
 * @example
 * const images = new Map(await Promise.all(matchesToShow(document).map(async (r) => [r.name, await load(r)] as const)));
 */
export function matchesToShow(document: ResultsDocument, shown: number = DEFAULT_SHOWN_MATCHES): ResultEntry[] {
  return document.results.slice(0, Math.max(0, shown));
}

/**
 * Renders a results document as a comparison page, NeuronBridge-style: the mask beside the
 * matches, each drawn at the same size as the mask, with a crosshair that follows the pointer on
 * the mask and the match under it; mirrored matches shown flipped (so they line up with the mask)
 * with a Flip toggle; an overlay of the pixels that matched, recomputed here for the matches drawn;
 * filters by library, sex, anatomical area and name; best N per line (publishedName); sort by
 * pixels, ratio or name; paging; links to the JSON, the CSV and each target's source.
 *
 * Images are separate PNG files (halved, 1210×566 → 605×283) loaded lazily, so the HTML stays
 * small; everything is local, so the page works offline. Names are HTML-escaped in the markup and
 * set as text by the script: they come from uploads and libraries.
 *
 * @example
 * const page = renderResultsPage(document, { maskImage, matchImages, links: { json: "s1.json", csv: "s1.csv" } });
 * await store.put("s1.html", new TextEncoder().encode(page.html));
 * for (const file of page.files) await store.put(file.path, file.bytes);
 */
export function renderResultsPage(document: ResultsDocument, input: ResultsPageInput): ResultsPage {
  const folder = input.assetFolder ?? `${safeFileName(document.searchId)}-files`;
  const drawn = matchesToShow(document, input.shown ?? DEFAULT_SHOWN_MATCHES);
  const files: ResultsPage["files"] = [];
  const maskFile = `${folder}/mask.png`;
  files.push({ path: maskFile, bytes: encodePng(downscale2x(input.maskImage)) });
  const pictures = new Map<number, { image: string; overlay: string }>();
  for (const result of drawn) {
    const target = input.matchImages.get(result.name);
    if (!target || target.width !== input.maskImage.width || target.height !== input.maskImage.height) continue;
    const image = `${folder}/match-${result.rank}.png`;
    const overlay = `${folder}/overlay-${result.rank}.png`;
    files.push({ path: image, bytes: encodePng(downscale2x(target)) });
    const matched = matchedTargetPixels(input.maskImage, target, document.parameters, result.mirrored);
    files.push({ path: overlay, bytes: encodePng(overlayImage(matched), { filter: "none" }) });
    pictures.set(result.rank, { image, overlay });
  }
  const title = `Matches for ${document.mask.name} in ${document.library.name}`;
  const data = {
    mask: { name: document.mask.name, image: maskFile },
    library: document.library.name,
    pictured: drawn.length,
    shape: document.shape !== undefined,
    results: document.results.map((r) => ({
      rank: r.rank,
      name: r.name,
      publishedName: r.publishedName,
      gender: r.gender,
      anatomicalArea: r.anatomicalArea,
      library: r.library,
      matchingPixels: r.matchingPixels,
      matchingRatio: r.matchingRatio,
      mirrored: r.mirrored,
      ...(document.shape ? { normalizedScore: r.normalizedScore, ...(r.shapeScore === undefined ? {} : { shapeScore: r.shapeScore }) } : {}),
      sourcePath: r.sourcePath,
      source: safeLink((input.sourceLink ?? ((e: ResultEntry) => sourceLinkOf(locationOf(document, e), e.sourcePath)))(r)),
      ...(pictures.get(r.rank) ?? {}),
    })),
  };
  const width = Math.ceil(input.maskImage.width / 2);
  const height = Math.ceil(input.maskImage.height / 2);
  const html = [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${PAGE_CSS}:root{--aspect:${width}/${height}}</style>`,
    "</head>",
    "<body>",
    "<header>",
    `<h1>Matches for <span class="mask-name">${escapeHtml(document.mask.name)}</span> in <span class="library-name">${escapeHtml(document.library.name)}</span></h1>`,
    `<p class="summary">${summary(document)}${links(input.links)}</p>`,
    document.libraries.length > 1 ? perLibrary(document) : "",
    document.partial ? partialBanner(document) : "",
    toolbar(document.shape !== undefined),
    "</header>",
    '<div class="layout">',
    '<aside class="mask-panel">',
    `<figure class="mask"><div class="frame" data-frame="mask"><img id="mask-image" src="${escapeHtml(maskFile)}" width="${width}" height="${height}" alt="mask ${escapeHtml(document.mask.name)}"><div class="cross-h"></div><div class="cross-v"></div></div>`,
    `<figcaption>Mask: ${escapeHtml(document.mask.name)}</figcaption></figure>`,
    parametersTable(document),
    "</aside>",
    "<main>",
    document.results.length === 0 ? `<p class="none">0 matches: no target of ${escapeHtml(document.library.name)} matched this mask.</p>` : "",
    '<p class="count" id="count" aria-live="polite"></p>',
    '<ol class="matches" id="matches"></ol>',
    '<nav class="pager" id="pager"><button type="button" id="prev">‹ previous</button> <span id="page-info"></span> <button type="button" id="next">next ›</button></nav>',
    "</main>",
    "</div>",
    // `<` never appears raw inside the data, so no name can close the script element.
    `<script type="application/json" id="results-data">${JSON.stringify(data).replace(/</g, "\\u003c")}</script>`,
    `<script>${PAGE_SCRIPT}</script>`,
    "</body>",
    "</html>",
    "",
  ]
    .filter((line) => line !== "")
    .join("\n");
  return { html, files };
}

function toolbar(byShape: boolean): string {
  const select = (id: string, label: string, options: [string, string][]) =>
    `<label>${label} <select id="${id}">${options.map(([v, t]) => `<option value="${v}">${t}</option>`).join("")}</select></label>`;
  return [
    '<form class="toolbar" id="toolbar" onsubmit="return false">',
    select("filter-library", "Library", [["", "all"]]),
    select("filter-sex", "Sex", [["", "all"]]),
    select("filter-area", "Area", [["", "all"]]),
    '<label>Name <input id="filter-name" type="search" placeholder="line or file name" size="16"></label>',
    select("per-line", "Results per line", [["0", "all"], ["1", "1"], ["2", "2"], ["3", "3"], ["5", "5"]]),
    // Ranked by shape, the document's own order (normalizedScore) comes first.
    select("sort", "Sort by", [...(byShape ? [["shape", "normalized score"] as [string, string]] : []), ["pixels", "matching pixels"], ["ratio", "matching ratio"], ["name", "name"]]),
    select("page-size", "Per page", [["24", "24"], ["12", "12"], ["48", "48"], ["96", "96"]]),
    '<label><input id="overlay" type="checkbox" checked> matched pixels</label>',
    '<label><input id="flip-mirrored" type="checkbox" checked> flip mirrored</label>',
    "</form>",
  ].join("");
}

function summary(document: ResultsDocument): string {
  const parts = [
    `${count(document.matchCount)} match${document.matchCount === 1 ? "" : "es"}`,
    `${count(document.scored)} of ${count(document.library.count)} targets scored in ${(document.elapsedMs / 1000).toFixed(1)} s`,
    `search ${escapeHtml(document.searchId)}`,
    escapeHtml(document.createdAt),
  ];
  return parts.join(" · ");
}

/** For a search over several libraries: what each held, scored and matched. */
function perLibrary(document: ResultsDocument): string {
  const items = document.libraries.map(
    (l) => `<li><span class="library-name">${escapeHtml(l.name)}</span>: ${count(l.scored)} of ${count(l.count)} targets scored, ${count(l.matched)} match${l.matched === 1 ? "" : "es"}</li>`,
  );
  return `<ul class="per-library" id="per-library">${items.join("")}</ul>`;
}

/** Where a result's library was indexed from. */
function locationOf(document: ResultsDocument, entry: ResultEntry): string | undefined {
  return document.libraries.find((l) => l.name === entry.library)?.location ?? document.library.location;
}

function links(given: ResultsPageInput["links"]): string {
  const list = [given?.json ? ["JSON", given.json] : undefined, given?.csv ? ["CSV", given.csv] : undefined].filter((l) => l !== undefined);
  if (list.length === 0) return "";
  return ` · ${list.map(([label, href]) => `<a class="download" href="${escapeHtml(href)}" download>${label}</a>`).join(" · ")}`;
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
  return `<details class="parameters"><summary>Search parameters</summary><table>${rows.join("")}</table></details>`;
}

function parameterText(value: unknown): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object" && value !== null && "width" in value && "height" in value) {
    return `${value.width}×${value.height}`;
  }
  return String(value);
}

/**
 * A link to a target's original image from where its library was indexed: a `file://` URL for
 * a local folder, the joined URL for an http(s) location; none for S3 or a synthetic library,
 * which a browser cannot open.
 *
 * @example
 * sourceLinkOf("/data/lm", "a/b c.tif") // "file:///data/lm/a/b%20c.tif"
 */
export function sourceLinkOf(location: string | undefined, sourcePath: string): string | undefined {
  if (!location) return undefined;
  const encoded = sourcePath.split("/").map(encodeURIComponent).join("/");
  if (/^https?:\/\//i.test(location)) return `${location.replace(/\/+$/, "")}/${encoded}`;
  if (location.startsWith("/")) return `file://${location.split("/").map(encodeURIComponent).join("/").replace(/\/+$/, "")}/${encoded}`;
  return undefined;
}

/** Only links a page may follow: http(s), file, or a relative path; never `javascript:` and the like. */
function safeLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  return /^(https?:|file:)/i.test(link) || !/^[a-z][a-z0-9+.-]*:/i.test(link) ? link : undefined;
}

/** A search id as a file name: ids are UUIDs or similar, but a page must not write outside its folder. */
function safeFileName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_") || "results";
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}
