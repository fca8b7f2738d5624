import { disablesTimeout, pgDurationMilliseconds } from '../../src/values/pg-duration';
import { startPostgres, TestServer } from '../helpers/postgres';

/**
 * The time settings are read as PostgreSQL 18 reads them: each spelling is set on a real server
 * and the milliseconds it holds (pg_settings.setting of lock_timeout) compared with ours.
 */
let server: TestServer;
beforeAll(async () => { server = await startPostgres(); }, 60_000);
afterAll(() => server?.stop());

const SPELLINGS = ['0', '0s', '0ms', '0min', ' 0 ', '00', '-0', '+0', '0.0', '0.4ms', '0.5ms', '0.6ms', '1us', '499us', '500us', '501us', '0.0001s', '1e-9s',
  '0 s', '0 min', '0d', '0x0', '0x10', '0e5', '1e3', '1', '1.5', '2.5', '0.4', '0.5', '0.7', '007', '010', '5s', '1h', '1 h', '1.5min', '1d', '2147483647', '0S', 'soon', '5 seconds'];

test.each(SPELLINGS)('lock_timeout = %j holds what the server holds', (spelling) => {
  let server_ms: number | undefined;
  try {
    server_ms = Number(server.psql(`SELECT set_config('lock_timeout', '${spelling}', false), (SELECT setting FROM pg_settings WHERE name = 'lock_timeout')`).split('|')[1]);
  } catch {
    server_ms = undefined;
  }
  expect(pgDurationMilliseconds(spelling)).toBe(server_ms);
  expect(disablesTimeout(spelling)).toBe(server_ms === 0);
});
