import { evaluate } from '@marcbachmann/cel-js';

/**
 * The project's ValidatingAdmissionPolicies, evaluated by a real CEL engine the way the API
 * server evaluates them: match the resource rules, then the match conditions, then every
 * validation. There is no API server here, so this harness stands in for its matching step.
 */
export const PLURALS: Record<string, string> = { Cluster: 'clusters', Backup: 'backups', ScheduledBackup: 'scheduledbackups', Job: 'jobs', ObjectStore: 'objectstores' };

export interface Policy { name: string; spec: any }

/** The policies among rendered objects. */
export function policiesIn(objects: readonly any[]): Policy[] {
  return objects.filter((o) => o.kind === 'ValidatingAdmissionPolicy').map((o) => ({ name: o.metadata.name, spec: o.spec }));
}

/** The messages of every policy that denies the request (an empty list: admitted). */
export function admission(policies: readonly Policy[], operation: 'CREATE' | 'UPDATE' | 'DELETE', object: any, oldObject: any = null): string[] {
  const subject = object ?? oldObject;
  const [group] = String(subject.apiVersion).includes('/') ? subject.apiVersion.split('/') : [''];
  const denials: string[] = [];
  for (const policy of policies) {
    const matches = policy.spec.matchConstraints.resourceRules.some((rule: any) =>
      rule.apiGroups.includes(group) && rule.resources.includes(PLURALS[subject.kind]) && rule.operations.includes(operation));
    if (!matches) continue;
    const context = { object, oldObject };
    if (!(policy.spec.matchConditions ?? []).every((condition: any) => evaluate(condition.expression, context) === true)) continue;
    for (const validation of policy.spec.validations) {
      if (evaluate(validation.expression, context) !== true) denials.push(validation.message);
    }
  }
  return denials;
}
