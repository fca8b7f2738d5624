// The smallest entry point run-app.mjs can bundle: test/tools/run-app.test.ts runs it.
process.stdout.write(`hello from ${process.pid}\n`);
