import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CdsError } from "@cds/core";

/**
 * An object's bytes, refusing one over `limit` before its body is read; undefined when it does
 * not exist.
 *
 * @example
 * const page = await boundedGet(s3, "cds-results", "results/s1.html", 4 * 1024 * 1024);
 */
export async function boundedGet(client: S3Client, bucket: string, key: string, limit: number): Promise<Uint8Array | undefined> {
  try {
    const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if ((answer.ContentLength ?? 0) > limit) {
      await answer.Body?.transformToByteArray().catch(() => undefined);
      throw new CdsError(`s3://${bucket}/${key} is ${answer.ContentLength} bytes, more than the ${limit} expected`);
    }
    return await answer.Body!.transformToByteArray();
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
}
