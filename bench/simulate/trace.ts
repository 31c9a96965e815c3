/**
 * Where a search's time goes: the critical path from upload to `Search Completed`, as a list of
 * spans. Every step of the model extends the trace of whatever caused it, so the trace of the
 * last batch to finish, continued through the combiner, sums exactly to the search's latency.
 */
export const PHASES = [
  "S3→EB",
  "events",
  "intake",
  "admission wait",
  "dispatch tree",
  "cold starts",
  "Lambda throttles",
  "shard read",
  "scoring",
  "DDB throttles/retries",
  "completion",
  "combine",
] as const;
export type Phase = (typeof PHASES)[number];

/** Immutable: extending returns a new trace, so siblings of a fan-out do not share spans. */
export interface Trace {
  /** Simulated time the trace has been accounted up to. */
  readonly end: number;
  readonly spans: readonly (readonly [Phase, number])[];
}

export const startTrace = (at: number): Trace => ({ end: at, spans: [] });

/** Accounts the time from `trace.end` to `now` to `phase`. */
export function extend(trace: Trace, phase: Phase, now: number): Trace {
  if (now <= trace.end) return trace;
  return { end: now, spans: [...trace.spans, [phase, now - trace.end]] };
}

/** Milliseconds per phase. */
export function totals(trace: Trace): Map<Phase, number> {
  const out = new Map<Phase, number>(PHASES.map((p) => [p, 0]));
  for (const [phase, ms] of trace.spans) out.set(phase, out.get(phase)! + ms);
  return out;
}
