import { loadSqlParser } from '../../src/migrations/sql-parser';
import { synthesize } from '../../src/synthesize';
import { largeEstate } from '../../src/tools/large-estate';

// Synthesizes a large generated estate into the Flux tree at argv[2] (scratch files in argv[3]),
// printing "rendering" first: the interruption test kills it while it renders.
void loadSqlParser().then(async () => {
  const [fluxRoot, scratch] = process.argv.slice(2);
  const estate = largeEstate(scratch, { migrations: 300 });
  process.stdout.write('rendering\n');
  await synthesize({ ...estate, fluxRoot });
});
