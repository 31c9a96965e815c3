import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

/**
 * The top-level folder names of a bucket (`<name>/` common prefixes), as the library bucket
 * holds one library per folder.
 *
 * @example
 * for await (const name of topLevelFolders(s3, "dev-library")) console.log(name);
 */
export async function* topLevelFolders(client: S3Client, bucket: string): AsyncIterable<string> {
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/", ContinuationToken: token }));
    for (const { Prefix } of page.CommonPrefixes ?? []) if (Prefix) yield Prefix.slice(0, -1);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
