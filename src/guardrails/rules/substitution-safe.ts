import { Guardrail } from '../rule';

const SUBSTITUTE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/substitute';

export const substitutionSafe: Guardrail = {
  id: 'FLX001',
  title: 'Objects containing ${ are protected from Flux variable substitution',
  explanation: 'When a Flux Kustomization enables postBuild substitution, every ${var} in the applied objects is replaced, and since kustomize-controller 1.9 an unknown variable fails the whole reconciliation: a shell script or SQL dollar-quoting would be silently rewritten or block the deploy.',
  fix: 'let the constructs render the object (they add kustomize.toolkit.fluxcd.io/substitute: disabled where needed), or add that annotation to the override',
  configField: 'migrations.applied',
  kinds: ['ConfigMap', 'Job', 'Secret'],
  check(object) {
    if (!JSON.stringify(object.manifest).includes('${')) return [];
    const annotation = object.manifest.metadata?.annotations?.[SUBSTITUTE_ANNOTATION];
    return annotation === 'disabled' ? [] : [{ message: `${object.kind} ${object.name} contains \${ but is not marked ${SUBSTITUTE_ANNOTATION}: disabled`, value: annotation ?? '(unset)' }];
  },
};
