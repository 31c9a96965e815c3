// Worker thread that decodes uploaded masks for intake, so that decoding a large or hostile
// image (up to the library's pixel count, after the header check) never blocks the main thread,
// where the bus, the upload watcher and webhook deliveries run.
import { parentPort } from "node:worker_threads";
import { ImageDecodeError } from "@cds/core";
import { decodeImage, type DecodeOptions } from "@cds/core/image";
import type { WorkerReply } from "../worker-pool.ts";
import type { MaskDecodeOutcome } from "./thread-mask-decoder.ts";

parentPort!.on("message", async ({ bytes, options }: { bytes: Uint8Array; options: DecodeOptions }) => {
  const post = (reply: WorkerReply<MaskDecodeOutcome, never>, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(reply, transfer);
  try {
    const image = await decodeImage(bytes, options);
    post({ type: "done", result: { ok: true, width: image.width, height: image.height, rgb: image.rgb } }, [image.rgb.buffer as ArrayBuffer]);
  } catch (error) {
    if (error instanceof ImageDecodeError) post({ type: "done", result: { ok: false, problem: error.problem, message: error.message } });
    else post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
});
