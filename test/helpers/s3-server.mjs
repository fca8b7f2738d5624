// Runs an S3-compatible server (s3rver) on 127.0.0.1 for one test file, in its own process:
// inside a jest worker, every spawnSync of the tests would block the event loop that has to
// answer barman's requests. Prints "ready <port>" and serves until stdin closes.
// Usage: node s3-server.mjs <directory> <bucket>...
// s3rver checks AWS Signature V4 against its one key pair, S3RVER / S3RVER, and keeps each
// object as <directory>/<bucket>/<key>._S3rver_object.
import S3rver from 's3rver';

const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});
try {
  const { port } = await server.run();
  process.stdout.write(`ready ${port}\n`);
} catch (error) {
  process.stderr.write(`s3rver failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
}
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close();
  process.exit(0);
});
