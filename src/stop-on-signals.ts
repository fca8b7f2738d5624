import { constants } from 'node:os';

/**
 * An AbortSignal that SIGTERM and SIGINT abort, for `synthesize`: before its commit point
 * nothing is written; after it, the commit is finished first. run-app.mjs sends SIGTERM when the
 * `cdk8s synth` that started the app is gone.
 */
export function stopOnSignals(): AbortSignal {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stop.signal.aborted) process.stderr.write(`${signal}: stopping the synthesis (a write already begun is finished first)\n`);
    stop.abort(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return stop.signal;
}

/**
 * Resolves once a signal that arrived during synchronous work has been handled: Node handles
 * signals in the event loop's poll phase, and the second of two immediates runs after one.
 */
export async function pendingSignalsHandled(): Promise<void> {
  for (let turn = 0; turn < 2; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** 128 + the signal's number once a signal stopped the process, as a shell reports it; else `code`. */
export async function exitCode(signal: AbortSignal, code: number): Promise<number> {
  await pendingSignalsHandled();
  return signal.aborted ? 128 + constants.signals[signal.reason as NodeJS.Signals] : code;
}
