import { cachedResult } from '../../result-cache';
import { manifestDigest } from '../../values/manifest-json';
import { Guardrail } from '../rule';

/** kustomize-controller skips an object whose label or annotation has exactly this value (fluxcd/pkg kustomize/kustomize_varsub.go). */
const SUBSTITUTE = 'kustomize.toolkit.fluxcd.io/substitute';
const DISABLED = 'disabled';

/** The first key or string of a manifest holding `${`, as a path: Flux's envsubst reads every `${`, keys included (`$${` too: it drops one `$`). */
function firstSubstitution(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('${') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
    if (key.includes('${')) return at;
    const found = firstSubstitution(child, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

export const substitutionSafe: Guardrail = {
  id: 'FLX001',
  title: 'Objects containing ${ are protected from Flux variable substitution',
  explanation: 'When a Flux Kustomization enables postBuild substitution, every ${var} in the applied objects (any kind, any field, keys included) is replaced, and since kustomize-controller 1.9 an unknown variable fails the whole reconciliation: a shell script, SQL dollar-quoting, a password or an annotation would be silently rewritten or block the deploy. Only the label or annotation kustomize.toolkit.fluxcd.io/substitute with the exact value "disabled" stops it.',
  fix: 'let the constructs render the object (they add kustomize.toolkit.fluxcd.io/substitute: disabled where needed), or add that annotation to the override; or remove the ${ from the config value',
  configField: 'migrations.applied',
  kinds: ['*'],
  check(object) {
    // Only what is written to the tree and applied by Flux: a review object (a migration's analysis) is not.
    if (object.manifest.apiVersion === undefined) return [];
    // Most objects hold no ${ at all: an object rendered the same as in an earlier run is not searched again.
    if (cachedResult('substitution-free', manifestDigest(object.manifest), () => !JSON.stringify(object.manifest).includes('${'))) return [];
    const where = firstSubstitution(object.manifest, '');
    if (where === undefined) return [];
    const { labels, annotations } = object.manifest.metadata ?? {};
    if (labels?.[SUBSTITUTE] === DISABLED || annotations?.[SUBSTITUTE] === DISABLED) return [];
    return [{ message: `${object.kind} ${object.name} contains \${ (at ${where}) but is not marked ${SUBSTITUTE}: ${DISABLED}`, value: annotations?.[SUBSTITUTE] ?? labels?.[SUBSTITUTE] ?? '(unset)' }];
  },
};
