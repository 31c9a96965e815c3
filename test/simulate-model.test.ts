import { createPrng } from "@cds/core";
import { describe, expect, it } from "vitest";
import { DynamoModel } from "../bench/simulate/aws-services.ts";
import { LambdaService, type LambdaLimits } from "../bench/simulate/lambda-service.ts";
import { SlidingWindowLimiter, ThroughputLimiter } from "../bench/simulate/limiters.ts";
import type { Calibration, ModelOptions } from "../bench/simulate/model-options.ts";
import { PipelineModel } from "../bench/simulate/pipeline-model.ts";
import { SimClock } from "../bench/simulate/sim-clock.ts";
import { startTrace, totals } from "../bench/simulate/trace.ts";

// The mechanics of `npm run simulate`'s model (bench/simulate): AWS itself is what is modelled.

const limits = (over: Partial<LambdaLimits> = {}): LambdaLimits => ({
  accountConcurrency: 1000,
  newEnvironmentsPerWindow: 1000,
  windowMs: 10_000,
  invokeMs: [20, 50],
  functionErrorRetryMs: [60_000, 120_000],
  throttleRetryFirstMs: 1000,
  throttleRetryMaxMs: 300_000,
  ...over,
});

describe("simulated clock", () => {
  it("runs events in time order and ties in the order they were scheduled", async () => {
    const clock = new SimClock();
    const seen: string[] = [];
    clock.at(20, () => seen.push("b"));
    clock.at(10, () => seen.push("a"));
    clock.at(20, () => seen.push("c"));
    void (async () => {
      await clock.sleep(15);
      seen.push(`slept to ${clock.now}`);
    })();
    await clock.run();
    expect(seen).toEqual(["a", "slept to 15", "b", "c"]);
  });
});

describe("DynamoDB throughput (model of AWS)", () => {
  it("a partition key takes at most 1,000 write units per second; other keys are not affected", () => {
    const limiter = new ThroughputLimiter(1000);
    let accepted = 0;
    // 2,000 one-unit writes per second for 3 s, evenly spread.
    for (let i = 0; i < 6000; i++) if (limiter.tryConsume("hot", 1, i * 0.5)) accepted++;
    expect(accepted).toBeGreaterThanOrEqual(3000);
    expect(accepted).toBeLessThanOrEqual(1000 + 3000); // one second of units to start, then 1,000/s
    expect(limiter.throttled.get("hot")).toBe(6000 - accepted);
    expect(limiter.tryConsume("cold", 1000, 3000)).toBe(true);
  });

  it("throttles one item at 1,000 WCU/s even when each write lands in its own partition key", async () => {
    const clock = new SimClock();
    const dynamo = new DynamoModel(clock, createPrng("t"), { partitionWcu: 1000, itemWcu: 1000, partitionRcu: 3000, latencyMs: [5, 5] });
    const outcomes: boolean[] = [];
    for (let i = 0; i < 1500; i++) void dynamo.tryWrite({ partition: `p${i}`, item: "counter", units: 1 }).then((ok) => outcomes.push(ok));
    await clock.run();
    expect(outcomes.filter(Boolean)).toHaveLength(1000);
    expect(dynamo.throttledWrites).toBe(500);
    expect(dynamo.writesPerItem.get("counter")).toBe(1000);
  });

  it("a throttled GSI partition throttles the base table's write", async () => {
    const clock = new SimClock();
    const dynamo = new DynamoModel(clock, createPrng("t"), { partitionWcu: 1000, itemWcu: 1000, partitionRcu: 3000, latencyMs: [5, 5] });
    const outcomes: boolean[] = [];
    for (let i = 0; i < 400; i++) void dynamo.tryWrite({ partition: `search${i}`, item: `search${i}`, units: 3, gsiPartitions: ["byStatus#running"] }).then((ok) => outcomes.push(ok));
    await clock.run();
    expect(outcomes.filter(Boolean)).toHaveLength(333); // 1,000 units / 3 per write
  });
});

describe("Lambda scaling (model of AWS)", () => {
  it("starts at most 1,000 new environments per 10 s per function, and runs every event in the end", async () => {
    const clock = new SimClock();
    const lambda = new LambdaService(clock, createPrng("t"), limits({ accountConcurrency: 5000 }));
    const starts: number[] = [];
    lambda.define<number>({
      name: "worker",
      initMs: 100,
      timeoutMs: 60_000,
      handler: async (_e, { trace }) => {
        starts.push(clock.now);
        await clock.sleep(120_000); // outlasts the retries: no environment is reused
        return trace;
      },
    });
    for (let i = 0; i < 2500; i++) lambda.enqueue("worker", i, startTrace(0));
    await clock.run();
    expect(starts).toHaveLength(2500);
    expect(lambda.stats("worker").coldStarts).toBe(2500);
    const created = starts.map((t) => t - 100).sort((a, b) => a - b);
    for (let i = 0; i + 1000 < created.length; i++) expect(created[i + 1000] - created[i]).toBeGreaterThanOrEqual(10_000);
    expect(created.filter((t) => t === 0)).toHaveLength(1000);
  });

  it("queues invocations over the concurrency cap: never more than the cap at once, throttled ones retried after 1 s, 2 s …", async () => {
    const clock = new SimClock();
    const lambda = new LambdaService(clock, createPrng("t"), limits({ accountConcurrency: 10 }));
    const starts: number[] = [];
    lambda.define<number>({
      name: "worker",
      initMs: 0,
      timeoutMs: 60_000,
      handler: async (_e, { trace }) => {
        starts.push(clock.now);
        await clock.sleep(500);
        return trace;
      },
    });
    for (let i = 0; i < 25; i++) lambda.enqueue("worker", i, startTrace(0));
    await clock.run();
    expect(starts).toHaveLength(25);
    expect(lambda.peakConcurrency).toBe(10);
    expect(starts.filter((t) => t === 0)).toHaveLength(10);
    expect(starts.filter((t) => t === 1000)).toHaveLength(10); // the first retry, on the now idle environments
    expect(Math.max(...starts)).toBe(3000); // 1 s, then 2 s later
    expect(lambda.stats("worker").coldStarts).toBe(10);
  });

  it("keeps reserved concurrency for its function: a flood of workers cannot take it", async () => {
    const clock = new SimClock();
    const lambda = new LambdaService(clock, createPrng("t"), limits({ accountConcurrency: 100 }));
    const ran: string[] = [];
    const handler = (name: string) => async (_e: number, { trace }: { trace: ReturnType<typeof startTrace> }) => {
      ran.push(`${name}@${clock.now}`);
      await clock.sleep(5000);
      return trace;
    };
    lambda.define<number>({ name: "combiner", initMs: 0, timeoutMs: 60_000, reserved: 5, handler: handler("combiner") });
    lambda.define<number>({ name: "worker", initMs: 0, timeoutMs: 60_000, handler: handler("worker") });
    for (let i = 0; i < 200; i++) lambda.enqueue("worker", i, startTrace(0));
    for (let i = 0; i < 7; i++) lambda.enqueue("combiner", i, startTrace(0));
    await clock.run(1);
    expect(ran.filter((r) => r === "worker@0")).toHaveLength(95);
    expect(ran.filter((r) => r === "combiner@0")).toHaveLength(5); // capped by its own reservation, not starved
  });
});

describe("pipeline model", () => {
  const calibration: Calibration = {
    msPerTarget: 0.3,
    maskPrepareMs: 60,
    shardBytesPerTarget: 223_000,
    maskBytes: 500_000,
    shardEntryBytes: 89,
    descriptorBytesPerShard: 9.2,
    jsonParseMegabytesPerSecond: 400,
    storedBytesPerMatch: 440,
    jobBytes: 400,
    shardKeyBytes: 40,
    measuredMatchesPerBatch: 0,
    source: "test",
  };
  const options = (design: "before" | "after"): ModelOptions => ({
    design,
    seed: "test",
    lambda: limits(),
    dynamo: { partitionWcu: 1000, itemWcu: 1000, partitionRcu: 3000, latencyMs: [5, 10] },
    s3: { firstByteMs: [100, 200], megabytesPerSecond: 90 },
    events: { s3ToEventBridgeMs: [500, 2000], ruleToTargetMs: [100, 500], putEventsMs: [20, 50] },
    initMs: { intake: 100, dispatch: 100, dispatcher: 52, worker: 123, combiner: 100, sweeper: 130 },
    calibration,
    matchesPerBatch: 10,
    top: 400,
    manifestBytesPerTarget: 350,
    searchItemBytes: 2500,
    maxRunning: 4,
    workerBudget: 800,
    afterRetries: { attempts: 8, baseMs: 50, capMs: 2000 },
    reserved: { intake: 20, dispatch: 20, combiner: 20, sweeper: 2 },
    metadataChunkItems: 100,
    layoutEntryBytes: 89,
    sweepEveryMs: 60_000,
    deadlineMs: 400_000,
    maxSockets: 50,
    cpuFactor: 1,
  });

  it("after: 3,000 batches run in waves of at most the budget, and no key takes more than 64 writes", async () => {
    const model = new PipelineModel(300_000, options("after"));
    const run = model.upload(0);
    const facts = await model.run();
    expect(run.completedAt).toBeDefined();
    expect(run.counted.every(Boolean)).toBe(true);
    expect(run.waves.length).toBeGreaterThan(1);
    expect(Math.max(...run.waves.map((w) => w.batches))).toBeLessThanOrEqual(800);
    expect(facts.lambda.stats("worker").peak).toBeLessThanOrEqual(800);
    expect(Math.max(...facts.dynamo.writesPerPartition.values())).toBeLessThanOrEqual(64);
    expect(Math.max(...facts.dynamo.writesPerItem.values())).toBeLessThanOrEqual(64);
    expect(facts.dynamo.throttledWrites).toBe(0);
    // The critical path accounts for every millisecond from upload to Search Completed.
    const sum = [...totals(run.trace!).values()].reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(run.completedAt! - run.uploadAt, 6);
  });

  it("after: 1,000,000 targets with a budget of 4,000 (waves of ~220 leaf groups) still keep every key within 64 writes", async () => {
    const o = options("after");
    const model = new PipelineModel(1_000_000, { ...o, workerBudget: 4000, lambda: limits({ accountConcurrency: 5000 }) });
    const run = model.upload(0);
    const facts = await model.run();
    expect(run.completedAt).toBeDefined();
    expect(run.waves.length).toBe(2);
    expect(Math.max(...facts.dynamo.writesPerPartition.values())).toBeLessThanOrEqual(64);
    expect(Math.max(...facts.dynamo.writesPerItem.values())).toBeLessThanOrEqual(64);
  });

  it("before: every batch adds to the one search item, whose partition throttles; the search still completes", async () => {
    const model = new PipelineModel(50_000, options("before"));
    const run = model.upload(0);
    const facts = await model.run();
    expect(run.completedAt).toBeDefined();
    expect(facts.dynamo.writesPerItem.get("s0#search")).toBeGreaterThanOrEqual(500);
    expect(facts.dynamo.throttledWrites).toBeGreaterThan(0);
  });

  it("is repeatable: the same seed gives the same figures", async () => {
    const once = async () => {
      const model = new PipelineModel(50_000, options("after"));
      const run = model.upload(0);
      await model.run();
      return run.completedAt;
    };
    expect(await once()).toBe(await once());
  });
});
