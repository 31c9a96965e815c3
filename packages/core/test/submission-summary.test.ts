import { defaultSearchParams } from "@cds/core/search";
import { describe, expect, it } from "vitest";
import type { SearchItem } from "../src/entities/search.ts";
import type { SubmissionItem } from "../src/entities/submission.ts";
import type { SubmissionMaskItem } from "../src/entities/submission-mask.ts";
import { submissionProgress } from "../src/submission/submission-progress.ts";
import { buildSubmissionSummary, submissionSummaryCsv } from "../src/submission/submission-summary.ts";

const submission: SubmissionItem = {
  submissionId: "sub-1",
  library: "lm",
  maskCount: 4,
  targetCount: 1000,
  rejected: [{ name: "notes", file: "masks/notes.png", reason: 'not an image, "really"' }],
  status: "open",
  createdAt: "2030-01-01T00:00:00.000Z",
};

const aMask = (position: number, extra: Partial<SubmissionMaskItem> = {}): SubmissionMaskItem => ({
  submissionId: "sub-1",
  maskId: `m${position}`,
  position,
  name: `neuron ${position}`,
  sourceFile: `masks/n${position}.png`,
  uploadKey: `lm/sub-1-000${position}-n${position}.png`,
  ...extra,
});

const aSearch = (searchId: string, status: SearchItem["status"], completedBatches = 0): SearchItem => ({
  searchId, status, completedBatches, batchCount: 4, batchSize: 250, targetCount: 1000, library: "lm", maskKey: "lm/x.png", params: defaultSearchParams, top: 400, submittedAt: "2030-01-01T00:00:00.000Z", uploadKey: "u",
});

describe("a submission's summary", () => {
  const masks = [
    aMask(1, { searchId: "s1", outcome: "failed", failureReason: "(intake) the mask is empty" }),
    aMask(0, { searchId: "s0", outcome: "completed", matchCount: 2, resultsKey: "s0.json", htmlKey: "s0.html", topMatches: [{ name: "t,1", matchingPixels: 9, matchingRatio: 0.09, mirrored: true }, { name: "t2", matchingPixels: 5, matchingRatio: 0.05, mirrored: false }] }),
  ];

  it("lists every mask in submission order with its status, best matches and reasons", () => {
    const summary = buildSubmissionSummary({ ...submission, maskCount: 2 }, masks, "2030-01-01T00:01:00.000Z");
    expect(summary).toMatchObject({ elapsedMs: 60_000, counts: { masks: 2, completed: 1, failed: 1, rejected: 1 } });
    expect(summary.masks.map((m) => [m.name, m.status, m.topMatches.map((t) => t.rank), m.reason])).toEqual([
      ["neuron 0", "completed", [1, 2], undefined],
      ["neuron 1", "failed", [], "(intake) the mask is empty"],
    ]);
  });

  it("writes CSV with a row per top match, quoting what needs it", () => {
    const csv = submissionSummaryCsv(buildSubmissionSummary({ ...submission, maskCount: 2 }, masks, "2030-01-01T00:01:00.000Z"));
    expect(csv.split("\r\n")).toEqual([
      "position,mask,file,status,search_id,rank,target,matching_pixels,matching_ratio,mirrored,results,reason",
      '0,neuron 0,masks/n0.png,completed,s0,1,"t,1",9,0.09,true,s0.json,',
      "0,neuron 0,masks/n0.png,completed,s0,2,t2,5,0.05,false,s0.json,",
      "1,neuron 1,masks/n1.png,failed,s1,,,,,,,(intake) the mask is empty",
      ',notes,masks/notes.png,rejected,,,,,,,,"not an image, ""really"""',
      "",
    ]);
  });
});

describe("a submission's progress", () => {
  it("counts masks by state and targets scored, a recorded outcome winning over its search", () => {
    const masks = [
      aMask(0, { searchId: "s0", outcome: "completed", topMatches: [{ name: "t", matchingPixels: 9, matchingRatio: 0.09, mirrored: false }] }),
      aMask(1, { searchId: "s1" }), // running, half its batches stored
      aMask(2, { searchId: "s2" }), // accepted: waits for a slot
      // mask 3 is not listed yet (its upload is still to come)
    ];
    const progress = submissionProgress(submission, masks, [aSearch("s0", "completed", 4), aSearch("s1", "running", 2), aSearch("s2", "accepted")]);
    expect(progress.counts).toEqual({ masks: 4, queued: 2, running: 1, completed: 1, failed: 0, rejected: 1 });
    expect(progress.targets).toEqual({ scored: 1000 + 500, total: 4000 });
    expect(progress.masks.map((m) => m.state)).toEqual(["completed", "running", "queued"]);
    expect(progress.masks[0].topMatch?.name).toBe("t");
  });
});
