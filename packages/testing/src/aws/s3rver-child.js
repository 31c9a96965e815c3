// Runs s3rver in its own process, for the tests. s3rver 3.7.1 encrypts ListObjectsV2
// continuation tokens with DES, which Node 22's OpenSSL 3 only offers under
// --openssl-legacy-provider: the parent starts this file with that flag, so the flag stays out
// of the test workers. Usage: node --openssl-legacy-provider s3rver-child.js <directory> <bucket> [--events];
// prints {"port": n} on stdout once listening, and exits when stdin closes (the parent died).
// With --events it then prints each S3 event notification record s3rver emits (one object
// created or removed, after it is stored) as a line {"event": record}, for the parent to turn
// into what S3's EventBridge notifications would send.
import S3rver from "s3rver";

const [directory, bucket, ...flags] = process.argv.slice(2);
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
if (flags.includes("--events")) {
  server.on("event", (notification) => {
    for (const record of notification.Records) process.stdout.write(`${JSON.stringify({ event: record })}\n`);
  });
}
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
