/**
 * The comparison page as a stage's console shows it. The combiner writes the page with its
 * images and downloads as paths relative to it (`<id>-files/match-1.png`, `<id>.json`,
 * `<id>.csv`), which a private results bucket answers with 403 once the page itself is opened
 * from a presigned URL. So the console's API reads the page and replaces exactly those relative
 * references with presigned URLs of the same objects; nothing else in the page changes.
 */

/** The most a results page may hold when the API reads it: the images are separate files. */
export const MAX_RESULTS_PAGE_BYTES = 4 * 1024 * 1024;

const DATA_OPEN = '<script type="application/json" id="results-data">';

/**
 * `html` (the page stored at `pageKey`) with every quoted reference to its own files signed by
 * `presign` (a results bucket key → URL). In the markup the URL is written HTML-escaped; inside
 * the page's JSON data it is written as a JSON string, so each context decodes to the same URL.
 *
 * @example
 * signedResultsPage(html, "results/s1.html", presignGet) // src="https://…/results/s1-files/mask.png?X-Amz-…"
 */
export function signedResultsPage(html: string, pageKey: string, presign: (key: string) => URL): string {
  const slash = pageKey.lastIndexOf("/");
  const folder = pageKey.slice(0, slash + 1);
  const leaf = pageKey.slice(slash + 1).replace(/\.html$/, "");
  const own = new RegExp(`"(${escapeRegExp(leaf)}(?:-files/[A-Za-z0-9._-]+|\\.json|\\.csv))"`, "g");
  const sign = (escape: (url: string) => string) => (part: string) => part.replace(own, (_, relative: string) => `"${escape(presign(folder + relative).toString())}"`);
  const inMarkup = sign((url) => url.replace(/&/g, "&amp;"));
  const inJson = sign((url) => url);
  const open = html.indexOf(DATA_OPEN);
  if (open < 0) return inMarkup(html);
  const start = open + DATA_OPEN.length;
  const end = html.indexOf("</script>", start);
  return inMarkup(html.slice(0, start)) + inJson(html.slice(start, end)) + inMarkup(html.slice(end));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
