import { disablesTimeout, pgDurationMilliseconds } from '../../src/values/pg-duration';
import { startPostgres, TestServer } from '../helpers/postgres';

/**
 * The time settings are read as PostgreSQL 18 reads them: each spelling is set on a real server
 * and the milliseconds it holds (pg_settings.setting of lock_timeout) compared with ours.
 */
const SPELLINGS = ['0', '0s', '0ms', '0min', ' 0 ', '00', '-0', '+0', '0.0', '0.4ms', '0.5ms', '0.6ms', '1us', '499us', '500us', '501us', '0.0001s', '1e-9s',
  '0 s', '0 min', '0d', '0x0', '0x10', '0e5', '1e3', '1', '1.5', '2.5', '0.4', '0.5', '0.7', '007', '010', '5s', '1h', '1 h', '1.5min', '1d', '2147483647', '0S', 'soon', '5 seconds'];

/** The milliseconds the server holds for each spelling, or undefined where it refuses it. */
const held = new Map<string, number | undefined>();

beforeAll(async () => {
  const server: TestServer = await startPostgres();
  try {
    // One query for all spellings (a psql process each took seconds): each is set on its own, a
    // refused one rolled back, then read.
    server.psql([
      'CREATE FUNCTION held(spelling text) RETURNS text LANGUAGE plpgsql AS $$',
      "BEGIN PERFORM set_config('lock_timeout', spelling, false); RETURN (SELECT setting FROM pg_settings WHERE name = 'lock_timeout');",
      "EXCEPTION WHEN invalid_parameter_value THEN RETURN 'refused'; END $$",
    ].join('\n'));
    const settings = server.psql(`SELECT held(spelling) FROM unnest(ARRAY[${SPELLINGS.map((spelling) => `'${spelling}'`).join(', ')}]) WITH ORDINALITY AS spellings(spelling, position) ORDER BY position`).split('\n');
    expect(settings).toHaveLength(SPELLINGS.length);
    SPELLINGS.forEach((spelling, index) => held.set(spelling, settings[index] === 'refused' ? undefined : Number(settings[index])));
  } finally {
    await server.stop();
  }
}, 60_000);

test.each(SPELLINGS)('lock_timeout = %j holds what the server holds', (spelling) => {
  const server_ms = held.get(spelling);
  expect(pgDurationMilliseconds(spelling)).toBe(server_ms);
  expect(disablesTimeout(spelling)).toBe(server_ms === 0);
});
