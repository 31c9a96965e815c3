import type { ResultsDocumentInput } from "@cds/core/results";
import { defaultSearchParams, type SearchParams, type TargetMatch } from "@cds/core/search";

/** A match of library target `index` with `matchingPixels` pixels out of a 1000-pixel mask. */
export function aMatch(index: number, matchingPixels: number, overrides: Partial<TargetMatch> = {}): TargetMatch {
  return {
    index,
    matchingPixels,
    matchingRatio: matchingPixels / 1000,
    mirrored: false,
    maskSize: 1000,
    item: { name: `target-${index}`, sourcePath: `raw/target-${index}.png` },
    ...overrides,
  };
}

/** Everything a results document needs, for a complete search unless overridden. */
export function aDocumentInput(overrides: Partial<ResultsDocumentInput> = {}): ResultsDocumentInput {
  const parameters: SearchParams = structuredClone(defaultSearchParams) as SearchParams;
  return {
    searchId: "search-1",
    createdAt: "2025-01-02T03:04:05.000Z",
    mask: { name: "my-mask.png", key: "searches/search-1/mask.png" },
    library: { name: "synthetic", count: 100 },
    parameters,
    matches: [aMatch(3, 500), aMatch(7, 900, { mirrored: true }), aMatch(1, 500)],
    scored: 100,
    elapsedMs: 1234.4,
    partial: false,
    ...overrides,
  };
}
