// Validates built-in Kubernetes objects (JSON array on stdin) against the upstream OpenAPI
// schemas compiled into kubernetes-models; prints a JSON array of error strings. It runs as its
// own ES module process because kubernetes-models ships ES modules only, which jest's CommonJS
// runtime cannot load. Note: these schemas check types, required fields, enums and formats,
// but (unlike the strict CRD check) do not reject unknown fields.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = dirname(createRequire(import.meta.url).resolve('kubernetes-models/package.json'));
const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => { text += chunk; }).on('end', () => resolve(text));
}));
const errors = [];
for (const manifest of input) {
  const module = join(root, manifest.apiVersion, `${manifest.kind}.js`);
  if (!existsSync(module)) {
    errors.push(`no Kubernetes schema for ${manifest.apiVersion} ${manifest.kind}`);
    continue;
  }
  const Model = (await import(module))[manifest.kind];
  try {
    new Model(manifest).validate();
  } catch (error) {
    errors.push(`${manifest.kind}/${manifest.metadata?.name}: ${error.message}`);
  }
}
process.stdout.write(JSON.stringify(errors));
