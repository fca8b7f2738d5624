#!/usr/bin/env node
// `npm run synth [-- <cdk8s synth options>]`: runs `cdk8s synth`, the entry point CI keeps, and
// passes its output through but for one thing. When the app fails, cdk8s-cli ends with its own
// report of the app's exit code: `Error: command "node src/tools/run-app.mjs " at <dir> returned a
// non-zero exit code 1` and a Node stack trace (node_modules/cdk8s-cli/lib/util.js, shell()),
// after the app's summary. The app already said everything: that report is left out, so the
// output ends with the summary. Every other line of cdk8s-cli, and its exit code, pass unchanged.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
/** cdk8s-cli's report that the app exited non-zero, and the stack frames under it. */
const APP_FAILED = /^Error: command ".*" at .* returned a non-zero exit code \d+$/;
const STACK_FRAME = /^\s+at /;

const child = spawn(join(root, 'node_modules/.bin/cdk8s'), ['synth', ...process.argv.slice(2)], {
  stdio: ['inherit', 'inherit', 'pipe'],
  env: { CDK8S_CHECK_UPGRADE: 'false', ...process.env },
});

let pending = '';
let inReport = false;
function pass(line) {
  inReport = APP_FAILED.test(line) || (inReport && STACK_FRAME.test(line));
  if (!inReport) process.stderr.write(`${line}\n`);
}
child.stderr.setEncoding('utf8');
child.stderr.on('data', (chunk) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop();
  lines.forEach(pass);
});

// A signal to this process is meant for the synthesis: cdk8s-cli and the app stop on it (the app
// writes nothing, or finishes its commit first), then this process ends the same way.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const signal of SIGNALS) process.on(signal, () => child.kill(signal));

child.on('close', (code, signal) => {
  if (pending !== '') pass(pending);
  if (signal) {
    for (const name of SIGNALS) process.removeAllListeners(name);
    process.kill(process.pid, signal);
  } else {
    process.exitCode = code ?? 1;
  }
});
