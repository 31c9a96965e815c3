import { existsSync } from "node:fs";
import { type TransferListItem, Worker } from "node:worker_threads";

/** Messages a pool worker posts back: progress while a task runs, then its result or error. */
export type WorkerReply<R, P> =
  | { type: "progress"; progress: P }
  | { type: "done"; result: R }
  | { type: "error"; message: string; /** The error's class name, so the caller can tell a permanent error (a damaged library) from a transient one. */ name?: string };

interface Pending<T, R, P> {
  task: T;
  transfer?: TransferListItem[];
  onProgress?: (progress: P) => void;
  resolve: (result: R) => void;
  reject: (error: Error) => void;
}

/**
 * A fixed set of worker threads running one script, each taking one task at a time from a
 * queue. A worker that dies fails its task and is replaced, so one bad input cannot stall
 * the rest.
 *
 * @example
 * const pool = new WorkerPool<Task, Result, number>(new URL("./search-worker.ts", import.meta.url), 2, init);
 * const result = await pool.run(task);
 * await pool.close();
 */
export class WorkerPool<T, R, P = unknown> {
  private readonly idle: Worker[] = [];
  private readonly queue: Pending<T, R, P>[] = [];
  private readonly busy = new Map<Worker, Pending<T, R, P>>();
  private readonly script: URL;
  private readonly workerData: unknown;
  private closed = false;
  readonly size: number;

  constructor(script: URL, size: number, workerData?: unknown) {
    this.script = script;
    this.size = Math.max(1, size);
    this.workerData = workerData;
    for (let i = 0; i < this.size; i++) this.idle.push(this.spawn());
  }

  run(task: T, options: { transfer?: TransferListItem[]; onProgress?: (progress: P) => void } = {}): Promise<R> {
    if (this.closed) return Promise.reject(new Error("the worker pool is closed"));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ task, resolve, reject, ...options });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(bundledScript(this.script), { workerData: this.workerData });
    worker.on("message", (reply: WorkerReply<R, P>) => {
      const pending = this.busy.get(worker);
      if (!pending) return;
      if (reply.type === "progress") {
        pending.onProgress?.(reply.progress);
        return;
      }
      this.busy.delete(worker);
      this.idle.push(worker);
      if (reply.type === "done") pending.resolve(reply.result);
      else pending.reject(Object.assign(new Error(reply.message), reply.name ? { name: reply.name } : {}));
      this.pump();
    });
    const fail = (error: Error) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      if (pending) pending.reject(error);
      if (!this.closed) {
        this.idle.push(this.spawn());
        this.pump();
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!this.closed && (this.busy.has(worker) || this.idle.includes(worker))) {
        fail(new Error(`a worker thread exited unexpectedly (code ${code})`));
      }
    });
    worker.unref();
    return worker;
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift()!;
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      worker.ref();
      worker.postMessage(pending.task, pending.transfer ?? []);
    }
    for (const w of this.idle) w.unref();
  }
}

/**
 * The bundled build of a worker script when `cds` runs from its bundle (packages/cli/bin/cds.js
 * announces them), else the script itself. Started from its sources, a worker strips and
 * resolves ~200 modules again (~0.35 s); a bundle that went missing (a newer build replaced it)
 * falls back to the sources.
 */
function bundledScript(script: URL): URL {
  const bundles = (globalThis as { [key: symbol]: Map<string, string> | undefined })[Symbol.for("cds.workerBundles")];
  const bundled = bundles?.get(script.href);
  return bundled && existsSync(new URL(bundled)) ? new URL(bundled) : script;
}
