import { describe, expect, it } from "vitest";
import { coalescedRun } from "../src/runtime/coalesced-run.ts";

describe("coalescedRun", () => {
  it("folds the calls made while a run is under way into one more run", async () => {
    let runs = 0;
    let running = 0;
    let overlapped = false;
    const run = coalescedRun(async () => {
      overlapped ||= running > 0;
      running++;
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      running--;
    });

    const first = run(); // not started yet: calls now share it
    const sharing = [run(), run()];
    await new Promise((resolve) => setTimeout(resolve, 2)); // the first run is under way
    const during = [run(), run(), run()];
    await Promise.all([first, ...sharing, ...during]);

    expect(runs).toBe(2);
    expect(overlapped).toBe(false);
  });

  it("settles each call after a run that started after it, and runs again for a later call", async () => {
    const seen: number[] = [];
    let value = 0;
    const run = coalescedRun(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(value);
    });
    const first = run();
    value = 1; // set after the first run was asked for, before it ran
    await first;
    value = 2;
    await run();
    expect(seen).toEqual([1, 2]);
  });

  it("passes a failing run's error to its callers and keeps going", async () => {
    let calls = 0;
    const run = coalescedRun(async () => {
      if (++calls === 1) throw new Error("state store down");
    });
    await expect(run()).rejects.toThrow("state store down");
    await expect(run()).resolves.toBeUndefined();
  });
});
