import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const s3rverChildScript = fileURLToPath(new URL("./s3rver-child.js", import.meta.url));

/** One record of an S3 event notification, as s3rver emits it (the fields the tests read). */
export interface S3NotificationRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer: string } };
}

/** A running s3rver child process. */
export interface RunningS3rver {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts s3rver-child.js (s3rver 3.7.1 under --openssl-legacy-provider, which its ListObjectsV2
 * paging needs on Node 22) over `directory`, on 127.0.0.1 and a port the system picks, with
 * `bucket` created; with `onEvent`, every event notification record s3rver emits is handed to it.
 *
 * @example
 * const s3rver = await startS3rver(await tempDir("cds-s3rver-"), "cds-test");
 * const client = new S3Client({ endpoint: s3rver.endpoint, forcePathStyle: true, region: "us-east-1" });
 * await s3rver.stop();
 */
export async function startS3rver(directory: string, bucket: string, onEvent?: (record: S3NotificationRecord) => void): Promise<RunningS3rver> {
  const args = ["--openssl-legacy-provider", s3rverChildScript, directory, bucket, ...(onEvent ? ["--events"] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`s3rver exited with ${code}`))));
  exited.catch(() => undefined);
  const lines = createInterface({ input: child.stdout! });
  const firstLine = new Promise<string>((resolve) => lines.once("line", resolve));
  if (onEvent) {
    lines.on("line", (line) => {
      const message = JSON.parse(line) as { event?: S3NotificationRecord };
      if (message.event) onEvent(message.event);
    });
  }
  const { port } = JSON.parse(await Promise.race([firstLine, exited])) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.stdin!.end();
      await gone;
    },
  };
}
