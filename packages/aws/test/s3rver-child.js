// Runs s3rver in its own process, for the tests. s3rver 3.7.1 encrypts ListObjectsV2
// continuation tokens with DES, which Node 22's OpenSSL 3 only offers under
// --openssl-legacy-provider: the parent starts this file with that flag, so the flag stays out
// of the test workers. Usage: node --openssl-legacy-provider s3rver-child.js <directory> <bucket>;
// prints {"port": n} on stdout once listening, and exits when stdin closes (the parent died).
import S3rver from "s3rver";

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
