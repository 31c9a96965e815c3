import { describe, expect, it } from "vitest";
import { ParameterError } from "../src/errors.ts";
import type { LibraryLayout } from "../src/library/library-manifest.ts";
import { LibraryFormatError } from "../src/library/shard-format.ts";
import { planBatches, type BatchPlan } from "../src/planning/batch-plan.ts";
import { createPrng } from "../src/prng.ts";

/** A layout whose shards hold `counts[s]` items each, in order. */
function layoutWithShards(counts: number[]): LibraryLayout {
  let start = 0;
  const shards = counts.map((count, s) => {
    const shard = { key: `shard-${s}`, start, count, bytes: count * 1000 };
    start += count;
    return shard;
  });
  return { name: "test", width: 1210, height: 566, count: start, shards };
}

function uniformLayout(count: number, perShard: number): LibraryLayout {
  const counts: number[] = [];
  for (let left = count; left > 0; left -= perShard) counts.push(Math.min(perShard, left));
  return layoutWithShards(counts);
}

/** Every item in [0, count) lies in exactly one batch; ids are dense; no batch is empty or over size. */
function expectExactCover(plan: BatchPlan, count: number): void {
  let next = 0;
  plan.batches.forEach((batch, k) => {
    expect(batch.batchId).toBe(k);
    expect(batch.start).toBe(next);
    expect(batch.end).toBeGreaterThan(batch.start);
    expect(batch.end - batch.start).toBeLessThanOrEqual(plan.batchSize);
    next = batch.end;
  });
  expect(next).toBe(count);
}

describe("planBatches", () => {
  it("makes one batch per shard by default, so each worker reads one object", () => {
    const layout = layoutWithShards([500, 500, 500, 120]);
    const plan = planBatches(layout);
    expect(plan.batches).toEqual(layout.shards.map((s, k) => ({ batchId: k, start: s.start, end: s.start + s.count })));
    expect(plan.batchSize).toBe(500);
  });

  it("merges whole consecutive shards when there are more shards than maxParallelism", () => {
    const layout = uniformLayout(10 * 100, 100);
    const plan = planBatches(layout, { maxParallelism: 3 });
    expect(plan.batches).toEqual([
      { batchId: 0, start: 0, end: 400 },
      { batchId: 1, start: 400, end: 800 },
      { batchId: 2, start: 800, end: 1000 },
    ]);
    expect(plan.batchSize).toBe(400);
  });

  it("splits the NeuronBridge fixture (45,018 targets, batch size 40) into 1,126 batches", () => {
    const plan = planBatches(uniformLayout(45_018, 2000), { batchSize: 40 });
    expect(plan.batchSize).toBe(40);
    expect(plan.batches).toHaveLength(1126);
    expect(plan.batches.at(-1)).toEqual({ batchId: 1125, start: 45_000, end: 45_018 });
    expectExactCover(plan, 45_018);
  });

  it("grows an explicit batch size so that there are at most maxParallelism batches", () => {
    const plan = planBatches(uniformLayout(300_000, 4000), { batchSize: 40 });
    expect(plan.batchSize).toBe(60);
    expect(plan.batches).toHaveLength(5000);
    expectExactCover(plan, 300_000);
  });

  it("plans no batches for an empty library", () => {
    expect(planBatches(layoutWithShards([]))).toEqual({ batchSize: 0, batches: [] });
  });

  it("covers every item exactly once within maxParallelism for random layouts and options", () => {
    const rng = createPrng("batch-plan-property");
    for (let trial = 0; trial < 300; trial++) {
      const shardCounts = Array.from({ length: rng.int(1, 60) }, () => rng.int(1, 300));
      const layout = layoutWithShards(shardCounts);
      const maxParallelism = rng.int(1, 80);
      const batchSize = rng.chance(0.5) ? rng.int(1, 500) : undefined;
      const plan = planBatches(layout, { maxParallelism, batchSize });
      expectExactCover(plan, layout.count);
      expect(plan.batches.length).toBeLessThanOrEqual(maxParallelism);
      if (batchSize === undefined) {
        const shardEdges = new Set(layout.shards.map((s) => s.start));
        for (const batch of plan.batches) expect(shardEdges.has(batch.start)).toBe(true);
      } else {
        expect(plan.batchSize).toBeGreaterThanOrEqual(batchSize);
      }
    }
  });

  it("rejects a shard table that does not tile the library, naming the fix", () => {
    const layout = layoutWithShards([100, 100]);
    layout.shards[1].start = 150;
    expect(() => planBatches(layout)).toThrow(LibraryFormatError);
    expect(() => planBatches({ ...layoutWithShards([100]), count: 120 })).toThrow(/re-index/);
  });

  it("rejects a batch size or parallelism that is not a whole number ≥ 1", () => {
    const layout = uniformLayout(100, 10);
    expect(() => planBatches(layout, { batchSize: 0 })).toThrow(ParameterError);
    expect(() => planBatches(layout, { batchSize: 2.5 })).toThrow(ParameterError);
    expect(() => planBatches(layout, { maxParallelism: 0 })).toThrow(ParameterError);
  });
});
