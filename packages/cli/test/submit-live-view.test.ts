import { describe, expect, it } from "vitest";
import type { SubmissionProgress } from "@cds/core/submission";
import { memoryIo } from "../src/io.ts";
import { submissionSummaryLines } from "../src/output/submission-summary-table.ts";
import { submissionView } from "../src/output/submission-view.ts";

// The live view of `cds submit --wait` / `cds submissions show`: redrawn in place on a terminal,
// plain periodic lines otherwise, and the summary table it ends with.

function progressAt(completed: number, running: number, status: SubmissionProgress["status"] = "open"): SubmissionProgress {
  const masks = 10;
  return {
    submissionId: "sub-1",
    library: "lm",
    status,
    createdAt: "2030-01-01T00:00:00.000Z",
    counts: { masks, queued: masks - completed - running, running, completed, failed: 0, rejected: 1 },
    targets: { scored: completed * 100 + running * 50, total: masks * 100 },
    masks: [],
    rejected: [],
  };
}

describe("the live view", () => {
  it("redraws three lines in place on a terminal, with counts, a bar and an ETA", () => {
    const io = { ...memoryIo(), isTty: true };
    let written = "";
    let clock = 0;
    const view = submissionView(io, { now: () => clock, terminal: { write: (text) => (written += text) } });

    view.update(progressAt(0, 2));
    clock = 1000;
    view.update(progressAt(2, 2));

    const frames = written.split("\x1b[3F");
    expect(frames).toHaveLength(2); // the second frame moved back up over the first
    expect(frames[1]).toContain("submission sub-1 · library lm · 10 masks (+1 rejected)");
    expect(frames[1]).toContain("queued 6  running 2  completed 2  failed 0");
    expect(frames[1]).toMatch(/\[#{9}-{21}\] 300\/1,000 targets 30% {2}ETA 4s/);
    expect(io.stderr).toEqual([]);
  });

  it("writes plain lines when not on a terminal: on change at most every 2 s, else every 15 s", () => {
    const io = memoryIo();
    let clock = 0;
    const view = submissionView(io, { now: () => clock, terminal: { write: () => expect.fail("no terminal output") } });

    view.update(progressAt(0, 2)); // first line
    clock = 500;
    view.update(progressAt(1, 2)); // changed, but too soon
    clock = 2500;
    view.update(progressAt(1, 2)); // due
    clock = 10_000;
    view.update(progressAt(1, 2)); // unchanged: not yet
    clock = 18_000;
    view.update(progressAt(1, 2)); // unchanged for 15 s: a heartbeat
    view.finish(progressAt(10, 0, "completed"));

    expect(io.stderr).toHaveLength(4);
    expect(io.stderr[1]).toMatch(/sub-1: queued 7, running 2, completed 1, failed 0; 200\/1,000 targets \(20%\)/);
    expect(io.stderr[3]).toMatch(/completed 10, failed 0; 1,000\/1,000 targets \(100%\) {2}done$/);
  });

  it("ends with a table of every mask: status, top match, its score and where the results are", () => {
    const progress: SubmissionProgress = {
      ...progressAt(1, 0, "completed"),
      counts: { masks: 2, queued: 0, running: 0, completed: 1, failed: 1, rejected: 1 },
      masks: [
        { position: 0, name: "LC4", file: "a.png", state: "completed", scored: 100, total: 100, topMatch: { name: "SS01234", matchingPixels: 321, matchingRatio: 0.3, mirrored: false }, htmlKey: "s0.html" },
        { position: 1, name: "MBON", file: "b.png", state: "failed", scored: 100, total: 100, reason: "(worker) no shard" },
      ],
      rejected: [{ name: "notes", file: "notes.png", reason: "not an image" }],
      summaryKey: "submissions/sub-1.json",
      summaryCsvKey: "submissions/sub-1.csv",
    };
    const lines = submissionSummaryLines(progress, "/data/results");
    expect(lines.slice(0, 5)).toEqual([
      "mask   status     top match  score  results",
      "-----  ---------  ---------  -----  ---------------------",
      "LC4    completed  SS01234    321    /data/results/s0.html",
      "MBON   failed",
      "notes  rejected",
    ]);
    expect(lines).toContain("  MBON failed: (worker) no shard");
    expect(lines).toContain("  notes (notes.png) rejected: not an image");
    expect(lines.at(-1)).toBe("summary: /data/results/submissions/sub-1.csv (CSV), /data/results/submissions/sub-1.json (JSON)");
  });
});
