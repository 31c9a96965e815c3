import { ImageDecodeError, type ImageDecodeProblem } from "@cds/core";
import type { DecodeOptions, RgbImage } from "@cds/core/image";
import { WorkerPool } from "../worker-pool.ts";

/** What the decode thread answers: the image, or the decode error to rebuild (the user's fault). */
export type MaskDecodeOutcome =
  | { ok: true; width: number; height: number; rgb: Uint8Array }
  | { ok: false; problem: ImageDecodeProblem; message: string };

/** Decodes masks on a worker thread; `close()` ends it. */
export interface ThreadMaskDecoder {
  decode(bytes: Uint8Array, options: DecodeOptions): Promise<RgbImage>;
  close(): Promise<void>;
}

/**
 * Intake's mask decoder for `cds dev`: one worker thread (masks arrive one by one; the scorer
 * pool has the cores). A decode error comes back as the same `ImageDecodeError`, so the search
 * fails with the same reason as on the main thread; a thread that died fails the call with a
 * plain error, which intake retries.
 *
 * @example
 * const decoder = threadMaskDecoder();
 * await acceptUpload(upload, { ...deps, decodeMask: decoder.decode });
 */
export function threadMaskDecoder(): ThreadMaskDecoder {
  const pool = new WorkerPool<{ bytes: Uint8Array; options: DecodeOptions }, MaskDecodeOutcome>(new URL("./mask-decode-thread.ts", import.meta.url), 1);
  return {
    async decode(bytes, options) {
      // A copy goes over, so the caller's bytes stay usable (intake hashes and keeps them).
      const copy = bytes.slice();
      const outcome = await pool.run({ bytes: copy, options }, { transfer: [copy.buffer] });
      if (!outcome.ok) throw new ImageDecodeError(outcome.problem, outcome.message);
      return { width: outcome.width, height: outcome.height, rgb: outcome.rgb };
    },
    close: () => pool.close(),
  };
}
