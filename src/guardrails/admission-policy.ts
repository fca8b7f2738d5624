import { Construct } from 'constructs';
import { AdmissionForm } from './rule';
import { PlainApiObject } from '../constructs/plain-api-object';

export interface GuardrailAdmissionPolicyProps {
  /** Guardrail id, e.g. `WAL001`. */
  readonly ruleId: string;
  /** Environment whose namespace the binding covers. */
  readonly environment: string;
  readonly namespace: string;
  /** The rule's CEL form for this environment. */
  readonly form: AdmissionForm;
  /** `Deny` for errors; `Warn` and `Audit` for warnings and suppressed rules. */
  readonly validationActions: readonly ('Deny' | 'Warn' | 'Audit')[];
}

/**
 * A guardrail enforced at admission: a ValidatingAdmissionPolicy compiled from the rule's CEL
 * form and a binding to one environment's namespace, so a hand-applied object meets the same
 * rule as a synthesized one. Needs Kubernetes 1.30 or later.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
 */
export class GuardrailAdmissionPolicy extends Construct {
  public readonly policyName: string;

  constructor(scope: Construct, id: string, props: GuardrailAdmissionPolicyProps) {
    super(scope, id);
    this.policyName = `cnpg-gitops-${props.environment}-${props.ruleId.toLowerCase()}`;
    const labels = { 'app.kubernetes.io/managed-by': 'cnpg-gitops', 'cnpg-gitops.io/guardrail': props.ruleId };
    const groups = [...new Set(props.form.resources.map((resource) => resource.apiGroup))].sort();
    new PlainApiObject(this, 'Resource', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: this.policyName, labels },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: groups.map((group) => {
            const resources = props.form.resources.filter((resource) => resource.apiGroup === group);
            return {
              apiGroups: [group],
              apiVersions: ['*'],
              resources: resources.map((resource) => resource.resource),
              operations: [...new Set(resources.flatMap((resource) => resource.operations))],
            };
          }),
        },
        matchConditions: props.form.matchConditions?.map((condition) => ({ ...condition })),
        validations: props.form.validations.map((validation) => ({ ...validation })),
      },
    });
    new PlainApiObject(this, 'Binding', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: this.policyName, labels },
      spec: {
        policyName: this.policyName,
        validationActions: [...props.validationActions],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': props.namespace } } },
      },
    });
  }
}
