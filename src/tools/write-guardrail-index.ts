import { writeFileSync } from 'node:fs';
import { renderGuardrailIndex } from '../guardrails/catalog';

// `npm run docs -- <file>` writes elsewhere (the catalog test compares it with the committed index).
const target = process.argv[2] ?? 'docs/GUARDRAILS.md';
writeFileSync(target, renderGuardrailIndex());
process.stderr.write(`${target} written\n`);
