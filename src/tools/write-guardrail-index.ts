import { writeFileSync } from 'node:fs';
import { renderGuardrailIndex } from '../guardrails/catalog';

writeFileSync('docs/GUARDRAILS.md', renderGuardrailIndex());
process.stderr.write('docs/GUARDRAILS.md written\n');
