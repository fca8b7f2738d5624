import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/types';
import { GuardrailAdmissionPolicy } from '../guardrails/admission-policy';
import { FluxChart } from '../flux/flux-chart';
import { policiesDirectory } from '../flux/layout';
import { parametersOf, severityOf } from '../guardrails/packs';
import { GUARDRAILS } from '../guardrails/rules';

export interface CnpgPoliciesChartProps {
  readonly environment: EnvironmentConfig;
}

/**
 * The guardrails that can be checked on a single object, compiled to ValidatingAdmissionPolicies
 * for one environment with the pack's severities: errors deny, warnings warn, rules the
 * environment suppresses are only audited, rules that are off are left out.
 */
export class CnpgPoliciesChart extends FluxChart {
  public readonly policies: GuardrailAdmissionPolicy[];

  constructor(scope: Construct, id: string, props: CnpgPoliciesChartProps) {
    const env = props.environment;
    super(scope, id, { environment: env, directory: policiesDirectory(env.name) });
    const suppressed = new Set((env.suppressions ?? []).map((suppression) => suppression.id));
    this.policies = GUARDRAILS.filter((rule) => rule.admission !== undefined && severityOf(rule.id, env.name) !== 'off').map((rule) => {
      const severity = severityOf(rule.id, env.name);
      return new GuardrailAdmissionPolicy(this, rule.id, {
        ruleId: rule.id,
        environment: env.name,
        namespace: env.namespace,
        form: rule.admission!(parametersOf(env.name)),
        validationActions: suppressed.has(rule.id) ? ['Audit'] : severity === 'error' ? ['Deny'] : ['Warn', 'Audit'],
      });
    });
  }
}
