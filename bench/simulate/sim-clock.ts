/**
 * The discrete-event clock of `npm run simulate`: a time-ordered queue of callbacks and
 * `sleep`, so the model's processes read as plain async code (`await clock.sleep(ms)`).
 *
 * Between two events the loop yields to `setImmediate`, which drains every pending microtask:
 * whatever an awaited sleep resumes runs to its next `await` before simulated time moves on.
 * Ties are broken by insertion order, so a seeded run is repeatable.
 */
export class SimClock {
  #now = 0;
  #seq = 0;
  #heap: { at: number; seq: number; run: () => void }[] = [];
  #processed = 0;

  /** Simulated time, in milliseconds since the scenario started. */
  get now(): number {
    return this.#now;
  }

  /** Events run so far (a run-away guard for callers). */
  get processed(): number {
    return this.#processed;
  }

  /** Runs `run` at simulated time `at` (never in the past). */
  at(at: number, run: () => void): void {
    const item = { at: Math.max(at, this.#now), seq: this.#seq++, run };
    const heap = this.#heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  /** Resolves after `ms` of simulated time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(this.#now + Math.max(0, ms), resolve));
  }

  /** Runs events until none are left, or simulated time passes `untilMs`. */
  async run(untilMs = Number.POSITIVE_INFINITY, maxEvents = 50_000_000): Promise<void> {
    await drain();
    while (this.#heap.length > 0) {
      const next = this.#pop();
      if (next.at > untilMs) {
        this.at(next.at, next.run);
        return;
      }
      this.#now = next.at;
      next.run();
      if (++this.#processed > maxEvents) throw new Error(`simulation ran past ${maxEvents} events`);
      await drain();
    }
  }

  #pop() {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

const drain = () => new Promise<void>((resolve) => setImmediate(resolve));
