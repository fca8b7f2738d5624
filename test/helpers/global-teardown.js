// Removes the run's temporary directory (test/helpers/global-setup.js).
const { rmSync } = require('node:fs');

module.exports = async function teardown() {
  const root = process.env.CNPG_GITOPS_TEST_TMPDIR;
  if (root) rmSync(root, { recursive: true, force: true });
};
