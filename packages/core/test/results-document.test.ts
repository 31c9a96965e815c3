import { describe, expect, it } from "vitest";
import { ParameterError } from "../src/errors.ts";
import { buildResultsDocument, RESULTS_DOCUMENT_VERSION } from "../src/results/results-document.ts";
import { itemMetadataFromPath } from "../src/library/item-metadata.ts";
import { aDocumentInput, aMatch } from "@cds/testing/results-builders";

describe("buildResultsDocument: the search and its ranked matches", () => {
  it("records the search, the mask, the library and the parameters it was given", () => {
    const input = aDocumentInput();

    const document = buildResultsDocument(input);

    expect(document).toMatchObject({
      version: RESULTS_DOCUMENT_VERSION,
      searchId: "search-1",
      createdAt: "2025-01-02T03:04:05.000Z",
      mask: { name: "my-mask.png", key: "searches/search-1/mask.png" },
      library: { name: "synthetic", count: 100 },
      parameters: input.parameters,
      scored: 100,
      elapsedMs: 1234,
      partial: false,
      matchCount: 3,
    });
    expect(document).not.toHaveProperty("missingBatches");
  });

  it("ranks results from 1 in ranking order, ties by library index, whatever the input order", () => {
    const document = buildResultsDocument(aDocumentInput());

    expect(document.results.map((r) => [r.rank, r.index])).toEqual([
      [1, 7],
      [2, 1],
      [3, 3],
    ]);
  });

  it("sets normalizedScore to matchingPixels, as NeuronBridge's custom search does", () => {
    const document = buildResultsDocument(aDocumentInput());

    for (const result of document.results) expect(result.normalizedScore).toBe(result.matchingPixels);
  });

  it("carries each target's metadata and scores, with null for what the library does not know", () => {
    const item = itemMetadataFromPath("lm/VT007350-20180803_63_H2-GAL4-m-40x-brain-JRC2018_Unisex_20x_HR-CDM_2-03.png");
    const document = buildResultsDocument(
      aDocumentInput({ matches: [aMatch(12, 700, { item, mirrored: true, matchingRatio: 0.07 }), aMatch(2, 10)] }),
    );

    expect(document.results[0]).toEqual({
      rank: 1,
      library: "synthetic",
      index: 12,
      name: "VT007350-20180803_63_H2-GAL4-m-40x-brain-JRC2018_Unisex_20x_HR-CDM_2-03",
      sourcePath: "lm/VT007350-20180803_63_H2-GAL4-m-40x-brain-JRC2018_Unisex_20x_HR-CDM_2-03.png",
      publishedName: "VT007350",
      slideCode: "20180803_63_H2",
      gender: "m",
      objective: "40x",
      anatomicalArea: "brain",
      alignmentSpace: "JRC2018_Unisex_20x_HR",
      channel: "2",
      matchingPixels: 700,
      matchingRatio: 0.07,
      mirrored: true,
      normalizedScore: 700,
    });
    expect(document.results[1]).toMatchObject({ name: "target-2", publishedName: null, slideCode: null, channel: null });
  });
});

describe("buildResultsDocument: the libraries searched", () => {
  it("names each match's library and its index there, and counts per library, for a search over several", () => {
    const document = buildResultsDocument(
      aDocumentInput({
        library: { name: "lm,em", count: 15 },
        libraries: [
          { name: "lm", count: 10, scored: 10, location: "/data/lm", firstItem: 0 },
          { name: "em", count: 5, scored: 4, firstItem: 10 },
        ],
        matches: [aMatch(3, 500), aMatch(12, 900), aMatch(10, 400), aMatch(9, 300)],
        scored: 14,
      }),
    );

    expect(document.results.map((r) => [r.library, r.index, r.matchingPixels])).toEqual([
      ["em", 2, 900],
      ["lm", 3, 500],
      ["em", 0, 400],
      ["lm", 9, 300],
    ]);
    expect(document.libraries).toEqual([
      { name: "lm", count: 10, scored: 10, matched: 2, location: "/data/lm" },
      { name: "em", count: 5, scored: 4, matched: 2 },
    ]);
  });

  it("refuses a match numbered outside every searched library", () => {
    const input = aDocumentInput({ libraries: [{ name: "lm", count: 5, scored: 5, firstItem: 0 }], matches: [aMatch(5, 10)] });
    expect(() => buildResultsDocument(input)).toThrow(/item 5 is in none of the search's libraries/);
  });

  it("lists the one library of a single-library search with its counts", () => {
    const document = buildResultsDocument(aDocumentInput());
    expect(document.libraries).toEqual([{ name: "synthetic", count: 100, scored: 100, matched: 3 }]);
    expect(document.results.every((r) => r.library === "synthetic")).toBe(true);
  });
});

describe("buildResultsDocument: a partial search and its missing batches", () => {
  it("survives a JSON round trip unchanged", () => {
    const document = buildResultsDocument(aDocumentInput({ partial: true, missingBatches: [4] }));

    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });

  it("names the missing batches of a partial search, ascending and once each", () => {
    const document = buildResultsDocument(aDocumentInput({ partial: true, missingBatches: [9, 2, 9, 5] }));

    expect(document.partial).toBe(true);
    expect(document.missingBatches).toEqual([2, 5, 9]);
  });

  it("lists no missing batches for a partial search that did not say which", () => {
    expect(buildResultsDocument(aDocumentInput({ partial: true })).missingBatches).toEqual([]);
  });

  it("refuses missing batches on a search that claims to be complete", () => {
    expect(() => buildResultsDocument(aDocumentInput({ partial: false, missingBatches: [1] }))).toThrow(ParameterError);
  });
});

describe("buildResultsDocument: an empty or changed input", () => {
  it("writes an empty result list when nothing matched", () => {
    const document = buildResultsDocument(aDocumentInput({ matches: [] }));

    expect(document.matchCount).toBe(0);
    expect(document.results).toEqual([]);
  });

  it("does not share the parameters object with its input", () => {
    const input = aDocumentInput();

    const document = buildResultsDocument(input);
    input.parameters.excludeTopLeft.width = 1;

    expect(document.parameters.excludeTopLeft.width).toBe(330);
  });
});
