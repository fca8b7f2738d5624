// Removes the run's temporary directory (test/helpers/global-setup.js) and puts TMPDIR back as
// the run found it: jest --watch runs setup again in this process for the next run.
const { rmSync } = require('node:fs');
const { restore } = require('./global-setup.js');

module.exports = async function teardown() {
  const root = process.env.CNPG_GITOPS_TEST_TMPDIR;
  if (root) rmSync(root, { recursive: true, force: true });
  restore();
};
