import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** An S3-compatible server on 127.0.0.1 (s3rver, in a child process) for one test file. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`, for `--endpoint-url`. */
  readonly endpoint: string;
  /** The only credentials it accepts (it checks Signature V4). */
  readonly credentials: { readonly AWS_ACCESS_KEY_ID: string; readonly AWS_SECRET_ACCESS_KEY: string };
  /** The keys stored in `bucket` below `prefix`, sorted (read from its directory, no S3 client needed). */
  keys(bucket: string, prefix?: string): string[];
  stop(): Promise<void>;
}

const OBJECT_SUFFIX = '._S3rver_object';

function filesBelow(directory: string): string[] {
  let entries;
  try { entries = readdirSync(directory, { withFileTypes: true }); } catch { return []; }
  return entries.flatMap((entry) => entry.isDirectory() ? filesBelow(join(directory, entry.name)) : [join(directory, entry.name)]);
}

/** Starts a server keeping its objects in `directory`, with these buckets created. */
export async function startS3(directory: string, buckets: readonly string[]): Promise<S3Server> {
  const child = spawn(process.execPath, [join(__dirname, 's3-server.mjs'), directory, ...buckets], { stdio: ['pipe', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk) => { errors += chunk; });
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within 30 s: ${errors}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      const ready = /ready (\d+)/.exec(String(chunk));
      if (ready) { clearTimeout(timer); resolve(ready[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`s3rver exited (${code}): ${errors}`)); });
  });
  child.removeAllListeners('exit');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
    keys: (bucket, prefix = '') => filesBelow(join(directory, bucket))
      .filter((file) => file.endsWith(OBJECT_SUFFIX))
      .map((file) => relative(join(directory, bucket), file).slice(0, -OBJECT_SUFFIX.length))
      .filter((key) => key.startsWith(prefix))
      .sort(),
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.on('exit', () => resolve());
      child.stdin.end();
    }),
  };
}
