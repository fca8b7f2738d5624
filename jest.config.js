/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Half the suites wait on child processes (psql, kubectl, cdk8s): two workers keep both cores busy.
  maxWorkers: 2,
  // Generous: the tests must pass on a loaded machine (jest's default is 5 s). Speed is measured
  // by `npm run bench`, never by a test.
  testTimeout: 120_000,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(ts|js)$': '<rootDir>/test/helpers/esbuild-transform.js' },
  transformIgnorePatterns: ['/node_modules/(?!@marcbachmann/cel-js/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  // The examples import the library by its name, as a user's app does: here, the code under test.
  moduleNameMapper: { '^cnpg-gitops$': '<rootDir>/src/index.ts' },
  // A temporary directory of the run's own, removed when it ends (test/helpers/global-setup.js).
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.js',
  setupFilesAfterEnv: ['<rootDir>/test/helpers/setup.ts'],
  testSequencer: '<rootDir>/test/helpers/test-sequencer.js',
};
