import { describe, expect, it } from "vitest";
import { stageEndedByFailureOf, stageFailureReason } from "../src/pipeline/fail-search.ts";

describe("which handler failure ends which stage", () => {
  it("ends intake, dispatch and the combiner for the events that start them", () => {
    expect(stageEndedByFailureOf("Object Created")).toBe("intake");
    expect(stageEndedByFailureOf("Search Accepted")).toBe("dispatch");
    expect(stageEndedByFailureOf("Search Batches Completed")).toBe("combiner");
  });

  it("ends no stage for a search's or a submission's end (slot release, submission tracking, notify), nor for anything else", () => {
    for (const detailType of ["Search Completed", "Search Failed", "Submission Completed", "Search Started", "Batch Failed", "toString", undefined, 3]) {
      expect(stageEndedByFailureOf(detailType), String(detailType)).toBeUndefined();
    }
  });

  it("says what could not be done, with the error's message", () => {
    expect(stageFailureReason("dispatch", new Error("ECONNREFUSED"))).toBe("the search could not be dispatched: ECONNREFUSED");
  });
});
