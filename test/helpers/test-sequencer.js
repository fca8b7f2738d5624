// The order jest starts test files in: the longest first, so that neither of the two workers is
// left running a long file alone at the end. Jest orders by the durations it cached from the
// last run, and without them (a fresh clone, as in CI) by file size, which starts
// test/docs.test.ts (about 50 s) among the last. These files, longest first as measured with
// `npx jest --json` on 2 cores, start first in every run; the rest follow in jest's own order.
const Sequencer = require('@jest/test-sequencer').default;
const { existsSync } = require('node:fs');
const { join, relative } = require('node:path');

const LONGEST = [
  'test/migrations/pitr.test.ts',
  'test/docs.test.ts',
  'test/property/bad-input.test.ts',
  'test/migrations/runner.test.ts',
  'test/flux/kill-synthesis.test.ts',
  'test/tools/synth-output.test.ts',
  'test/synthesize.test.ts',
  'test/sql-corpus/oracle.test.ts',
  'test/runbooks/commands.test.ts',
  'test/property/write-to-disk.test.ts',
  'test/result-cache.test.ts',
  'test/flux/fault-injection.test.ts',
];

class LongestFirst extends Sequencer {
  async sort(tests) {
    const rootDir = tests[0]?.context.config.rootDir;
    const gone = LONGEST.filter((file) => rootDir !== undefined && !existsSync(join(rootDir, file)));
    if (gone.length > 0) throw new Error(`test/helpers/test-sequencer.js: LONGEST names ${gone.join(', ')}, which no longer exist: remove or rename them there`);
    const rank = (test) => {
      const index = LONGEST.indexOf(relative(test.context.config.rootDir, test.path));
      return index === -1 ? LONGEST.length : index;
    };
    return [...(await super.sort(tests))].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestFirst;
