// A real S3-compatible server for the tests (s3rver, see docs/dependencies.md), as its own process:
// node test/support/s3-server-child.mjs <data dir> <bucket>; prints {"port": N} once it listens, stops on SIGTERM.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
