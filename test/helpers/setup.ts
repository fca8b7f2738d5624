import { loadSqlParser } from '../../src/migrations/sql-parser';

// Synthesis parses migration SQL with libpg_query, whose WebAssembly module loads asynchronously.
beforeAll(() => loadSqlParser());
