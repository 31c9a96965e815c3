import { createPrng, type Prng } from "@cds/core";
import { DynamoModel, EventBridgeModel, jitteredRetries, S3Model, sdkStandardRetries, ThrottledError, type RetryPolicy } from "./aws-services.ts";
import { LambdaService, TracedFailure, type ExecutionEnvironment } from "./lambda-service.ts";
import { libraryShape, type LibraryShape, type TreeNode } from "./library-shape.ts";
import { FUNCTION_TIMEOUT_MS, type ModelOptions } from "./model-options.ts";
import { SimClock } from "./sim-clock.ts";
import { extend, startTrace, type Phase, type Trace } from "./trace.ts";

/** One search as the model follows it. */
export interface SearchRun {
  id: string;
  uploadAt: number;
  completedAt?: number;
  /** The critical path, upload → Search Completed. */
  trace?: Trace;
  partial: boolean;
  stored: boolean[];
  counted: boolean[];
  /** Before: the counter on the search item. */
  counter: number;
  /** After: completion counters per tree node key. */
  nodeCount: Map<string, number>;
  nodeDone: Set<string>;
  /** Batches whose invocations gave up, with the trace they ended on. */
  failed: Map<number, Trace>;
  dispatchedAt?: number;
  admitted: boolean;
  /** After: leaf groups not yet granted to a wave. */
  pendingLeaves: string[];
  /** After: the wave of each leaf, and each wave's size and completed leaves. */
  waveOf: Map<string, number>;
  waves: {
    leaves: string[];
    batches: number;
    /** Leaf groups of the wave under each parent node, and how many of them are done. */
    perParent: Map<string, { leaves: number; done: number }>;
    /** Parents whose leaves of this wave are all done. */
    done: number;
    released: boolean;
    grantedAt: number;
    releasedAt?: number;
  }[];
  completionEmitted: boolean;
}

/** What the model measured while it ran (for the limits check and the report). */
export interface RunFacts {
  shape: LibraryShape;
  searches: SearchRun[];
  largestPayload: { dispatcher: number; worker: number };
  libraryBytesRead: { intake: number; dispatch: number; combiner: number };
  lambda: LambdaService;
  dynamo: DynamoModel;
  endMs: number;
}

/**
 * A deployment of the pipeline as a discrete-event model: S3 upload → EventBridge → intake →
 * dispatch (admission) → dispatcher tree → workers → completion → combiner → `Search Completed`,
 * on the Lambda, DynamoDB, S3 and EventBridge models, for the design named in `options.design`.
 */
export class PipelineModel {
  readonly clock = new SimClock();
  readonly rng: Prng;
  readonly options: ModelOptions;
  readonly shape: LibraryShape;
  readonly lambda: LambdaService;
  readonly dynamo: DynamoModel;
  readonly s3: S3Model;
  readonly bus: EventBridgeModel;
  readonly searches = new Map<string, SearchRun>();
  readonly #order: SearchRun[] = [];
  readonly #retry: RetryPolicy;
  readonly largestPayload = { dispatcher: 0, worker: 0 };
  readonly libraryBytesRead = { intake: 0, dispatch: 0, combiner: 0 };
  // Admission state: the item the dispatch function updates with conditional writes.
  #running = 0;
  #inFlight = 0;
  readonly #queue: SearchRun[] = [];
  #sweeping = false;

  constructor(targets: number, options: ModelOptions) {
    this.options = options;
    this.rng = createPrng(`${options.seed}/${options.design}/${targets}`);
    this.shape = libraryShape(targets);
    this.lambda = new LambdaService(this.clock, this.rng, options.lambda);
    this.dynamo = new DynamoModel(this.clock, this.rng, options.dynamo);
    this.s3 = new S3Model(this.clock, this.rng, options.s3);
    this.bus = new EventBridgeModel(this.clock, this.rng, this.lambda, options.events);
    const a = options.afterRetries;
    this.#retry = this.#after ? jitteredRetries(a.attempts, a.baseMs, a.capMs) : sdkStandardRetries;
    const reserved = (name: keyof ModelOptions["reserved"]) => (this.#after ? options.reserved[name] : undefined);
    const fn = <E>(name: keyof ModelOptions["initMs"], handler: (e: E, env: ExecutionEnvironment, t: Trace, attempt: number) => Promise<Trace>, onFailure?: (e: E, t: Trace) => void) =>
      this.lambda.define<E>({
        name,
        initMs: options.initMs[name],
        timeoutMs: FUNCTION_TIMEOUT_MS[name],
        reserved: reserved(name),
        handler: (e, ctx) => handler(e, ctx.env, ctx.trace, ctx.attempt),
        onFailure,
      });
    fn<{ id: string }>("intake", (e, _env, t) => this.#intake(e.id, t));
    fn<{ id: string; kind: "accepted" | "released" | "completed"; wave?: number }>("dispatch", (e, _env, t) => this.#dispatch(e, t));
    fn<{ id: string; node: string; leaves?: string[] }>("dispatcher", (e, _env, t) => this.#dispatcher(e, t));
    fn<{ id: string; batch: number }>(
      "worker",
      (e, env, t) => this.#worker(e.id, e.batch, env, t),
      (e, t) => this.searches.get(e.id)!.failed.set(e.batch, t),
    );
    fn<{ id: string }>("combiner", (e, _env, t) => this.#combine(e.id, t));
    fn<{ at: number }>("sweeper", (_e, _env, t) => this.#sweep(t));
    this.bus.rule("Object Created", "intake");
    this.bus.rule("Search Accepted", "dispatch");
    this.bus.rule("Search Batches Completed", "combiner");
    if (this.#after) {
      // Admission by workers in flight: the end of each wave frees its budget.
      this.bus.rule("Wave Completed", "dispatch");
      this.bus.rule("Search Batches Completed", "dispatch");
    }
    this.bus.rule("Search Completed", "dispatch");
  }

  get #after(): boolean {
    return this.options.design === "after";
  }

  /** Uploads a mask at simulated time `at`. */
  upload(at: number): SearchRun {
    const id = `s${this.#order.length}`;
    const n = this.shape.batches;
    const run: SearchRun = {
      id,
      uploadAt: at,
      partial: false,
      stored: new Array(n).fill(false),
      counted: new Array(n).fill(false),
      counter: 0,
      nodeCount: new Map(),
      nodeDone: new Set(),
      failed: new Map(),
      admitted: false,
      pendingLeaves: [...this.shape.leaves],
      waveOf: new Map(),
      waves: [],
      completionEmitted: false,
    };
    this.searches.set(id, run);
    this.#order.push(run);
    this.clock.at(at, () => this.bus.objectCreated({ id }, startTrace(at)));
    return run;
  }

  /** Runs the model until every search completed (or `limitMs`). */
  async run(limitMs = 6 * 3600_000): Promise<RunFacts> {
    this.#scheduleSweeps(this.clock.now + this.options.sweepEveryMs);
    await this.clock.run(limitMs);
    return {
      shape: this.shape,
      searches: this.#order,
      largestPayload: this.largestPayload,
      libraryBytesRead: this.libraryBytesRead,
      lambda: this.lambda,
      dynamo: this.dynamo,
      endMs: Math.max(...this.#order.map((s) => s.completedAt ?? Number.POSITIVE_INFINITY)),
    };
  }

  #scheduleSweeps(at: number): void {
    // The sweeper runs every minute while a search is unfinished (an EventBridge schedule).
    this.clock.at(at, () => {
      if (this.#order.every((s) => s.completedAt !== undefined)) return;
      this.lambda.enqueue("sweeper", { at }, startTrace(at));
      this.#scheduleSweeps(at + this.options.sweepEveryMs);
    });
  }

  // ---- sizes ---------------------------------------------------------------------------------
  #manifestBytes(): number {
    return this.options.manifestBytesPerTarget * this.shape.targets;
  }
  #shardTableBytes(): number {
    return this.options.calibration.shardEntryBytes * this.shape.shards;
  }
  /** After: the layout document (header, counts, shard table, checksums). */
  layoutBytes(): number {
    return 2048 + this.options.layoutEntryBytes * this.shape.shards;
  }
  #parseMs(bytes: number): number {
    return (bytes / (this.options.calibration.jsonParseMegabytesPerSecond * 1e6)) * 1000;
  }
  #workerPayloadBytes(batch: number): number {
    const c = this.options.calibration;
    const own = 120 + this.shape.batchShards[batch] * c.shardKeyBytes;
    return this.#after ? c.jobBytes + own : c.jobBytes + this.#shardTableBytes() + 60;
  }
  #dispatcherPayloadBytes(key: string): number {
    const c = this.options.calibration;
    const node = this.shape.nodes.get(key)!;
    if (!this.#after) return c.jobBytes + this.#shardTableBytes() + 40 * node.node.batchCount + 120;
    const perChild = node.leaf ? 120 + Math.max(...(node.children as number[]).map((b) => this.shape.batchShards[b])) * c.shardKeyBytes : 60;
    return c.jobBytes + 120 + node.children.length * perChild;
  }
  /** Today's batch result item, bytes; the new one stores 17 bytes per match and item keys. */
  resultBytes(): number {
    const m = this.options.matchesPerBatch;
    return this.#after ? 120 + 17 * m : 300 + this.options.calibration.storedBytesPerMatch * m;
  }

  // ---- functions -----------------------------------------------------------------------------
  async #readLibrary(bytes: number, fn: "intake" | "dispatch" | "combiner", t: Trace, phase: Phase): Promise<Trace> {
    this.libraryBytesRead[fn] = Math.max(this.libraryBytesRead[fn], bytes);
    await this.s3.transfer(bytes);
    await this.clock.sleep(this.#parseMs(bytes));
    return extend(t, phase, this.clock.now);
  }

  async #intake(id: string, t: Trace): Promise<Trace> {
    t = await this.#readLibrary(this.#after ? this.layoutBytes() : this.#manifestBytes(), "intake", t, "intake");
    t = await this.dynamo.write({ partition: `${id}`, item: `${id}#search`, units: Math.ceil(this.options.searchItemBytes / 1024) }, this.#retry, t, "intake");
    return this.bus.publish("Search Accepted", { id, kind: "accepted" }, t);
  }

  async #dispatch(e: { id: string; kind: "accepted" | "released" | "completed"; wave?: number }, t: Trace): Promise<Trace> {
    const run = this.searches.get(e.id)!;
    // The admission item: one conditional write per decision.
    t = await this.dynamo.write({ partition: "admission", item: "admission", units: 1 }, this.#retry, t, "dispatch tree");
    if (this.#after) {
      if (e.kind === "accepted") this.#queue.push(run);
      if (e.kind === "released") {
        const wave = run.waves[e.wave!];
        if (wave && !wave.released) {
          wave.released = true;
          wave.releasedAt = this.clock.now;
          this.#inFlight -= wave.batches;
        }
      }
      if (e.kind === "accepted") run.trace = t; // parked here until a wave is granted
      await this.#grantWaves(t);
      return t;
    }
    if (e.kind === "completed") this.#running--;
    if (e.kind === "accepted") {
      run.trace = t;
      this.#queue.push(run);
    }
    while (this.#queue.length > 0 && this.#running < this.options.maxRunning) {
      const next = this.#queue.shift()!;
      this.#running++;
      next.admitted = true;
      void this.#startBeforeRetried(next, extend(next.trace!, "admission wait", this.clock.now));
    }
    return t;
  }

  /**
   * Today's start runs inside the admission handler, so a write throttled past its retries fails
   * that invocation and Lambda retries it after its async delays; past the last one the stale
   * sweeper would pick the search up, modelled as further tries at the last delay.
   */
  async #startBeforeRetried(run: SearchRun, t: Trace): Promise<void> {
    const delays = this.options.lambda.functionErrorRetryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#startBefore(run, t);
      } catch (error) {
        if (!(error instanceof ThrottledError)) throw error;
        const delay = delays[Math.min(attempt, delays.length - 1)] ?? 60_000;
        await this.clock.sleep(delay);
        t = extend(error.trace, "DDB throttles/retries", this.clock.now);
      }
    }
  }

  async #startBefore(run: SearchRun, t: Trace): Promise<void> {
    t = await this.#readLibrary(this.#manifestBytes(), "dispatch", t, "dispatch tree");
    t = await this.dynamo.write({ partition: run.id, item: `${run.id}#search`, units: Math.ceil(this.options.searchItemBytes / 1024), gsiPartitions: ["byStatus#running"] }, this.#retry, t, "dispatch tree");
    run.dispatchedAt = this.clock.now;
    this.#notePayload("dispatcher", this.#dispatcherPayloadBytes(this.shape.rootKey));
    await this.lambda.invoke("dispatcher", { id: run.id, node: this.shape.rootKey }, extend(t, "dispatch tree", this.clock.now));
  }

  /** After: grants waves of whole leaf groups, oldest search first, while the budget has room. */
  async #grantWaves(t: Trace): Promise<void> {
    const budget = this.options.workerBudget;
    const grants: { run: SearchRun; wave: number }[] = [];
    while (this.#queue.length > 0) {
      const run = this.#queue[0];
      const leaves: string[] = [];
      let batches = 0;
      while (run.pendingLeaves.length > 0) {
        const size = this.shape.nodes.get(run.pendingLeaves[0])!.children.length;
        if (this.#inFlight + batches + size > budget) break;
        batches += size;
        leaves.push(run.pendingLeaves.shift()!);
      }
      if (leaves.length > 0) {
        const perParent = new Map<string, { leaves: number; done: number }>();
        for (const leaf of leaves) {
          const parent = this.shape.nodes.get(leaf)!.parent ?? leaf;
          const entry = perParent.get(parent) ?? { leaves: 0, done: 0 };
          entry.leaves++;
          perParent.set(parent, entry);
        }
        const wave = run.waves.push({ leaves, batches, perParent, done: 0, released: false, grantedAt: this.clock.now }) - 1;
        for (const leaf of leaves) run.waveOf.set(leaf, wave);
        this.#inFlight += batches;
        grants.push({ run, wave });
      }
      if (run.pendingLeaves.length > 0) break; // head of line waits for room
      this.#queue.shift();
    }
    if (grants.length === 0) return;
    const layout = this.layoutBytes();
    await this.#readLibrary(layout, "dispatch", t, "dispatch tree");
    await Promise.all(
      grants.map(async ({ run, wave }) => {
        // The first wave continues the search's own trace (its admission wait); later ones the release's.
        const base = wave === 0 ? extend(run.trace!, "admission wait", t.end) : t;
        const started = extend(base, "dispatch tree", this.clock.now);
        run.admitted = true;
        run.dispatchedAt ??= this.clock.now;
        const leaves = run.waves[wave].leaves;
        this.#notePayload("dispatcher", this.#dispatcherPayloadBytes(this.shape.rootKey));
        await this.lambda.invoke("dispatcher", { id: run.id, node: this.shape.rootKey, leaves }, started);
      }),
    );
  }

  #notePayload(kind: "dispatcher" | "worker", bytes: number): void {
    this.largestPayload[kind] = Math.max(this.largestPayload[kind], bytes);
  }

  async #dispatcher(e: { id: string; node: string; leaves?: string[] }, t: Trace): Promise<Trace> {
    const node = this.shape.nodes.get(e.node)!;
    await this.clock.sleep(this.#parseMs(this.#dispatcherPayloadBytes(e.node)));
    const wanted = e.leaves ? new Set(e.leaves) : undefined;
    const calls: (() => Promise<void>)[] = [];
    if (node.leaf) {
      for (const batch of node.children as number[]) {
        this.#notePayload("worker", this.#workerPayloadBytes(batch));
        calls.push(() => this.lambda.invoke("worker", { id: e.id, batch }, extend(t, "dispatch tree", this.clock.now)));
      }
    } else {
      for (const child of node.children as string[]) {
        if (wanted && !this.#covers(child, wanted)) continue;
        this.#notePayload("dispatcher", this.#dispatcherPayloadBytes(child));
        calls.push(() => this.lambda.invoke("dispatcher", { id: e.id, node: child, leaves: e.leaves }, extend(t, "dispatch tree", this.clock.now)));
      }
    }
    await this.#inLanes(calls);
    return extend(t, "dispatch tree", this.clock.now);
  }

  #covers(key: string, leaves: Set<string>): boolean {
    const node = this.shape.nodes.get(key)!;
    if (node.leaf) return leaves.has(key);
    return (node.children as string[]).some((c) => this.#covers(c, leaves));
  }

  /** Runs calls with at most `maxSockets` in flight, as one process's HTTP agent does. */
  async #inLanes(calls: (() => Promise<void>)[]): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < calls.length) await calls[next++]();
    };
    await Promise.all(Array.from({ length: Math.min(this.options.maxSockets, calls.length) }, lane));
  }

  async #worker(id: string, batch: number, env: ExecutionEnvironment, t: Trace): Promise<Trace> {
    const run = this.searches.get(id)!;
    const c = this.options.calibration;
    await this.clock.sleep(this.#parseMs(this.#workerPayloadBytes(batch)));
    t = extend(t, "dispatch tree", this.clock.now);
    try {
      if (!this.#after) {
        await this.dynamo.get(id, this.options.searchItemBytes); // reads the search item
        t = extend(t, "completion", this.clock.now);
      }
      if (!env.memo.has(id)) {
        await this.s3.transfer(c.maskBytes);
        t = extend(t, "shard read", this.clock.now);
        await this.clock.sleep(c.maskPrepareMs / this.options.cpuFactor);
        t = extend(t, "scoring", this.clock.now);
        env.memo.add(id);
      }
      const targets = this.shape.batchTargets[batch];
      await this.s3.transfer(c.shardBytesPerTarget * targets, this.shape.batchShards[batch]);
      t = extend(t, "shard read", this.clock.now);
      await this.clock.sleep((c.msPerTarget * targets) / this.options.cpuFactor);
      t = extend(t, "scoring", this.clock.now);
      return this.#after ? await this.#persistAfter(run, batch, t) : await this.#persistBefore(run, batch, t);
    } catch (error) {
      const trace = (error as { trace?: Trace }).trace ?? t;
      throw new TracedFailure(String(error), trace);
    }
  }

  /** Today: the result under the search's key, then +1 on the search item (also in byStatus). */
  async #persistBefore(run: SearchRun, batch: number, t: Trace): Promise<Trace> {
    const units = Math.ceil(this.resultBytes() / 1024);
    t = await this.dynamo.write({ partition: run.id, item: `${run.id}#batch#${batch}`, units }, this.#retry, t, "completion");
    run.stored[batch] = true;
    if (run.counted[batch]) return t;
    const itemUnits = Math.ceil(this.options.searchItemBytes / 1024);
    t = await this.dynamo.write({ partition: run.id, item: `${run.id}#search`, units: itemUnits, gsiPartitions: ["byStatus#running"] }, this.#retry, t, "completion");
    run.counted[batch] = true;
    run.counter++;
    if (run.counter === this.shape.batches && !run.completionEmitted) {
      run.completionEmitted = true;
      return this.bus.publish("Search Batches Completed", { id: run.id }, t);
    }
    return t;
  }

  /** New: the result in its group's partition, then the group counters up the tree. */
  async #persistAfter(run: SearchRun, batch: number, t: Trace): Promise<Trace> {
    const leaf = this.shape.leafOf[batch];
    const units = Math.ceil(this.resultBytes() / 1024);
    t = await this.dynamo.write({ partition: `${run.id}#results#${leaf}`, item: `${run.id}#batch#${batch}`, units }, this.#retry, t, "completion");
    run.stored[batch] = true;
    if (run.counted[batch]) return t;
    let key: string | undefined = leaf;
    let completedLeaf = false;
    while (key !== undefined) {
      t = await this.dynamo.write({ partition: `${run.id}#group#${key}`, item: `${run.id}#group#${key}`, units: 1 }, this.#retry, t, "completion");
      if (key === leaf) run.counted[batch] = true;
      const count = (run.nodeCount.get(key) ?? 0) + 1;
      run.nodeCount.set(key, count);
      const node: TreeNode = this.shape.nodes.get(key)!;
      if (count < node.children.length) break;
      run.nodeDone.add(key);
      if (key === leaf) completedLeaf = true;
      key = node.parent;
    }
    const rootDone = run.nodeDone.has(this.shape.rootKey);
    const inWaves = run.waves.length > 1 || run.pendingLeaves.length > 0;
    if (completedLeaf && !rootDone && inWaves) {
      // A search in several waves counts each wave too, in two levels like the tree: the leaf
      // groups of the wave under one parent (≤ branching factor writes), then those parents
      // (≤ branching factor again); the last write frees the wave's budget. A search in one wave
      // needs none: the root's completion frees it.
      const waveIndex = run.waveOf.get(leaf)!;
      const wave = run.waves[waveIndex];
      const parent = this.shape.nodes.get(leaf)!.parent ?? leaf;
      const key = `${run.id}#wave#${waveIndex}#${parent}`;
      t = await this.dynamo.write({ partition: key, item: key, units: 1 }, this.#retry, t, "completion");
      const group = wave.perParent.get(parent)!;
      if (++group.done === group.leaves) {
        const total = `${run.id}#wave#${waveIndex}`;
        t = await this.dynamo.write({ partition: total, item: total, units: 1 }, this.#retry, t, "completion");
        if (++wave.done === wave.perParent.size) return this.bus.publish("Wave Completed", { id: run.id, kind: "released", wave: waveIndex }, t);
      }
    }
    if (rootDone && !run.completionEmitted) {
      run.completionEmitted = true;
      // The leaf that completed the root also completed its wave: this event frees that wave's budget.
      return this.bus.publish("Search Batches Completed", { id: run.id, kind: "released", wave: run.waveOf.get(leaf) }, t);
    }
    return t;
  }

  async #combine(id: string, t: Trace): Promise<Trace> {
    const run = this.searches.get(id)!;
    if (run.completedAt !== undefined) return t;
    const storedBytes = this.resultBytes() * this.shape.batches;
    const kept = Math.min(this.options.top, this.options.matchesPerBatch * this.shape.batches);
    if (this.#after) {
      t = await this.#readLibrary(this.layoutBytes(), "combiner", t, "combine");
      // Every group's partition at once, then the metadata chunks of the kept matches.
      const perLeaf = storedBytes / this.shape.leaves.length;
      const lanes = this.shape.leaves.map((leaf) => () => this.dynamo.query(`${id}#results#${leaf}`, perLeaf));
      await this.#inLanes(lanes);
      const chunks = Math.min(kept, Math.ceil(this.shape.targets / this.options.metadataChunkItems));
      const chunkBytes = this.options.metadataChunkItems * this.options.manifestBytesPerTarget;
      const metadataBytes = chunks * chunkBytes;
      this.libraryBytesRead.combiner = Math.max(this.libraryBytesRead.combiner, this.layoutBytes() + metadataBytes);
      await this.s3.transfer(metadataBytes, chunks);
      await this.clock.sleep(this.#parseMs(metadataBytes));
    } else {
      t = await this.#readLibrary(this.#manifestBytes(), "combiner", t, "combine");
      await this.dynamo.query(id, storedBytes);
    }
    await this.clock.sleep(this.#parseMs(storedBytes));
    // results JSON and HTML, in parallel
    await this.s3.transfer(kept * 600 * 2, 2);
    t = extend(t, "combine", this.clock.now);
    t = await this.dynamo.write({ partition: id, item: `${id}#search`, units: Math.ceil(this.options.searchItemBytes / 1024), gsiPartitions: this.#after ? ["byStatus#completed"] : ["byStatus#running"] }, this.#retry, t, "combine");
    t = await this.bus.publish("Search Completed", { id, kind: "completed" }, t);
    if (run.completedAt === undefined) {
      run.completedAt = this.clock.now;
      run.trace = t;
    }
    return t;
  }

  /** The sweeper: re-runs batches whose invocations gave up; finishes searches past the deadline. */
  async #sweep(t: Trace): Promise<Trace> {
    if (this.#sweeping) return t;
    this.#sweeping = true;
    for (const run of this.#order) {
      if (run.completedAt !== undefined || run.dispatchedAt === undefined) continue;
      if (this.clock.now - run.uploadAt > this.options.deadlineMs && !run.completionEmitted) {
        run.completionEmitted = true;
        run.partial = true;
        this.lambda.enqueue("combiner", { id: run.id }, extend(run.trace ?? t, "DDB throttles/retries", this.clock.now));
        continue;
      }
      const batches = [...run.failed].filter(([b]) => !run.counted[b]);
      run.failed.clear();
      // A batch waited for this sweep because its writes were throttled past every retry.
      const calls = batches.map(([batch, trace]) => () => this.lambda.invoke("worker", { id: run.id, batch }, extend(trace, "DDB throttles/retries", this.clock.now)));
      // Today one at a time; the new sweeper re-dispatches in parallel.
      if (this.#after) await this.#inLanes(calls);
      else for (const call of calls) await call();
    }
    this.#sweeping = false;
    return t;
  }
}
