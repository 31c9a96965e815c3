import { HARD_LIMITS, FUNCTION_NAMES, FUNCTION_TIMEOUT_MS, type ModelOptions } from "./model-options.ts";
import { PipelineModel, type RunFacts } from "./pipeline-model.ts";
import { totals, type Phase } from "./trace.ts";

export interface ScenarioResult {
  label: string;
  seconds: number;
  phases: Map<Phase, number>;
  facts: RunFacts;
  model: PipelineModel;
  /** For the many-mask scenario. */
  masksPerMinute?: number;
  partial: boolean;
}

/** One search uploaded into an idle deployment; `warm`: a second one 30 s after the first ended. */
export async function singleSearch(label: string, targets: number, options: ModelOptions, warm: boolean): Promise<ScenarioResult> {
  const model = new PipelineModel(targets, options);
  let run = model.upload(0);
  let facts = await model.run();
  if (warm) {
    model.lambda.resetCounters();
    model.dynamo.resetCounters();
    run = model.upload(model.clock.now + 30_000);
    facts = await model.run();
  }
  const seconds = ((run.completedAt ?? Number.NaN) - run.uploadAt) / 1000;
  return { label, seconds, phases: totals(run.trace!), facts, model, partial: run.partial };
}

/** `masks` uploads at once (a `cds submit`), cold; throughput over the makespan. */
export async function manyMasks(label: string, targets: number, masks: number, options: ModelOptions): Promise<ScenarioResult> {
  const model = new PipelineModel(targets, options);
  for (let i = 0; i < masks; i++) model.upload(0);
  const facts = await model.run();
  const done = facts.searches.filter((s) => s.completedAt !== undefined);
  const makespan = Math.max(...facts.searches.map((s) => s.completedAt ?? Number.POSITIVE_INFINITY)) / 1000;
  // The last search to finish: its critical path runs back to the uploads and sums to the makespan.
  const last = done.reduce((a, b) => (b.completedAt! > a.completedAt! ? b : a));
  const phases = totals(last.trace!);
  return {
    label,
    seconds: makespan,
    phases,
    facts,
    model,
    masksPerMinute: (masks / makespan) * 60,
    partial: facts.searches.some((s) => s.partial),
  };
}

export interface LimitCheck {
  what: string;
  value: string;
  limit: string;
  ok: boolean;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

/** Every limit a run must stay within, checked against what the model saw. */
export function checkLimits(result: ScenarioResult, options: ModelOptions): LimitCheck[] {
  const { facts, model } = result;
  const after = options.design === "after";
  const checks: LimitCheck[] = [];
  const payload = Math.max(facts.largestPayload.dispatcher, facts.largestPayload.worker);
  checks.push({ what: "largest dispatcher payload", value: kb(facts.largestPayload.dispatcher), limit: `${kb(HARD_LIMITS.asyncPayloadBytes)} async Invoke`, ok: facts.largestPayload.dispatcher <= HARD_LIMITS.asyncPayloadBytes });
  checks.push({ what: "largest worker payload", value: kb(facts.largestPayload.worker), limit: `${kb(HARD_LIMITS.asyncPayloadBytes)} async Invoke`, ok: facts.largestPayload.worker <= HARD_LIMITS.asyncPayloadBytes });
  checks.push({ what: "largest payload vs the old 256 KB async / EventBridge entry", value: kb(payload), limit: kb(HARD_LIMITS.legacyAsyncPayloadBytes), ok: payload <= HARD_LIMITS.legacyAsyncPayloadBytes });
  checks.push({ what: "largest payload vs issue 10's budget", value: kb(payload), limit: kb(HARD_LIMITS.payloadBudgetBytes), ok: payload <= HARD_LIMITS.payloadBudgetBytes });
  const libraryRead = facts.libraryBytesRead.intake + facts.libraryBytesRead.dispatch;
  checks.push({ what: "library read by intake + dispatch", value: mb(libraryRead), limit: `${mb(HARD_LIMITS.libraryReadBudgetBytes)} (issue 10)`, ok: libraryRead <= HARD_LIMITS.libraryReadBudgetBytes });
  checks.push({ what: "library read by the combiner", value: mb(facts.libraryBytesRead.combiner), limit: "its 1,769 MB memory", ok: facts.libraryBytesRead.combiner * 4 < 1769e6 });
  if (!after) {
    const manifest = options.manifestBytesPerTarget * facts.shape.targets;
    checks.push({ what: "manifest as one JSON string", value: mb(manifest), limit: `V8's ${(HARD_LIMITS.maxStringChars / 1e6).toFixed(0)} M chars`, ok: manifest <= HARD_LIMITS.maxStringChars });
  }
  for (const name of FUNCTION_NAMES) {
    const s = facts.lambda.stats(name);
    if (s.invocations === 0) continue;
    checks.push({ what: `longest ${name} invocation`, value: `${(s.maxDurationMs / 1000).toFixed(2)} s`, limit: `its ${FUNCTION_TIMEOUT_MS[name] / 1000} s timeout (Lambda max 900 s)`, ok: s.maxDurationMs <= FUNCTION_TIMEOUT_MS[name] });
  }
  checks.push({ what: "batch result item", value: kb(model.resultBytes()), limit: kb(HARD_LIMITS.itemBytes), ok: model.resultBytes() <= HARD_LIMITS.itemBytes });
  const search = (key: string) => key.startsWith("s") && !key.startsWith("gsi:");
  const part = facts.dynamo.maxWrites(facts.dynamo.writesPerPartition, search);
  const item = facts.dynamo.maxWrites(facts.dynamo.writesPerItem, search);
  const gsi = facts.dynamo.maxWrites(facts.dynamo.writesPerPartition, (k) => k.startsWith("gsi:"));
  checks.push({ what: "most writes to one partition key in a search", value: `${part.writes} (${part.key})`, limit: `${HARD_LIMITS.writesPerKeyBudget} (issue 10)`, ok: part.writes <= HARD_LIMITS.writesPerKeyBudget });
  checks.push({ what: "most writes to one item in a search", value: `${item.writes} (${item.key})`, limit: `${HARD_LIMITS.writesPerKeyBudget} (issue 10)`, ok: item.writes <= HARD_LIMITS.writesPerKeyBudget });
  if (gsi.writes > 0) checks.push({ what: "writes to the shared byStatus GSI partition", value: `${gsi.writes}`, limit: "1,000 WCU/s, shared by all running searches", ok: gsi.writes <= HARD_LIMITS.writesPerKeyBudget });
  checks.push({ what: "throttled DynamoDB writes", value: `${facts.dynamo.throttledWrites}`, limit: "0", ok: facts.dynamo.throttledWrites === 0 });
  checks.push({ what: "peak Lambda concurrency", value: `${facts.lambda.peakConcurrency}`, limit: `account ${options.lambda.accountConcurrency}`, ok: facts.lambda.peakConcurrency <= options.lambda.accountConcurrency });
  checks.push({ what: "completed, all batches, before the deadline", value: result.partial ? "partial results" : `${result.seconds.toFixed(1)} s`, limit: `${options.deadlineMs / 1000} s`, ok: !result.partial && result.seconds * 1000 <= options.deadlineMs });
  return checks;
}
